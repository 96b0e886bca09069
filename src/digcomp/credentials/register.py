"""The public register: what anyone may read about issued documents — organisations' profiles with the school's key,
revocation lists, credentials at their ids — and the verification of a file or an id against it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from digcomp.agreement import service as agreements
from digcomp.credentials import status_list
from digcomp.credentials.issuing import edc_json
from digcomp.credentials.openbadge import issuer_profile
from digcomp.credentials.parties import party_of, register_parties
from digcomp.credentials.proof import CredentialKey, add_proof
from digcomp.credentials.verify import (
    DOCUMENT_ID,
    Inspection,
    RegisterEntry,
    UnusableInput,
    VerificationResult,
    decide,
    inspect_credential,
    inspect_pdf,
    looks_like_credential,
    same_credential,
    stated_competence,
)
from digcomp.errors import Gone, NotFound, Phrase, erased
from digcomp.framework import Catalog
from digcomp.store.models import (
    Certificate,
    Mobility,
    Organisation,
    Validation,
    utcnow,
)


def public_profile(session: Session, base_url: str, organisation_id: int, key: CredentialKey) -> dict[str, Any]:
    """An organisation's public profile, once an issued certificate names it (as issuer or host): a credential's
    ``issuer.id`` and ``source.id`` resolve to it, and a school's lists the key its credentials' proofs need."""
    named = select(Mobility.sending_organisation_id).join(Certificate, Certificate.mobility_id == Mobility.id)
    issued = session.scalar(named.where(Mobility.sending_organisation_id == organisation_id).limit(1))
    hosted = issued is None and session.scalar(named.where(Mobility.host_organisation_id == organisation_id).limit(1))
    if issued is None and hosted is None:
        raise NotFound("organisation", organisation_id)
    party = party_of(session.get_one(Organisation, organisation_id), base_url, None)
    return issuer_profile(party, key if issued is not None else None)


def signed_status_list(
    session: Session, base_url: str, school_id: int, number: int, key: CredentialKey
) -> dict[str, Any]:
    """A school's revocation list number ``number``, with a proof by the school's credential key."""
    school = session.get(Organisation, school_id)
    if school is None:
        raise NotFound("organisation", school_id)
    issuer = party_of(school, base_url, None)
    now = utcnow().replace(microsecond=0)
    url = status_list.list_url(base_url, school_id, number)
    unsigned = status_list.status_list_credential(url, issuer.url, revoked_positions(session, school_id, number), now)
    return add_proof(unsigned, key, f"{issuer.url}#{key.multikey()}", now)


def revoked_positions(session: Session, school_id: int, number: int) -> list[int]:
    """The set bits of one of a school's lists: its revoked certificates' positions."""
    low = number * status_list.LIST_SIZE
    query = (
        select(Certificate.status_index)
        .join(Mobility, Mobility.id == Certificate.mobility_id)
        .where(
            Mobility.sending_organisation_id == school_id,
            Certificate.revoked_at.is_not(None),
            Certificate.status_index >= low,
            Certificate.status_index < low + status_list.LIST_SIZE,
        )
    )
    return [index - low for index in session.scalars(query) if index is not None]


def public_document(session: Session, certificate_id: str, part: str) -> str:
    """A certificate's credential (``credential``) or European Digital Credential (``edc``) at its public id: while
    it is in force; a revoked one is gone (410), so nobody takes it for current."""
    column = {"credential": Certificate.credential, "edc": Certificate.edc}[part]
    certificate = session.get(Certificate, certificate_id, options=[undefer(column)])
    if certificate is None:
        raise NotFound("certificate", certificate_id)
    body = getattr(certificate, part)
    if not body:
        holder = session.get_one(Mobility, certificate.mobility_id).learner
        if holder.erased_at is not None:
            raise erased(holder.erased_at)
        raise NotFound("certificate", certificate_id)
    if certificate.revoked_at is not None:
        raise Gone(
            "certificate {ident} was revoked on {date}", ident=certificate_id, date=certificate.revoked_at.date()
        )
    return edc_json(body) if part == "edc" else str(body)


def _competences(catalog: Catalog, validation: Validation) -> list[dict[str, Any]]:
    """The competences a certificate states, as the verification page shows them."""
    return [
        stated_competence(catalog.get(r.framework), r.competence, r.status.value, r.achieved_level, r.target_level)
        for r in validation.results
    ]


def register_entry(session: Session, certificate_id: str, catalog: Catalog | None = None) -> RegisterEntry | None:
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        return None
    mobility = session.get_one(Mobility, certificate.mobility_id)
    validation = session.get_one(Validation, certificate.validation_id)
    return RegisterEntry(
        certificate_id=certificate.id,
        signer_fingerprint=certificate.signer_fingerprint,
        **register_parties(mobility),
        issued_at=certificate.issued_at,
        pdf_sha256=certificate.pdf_sha256,
        revoked_at=certificate.revoked_at,
        supersedes=certificate.supersedes_id,
        superseded_by=session.scalars(
            select(Certificate.id).where(Certificate.supersedes_id == certificate.id)
        ).first(),
        competences=_competences(catalog, validation) if catalog is not None else [],
    )


def _register_entry(session: Session, document_id: str, catalog: Catalog | None) -> RegisterEntry | None:
    if document_id.startswith(agreements.ID_PREFIX):
        return agreements.register_entry(session, document_id, catalog)
    return register_entry(session, document_id, catalog)


def verify_file(
    session: Session, data: bytes, catalog: Catalog | None = None, key: CredentialKey | None = None
) -> VerificationResult:
    """A signed statement or learning agreement (PDF), or a statement's JSON credential (checked by its proof with
    the school's credential ``key``), checked in itself and against the register."""
    if looks_like_credential(data):
        if key is None:
            raise UnusableInput(Phrase("this is not a PDF file"))
        inspection = inspect_credential(data, key)
        if inspection.format == "edc-copy":
            _compare_with_sealed_edc(session, inspection)
    else:
        inspection = inspect_pdf(data)
    entry = _register_entry(session, inspection.certificate_id, catalog) if inspection.certificate_id else None
    return decide(inspection, entry)


def _compare_with_sealed_edc(session: Session, inspection: Inspection) -> None:
    """An EDC's JSON without its seal is intact only if it is what the register's sealed copy says."""
    certificate = session.get(Certificate, inspection.certificate_id or "", options=[undefer(Certificate.edc)])
    sealed = certificate.edc if certificate is not None else None
    if sealed is None or inspection.credential is None or not same_credential(inspection.credential, sealed):
        inspection.intact = False
        inspection.problems.append(Phrase("this is not the European Digital Credential the school issued and sealed"))


def verify_id(session: Session, document_id: str, catalog: Catalog | None = None) -> VerificationResult:
    if not DOCUMENT_ID.match(document_id):  # not an id this service gives out; nothing to look up
        return decide(None, None, document_id)
    return decide(None, _register_entry(session, document_id, catalog), document_id)
