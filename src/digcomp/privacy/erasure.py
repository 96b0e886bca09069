"""Erasing a person's personal data (GDPR Art. 17) and applying a school's retention period.

What goes: names, contact data, date of birth, the login, consents, e-mails waiting to be sent, the evidence files
and every free text of the person's mobilities (notes, reports, justifications, evidence texts, reasons), the
signed documents' bytes (they carry the name) and the personal part of their audit entries. What stays: the
structure a school must keep to stand by its decisions — the plan, the levels rated, validated and recognised, the
certificate register (a document's hash, signer and status, so a statement the learner kept still verifies by
upload) and the audit trail's hashes, which still verify (see ``audit.chain``).

The domain part decides and writes in the caller's transaction; removing evidence files, and wiping SQLite's
freed pages and write-ahead log, happen after the commit (``after_commit``), so a rolled-back erasure loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, Select, delete, func, null, or_, select, update
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.access.permissions import Action, require_allowed
from digcomp.assessment.evidence_store import EvidenceStore
from digcomp.audit import log as audit
from digcomp.errors import Conflict
from digcomp.mobility import service as registry
from digcomp.store.models import (
    AccessToken,
    Account,
    Agreement,
    AuditEntry,
    Certificate,
    Consent,
    Evidence,
    Identification,
    MentorLink,
    Mobility,
    Organisation,
    OutgoingMail,
    Person,
    Plan,
    PlanVersion,
    ProgressReport,
    RateLimitCounter,
    Rating,
    RecognisedResult,
    Recognition,
    SelfAssessment,
    ValidatedResult,
    Validation,
    utcnow,
)

ERASED_GIVEN_NAME = "—"
log = logging.getLogger("digcomp.privacy")


@dataclass
class ErasureReport:
    person_id: int
    mobilities: int = 0
    texts: int = 0
    documents: int = 0
    audit_entries: int = 0
    audit_entries_kept: int = 0  # written before personal digests existed: their hash covers the text itself
    evidence_files: list[str] = field(default_factory=list)  # sha256 of files no longer referenced: remove them


def erase_person(session: Session, actor: Actor, person_id: int) -> ErasureReport:
    require_allowed(actor, Action.administer, message="only the school's admin can erase a person's data")
    person = registry.person_for(session, actor, person_id)
    if person.erased_at is not None:
        raise Conflict("this person's data was already erased on {date}", date=person.erased_at.date().isoformat())
    if person.id == actor.person_id:
        raise Conflict("an admin cannot erase their own data; another admin of the school can")
    return erase(session, actor, person)


def erase(session: Session, actor: Actor | None, person: Person) -> ErasureReport:
    """Erase without the permission checks (``erase_person`` and the retention command check them)."""
    report = ErasureReport(person.id)
    mobility_ids = list(session.scalars(select(Mobility.id).where(Mobility.learner_id == person.id)))
    report.mobilities = len(mobility_ids)

    report.texts += _blank_texts(session, person.id, mobility_ids)
    report.documents += _drop_documents(session, mobility_ids)
    report.evidence_files = _unreferenced_files(session, person.id, mobility_ids)
    report.audit_entries, report.audit_entries_kept = _erase_audit(session, person.id, mobility_ids)

    email = person.email
    account = session.scalars(select(Account).where(Account.person_id == person.id)).first()
    if account is not None:
        email = email or account.email
        session.execute(delete(AccessToken).where(AccessToken.account_id == account.id))
        account.email = f"erased-{person.id}@erased.invalid"
        account.password_hash = "!"  # matches no password
        account.active = False
    if email:  # the login throttle keys accounts by the lower-cased address
        session.execute(delete(RateLimitCounter).where(RateLimitCounter.key.contains(email.strip().lower())))
    session.execute(delete(Consent).where(Consent.person_id == person.id))
    about = or_(OutgoingMail.recipient_id == person.id, OutgoingMail.mobility_id.in_(mobility_ids))
    session.execute(delete(OutgoingMail).where(about))  # sent or not: they name the person
    session.execute(
        update(MentorLink)
        .where(MentorLink.mentor_id == person.id, MentorLink.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    person.given_name, person.family_name = ERASED_GIVEN_NAME, f"#{person.id}"
    person.email, person.date_of_birth, person.date_of_birth_shown, person.job_title = None, None, False, ""
    person.learner_number = None
    person.erased_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "person.erased",
        f"person:{person.id}",
        after={"mobilities": report.mobilities, "audit_entries": report.audit_entries},
    )
    return report


def _blank_texts(session: Session, person_id: int, mobility_ids: list[int]) -> int:
    """Every free text written on the person's mobilities, and everything they wrote elsewhere."""
    on_mobilities = [
        (Evidence, Evidence.mobility_id, {"title": "", "text": "", "url": "", "withdrawal_reason": ""}),
        (ProgressReport, ProgressReport.mobility_id, {"text": ""}),
        (SelfAssessment, SelfAssessment.mobility_id, {"note": ""}),
        (Identification, Identification.mobility_id, {"note": ""}),
        (Rating, Rating.mobility_id, {"justification": ""}),
        (Validation, Validation.mobility_id, {"note": "", "reopen_reason": ""}),
        (Recognition, Recognition.mobility_id, {"note": ""}),
        (Certificate, Certificate.mobility_id, {"revocation_reason": ""}),
    ]
    changed = 0
    for model, column, blanks in on_mobilities:
        result = session.execute(update(model).where(column.in_(mobility_ids)).values(blanks))
        changed += result.rowcount  # type: ignore[attr-defined]
    validations = select(Validation.id).where(Validation.mobility_id.in_(mobility_ids))
    recognitions = select(Recognition.id).where(Recognition.mobility_id.in_(mobility_ids))
    for statement in (
        update(ValidatedResult).where(ValidatedResult.validation_id.in_(validations)).values(justification=""),
        update(RecognisedResult).where(RecognisedResult.recognition_id.in_(recognitions)).values(reason=""),
        update(ProgressReport).where(ProgressReport.author_id == person_id).values(text=""),
        update(Evidence)
        .where(Evidence.added_by_id == person_id)
        .values(title="", text="", url="", withdrawal_reason=""),
        update(PlanVersion).where(PlanVersion.plan_id.in_(_plans_of(mobility_ids))).values(change_note=""),
    ):
        changed += session.execute(statement).rowcount  # type: ignore[attr-defined]
    return changed


def _plans_of(mobility_ids: list[int]) -> Select[int]:
    return select(Plan.id).where(Plan.mobility_id.in_(mobility_ids))


def _drop_documents(session: Session, mobility_ids: list[int]) -> int:
    """The signed PDFs and credentials carry the name: their bytes go, their hashes stay in the register."""
    certificates = session.execute(
        update(Certificate).where(Certificate.mobility_id.in_(mobility_ids)).values(pdf=b"", credential="", edc=None)
    ).rowcount  # type: ignore[attr-defined]
    agreements = session.execute(
        update(Agreement).where(Agreement.mobility_id.in_(mobility_ids)).values(pdf=b"")
    ).rowcount  # type: ignore[attr-defined]
    return int(certificates) + int(agreements)


def _unreferenced_files(session: Session, person_id: int, mobility_ids: list[int]) -> list[str]:
    erased = or_(Evidence.mobility_id.in_(mobility_ids), Evidence.added_by_id == person_id)
    files = set(session.scalars(select(Evidence.sha256).where(erased, Evidence.sha256.is_not(None))))
    kept = set(
        session.scalars(select(Evidence.sha256).where(Evidence.sha256.in_(files), ~erased))
    )  # the same file given as evidence of someone else
    session.execute(update(Evidence).where(erased).values(sha256=None, size=None))
    return sorted(f for f in files - kept if f)


def _erase_audit(session: Session, person_id: int, mobility_ids: list[int]) -> tuple[int, int]:
    concerning = or_(
        AuditEntry.actor_id == person_id,
        AuditEntry.entity == f"person:{person_id}",
        AuditEntry.mobility_id.in_(mobility_ids),
    )
    erased = session.execute(
        update(AuditEntry)
        .where(concerning, AuditEntry.personal_digest.is_not(None), AuditEntry.personal_salt.is_not(None))
        .values(actor_label="", before=null(), after=null(), personal_salt=null())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    kept = session.scalar(select(func.count()).where(concerning, AuditEntry.personal_digest.is_(None)))
    return int(erased), int(kept or 0)


def remove_files(store: EvidenceStore, files: list[str]) -> None:
    """Delete evidence files no record refers to any more (once the change that let them go is committed)."""
    for sha256 in files:
        store.path(sha256).unlink(missing_ok=True)


def after_commit(engine: Engine, store: EvidenceStore, report: ErasureReport) -> None:
    """Remove the files and, on SQLite, the old page copies in the write-ahead log (freed pages are already zeroed:
    ``secure_delete`` is on for every connection)."""
    remove_files(store, report.evidence_files)
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL: VACUUM reclaims the old row versions (see the README's privacy section)
    connection = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
    try:
        for _ in range(50):
            cursor = connection.cursor()
            busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.close()
            if not busy:
                return
            time.sleep(0.1)  # a reader still holds old pages; it finishes soon
        log.warning("the write-ahead log could not be emptied after an erasure; the next checkpoint will")
    finally:
        connection.close()


# --- retention ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expired:
    person_id: int
    organisation_id: int
    last_end_date: dt.date


def expired_learners(session: Session, today: dt.date) -> list[Expired]:
    """Learners whose last mobility ended more than their school's retention period ago, not yet erased."""
    rows = session.execute(
        select(Person.id, Person.organisation_id, func.max(Mobility.end_date), Organisation.retention_years)
        .join(Mobility, Mobility.learner_id == Person.id)
        .join(Organisation, Organisation.id == Person.organisation_id)  # a learner's own school keeps the data
        .where(Person.erased_at.is_(None))
        .group_by(Person.id, Person.organisation_id, Organisation.retention_years)
        .order_by(Person.id)
    )
    return [
        Expired(learner_id, school_id, end_date)
        for learner_id, school_id, end_date, years in rows
        if years_after(end_date, years) < today
    ]


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def apply_retention(session: Session, today: dt.date) -> list[ErasureReport]:
    return [erase(session, None, session.get_one(Person, e.person_id)) for e in expired_learners(session, today)]
