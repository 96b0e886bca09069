"""Issuing a mobility's recognition statement — the signed PDF with its Open Badges credential and sealed European
Digital Credential — and revoking it."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from digcomp.access.actor import Actor
from digcomp.access.permissions import Action, require_allowed
from digcomp.assessment import records, stages
from digcomp.audit import log as audit
from digcomp.credentials import envelope, status_list
from digcomp.credentials import languages as document_languages
from digcomp.credentials.edc import build_edc
from digcomp.credentials.openbadge import build_credential
from digcomp.credentials.parties import party_of, person_of
from digcomp.credentials.pdf import render_pdf
from digcomp.credentials.proof import add_proof
from digcomp.credentials.signing import (
    Attachment,
    SigningKey,
    key_fingerprint,
    key_subject,
    sign_pdf,
    signing_key,
)
from digcomp.credentials.statement import CompetenceLine, RecognitionLine, Statement
from digcomp.credentials.status_list import StatusEntry
from digcomp.credentials.template import load_template
from digcomp.credentials.verify import (
    CREDENTIAL_FILE,
    EDC_FILE,
    new_document_id,
)
from digcomp.errors import Conflict, Invalid, NotFound
from digcomp.framework import Catalog
from digcomp.i18n import language_name
from digcomp.mail import outbox
from digcomp.mobility.service import parties
from digcomp.plans.service import plan_of
from digcomp.recognition import rules as recognition_rules
from digcomp.recognition import service as recognition
from digcomp.settings import Settings
from digcomp.store.models import (
    Certificate,
    Mobility,
    Outcome,
    Validation,
    utcnow,
)
from digcomp.store.models import (
    Person as StoredPerson,
)


def new_certificate_id(year: int) -> str:
    return new_document_id("DC-", year)


def build_statement(
    session: Session,
    catalog: Catalog,
    base_url: str,
    mobility: Mobility,
    validation: Validation,
    languages: list[str],
    certificate_id: str,
    supersedes: str | None = None,
    status_index: int | None = None,
) -> Statement:
    outcome_ids = {r.outcome_id for r in validation.results}
    outcomes = {o.id: o for o in session.scalars(select(Outcome).where(Outcome.id.in_(outcome_ids)))}
    planned = sorted((o for o in outcomes.values() if not o.additional), key=lambda o: o.position)
    document_languages.check_written([(o.text, o.criteria) for o in planned], languages, criteria=False)
    lines = []
    for result in validation.results:
        framework = catalog.get(result.framework)
        competence = framework.competence_by_id[result.competence]
        area = framework.area_by_id[competence.area]
        outcome = outcomes[result.outcome_id]
        achieved = result.achieved_level
        descriptor = framework.descriptor_text(competence.id, achieved) if achieved else {}
        lines.append(
            CompetenceLine(
                framework=framework.id,
                framework_name=framework.name,
                framework_version=framework.version,
                framework_url=framework.url,
                area_id=area.id,
                area_title=dict(area.title),
                competence_id=competence.id,
                competence_title=dict(competence.title),
                status=result.status.value,
                achieved_level=achieved,
                achieved_level_name=dict(framework.level_by_number[achieved].name) if achieved else {},
                level_descriptor=descriptor,
                target_level=result.target_level,
                target_level_name=dict(framework.level_by_number[result.target_level].name),
                methods=list(outcome.methods),
                outcome_text=dict(outcome.text),
                additional=outcome.additional,
                levels=[(lvl.number, dict(lvl.name)) for lvl in framework.levels],
            )
        )
    assessor_ids = {int(i) for r in validation.results for i in r.assessor_levels}
    assessors = [person_of(session.get_one(StoredPerson, i)) for i in sorted(assessor_ids)]
    learner = mobility.learner
    identity = (learner.email or f"{learner.given_name} {learner.family_name}").lower()
    recognised = recognition.recognition_of(session, mobility)
    competence_of = {r.id: r.competence for r in validation.results}
    recognition_lines = [
        RecognitionLine(
            competence_id=competence_of[r.result_id],
            module_code=r.module.code,
            module_name=dict(r.module.name),
            hours=r.hours,
            credits=r.credits,
            grade=r.grade,
        )
        for r in (recognised.results if recognised else [])
    ]
    attribution = sorted({a for r in validation.results for a in catalog.get(r.framework).source.attribution})
    return Statement(
        certificate_id=certificate_id,
        issued_at=utcnow().replace(microsecond=0),
        languages=languages,
        verification_url=f"{base_url}/verify/{certificate_id}",
        status=(
            status_list.entry(base_url, mobility.sending_organisation_id, status_index)
            if status_index is not None
            else None
        ),
        holder=person_of(learner),
        holder_date_of_birth=learner.date_of_birth if learner.date_of_birth_shown else None,
        holder_identity_hash="sha256$" + hashlib.sha256((identity + certificate_id).encode()).hexdigest(),
        issuer=party_of(mobility.sending_organisation, base_url, mobility.coordinator),
        host=party_of(mobility.host_organisation, base_url, mobility.mentor),
        mentor=person_of(mobility.mentor) if mobility.mentor else None,
        validator=person_of(validation.validator),
        assessors=assessors,
        programme=mobility.programme,
        project_reference=mobility.project_reference,
        qualification=dict(mobility.qualification),
        objective=dict(mobility.objective),
        tasks=dict(mobility.tasks),
        working_language=mobility.working_language,
        working_language_name={lang: language_name(mobility.working_language, lang) for lang in languages},
        start_date=mobility.start_date,
        end_date=mobility.end_date,
        competences=lines,
        attribution=[*attribution, "© European Union, CC BY 4.0."],
        supersedes=supersedes,
        recognition=recognition_lines,
        recognised_by=person_of(recognised.decided_by) if recognised else None,
        recognised_on=recognised.decided_at.date() if recognised else None,
        eqf_level=mobility.eqf_level,
        quality_assurance=mobility.sending_organisation.quality_assurance,
        mentor_assessed_on=records.mentor_assessed_on(session, mobility),
        plan_version=validation.plan_version,
    )


@dataclass(frozen=True)
class Rendered:
    certificate_id: str
    pdf: bytes
    credential: str
    edc: str
    signer_fingerprint: str
    signer_subject: str


def render_and_sign(statement: Statement, key: SigningKey, public_url: str) -> Rendered:
    """The CPU-bound part of issuing: PDF, credential, signature. Safe to run in a worker process."""
    fingerprint = key_fingerprint(key)
    template = load_template()
    pdf = render_pdf(template, statement, fingerprint)
    method = f"{statement.issuer.url}#{key.credential.multikey()}"
    signed_credential = add_proof(build_credential(statement, public_url), key.credential, method, statement.issued_at)
    credential = json.dumps(signed_credential, ensure_ascii=False, indent=2)
    edc = envelope.seal(build_edc(statement, template, public_url), key.credential, method)
    signed = sign_pdf(
        pdf,
        key,
        attachments=[
            Attachment(
                CREDENTIAL_FILE,
                credential.encode("utf-8"),
                "application/ld+json",
                "Open Badges 3.0 credential of this statement (machine-readable, with its proof)",
            ),
            Attachment(
                EDC_FILE,
                edc.encode("utf-8"),
                envelope.MEDIA_TYPE,
                "European Digital Credential of this statement (Europass, European Learning Model 3.2), sealed with "
                "the school's key as a JSON Web Signature (VC-JOSE-COSE)",
            ),
        ],
        reason=f"Recognition statement {statement.certificate_id}",
        location=statement.issuer.name,
        languages=statement.languages,
    )
    return Rendered(statement.certificate_id, signed, credential, edc, fingerprint, key_subject(key))


def _validation(session: Session, mobility: Mobility) -> Validation:
    validation = records.validation_in_force(session, mobility)
    if validation is None:
        raise Conflict("the mobility's result is not validated yet: a certificate is issued from a validated result")
    return validation


def current_certificate(session: Session, mobility: Mobility) -> Certificate | None:
    """The mobility's certificate in force (not revoked), if any."""
    query = (
        select(Certificate)
        .where(Certificate.mobility_id == mobility.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.issued_at.desc())
    )
    return session.scalars(query).first()


def latest_certificate(session: Session, mobility: Mobility) -> Certificate | None:
    query = select(Certificate).where(Certificate.mobility_id == mobility.id).order_by(Certificate.issued_at.desc())
    return session.scalars(query).first()


def _replaced(session: Session, mobility: Mobility) -> str | None:
    """The mobility's newest revoked certificate not yet superseded: the one a new certificate replaces."""
    superseded = select(Certificate.supersedes_id).where(Certificate.supersedes_id.is_not(None))
    query = (
        select(Certificate.id)
        .where(
            Certificate.mobility_id == mobility.id,
            Certificate.revoked_at.is_not(None),
            Certificate.id.not_in(superseded),
        )
        .order_by(Certificate.issued_at.desc())
    )
    return session.scalars(query).first()


def _store(
    session: Session,
    actor: Actor | None,
    mobility: Mobility,
    validation: Validation,
    rendered: Rendered,
    languages: list[str],
    supersedes: str | None,
    status: StatusEntry | None,
) -> Certificate:
    certificate = Certificate(
        supersedes_id=supersedes,
        status_index=status.index if status else None,
        id=rendered.certificate_id,
        mobility_id=mobility.id,
        validation_id=validation.id,
        languages="+".join(languages),
        issued_at=utcnow(),
        issued_by_id=actor.person_id if actor else None,
        pdf=rendered.pdf,
        pdf_sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        credential=rendered.credential,
        edc=rendered.edc,
        signer_fingerprint=rendered.signer_fingerprint,
        signer_subject=rendered.signer_subject,
    )
    session.add(certificate)
    session.flush()
    audit.record(
        session,
        actor,
        "certificate.issued",
        f"certificate:{certificate.id}",
        mobility_id=mobility.id,
        after={
            "languages": certificate.languages,
            "pdf_sha256": certificate.pdf_sha256,
            "signer_fingerprint": certificate.signer_fingerprint,
            "supersedes": supersedes,
        },
    )
    outbox.certificate_issued(session, mobility, certificate.id)
    return certificate


def require_issuer(actor: Actor, mobility: Mobility) -> None:
    require_allowed(actor, Action.issue, parties(mobility))


def issue(
    session: Session,
    catalog: Catalog,
    settings: Settings,
    actor: Actor,
    mobility: Mobility,
    languages: list[str],
    base_url: str | None = None,
) -> tuple[Certificate, bool]:
    """Issue the mobility's certificate; idempotent: an existing certificate in force is returned as it is.
    Returns the certificate and whether it was newly issued."""
    require_issuer(actor, mobility)
    plan_of(session, mobility, for_update=True)  # serialises concurrent issuing of one mobility
    existing = current_certificate(session, mobility)
    if existing is not None:
        return existing, False
    validation = _validation(session, mobility)
    base = (base_url or settings.offline_base_url).rstrip("/")
    supersedes = _replaced(session, mobility)
    statement = build_statement(
        session,
        catalog,
        base,
        mobility,
        validation,
        languages,
        new_certificate_id(utcnow().year),
        supersedes,
        free_status_index(session),
    )
    rendered = render_and_sign(statement, signing_key(settings), base)
    return _store(session, actor, mobility, validation, rendered, languages, supersedes, statement.status), True


def free_status_index(session: Session, taken: set[int] | None = None) -> int:
    """A random unused bit for a new certificate (not in ``taken`` either: bits chosen for certificates not stored
    yet). Lists are filled to half, then the next list is started, so a random pick is free at least every other
    try; two issuers picking the same bit at once collide on the unique constraint and one of them is repeated."""
    taken = taken if taken is not None else set()
    used = (session.scalar(select(func.count()).where(Certificate.status_index.is_not(None))) or 0) + len(taken)
    first = used // (status_list.LIST_SIZE // 2) * status_list.LIST_SIZE
    while True:
        candidate = first + secrets.randbelow(status_list.LIST_SIZE)
        if candidate in taken:
            continue
        if session.scalar(select(Certificate.id).where(Certificate.status_index == candidate)) is None:
            taken.add(candidate)
            return candidate


def revoke(session: Session, actor: Actor, certificate: Certificate, mobility: Mobility, reason: str) -> Certificate:
    require_allowed(actor, Action.revoke, parties(mobility))
    if certificate.revoked_at is not None:
        raise Conflict("certificate {ident} was already revoked", ident=certificate.id)
    if len(reason.strip()) < 5:
        raise Invalid("give the reason for revoking (it is shown to anyone who verifies the certificate)")
    return _revoke(session, actor, certificate, mobility, reason)


def reopen(session: Session, actor: Actor, record: records.Record, justification: str) -> None:
    """Reopen a validated result for a correction: a new assessment round starts, and the certificate in force is
    revoked with the justification; the certificate issued after the new validation supersedes it."""
    mobility = session.get_one(Mobility, record.mobility.id)  # read already: in the session's identity map
    recognition_rules.reopen_allowed(recognition.is_recognised(session, mobility))
    validation = stages.reopen(session, actor, record, justification)
    certificate = current_certificate(session, mobility)
    if certificate is not None:
        _revoke(session, actor, certificate, mobility, f"Reopened for correction: {validation.reopen_reason}")


def _revoke(session: Session, actor: Actor, certificate: Certificate, mobility: Mobility, reason: str) -> Certificate:
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.person_id
    certificate.revocation_reason = reason.strip()
    session.flush()
    audit.record(
        session,
        actor,
        "certificate.revoked",
        f"certificate:{certificate.id}",
        mobility_id=mobility.id,
        before={"revoked": False},
        after={"revoked": True, "reason": certificate.revocation_reason},
    )
    return certificate


def certificate_for(session: Session, actor: Actor, mobility: Mobility, *, with_files: bool = False) -> Certificate:
    """The mobility's newest certificate, for the learner themself and the school's staff only."""
    require_allowed(actor, Action.download_certificate, parties(mobility))
    query = select(Certificate).where(Certificate.mobility_id == mobility.id).order_by(Certificate.issued_at.desc())
    if with_files:
        query = query.options(undefer(Certificate.pdf), undefer(Certificate.credential), undefer(Certificate.edc))
    certificate = session.scalars(query).first()
    if certificate is None:
        raise NotFound("certificate of mobility", mobility.id)
    return certificate


def edc_json(stored: str) -> str:
    """The European Digital Credential's JSON from what is stored: the payload of its seal (certificates issued
    before the seal stored the JSON itself)."""
    return envelope.payload(stored) if envelope.is_sealed(stored) else stored
