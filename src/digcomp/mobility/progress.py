"""Progress reports during the placement in the database: written by the learner and the host mentor, followed up
by the coordinator. The periods and what is late are worked out in ``monitoring``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor, require
from digcomp.access.permissions import Action, allowed
from digcomp.audit import log as audit
from digcomp.mobility import monitoring
from digcomp.mobility.schemas import PeriodOut, PersonSummary, ProgressOut, ProgressReportOut, ReporterOut
from digcomp.mobility.service import parties
from digcomp.store.models import Mobility, ProgressReport, Role, utcnow

REPORTERS = (Role.learner, Role.mentor)


def _reporter_role(actor: Actor, mobility: Mobility) -> Role | None:
    return actor.role if allowed(actor, Action.report_progress, parties(mobility)) else None


def may_report(actor: Actor, mobility: Mobility) -> bool:
    return _reporter_role(actor, mobility) is not None


def add_report(
    session: Session,
    actor: Actor,
    mobility: Mobility,
    text: str,
    today: dt.date,
    period: int | None = None,
    language: str | None = None,
) -> ProgressReport:
    """A progress report, for the current period or (``period``) a past one it was missing from."""
    role = _reporter_role(actor, mobility)
    require(role is not None, "progress reports are written by the learner and the host mentor of the mobility")
    assert role is not None
    monitoring.check_report(mobility.start_date, mobility.end_date, mobility.report_every_days, today)
    monitoring.check_period(mobility.start_date, mobility.end_date, mobility.report_every_days, today, period)
    report = ProgressReport(
        mobility_id=mobility.id,
        author_id=actor.person_id,
        author_role=role,
        text=text.strip(),
        for_period=period,
        language=language or actor.language or "",  # the writer's page language, else the one they read
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        actor,
        "progress.reported",
        f"mobility:{mobility.id}/progress/{report.id}",
        mobility_id=mobility.id,
        after={"role": role.value, "text": report.text, "for_period": period},
    )
    return report


def progress(session: Session, mobility: Mobility, today: dt.date | None = None) -> ProgressOut:
    today = today or utcnow().date()
    reports = list(
        session.scalars(
            select(ProgressReport)
            .where(ProgressReport.mobility_id == mobility.id)
            .order_by(ProgressReport.written_at.desc(), ProgressReport.id.desc())
        )
    )
    people = {Role.learner: mobility.learner, Role.mentor: mobility.mentor}
    reporters = []
    for role in REPORTERS:
        periods = monitoring.follow_up(
            mobility.start_date,
            mobility.end_date,
            mobility.report_every_days,
            [(r.written_at.date(), r.for_period) for r in reports if r.author_role is role],
            today,
        )
        person = people[role]
        reporters.append(
            ReporterOut(
                role=role,
                person=PersonSummary.model_validate(person) if person else None,
                periods=[
                    PeriodOut(number=p.number, start=p.start, end=p.end, status=p.status.value, reports=p.reports)
                    for p in periods
                ],
                late=sum(p.status is monitoring.PeriodStatus.late for p in periods),
                missing=[p.number for p in periods if p.status is monitoring.PeriodStatus.late],
            )
        )
    return ProgressOut(
        mobility_id=mobility.id,
        report_every_days=mobility.report_every_days,
        reporters=reporters,
        reports=[ProgressReportOut.model_validate(r) for r in reports],
    )
