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

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from digcomp.errors import Conflict, Forbidden, Invalid, Phrase, problem
from digcomp.store.models import Decision, ResultStatus, SelfAssessmentPhase

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


def check_self_assessment_window(phase: SelfAssessmentPhase, start: dt.date, today: dt.date) -> None:
    """ "Before" is how the learner sees themself before the placement: it closes when the placement starts (on its
    first day at the latest); "after" opens then."""
    if phase is SelfAssessmentPhase.before and today > start:
        raise Conflict(
            "the self-assessment before the placement closed when it began on {start}; answer the one after it",
            start=start,
        )
    if phase is SelfAssessmentPhase.after and today < start:
        raise Conflict("the self-assessment after the placement opens when it begins on {start}", start=start)


def check_answers(keys: Sequence[str], answers: Mapping[str, object], competence: str) -> None:
    """Every statement of the competence answered, and nothing else."""
    unknown = [key for key in answers if key not in keys]
    if unknown:
        raise Invalid(
            "competence {competence}: these statements are not asked: {keys}",
            competence=competence,
            keys=", ".join(unknown),
        )
    unanswered = [key for key in keys if key not in answers]
    if unanswered:
        raise Invalid(
            "competence {competence}: answer every statement ({count} unanswered)",
            [problem(["body", "answers", key], "required") for key in unanswered],
            competence=competence,
            count=len(unanswered),
        )


def ensure_open(validated: bool) -> None:
    if validated:
        raise Conflict("the mobility's result is validated and locked; a validator can reopen it with a justification")


def check_rating(facts: OutcomeFacts, target: Target, level: int, validated: bool) -> None:
    ensure_open(validated)
    number = facts.number
    if facts.worked_on is None:
        raise Conflict(
            "outcome {number} has not been identified yet: record whether the learner worked on it", number=number
        )
    if facts.worked_on is False:
        raise Conflict("outcome {number} was identified as not worked on; it cannot be assessed", number=number)
    if facts.evidence_count == 0:
        raise Conflict("outcome {number} has no evidence yet: document it before assessing", number=number)
    if not NOT_ACHIEVED <= level <= target.max_level:
        raise Invalid("the level must be 0 (not achieved) to {top}", top=target.max_level)


def check_evidence(number: int, worked_on: bool | None, validated: bool) -> None:
    """Evidence is added to outcome ``number`` while the record is open, once the learner is known to have worked
    on it."""
    ensure_open(validated)
    if worked_on is None:
        raise Conflict(
            "outcome {number} has not been identified yet: record whether the learner worked on it "
            "before adding evidence",
            number=number,
        )
    if worked_on is False:
        raise Conflict(
            "outcome {number} was identified as not worked on; record that it was worked on first",
            number=number,
        )


def check_additional(competence: str, planned: set[str], additional: set[str], validated: bool) -> None:
    """A competence acquired beyond the plan is added once, and only if the plan does not already hold it (then it
    is assessed there)."""
    ensure_open(validated)
    if competence in planned:
        raise Conflict("competence {competence} is already in the agreed plan: assess it there", competence=competence)
    if competence in additional:
        raise Conflict("competence {competence} was already added as additionally acquired", competence=competence)


def check_additional_removal(
    added_by: int | None, actor_id: int, facts: OutcomeFacts, evidence_ever: int, validated: bool
) -> None:
    """An additional outcome added by mistake is taken back by whoever added it, before any evidence (withdrawn
    evidence included: the audit trail keeps it) or rating."""
    ensure_open(validated)
    if added_by != actor_id:
        raise Forbidden("only the person who added this competence can remove it")
    if evidence_ever or any(facts.ratings.values()):
        raise Conflict(
            "outcome {number} already has evidence or ratings: withdraw them first, or leave it for the validator",
            number=facts.number,
        )


def check_withdrawal(author_id: int, actor_id: int, withdrawn: bool, validated: bool) -> None:
    """Evidence added by mistake is withdrawn by its author, before validation; it stays in the audit trail."""
    ensure_open(validated)
    if withdrawn:
        raise Conflict("this evidence was already withdrawn")
    if author_id != actor_id:
        raise Forbidden("only the person who added this evidence can withdraw it")


MIN_REOPEN_REASON = 10


def check_reopen(validated: bool, reason: str) -> None:
    """A validated result is reopened only by a validator, with a written justification: a new round starts."""
    if not validated:
        raise Conflict("the mobility's result is not validated; there is nothing to reopen")
    if len(reason.strip()) < MIN_REOPEN_REASON:
        raise Invalid("write why the result is reopened (at least {count} characters)", count=MIN_REOPEN_REASON)


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
    by_target = {d.target_id: d for d in decisions}
    known = {t.id for o in outcomes for t in o.targets}
    for given in decisions:
        if given.target_id not in known:
            raise Invalid("decision for unknown competence target {ident}", ident=given.target_id)
    results: list[Result] = []
    problems: list[Phrase] = []
    for facts in outcomes:
        if facts.worked_on is None:
            problems.append(Phrase("outcome {number} has not been identified", number=facts.number))
            continue
        if facts.worked_on and facts.evidence_count == 0:
            problems.append(Phrase("outcome {number} has no evidence", number=facts.number))
            continue
        for target in facts.targets:
            levels = facts.ratings.get(target.id, {})
            if facts.worked_on is False:
                results.append(
                    Result(target, facts.number, ResultStatus.not_worked_on, Decision.not_worked_on, None, {}, "")
                )
                continue
            what = {"competence": target.competence, "number": facts.number}
            if not levels:
                problems.append(Phrase("competence {competence} of outcome {number} has not been assessed", **what))
                continue
            if validator_id in levels:
                problems.append(
                    Phrase(
                        "you assessed competence {competence} of outcome {number} yourself: another validator must "
                        "validate this mobility",
                        **what,
                    )
                )
                continue
            combined = combine(levels)
            decision: ValidatorDecision | None = by_target.get(target.id)
            if combined.disagreement:
                if decision is None:
                    shown = ", ".join(str(v) for v in sorted(set(levels.values())))
                    problems.append(
                        Phrase(
                            "assessors differ on competence {competence} of outcome {number} (levels {levels}): "
                            "give your decision with a justification",
                            levels=shown,
                            **what,
                        )
                    )
                    continue
                if not NOT_ACHIEVED <= decision.level <= target.max_level:
                    raise Invalid(
                        "the decided level for competence {competence} of outcome {number} must be 0 (not achieved) "
                        "to {top}",
                        top=target.max_level,
                        **what,
                    )
                if not decision.justification.strip():
                    raise Invalid("justify the decided level for competence {competence} of outcome {number}", **what)
                level: int = decision.level
                how, why = Decision.validator, decision.justification.strip()
            else:
                if decision is not None:
                    problems.append(
                        Phrase(
                            "assessors agree on competence {competence} of outcome {number}; there is nothing for "
                            "the validator to decide",
                            **what,
                        )
                    )
                    continue
                assert combined.level is not None  # rated and unanimous
                level, how, why = combined.level, Decision.unanimous, ""
            status = ResultStatus.achieved if level > NOT_ACHIEVED else ResultStatus.not_achieved
            results.append(
                Result(target, facts.number, status, how, level if level > NOT_ACHIEVED else None, levels, why)
            )
    if problems:
        raise Conflict("cannot validate yet: {problems}", problems=problems)
    return results
