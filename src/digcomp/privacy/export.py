"""A person's data, all of it, as one zip (GDPR Art. 15 and 20): ``person.json`` (the person, their login without
its password hash, their consents), one JSON file per mobility they were the learner of (every record of it, table
by table), ``audit.json`` (the audit entries about them), their evidence files and the signed documents issued to
them. Records are written column by column, so a field added to the storage models is exported without a change
here; secrets (password and token hashes) are the only columns left out."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session, undefer

from digcomp.access.actor import Actor
from digcomp.assessment.evidence_store import ACCEPTED, EvidenceStore
from digcomp.mobility import service as registry
from digcomp.store.models import (
    Account,
    Agreement,
    AuditEntry,
    Base,
    Certificate,
    Confirmation,
    Consent,
    Evidence,
    Identification,
    MentorLink,
    Mobility,
    Outcome,
    OutcomeCompetence,
    OutgoingMail,
    Person,
    Plan,
    PlanVersion,
    ProgressReport,
    Rating,
    RecognisedResult,
    Recognition,
    SelfAssessment,
    ValidatedResult,
    Validation,
)

SECRETS = {"password_hash", "secret_hash"}
BINARY = {"pdf"}  # the documents are files of the zip, not fields


def record(row: Base) -> dict[str, Any]:
    mapper = inspect(row).mapper
    return {
        attr.key: _plain(getattr(row, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SECRETS | BINARY and not attr.key.startswith("has_")
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _records(rows: Iterable[Base]) -> list[dict[str, Any]]:
    return [record(row) for row in rows]


def _mobility(session: Session, mobility: Mobility) -> dict[str, Any]:
    plan = session.scalars(select(Plan).where(Plan.mobility_id == mobility.id)).first()
    versions = list(session.scalars(select(PlanVersion).where(PlanVersion.plan_id == (plan.id if plan else -1))))
    version_ids = [v.id for v in versions]
    outcomes = list(session.scalars(select(Outcome).where(Outcome.version_id.in_(version_ids))))
    validations = list(session.scalars(select(Validation).where(Validation.mobility_id == mobility.id)))
    recognitions = list(session.scalars(select(Recognition).where(Recognition.mobility_id == mobility.id)))

    def of_mobility(model: Any) -> list[dict[str, Any]]:
        return _records(session.scalars(select(model).where(model.mobility_id == mobility.id).order_by(model.id)))

    return {
        "mobility": record(mobility),
        "sending_organisation": record(mobility.sending_organisation),
        "host_organisation": record(mobility.host_organisation),
        "mentor": _person_summary(mobility.mentor),
        "coordinator": _person_summary(mobility.coordinator),
        "plan_versions": _records(versions),
        "outcomes": _records(outcomes),
        "outcome_competences": _records(
            session.scalars(select(OutcomeCompetence).where(OutcomeCompetence.outcome_id.in_([o.id for o in outcomes])))
        ),
        "confirmations": _records(
            session.scalars(select(Confirmation).where(Confirmation.version_id.in_(version_ids)))
        ),
        "identifications": of_mobility(Identification),
        "self_assessments": of_mobility(SelfAssessment),
        "evidence": of_mobility(Evidence),
        "ratings": of_mobility(Rating),
        "progress_reports": of_mobility(ProgressReport),
        "mentor_links": of_mobility(MentorLink),
        "validations": _records(validations),
        "validated_results": _records(
            session.scalars(
                select(ValidatedResult).where(ValidatedResult.validation_id.in_([v.id for v in validations]))
            )
        ),
        "recognitions": _records(recognitions),
        "recognised_results": _records(
            session.scalars(
                select(RecognisedResult).where(RecognisedResult.recognition_id.in_([r.id for r in recognitions]))
            )
        ),
        "agreements": of_mobility(Agreement),
        "certificates": of_mobility(Certificate),
    }


def _person_summary(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.id, "given_name": person.given_name, "family_name": person.family_name, "role": person.role}


def _with_pdf(session: Session, model: type[Certificate] | type[Agreement], mobility_ids: list[int]) -> list[Any]:
    return list(session.scalars(select(model).options(undefer(model.pdf)).where(model.mobility_id.in_(mobility_ids))))


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def export_person(session: Session, actor: Actor, person_id: int, store: EvidenceStore) -> bytes:
    """The zip. Who may: the person themself, and the staff of the school the person belongs to or was registered
    by (the same people who can see the person)."""
    person = registry.person_for(session, actor, person_id)
    account = session.scalars(select(Account).where(Account.person_id == person.id)).first()
    mobilities = list(session.scalars(select(Mobility).where(Mobility.learner_id == person.id).order_by(Mobility.id)))
    mobility_ids = [m.id for m in mobilities]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "person.json",
            _json(
                {
                    "exported_at": dt.datetime.now(dt.UTC).isoformat(),
                    "person": record(person),
                    "organisation": record(person.organisation),
                    "account": record(account) if account else None,
                    "consents": _records(
                        session.scalars(select(Consent).where(Consent.person_id == person.id).order_by(Consent.id))
                    ),
                    "emails": _records(
                        session.scalars(select(OutgoingMail).where(OutgoingMail.recipient_id == person.id))
                    ),
                    "progress_reports_written": _records(
                        session.scalars(select(ProgressReport).where(ProgressReport.author_id == person.id))
                    ),
                }
            ),
        )
        for mobility in mobilities:
            archive.writestr(f"mobilities/{mobility.id}.json", _json(_mobility(session, mobility)))
        entries = session.scalars(
            select(AuditEntry)
            .where(
                or_(
                    AuditEntry.actor_id == person.id,
                    AuditEntry.entity == f"person:{person.id}",
                    AuditEntry.mobility_id.in_(mobility_ids),
                )
            )
            .order_by(AuditEntry.id)
        )
        archive.writestr("audit.json", _json(_records(entries)))
        evidence = session.scalars(
            select(Evidence).where(
                or_(Evidence.mobility_id.in_(mobility_ids), Evidence.added_by_id == person.id),
                Evidence.sha256.is_not(None),
            )
        )
        for item in evidence:
            path = store.path(item.sha256 or "")
            if path.exists():
                archive.write(path, f"evidence/{item.id}{ACCEPTED.get(item.media_type or '', '')}")
        documents = [
            *((f"certificates/{c.id}.pdf", c.pdf) for c in _with_pdf(session, Certificate, mobility_ids)),
            *((f"agreements/{a.id}.pdf", a.pdf) for a in _with_pdf(session, Agreement, mobility_ids)),
        ]
        for name, pdf in documents:
            if pdf:  # an erased document keeps only its hash
                archive.writestr(name, pdf)
    return buffer.getvalue()
