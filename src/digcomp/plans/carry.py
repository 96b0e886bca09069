"""What an assessment keeps when the plan is revised — a rule, no I/O.

A new plan version copies the agreed one; each outcome and each competence target of the copy is linked to the one it
continues. What was assessed under an earlier version is linked, never copied: every item keeps the outcome or target
it was made under (so the record says under which version it was made), and the current version reads it through the
links.

- An outcome keeps its identification, evidence and notes however it was revised (reworded, criteria or targets
  changed): they document the work the learner did for it.
- A competence target keeps its ratings and self-assessments only while it is the same competence of the same framework
  at the same target level: a changed target starts fresh, the old judgements stay in the history.
- A new outcome or target starts fresh; a removed one keeps its history but is no longer assessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TargetKey:
    framework: str
    competence: str
    target_level: int


def continued_target(previous: Mapping[TargetKey, int], revised: TargetKey) -> int | None:
    """The target of the previous version a revised outcome's target continues: the one with the same framework,
    competence and target level; None for a changed or new target."""
    return previous.get(revised)


def lineage(start: int, predecessor: Mapping[int, int | None]) -> tuple[int, ...]:
    """``start`` and the outcomes (or targets) it continues, newest first, following the links back."""
    chain = [start]
    seen = {start}
    while (earlier := predecessor.get(chain[-1])) is not None and earlier not in seen:
        chain.append(earlier)
        seen.add(earlier)
    return tuple(chain)


def current_of(lineages: Iterable[Sequence[int]]) -> dict[int, int]:
    """For every id in the lineages, the current id it is read under (the first of its lineage)."""
    return {earlier: chain[0] for chain in lineages for earlier in chain}
