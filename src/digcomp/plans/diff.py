"""What a plan version changes from the one it revises — a rule, no I/O. Each outcome of the new version is compared
with the one it continues (``carried_from``): its texts and criteria per language, its competences and targets, its
assessment methods and its programme module; outcomes with nothing to continue are new, those nobody continues are
removed. All three parties read this before they confirm, and the mentor and learner get it by e-mail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    added = "added"
    removed = "removed"
    changed = "changed"


@dataclass(frozen=True)
class Shape:
    """An outcome as the comparison sees it."""

    id: int
    position: int
    text: Mapping[str, str]
    criteria: Mapping[str, str] = field(default_factory=dict)
    methods: Sequence[str] = ()
    module_code: str = ""
    targets: Sequence[tuple[str, str, int]] = ()  # (framework, competence, target level)
    carried_from: int | None = None


@dataclass(frozen=True)
class Part:
    """One changed part of an outcome: ``text`` or ``criteria`` (with its language), ``targets``, ``methods`` or
    ``module``; before and after as the plan holds them."""

    name: str
    before: object
    after: object
    language: str = ""


@dataclass(frozen=True)
class Change:
    kind: Kind
    number: int  # the outcome's number in the version it is in (removed: in the earlier version)
    text: Mapping[str, str]
    fields: tuple[Part, ...] = ()


def _per_language(name: str, before: Mapping[str, str], after: Mapping[str, str]) -> list[Part]:
    return [
        Part(name, before.get(language, ""), after.get(language, ""), language)
        for language in sorted({*before, *after})
        if before.get(language, "") != after.get(language, "")
    ]


def _fields(before: Shape, after: Shape) -> tuple[Part, ...]:
    found = [
        *_per_language("text", before.text, after.text),
        *_per_language("criteria", before.criteria, after.criteria),
    ]
    if list(before.targets) != list(after.targets):
        found.append(Part("targets", list(before.targets), list(after.targets)))
    if list(before.methods) != list(after.methods):
        found.append(Part("methods", list(before.methods), list(after.methods)))
    if before.module_code != after.module_code:
        found.append(Part("module", before.module_code, after.module_code))
    return tuple(found)


def compare(previous: Sequence[Shape], current: Sequence[Shape]) -> list[Change]:
    """The changes from ``previous`` (the agreed version) to ``current``, in the order of the current version, the
    removed outcomes last. An empty list: nothing changed."""
    earlier = {shape.id: (number, shape) for number, shape in enumerate(sorted(previous, key=_order), start=1)}
    changes: list[Change] = []
    continued: set[int] = set()
    for number, shape in enumerate(sorted(current, key=_order), start=1):
        before = earlier.get(shape.carried_from) if shape.carried_from is not None else None
        if before is None:
            changes.append(Change(Kind.added, number, shape.text))
            continue
        continued.add(before[1].id)
        fields = _fields(before[1], shape)
        if fields:
            changes.append(Change(Kind.changed, number, shape.text, fields))
    changes += [Change(Kind.removed, n, s.text) for ident, (n, s) in earlier.items() if ident not in continued]
    return changes


def _order(shape: Shape) -> tuple[int, int]:
    return (shape.position, shape.id)
