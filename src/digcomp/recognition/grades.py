"""The grade scales a school recognises results on, and where "average mastery" lies on each (the Latvian
guidelines recognise a mobility's result when it is not below average mastery). Plain Python, no I/O."""

from __future__ import annotations

from enum import StrEnum


class GradeScale(StrEnum):
    lv10 = "lv10"  # the Latvian 10-point scale: 1–3 low, 4–5 average, 6–8 optimal, 9–10 high mastery
    pass_fail = "pass_fail"  # "passed" / "not passed" (ieskaitīts / neieskaitīts)


PASSED, NOT_PASSED = "passed", "not_passed"
DEFAULT_AVERAGE_MASTERY = {GradeScale.lv10: 4, GradeScale.pass_fail: 1}


def grades(scale: GradeScale) -> list[str]:
    """Every grade of the scale, lowest first."""
    return [str(n) for n in range(1, 11)] if scale is GradeScale.lv10 else [NOT_PASSED, PASSED]


def rank(scale: GradeScale, grade: str) -> int | None:
    """The grade's place on the scale (1 = lowest), None when it is not a grade of the scale."""
    choices = grades(scale)
    value = grade.strip().lower()
    return choices.index(value) + 1 if value in choices else None


def below_average_mastery(scale: GradeScale, grade: str, average_mastery: int) -> bool:
    """Is the grade below the school's "average mastery" (on the lv10 scale: the grade; pass/fail: passed)?"""
    place = rank(scale, grade)
    threshold = average_mastery if scale is GradeScale.lv10 else 2
    return place is not None and place < threshold
