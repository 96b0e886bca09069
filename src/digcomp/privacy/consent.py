"""A school's privacy notice (versioned) and each person's consents, stored with the date and the notice version
they were given under. The newest answer of a kind holds; earlier ones stay as the record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor, require
from digcomp.access.permissions import Action, require_allowed
from digcomp.audit import log as audit
from digcomp.store.models import Consent, ConsentKind, Evidence, Mobility, Person, PrivacyNotice, utcnow

PHOTOS_WITHDRAWN = "the learner withdrew their consent to photos of themself"


def current_notice(session: Session, organisation_id: int) -> PrivacyNotice | None:
    return session.scalars(
        select(PrivacyNotice)
        .where(PrivacyNotice.organisation_id == organisation_id)
        .order_by(PrivacyNotice.version.desc())
        .limit(1)
    ).first()


def publish_notice(session: Session, actor: Actor, text: dict[str, str]) -> PrivacyNotice:
    require_allowed(actor, Action.administer, message="only the school's admin publishes its privacy notice")
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


def has_consented(session: Session, person_id: int, kind: ConsentKind) -> bool:
    """Is the person's newest answer of this kind a yes? (No answer is no.)"""
    answer = consents_of(session, person_id).get(kind)
    return answer is not None and answer.granted


@dataclass(frozen=True)
class Answer:
    consent: Consent
    files_to_delete: list[str]  # photos of the person no longer kept: removed from the evidence store once committed


def record_consent(session: Session, actor: Actor, person: Person, kind: ConsentKind, granted: bool) -> Answer:
    """Only the person themself answers (signed in with their own login). Withdrawing consent to photos takes the
    photos and videos that show them out of their records, files included."""
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
    removed = _photos_taken_out(session, actor, person.id) if kind is ConsentKind.photos and not granted else []
    return Answer(consent, removed)


def _photos_taken_out(session: Session, actor: Actor, learner_id: int) -> list[str]:
    """The photos and videos showing the learner leave the assessment (withdrawn, with the reason, in the audit trail
    too); the files go unless the same file is also evidence that does not show them."""
    shown = list(
        session.scalars(
            select(Evidence)
            .join(Mobility, Evidence.mobility_id == Mobility.id)
            .where(Mobility.learner_id == learner_id, Evidence.shows_learner, Evidence.sha256.is_not(None))
        )
    )
    files = {item.sha256 for item in shown if item.sha256}
    for item in shown:
        audit.record(
            session,
            actor,
            "assessment.evidence_withdrawn",
            f"mobility:{item.mobility_id}/evidence:{item.id}",
            mobility_id=item.mobility_id,
            before={"title": item.title, "sha256": item.sha256, "withdrawn": item.withdrawn_at is not None},
            after={"withdrawn": True, "reason": PHOTOS_WITHDRAWN, "file_deleted": True},
        )
        if item.withdrawn_at is None:
            item.withdrawn_at, item.withdrawal_reason = utcnow(), PHOTOS_WITHDRAWN
        item.sha256, item.size = None, None
    session.flush()
    kept = set(session.scalars(select(Evidence.sha256).where(Evidence.sha256.in_(files))))
    return sorted(files - kept)
