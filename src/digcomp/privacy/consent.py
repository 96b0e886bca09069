"""A school's privacy notice (versioned) and each person's consents, stored with the date and the notice version
they were given under. The newest answer of a kind holds; earlier ones stay as the record."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor, require
from digcomp.audit import log as audit
from digcomp.store.models import Consent, ConsentKind, Person, PrivacyNotice, Role


def current_notice(session: Session, organisation_id: int) -> PrivacyNotice | None:
    return session.scalars(
        select(PrivacyNotice)
        .where(PrivacyNotice.organisation_id == organisation_id)
        .order_by(PrivacyNotice.version.desc())
        .limit(1)
    ).first()


def publish_notice(session: Session, actor: Actor, text: dict[str, str]) -> PrivacyNotice:
    require(actor.role is Role.admin and actor.via_link is None, "only the school's admin publishes its privacy notice")
    latest = session.scalar(
        select(func.max(PrivacyNotice.version)).where(PrivacyNotice.organisation_id == actor.organisation_id)
    )
    notice = PrivacyNotice(
        organisation_id=actor.organisation_id, version=(latest or 0) + 1, text=text, published_by_id=actor.person_id
    )
    session.add(notice)
    session.flush()
    audit.record(
        session,
        actor,
        "privacy_notice.published",
        f"organisation:{actor.organisation_id}",
        after={"version": notice.version},
    )
    return notice


def school_of(person: Person) -> int:
    """The school whose notice applies: the person's own organisation, or the school that registered their host."""
    return person.organisation.registered_by_id or person.organisation_id


def consents_of(session: Session, person_id: int) -> dict[ConsentKind, Consent]:
    latest: dict[ConsentKind, Consent] = {}
    for consent in session.scalars(select(Consent).where(Consent.person_id == person_id).order_by(Consent.id)):
        latest[consent.kind] = consent
    return latest


def record_consent(session: Session, actor: Actor, person: Person, kind: ConsentKind, granted: bool) -> Consent:
    """Only the person themself answers (signed in with their own login)."""
    require(
        actor.person_id == person.id and actor.via_link is None, "only the person themself can give or withdraw consent"
    )
    notice = current_notice(session, school_of(person))
    consent = Consent(
        person_id=person.id,
        kind=kind,
        granted=granted,
        notice_version=notice.version if notice else None,
        recorded_by_id=actor.person_id,
    )
    session.add(consent)
    if kind is ConsentKind.date_of_birth:
        person.date_of_birth_shown = granted
    session.flush()
    audit.record(
        session,
        actor,
        "consent.recorded",
        f"person:{person.id}",
        after={"kind": kind.value, "granted": granted, "notice_version": consent.notice_version},
    )
    return consent
