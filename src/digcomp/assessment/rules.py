"""The validation stages of the Cedefop European guidelines, applied to each agreed outcome of a mobility.

identified  -- the learner worked on the outcome (or it is recorded as not worked on)
documented  -- evidence exists: files, links, observation notes
assessed    -- every competence of the outcome has at least one assessor's rating
validated   -- the sending school's validator confirmed the result; the record is locked

Combining assessors (shown to users as written here): when every assessor gives the same level, that is the
result ("unanimous"). When assessors differ, nothing is averaged: the validator must decide the level, with a
justification, and the decision is recorded as the validator's. A validator who rated a competence cannot
validate that mobility.
Plain Python, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from digcomp.errors import Conflict, Invalid
from digcomp.store.models import Decision, ResultStatus

NOT_ACHIEVED = 0
COMBINING_RULE = (
    "When all assessors give the same level, that level is the result. When they differ, the levels are not "
    "averaged: the validator decides the level and justifies it."
)


class Stage(StrEnum):
    planned = "planned"
    identified = "identified"
    documented = "documented"
    assessed = "assessed"
    validated = "validated"


@dataclass(frozen=True)
class Target:
    id: int
    competence: str
    target_level: int
    max_level: int


@dataclass
class OutcomeFacts:
    number: int  # 1-based position in the plan, for messages
    targets: list[Target]
    worked_on: bool | None = None
    evidence_count: int = 0
    ratings: dict[int, dict[int, int]] = field(default_factory=dict)  # target id -> assessor id -> level


@dataclass(frozen=True)
class Combined:
    level: int | None  # None while unrated or when assessors differ
    levels: dict[int, int]
    disagreement: bool


def combine(levels: Mapping[int, int]) -> Combined:
    distinct = set(levels.values())
    if not distinct:
        return Combined(None, dict(levels), False)
    if len(distinct) == 1:
        return Combined(next(iter(distinct)), dict(levels), False)
    return Combined(None, dict(levels), True)


def outcome_stage(facts: OutcomeFacts, validated: bool) -> Stage:
    if validated:
        return Stage.validated
    if facts.worked_on is None:
        return Stage.planned
    if facts.worked_on is False:
        return Stage.assessed  # nothing to document or assess: recorded as not worked on
    if facts.evidence_count == 0:
        return Stage.identified
    if all(facts.ratings.get(t.id) for t in facts.targets):
        return Stage.assessed
    return Stage.documented


def ensure_open(validated: bool) -> None:
    if validated:
        raise Conflict("the mobility's result is validated and locked; nothing can be changed")


def check_rating(facts: OutcomeFacts, target: Target, level: int, validated: bool) -> None:
    ensure_open(validated)
    if facts.worked_on is None:
        raise Conflict(f"outcome {facts.number} has not been identified yet: record whether the learner worked on it")
    if facts.worked_on is False:
        raise Conflict(f"outcome {facts.number} was identified as not worked on; it cannot be assessed")
    if facts.evidence_count == 0:
        raise Conflict(f"outcome {facts.number} has no evidence yet: document it before assessing")
    if not NOT_ACHIEVED <= level <= target.max_level:
        raise Invalid(f"level must be 0 (not achieved) to {target.max_level}")


def check_evidence(facts: OutcomeFacts, validated: bool) -> None:
    ensure_open(validated)
    if facts.worked_on is None:
        raise Conflict(
            f"outcome {facts.number} has not been identified yet: record whether the learner worked on it "
            "before adding evidence"
        )
    if facts.worked_on is False:
        raise Conflict(f"outcome {facts.number} was identified as not worked on; record that it was worked on first")


@dataclass(frozen=True)
class Result:
    target: Target
    outcome_number: int
    status: ResultStatus
    decision: Decision
    achieved_level: int | None
    assessor_levels: dict[int, int]
    justification: str


@dataclass(frozen=True)
class ValidatorDecision:
    target_id: int
    level: int
    justification: str


def validate(
    outcomes: Sequence[OutcomeFacts],
    decisions: Sequence[ValidatorDecision],
    validator_id: int,
    validated: bool,
) -> list[Result]:
    """The results the validator confirms, or a Conflict naming everything that is still missing."""
    ensure_open(validated)
    problems: list[str] = []
    by_target = {d.target_id: d for d in decisions}
    known = {t.id for o in outcomes for t in o.targets}
    for given in decisions:
        if given.target_id not in known:
            raise Invalid(f"decision for unknown competence target {given.target_id}")
    results: list[Result] = []
    for facts in outcomes:
        if facts.worked_on is None:
            problems.append(f"outcome {facts.number} has not been identified")
            continue
        for target in facts.targets:
            levels = facts.ratings.get(target.id, {})
            if facts.worked_on is False:
                results.append(
                    Result(target, facts.number, ResultStatus.not_worked_on, Decision.not_worked_on, None, {}, "")
                )
                continue
            label = f"competence {target.competence} of outcome {facts.number}"
            if not levels:
                problems.append(f"{label} has not been assessed")
                continue
            if validator_id in levels:
                problems.append(f"you assessed {label} yourself: another validator must validate this mobility")
                continue
            combined = combine(levels)
            decision: ValidatorDecision | None = by_target.get(target.id)
            if combined.disagreement:
                if decision is None:
                    shown = " and ".join(str(v) for v in sorted(set(levels.values())))
                    problems.append(
                        f"assessors differ on {label} (levels {shown}): give your decision with a justification"
                    )
                    continue
                if not NOT_ACHIEVED <= decision.level <= target.max_level:
                    raise Invalid(f"the decided level for {label} must be 0 (not achieved) to {target.max_level}")
                if not decision.justification.strip():
                    raise Invalid(f"justify the decided level for {label}")
                level: int = decision.level
                how, why = Decision.validator, decision.justification.strip()
            else:
                if decision is not None:
                    problems.append(f"assessors agree on {label}; there is nothing for the validator to decide")
                    continue
                assert combined.level is not None  # rated and unanimous
                level, how, why = combined.level, Decision.unanimous, ""
            status = ResultStatus.achieved if level > NOT_ACHIEVED else ResultStatus.not_achieved
            results.append(
                Result(target, facts.number, status, how, level if level > NOT_ACHIEVED else None, levels, why)
            )
    if problems:
        raise Conflict("cannot validate yet: " + "; ".join(problems))
    return results
