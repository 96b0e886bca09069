"""The learner's short self-assessment: for each planned competence a few "I can" statements — the framework's level
descriptor at the target level, one level below and one above, and a DigComp 3.0 learning outcome where the
crosswalk gives one — each answered yes / partly / not yet. The answers give the self-assessed level.

Plain functions over the framework: no storage, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from statistics import mean

from digcomp.framework import Catalog
from digcomp.framework.models import Framework

NEWER_FRAMEWORK = "digcomp-3.0"  # its learning outcomes make the statements concrete
SKILL_VERBS = ("use", "identify", "create", "apply", "select", "manage", "share", "protect", "search", "evaluate")
ENOUGH = 0.75  # the share of "yes" (partly counts half) that shows a level is reached


class Answer(StrEnum):
    yes = "yes"
    partly = "partly"
    not_yet = "not_yet"


SCORE = {Answer.yes: 1.0, Answer.partly: 0.5, Answer.not_yet: 0.0}


@dataclass(frozen=True)
class CanDo:
    key: str  # stable across requests: framework/competence/level/n
    level: int  # the level the statement describes
    text: dict[str, str]  # per language, the framework's official text as it is (a descriptor fragment may end "and")
    preamble: dict[str, str]  # how independently, at that level ("On my own … I can:")


def _statements(framework: Framework, competence: str, level: int, limit: int) -> list[CanDo]:
    preamble = dict(framework.level_by_number[level].statement_preamble or {})
    found = []
    for n, statement in enumerate(framework.statements_at(competence, level)[:limit]):
        found.append(CanDo(f"{framework.id}/{competence}/{level}/{n}", level, dict(statement.text), preamble))
    return found


def _newer_outcome(catalog: Catalog, framework_id: str, competence: str, level: int) -> list[CanDo]:
    if framework_id == NEWER_FRAMEWORK or NEWER_FRAMEWORK not in catalog.frameworks:
        return []
    newer = catalog.get(NEWER_FRAMEWORK)
    for counterpart in catalog.counterparts(framework_id, competence):
        if counterpart.framework != NEWER_FRAMEWORK or level not in newer.level_by_number:
            continue
        statements = newer.statements_at(counterpart.competence, level)
        practical = [s for s in statements if s.text.get("en", "").split(" ")[0].lower() in SKILL_VERBS]
        chosen = (practical or statements)[:1]
        return [CanDo(f"{NEWER_FRAMEWORK}/{counterpart.competence}/{level}/x", level, dict(s.text), {}) for s in chosen]
    return []


def can_do(catalog: Catalog, framework_id: str, competence: str, target: int) -> list[CanDo]:
    """The statements for one planned competence, lowest level first: one below the target, the target's (at most
    two, plus one DigComp 3.0 learning outcome), one above."""
    framework = catalog.get(framework_id)
    items: list[CanDo] = []
    if target - 1 >= 1:
        items += _statements(framework, competence, target - 1, 1)
    items += _statements(framework, competence, target, 2)
    items += _newer_outcome(catalog, framework_id, competence, target)
    if target + 1 <= framework.max_level:
        items += _statements(framework, competence, target + 1, 1)
    return items


def level_from(items: list[CanDo], answers: dict[str, Answer], target: int) -> int:
    """The self-assessed level: the highest level whose statements (and every lower one's) are mostly met; two
    below the target (at least 0) when even the lowest is not."""
    level = max(target - 2, 0)
    for at in sorted({item.level for item in items}):
        scores = [SCORE[answers[item.key]] for item in items if item.level == at and item.key in answers]
        if not scores or mean(scores) < ENOUGH:
            break
        level = at
    return level
