"""School administration: staff accounts, passwords by e-mailed link, the school's mentor links, branding, the
signing key's status and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, EmailStr, Field
from sqlalchemy.orm import Session

from digcomp.access import credentials, staff
from digcomp.access import service as access
from digcomp.api.deps import (
    NOT_EMPTY,
    ActorDep,
    BaseUrlDep,
    DatabaseDep,
    Ident,
    PagingDep,
    SettingsDep,
    client_address,
    throttle_of,
)
from digcomp.audit import log as audit
from digcomp.credentials import signing
from digcomp.errors import NotFound
from digcomp.mobility import branding
from digcomp.mobility.schemas import Page
from digcomp.store.models import Organisation, utcnow

router = APIRouter(tags=["school"])


@router.get("/school/staff", response_model=list[staff.StaffOut])
def list_staff(db: DatabaseDep, actor: ActorDep) -> list[staff.StaffOut]:
    """The school's admins, coordinators and validators, with the state of their logins."""
    return db.read(lambda s: staff.staff(s, actor))


@router.post("/school/staff", status_code=201, response_model=staff.StaffOut)
def invite_staff(data: staff.StaffInvite, db: DatabaseDep, actor: ActorDep, base_url: BaseUrlDep) -> staff.StaffOut:
    """Add a colleague: they get an e-mail with a one-time link (7 days) to choose their password."""
    return db.run(lambda s: staff.invite(s, actor, data, base_url))


@router.patch("/school/staff/{person_id}", response_model=staff.StaffOut)
def update_staff(person_id: Ident, data: staff.StaffUpdate, db: DatabaseDep, actor: ActorDep) -> staff.StaffOut:
    """Change a colleague's role, or disable their login (every session and token of it ends) and enable it again."""
    return db.run(lambda s: staff.update_member(s, actor, person_id, data))


@router.post("/school/staff/{person_id}/password-reset", status_code=202)
def send_password_reset(person_id: Ident, db: DatabaseDep, actor: ActorDep, base_url: BaseUrlDep) -> None:
    """E-mail a colleague a one-time link (2 hours) to choose a new password."""
    db.run(lambda s: staff.send_reset(s, actor, person_id, base_url))


class PasswordResetRequest(BaseModel):
    email: EmailStr


class PasswordSet(BaseModel):
    token: str = Field(min_length=10, max_length=200, description="The secret from the e-mailed link")
    password: str = Field(min_length=1, max_length=200, json_schema_extra=credentials.PASSWORD_SCHEMA)


@router.post("/auth/password-reset", status_code=202, tags=["access"])
def request_password_reset(data: PasswordResetRequest, request: Request, db: DatabaseDep, base_url: BaseUrlDep) -> None:
    """Forgot the password: if the address has a login, a one-time link is e-mailed to it. The answer is the same
    either way, and the same limits as for wrong passwords apply."""
    throttle_of(request).spend(client_address(request), str(data.email))
    db.run(lambda s: staff.request_reset(s, str(data.email), base_url))


@router.post("/auth/password", status_code=204, tags=["access"])
def set_password(data: PasswordSet, db: DatabaseDep) -> None:
    """Choose a password with the secret of an e-mailed link. It works once; every existing session ends."""
    db.run(lambda s: staff.set_password(s, data.token, data.password))


@router.get("/school/mentor-links", response_model=list[access.SchoolMentorLinkOut])
def list_mentor_links(
    db: DatabaseDep,
    actor: ActorDep,
    active_only: Annotated[bool, Query(description="Only links that still work")] = False,
) -> list[access.SchoolMentorLinkOut]:
    """Every mentor link of the school's mobilities (revoke one with DELETE /mobilities/{id}/mentor-links/{id})."""
    return db.read(lambda s: access.school_mentor_links(s, actor, active_only=active_only))


class SigningKeyOut(BaseModel):
    development: bool = Field(
        description="True: a development key made on this machine; statements it signs are not trusted anywhere else"
    )
    subject: str
    fingerprint: str
    not_valid_after: dt.datetime
    days_left: int
    long_term: bool = Field(description="Signatures are timestamped (PAdES B-LT) and stay checkable after expiry")


@router.get("/school/signing-key", response_model=SigningKeyOut)
def signing_key_status(actor: ActorDep, settings: SettingsDep) -> SigningKeyOut:
    staff.require_admin(actor)
    status = signing.key_status(signing.signing_key(settings), utcnow())
    return SigningKeyOut(**status.__dict__)


@router.put("/school/logo", status_code=204)
def upload_logo(
    db: DatabaseDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="PNG or JPEG", json_schema_extra=NOT_EMPTY)],
) -> None:
    content = file.file.read(branding.MAX_LOGO_BYTES + 1)
    db.run(lambda s: branding.set_logo(s, actor, content))


@router.delete("/school/logo", status_code=204)
def delete_logo(db: DatabaseDep, actor: ActorDep) -> None:
    db.run(lambda s: branding.remove_logo(s, actor))


@router.get(
    "/organisations/{organisation_id}/logo",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The school's logo"}},
    tags=["organisations"],
)
def get_logo(organisation_id: Ident, db: DatabaseDep) -> Response:
    """A school's logo, as shown on its pages (public, like the name on its statements)."""

    def read(s: Session) -> tuple[bytes, str]:
        school = s.get(Organisation, organisation_id)
        if school is None or not school.logo:
            raise NotFound("logo of organisation", organisation_id)
        return school.logo, school.logo_media_type

    content, media_type = db.read(read)
    return Response(content, media_type=media_type, headers={"Cache-Control": "public, max-age=300"})


AuditPage = Page[audit.AuditEntryOut]


@router.get("/audit", response_model=AuditPage, tags=["audit"])
def list_audit(
    filters: Annotated[audit.AuditFilter, Query()], paging: PagingDep, db: DatabaseDep, actor: ActorDep
) -> AuditPage:
    """The school's audit trail, newest first, filtered by action, person, mobility, record and dates (admin)."""
    staff.require_admin(actor)

    def read(s: Session) -> AuditPage:
        entries, total = audit.school_entries(s, actor.organisation_id, filters, paging.offset, paging.limit)
        items = [audit.AuditEntryOut.model_validate(e) for e in entries]
        return AuditPage(items=items, total=total, offset=paging.offset, limit=paging.limit)

    return db.read(read)
