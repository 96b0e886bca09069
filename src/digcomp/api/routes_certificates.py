"""Certificates: issue, download, revoke, and public verification."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, File, Path, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from digcomp.api.deps import (
    NOT_EMPTY,
    ActorDep,
    BaseUrlDep,
    CatalogDep,
    CredentialKeyDep,
    DatabaseDep,
    Ident,
    SettingsDep,
)
from digcomp.api.downloads import download
from digcomp.api.errors import GONE, SIGNING_UNAVAILABLE
from digcomp.credentials import envelope, issuing, register, status_list
from digcomp.credentials import languages as document_languages
from digcomp.credentials.verify import UnusableInput
from digcomp.errors import Invalid, NotFound, erased
from digcomp.mobility.service import mobility_for
from digcomp.store.models import Certificate
from digcomp.tables import read_upload

router = APIRouter(tags=["certificates"])


class IssueIn(BaseModel):
    languages: str = Field(
        default="lv+en",
        description="One language or two joined by + (the school's first): lv+en, lv+es, en+lv, lv … from lv, en, "
        "it, es, de, fr, pt, pl. A host's language (it … pl) needs every planned outcome written in it.",
        examples=["lv+en", "lv+es"],
    )


class CertificateOut(BaseModel):
    id: str
    mobility_id: int
    languages: str
    issued_at: str
    pdf_sha256: str
    signer_subject: str
    signer_fingerprint: str
    revoked_at: str | None
    revocation_reason: str
    supersedes: str | None = Field(description="The revoked certificate this one replaces, after a correction")
    verification_url: str
    pdf_url: str
    credential_url: str
    edc_url: str | None = Field(description="The European Digital Credential (none for certificates issued before)")
    reissue_reason: str = Field(
        default="", description="Set when the mobility's details changed after issue: revoke and issue again"
    )
    sealed_edc_url: str | None = Field(
        default=None, description="The European Digital Credential sealed with the school's key (application/vc+jwt)"
    )


class RevokeIn(BaseModel):
    reason: str = Field(min_length=5, max_length=2000)


class StatedCompetence(BaseModel):
    framework: str
    competence: str
    title: dict[str, str]
    status: str = Field(description="achieved, not_achieved or not_worked_on; planned in a learning agreement")
    achieved_level: int | None
    level_name: dict[str, str]
    target_level: int


class Placement(BaseModel):
    host: str
    host_country: str = Field(description="ISO 3166-1 alpha-2")
    start_date: str
    end_date: str


class VerificationOut(BaseModel):
    verdict: str = Field(description="valid, revoked, tampered or unknown")
    reasons: list[str]
    document: str = Field(default="statement", description="statement, or agreement (a learning agreement)")
    certificate_id: str | None = Field(default=None, description="The statement's or the agreement's id")
    holder: str | None = None
    issuer: str | None = None
    issued_at: str | None = None
    revoked_at: str | None = None
    supersedes: str | None = None
    superseded_by: str | None = None
    replaced_by_version: int | None = Field(
        default=None, description="An agreement: the plan version whose agreement replaces it"
    )
    placement: Placement | None = Field(default=None, description="Where and when the mobility took place")
    competences: list[StatedCompetence] = Field(default=[], description="What the statement certifies")
    signer_subject: str | None = None
    signer_fingerprint: str | None = None
    extended: bool = Field(
        default=False,
        description="The signed file was extended after issuing with validation data or timestamps only (PAdES)",
    )


def _out(certificate: Certificate, public_url: str) -> CertificateOut:
    base = f"/api/v1/mobilities/{certificate.mobility_id}/certificate"
    return CertificateOut(
        id=certificate.id,
        mobility_id=certificate.mobility_id,
        languages=certificate.languages,
        issued_at=certificate.issued_at.isoformat(),
        pdf_sha256=certificate.pdf_sha256,
        signer_subject=certificate.signer_subject,
        signer_fingerprint=certificate.signer_fingerprint,
        revoked_at=certificate.revoked_at.isoformat() if certificate.revoked_at else None,
        revocation_reason=certificate.revocation_reason,
        supersedes=certificate.supersedes_id,
        verification_url=f"{public_url.rstrip('/')}/verify/{certificate.id}",
        pdf_url=f"{base}.pdf",
        credential_url=f"{base}/credential.json",
        edc_url=f"{base}/edc.json" if certificate.has_edc else None,
        sealed_edc_url=f"{base}/edc.jwt" if certificate.has_edc else None,
        reissue_reason=certificate.reissue_reason,
    )


@router.post(
    "/mobilities/{mobility_id}/certificate",
    status_code=201,
    response_model=CertificateOut,
    responses={
        **SIGNING_UNAVAILABLE,
        200: {"model": CertificateOut, "description": "Already issued: the certificate in force, unchanged"},
    },
)
def issue(
    mobility_id: Ident,
    data: IssueIn,
    response: Response,
    db: DatabaseDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    base_url: BaseUrlDep,
    actor: ActorDep,
) -> CertificateOut:
    """Issue the signed statement of a validated mobility. Idempotent: the certificate in force is returned (200).
    After a correction (revoked certificate, reopened and validated again) the new one supersedes the old."""
    languages = document_languages.parse(data.languages)

    def work(s: Session) -> CertificateOut:
        certificate, created = issuing.issue(
            s, catalog, settings, actor, mobility_for(s, actor, mobility_id), languages, base_url
        )
        if not created:
            response.status_code = 200
        return _out(certificate, base_url)

    return db.run(work)


@router.get("/mobilities/{mobility_id}/certificate", response_model=CertificateOut)
def get_certificate(mobility_id: Ident, db: DatabaseDep, base_url: BaseUrlDep, actor: ActorDep) -> CertificateOut:
    return db.read(lambda s: _out(issuing.certificate_for(s, actor, mobility_for(s, actor, mobility_id)), base_url))


def _download(db: DatabaseDep, actor: ActorDep, mobility_id: Ident, part: str) -> Response:
    def work(s: Session) -> tuple[Certificate, dt.datetime | None]:
        mobility = mobility_for(s, actor, mobility_id)
        return issuing.certificate_for(s, actor, mobility, with_files=True), mobility.learner.erased_at

    certificate, erased_at = db.read(work)
    edc = certificate.edc
    files: dict[str, tuple[bytes | str | None, str, str]] = {
        "pdf": (certificate.pdf, "application/pdf", ".pdf"),
        "credential": (certificate.credential, "application/ld+json", ".credential.json"),
        "edc": (edc and issuing.edc_json(edc), "application/ld+json", ".edc.json"),
        "sealed-edc": (edc if edc and envelope.is_sealed(edc) else None, envelope.MEDIA_TYPE, ".edc.jwt"),
    }
    body, media_type, suffix = files[part]
    if not body:
        if erased_at is not None:  # the bytes named the learner: they went with her data
            raise erased(erased_at)
        raise NotFound("European Digital Credential of certificate", certificate.id)
    return download(body.encode() if isinstance(body, str) else body, media_type, f"{certificate.id}{suffix}")


@router.get("/mobilities/{mobility_id}/certificate.pdf", response_class=Response)
def download_pdf(mobility_id: Ident, db: DatabaseDep, actor: ActorDep) -> Response:
    """The signed statement, for the learner themself and the sending school."""
    return _download(db, actor, mobility_id, "pdf")


@router.get("/mobilities/{mobility_id}/certificate/credential.json", response_class=Response)
def download_credential(mobility_id: Ident, db: DatabaseDep, actor: ActorDep) -> Response:
    """The Open Badges 3.0 credential embedded in the statement, on its own."""
    return _download(db, actor, mobility_id, "credential")


@router.get("/mobilities/{mobility_id}/certificate/edc.json", response_class=Response)
def download_edc(mobility_id: Ident, db: DatabaseDep, actor: ActorDep) -> Response:
    """The European Digital Credential (Europass, ELM 3.2) of the statement, as the JSON its seal signs."""
    return _download(db, actor, mobility_id, "edc")


@router.get("/mobilities/{mobility_id}/certificate/edc.jwt", response_class=Response)
def download_sealed_edc(mobility_id: Ident, db: DatabaseDep, actor: ActorDep) -> Response:
    """The European Digital Credential sealed with the school's key: a compact JWS (``application/vc+jwt``,
    W3C VC-JOSE-COSE) whose ``kid`` names the key in the school's public profile."""
    return _download(db, actor, mobility_id, "sealed-edc")


@router.post("/certificates/{certificate_id}/revocation", response_model=CertificateOut)
def revoke(
    certificate_id: str, data: RevokeIn, db: DatabaseDep, base_url: BaseUrlDep, actor: ActorDep
) -> CertificateOut:
    def work(s: Session) -> CertificateOut:
        certificate = s.get(Certificate, certificate_id)
        try:
            if certificate is None:
                raise NotFound("certificate", certificate_id)
            mobility = mobility_for(s, actor, certificate.mobility_id)
        except NotFound:  # another school's: answered exactly as an unknown id, naming nothing of it
            raise NotFound("certificate", certificate_id) from None
        return _out(issuing.revoke(s, actor, certificate, mobility, data.reason), base_url)

    return db.run(work)


@router.get("/certificates/{certificate_id}/verification", response_model=VerificationOut, tags=["verification"])
def verify_by_id(certificate_id: str, db: DatabaseDep, catalog: CatalogDep) -> VerificationOut:
    """Public: what the issuer's register says about a certificate id (the QR code leads here, via /verify/{id})."""
    return VerificationOut.model_validate(dict(db.read(lambda s: register.verify_id(s, certificate_id, catalog))))


def _public_file(db: DatabaseDep, certificate_id: str, part: str) -> Response:
    return Response(
        db.read(lambda s: register.public_document(s, certificate_id, part)), media_type="application/ld+json"
    )


@router.get("/certificates/{certificate_id}/credential", response_class=Response, tags=["verification"], responses=GONE)
def public_credential(certificate_id: str, db: DatabaseDep) -> Response:
    """Public: the credential's own id resolves to the credential while it is in force (410 once revoked)."""
    return _public_file(db, certificate_id, "credential")


@router.get("/certificates/{certificate_id}/edc", response_class=Response, tags=["verification"], responses=GONE)
def public_edc(certificate_id: str, db: DatabaseDep) -> Response:
    """Public: the European Digital Credential's id resolves to it while it is in force (410 once revoked)."""
    return _public_file(db, certificate_id, "edc")


MOST_LISTS = (2**31 - 1) // status_list.LIST_SIZE - 1  # bits are numbered by the databases' integers, ends included


@router.get("/organisations/{organisation_id}/status-lists/{number}", response_class=Response, tags=["verification"])
def school_status_list(
    organisation_id: Ident,
    number: Annotated[int, Path(ge=0, le=MOST_LISTS, description="The list's number, from statusListCredential")],
    db: DatabaseDep,
    base_url: BaseUrlDep,
    key: CredentialKeyDep,
) -> Response:
    """Public: a school's revocation list, a W3C BitstringStatusListCredential. A credential's ``credentialStatus``
    names its list and its bit (``statusListIndex``); the bit is set once the school revokes the credential."""
    document = db.read(lambda s: register.signed_status_list(s, base_url, organisation_id, number, key))
    headers = {"Cache-Control": "max-age=60"}  # a revocation reaches verifiers within a minute
    return Response(json.dumps(document), media_type="application/ld+json", headers=headers)


@router.get("/organisations/{organisation_id}/profile", response_class=Response, tags=["verification"])
def organisation_profile(
    organisation_id: Ident, db: DatabaseDep, base_url: BaseUrlDep, key: CredentialKeyDep
) -> Response:
    """Public, once a certificate names the organisation: its Open Badges profile, which a credential's ``issuer``
    and ``source`` ids resolve to. A school's lists the Ed25519 key (a Multikey) its credentials' proofs are
    made with: the ``verificationMethod`` of a proof is this profile's URL and the key, after ``#``."""
    document = db.read(lambda s: register.public_profile(s, base_url, organisation_id, key))
    return Response(json.dumps(document), media_type="application/ld+json", headers={"Cache-Control": "max-age=300"})


@router.post("/verifications", response_model=VerificationOut, tags=["verification"])
def verify_file(
    db: DatabaseDep,
    catalog: CatalogDep,
    key: CredentialKeyDep,
    settings: SettingsDep,
    file: Annotated[
        UploadFile, File(description="The signed PDF statement, or one of its credentials", json_schema_extra=NOT_EMPTY)
    ],
) -> VerificationOut:
    """Public: upload a statement PDF or its Open Badges credential (JSON, checked by its proof); the answer says
    valid, revoked, tampered or unknown, with the reasons."""
    data = read_upload(file.file, settings.max_verify_bytes)
    try:
        return VerificationOut.model_validate(dict(db.read(lambda s: register.verify_file(s, data, catalog, key))))
    except UnusableInput as exc:
        raise Invalid(str(exc)) from None
