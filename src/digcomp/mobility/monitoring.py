"""Monitoring during the placement: the learner and the host mentor each send a short progress report every
``every_days`` days (as the learning agreement states). Which reporting periods are covered, which are late.
Plain Python, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from digcomp.errors import Conflict, Invalid

GRACE_DAYS = 2  # a report written this soon after its period ends still counts for it
LATE_WRITING_DAYS = 14  # reports are accepted until this long after the placement ends


class PeriodStatus(StrEnum):
    received = "received"
    received_late = "received_late"  # filed for the period after it (and its grace) had ended
    late = "late"  # the period (and its grace) ended without a report
    due = "due"  # the current period: a report is expected by its end


@dataclass(frozen=True)
class Period:
    number: int
    start: dt.date
    end: dt.date
    status: PeriodStatus
    reports: int


def periods(start: dt.date, end: dt.date, every_days: int, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The reporting periods that have begun by ``today``: consecutive spans of ``every_days`` from the first day of
    the placement, the last one cut at its end."""
    if every_days <= 0:
        return []
    spans = []
    first = start
    while first <= min(end, today):
        last = min(first + dt.timedelta(days=every_days - 1), end)
        spans.append((first, last))
        first = last + dt.timedelta(days=1)
    return spans


def follow_up(
    start: dt.date, end: dt.date, every_days: int, written: Iterable[tuple[dt.date, int | None]], today: dt.date
) -> list[Period]:
    """Each period so far of one reporter, with the reports written in it (or in its grace days, if the next
    period has none of its own), and those filed later for it by name — received, but late. ``written``: each
    report's date and the past period it was filed for (None: the one it was written in)."""
    filed_for: dict[int, list[dt.date]] = {}
    unnamed = []
    for day, period in written:
        if period is None:
            unnamed.append(day)
        else:
            filed_for.setdefault(period, []).append(day)
    dates = sorted(unnamed)
    spans = periods(start, end, every_days, today)
    result = []
    used: set[int] = set()
    for number, (first, last) in enumerate(spans, start=1):
        deadline = last + dt.timedelta(days=GRACE_DAYS)
        mine = [i for i, d in enumerate(dates) if i not in used and first <= d <= deadline]
        own = [i for i in mine if dates[i] <= last]
        taken = own or mine[:1]  # a late-ish report counts for the period it was meant for
        used.update(taken)
        named = filed_for.get(number, [])
        if taken or any(day <= deadline for day in named):
            status = PeriodStatus.received
        elif named:
            status = PeriodStatus.received_late
        elif today > deadline:
            status = PeriodStatus.late
        else:
            status = PeriodStatus.due
        result.append(Period(number, first, last, status, len(taken) + len(named)))
    return result


def check_period(start: dt.date, end: dt.date, every_days: int, today: dt.date, period: int | None) -> None:
    """A report filed for a named period: one that has begun (a past one is taken late, never refused)."""
    if period is not None and period > len(periods(start, end, every_days, today)):
        raise Invalid("reporting period {number} has not begun yet", number=period)


def accepts_reports(start: dt.date, end: dt.date, every_days: int, today: dt.date) -> bool:
    try:
        check_report(start, end, every_days, today)
    except Conflict:
        return False
    return True


def check_report(start: dt.date, end: dt.date, every_days: int, today: dt.date) -> None:
    if every_days <= 0:
        raise Conflict("no progress reports are agreed for this mobility")
    if today < start:
        raise Conflict("the placement starts on {date}: progress reports are sent during it", date=start)
    if today > end + dt.timedelta(days=LATE_WRITING_DAYS):
        raise Conflict("the placement ended on {date}: progress reports are closed", date=end)
