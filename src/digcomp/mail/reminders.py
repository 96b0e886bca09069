"""Reminders to host mentors: N days before a placement ends, if planned competences are still unrated, the mentor
gets one e-mail (per end date) with a fresh link to the assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from digcomp.access import credentials
from digcomp.audit import log as audit
from digcomp.mail import outbox
from digcomp.settings import Settings
from digcomp.store.models import (
    MentorLink,
    Mobility,
    Outcome,
    OutcomeCompetence,
    Plan,
    PlanStatus,
    PlanVersion,
    Rating,
    Validation,
)

LINK_DAYS_AFTER_END = 14


def missing_ratings(session: Session, conditions: Sequence[ColumnElement[bool]]) -> dict[int, int]:
    """Per mobility (those that meet ``conditions`` on ``Mobility``): competences of its agreed plan that nobody has
    rated yet."""
    rated = select(Rating.id).where(Rating.target_id == OutcomeCompetence.id).exists()
    rows = session.execute(
        select(Plan.mobility_id, func.count())
        .join(Mobility, Mobility.id == Plan.mobility_id)
        .join(PlanVersion, PlanVersion.plan_id == Plan.id)
        .join(Outcome, Outcome.version_id == PlanVersion.id)
        .join(OutcomeCompetence, OutcomeCompetence.outcome_id == Outcome.id)
        .where(*conditions, PlanVersion.status == PlanStatus.agreed, ~rated)
        .group_by(Plan.mobility_id)
    )
    return {int(mobility_id): int(count) for mobility_id, count in rows}


def queue_reminders(session: Session, settings: Settings, today: dt.date) -> int:
    """Queue the reminders due today (``digcomp mail-send`` and the worker run this); returns how many."""
    ending = list(
        session.scalars(
            select(Mobility).where(
                Mobility.end_date >= today,
                Mobility.end_date <= today + dt.timedelta(days=settings.reminder_days),
                Mobility.mentor_id.is_not(None),
                Mobility.id.not_in(select(Validation.mobility_id)),
            )
        ).unique()
    )
    missing = missing_ratings(session, [Mobility.id.in_([m.id for m in ending])])
    queued = 0
    for mobility in ending:
        if not missing.get(mobility.id) or mobility.coordinator_id is None or mobility.mentor_id is None:
            continue
        if outbox.queued(session, outbox.reminder_key(mobility)) or not (mobility.mentor and mobility.mentor.email):
            continue
        expires = dt.datetime.combine(
            mobility.end_date + dt.timedelta(days=LINK_DAYS_AFTER_END), dt.time(23, 59), tzinfo=dt.UTC
        )
        link = MentorLink(
            mobility_id=mobility.id,
            mentor_id=mobility.mentor_id,
            created_by_id=mobility.coordinator_id,
            expires_at=expires,
        )
        session.add(link)
        session.flush()
        url = f"{settings.offline_base_url}/m/{credentials.sign_link(settings, link.id, mobility.id)}"
        outbox.rating_reminder(session, mobility, missing[mobility.id], url)
        audit.record(
            session,
            None,
            "mentor_link.created",
            f"mentor_link:{link.id}",
            mobility_id=mobility.id,
            after={"mentor_id": link.mentor_id, "expires_at": expires.isoformat(), "for": "rating reminder"},
        )
        queued += 1
    return queued
