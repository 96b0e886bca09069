"""The rules of recognition, as plain functions (after the Latvian guidelines for recognising learning outcomes of
mobilities): only validated results are recognised; a result below the school's "average mastery" level needs an
explicit decision with a reason; a recognised result is not examined again. No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from digcomp.errors import Conflict, Invalid, problem
from digcomp.recognition.grades import DEFAULT_AVERAGE_MASTERY, GradeScale, below_average_mastery, grades, rank

MIN_REASON = 10


@dataclass(frozen=True)
class ValidatedFacts:
    result_id: int
    competence: str
    status: str  # achieved | not_achieved | not_worked_on
    achieved_level: int | None


@dataclass(frozen=True)
class Proposal:
    result_id: int
    module_id: int
    grade: str
    reason: str = ""


def check(
    proposals: Sequence[Proposal],
    results: Mapping[int, ValidatedFacts],
    modules: set[int],
    *,
    validated: bool,
    already_recognised: bool,
    average_mastery_level: int,
    scale: GradeScale = GradeScale.lv10,
    average_mastery_grade: int = DEFAULT_AVERAGE_MASTERY[GradeScale.lv10],
) -> None:
    """Refuse, with every reason at once, a recognition that the rules do not allow."""
    if already_recognised:
        raise Conflict("the mobility's results are already recognised; a recognised result is not examined again")
    if not validated:
        raise Conflict("the mobility's result is not validated yet: only validated results are recognised")
    if not proposals:
        raise Invalid("recognise at least one validated result")
    problems: list[dict[str, object]] = []
    seen: set[int] = set()
    for index, proposal in enumerate(proposals):
        where: list[str | int] = ["body", "results", index]
        facts = results.get(proposal.result_id)
        if facts is None:
            problems.append(
                problem(
                    [*where, "result_id"],
                    "result {ident} is not a validated result of this mobility",
                    ident=proposal.result_id,
                )
            )
            continue
        if proposal.result_id in seen:
            problems.append(
                problem([*where, "result_id"], "competence {competence} is listed twice", competence=facts.competence)
            )
        seen.add(proposal.result_id)
        if facts.status != "achieved" or not facts.achieved_level:
            problems.append(
                problem(
                    [*where, "result_id"],
                    "competence {competence} was not achieved; it cannot be recognised",
                    competence=facts.competence,
                )
            )
        elif facts.achieved_level < average_mastery_level and len(proposal.reason.strip()) < MIN_REASON:
            problems.append(
                problem(
                    [*where, "reason"],
                    "competence {competence} was achieved at level {level}, below the school's average mastery level "
                    "{threshold}: recognising it needs a reason",
                    competence=facts.competence,
                    level=facts.achieved_level,
                    threshold=average_mastery_level,
                )
            )
        if proposal.module_id not in modules:
            problems.append(
                problem(
                    [*where, "module_id"],
                    "module {ident} is not a module of the school's programme",
                    ident=proposal.module_id,
                )
            )
        if not proposal.grade.strip():
            problems.append(problem([*where, "grade"], "required"))
        elif rank(scale, proposal.grade) is None:
            problems.append(
                problem(
                    [*where, "grade"],
                    "competence {competence}: {grade} is not a grade of the school's scale ({grades})",
                    competence=facts.competence,
                    grade=proposal.grade,
                    grades=", ".join(grades(scale)),
                )
            )
        elif (
            below_average_mastery(scale, proposal.grade, average_mastery_grade)
            and len(proposal.reason.strip()) < MIN_REASON
        ):
            problems.append(
                problem(
                    [*where, "reason"],
                    "competence {competence}: the grade {grade} is below the school's average mastery; recognising "
                    "it needs a reason",
                    competence=facts.competence,
                    grade=proposal.grade,
                )
            )
    if problems:
        raise Invalid("the recognition cannot be recorded: {count} problem(s)", problems, count=len(problems))


def reopen_allowed(recognised: bool) -> None:
    if recognised:
        raise Conflict(
            "the results are recognised in the learner's programme; a recognised result is not examined again"
        )
