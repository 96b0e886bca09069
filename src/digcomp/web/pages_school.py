"""Pages: the school admin's screens (staff, mentor links, branding, signing key, privacy, a learner's data, the
audit trail), choosing a password through an e-mailed link, and a learner's privacy notice and consents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access import service as access
from digcomp.access import staff
from digcomp.access.actor import Actor
from digcomp.api.deps import (
    client_address,
    get_base_url,
    get_catalog,
    get_database,
    get_settings_dep,
    throttle_of,
)
from digcomp.api.downloads import download
from digcomp.api.routes_assessment import evidence_store
from digcomp.assessment.evidence_store import EvidenceStore
from digcomp.audit import log as audit
from digcomp.credentials import signing
from digcomp.errors import DomainError
from digcomp.mobility import branding
from digcomp.mobility import service as registry
from digcomp.mobility.schemas import OrganisationUpdate
from digcomp.privacy import consent, erasure, export
from digcomp.store.models import ConsentKind, Organisation, Person, Role, utcnow
from digcomp.web.common import back, localizer, problem_text, render, require_login, require_same_origin

router = APIRouter(include_in_schema=False)

AUDIT_PAGE = 100


def _evidence(request: Request) -> EvidenceStore:
    return evidence_store(get_settings_dep(request))


def _admin(request: Request) -> Actor:
    actor = require_login(request)
    staff.require_admin(actor)
    return actor


# --- the admin's page -------------------------------------------------------------------------------------------


def _school_page(request: Request, actor: Actor, status: int = 200, message: str = "", **extra: Any) -> Response:
    settings = get_settings_dep(request)

    def work(s: Session) -> dict[str, Any]:
        notice = consent.current_notice(s, actor.organisation_id)
        learners = s.scalars(
            select(Person)
            .where(Person.organisation_id == actor.organisation_id, Person.role == Role.learner)
            .where(Person.erased_at.is_(None))
            .order_by(Person.family_name, Person.given_name)
        ).all()
        return {
            "school": s.get_one(Organisation, actor.organisation_id),
            "staff": staff.staff(s, actor),
            "links": access.school_mentor_links(s, actor, active_only=True),
            "notice": notice,
            "learners": learners,
        }

    data = get_database(request).read(work)
    key = signing.key_status(signing.signing_key(settings), utcnow())
    extra.setdefault("errors", {})
    extra.setdefault("values", {})
    extra.setdefault("error_at", "")
    frameworks = sorted(get_catalog(request).frameworks.values(), key=lambda f: f.id)
    return render(request, "school.html", status, key=key, message=message, frameworks=frameworks, **data, **extra)


@router.get("/school", response_class=HTMLResponse)
def school_page(request: Request) -> Response:
    return _school_page(request, _admin(request))


def _refused(
    request: Request, actor: Actor, exc: Exception, section: str = "", values: dict[str, str] | None = None
) -> Response:
    message, errors = problem_text(exc, localizer(request))
    return _school_page(
        request,
        actor,
        422,
        message=message or "; ".join(errors.values()),
        errors=errors,
        error_at=section,
        values=values or {},
    )


def _change(
    request: Request,
    actor: Actor,
    work: Callable[[Session], object],
    done: str,
    section: str,
    values: dict[str, str] | None = None,
) -> Response:
    """Make an admin's change: refused, the school page again with the reason at the form, what was typed kept;
    made, back to its section."""
    try:
        get_database(request).run(work)
    except (DomainError, ValidationError) as exc:
        return _refused(request, actor, exc, section, values)
    return back("/school", done, section)


@router.post("/school/staff", response_class=HTMLResponse)
def invite(
    request: Request,
    given_name: Annotated[str, Form()] = "",
    family_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    actor = _admin(request)
    require_same_origin(request)
    fields = {"given_name": given_name, "family_name": family_name, "email": email, "role": role}

    def work(s: Session) -> None:
        staff.invite(s, actor, staff.StaffInvite.model_validate(fields), get_base_url(request))

    return _change(request, actor, work, "staff_invited", "invite", fields)


@router.post("/school/staff/{person_id}", response_class=HTMLResponse)
def update_member(
    request: Request,
    person_id: int,
    role: Annotated[str | None, Form()] = None,
    active: Annotated[str | None, Form()] = None,
) -> Response:
    actor = _admin(request)
    require_same_origin(request)
    fields = {"role": role or None, "active": None if active is None else active == "true"}

    def work(s: Session) -> None:
        staff.update_member(s, actor, person_id, staff.StaffUpdate.model_validate(fields))

    return _change(request, actor, work, "saved", "staff")


@router.post("/school/staff/{person_id}/reset", response_class=HTMLResponse)
def send_reset(request: Request, person_id: int) -> Response:
    actor = _admin(request)
    require_same_origin(request)
    return _change(
        request, actor, lambda s: staff.send_reset(s, actor, person_id, get_base_url(request)), "reset_sent", "staff"
    )


@router.post("/school/mentor-links/{link_id}/revoke", response_class=HTMLResponse)
def revoke_link(request: Request, link_id: int, mobility_id: Annotated[int, Form()]) -> Response:
    actor = _admin(request)
    require_same_origin(request)

    def work(s: Session) -> None:
        access.revoke_mentor_link(s, actor, registry.mobility_for(s, actor, mobility_id), link_id)

    get_database(request).run(work)
    return back("/school", "link_revoked", "links")


@router.post("/school/branding", response_class=HTMLResponse)
def set_branding(
    request: Request,
    brand_colour: Annotated[str, Form()] = "",
    logo: Annotated[UploadFile | None, File()] = None,
    remove_logo: Annotated[str | None, Form()] = None,
) -> Response:
    actor = _admin(request)
    require_same_origin(request)
    content = logo.file.read(branding.MAX_LOGO_BYTES + 1) if logo is not None and logo.filename else None

    def work(s: Session) -> None:
        school = s.get_one(Organisation, actor.organisation_id)
        registry.update_organisation(s, actor, school, OrganisationUpdate(brand_colour=brand_colour.strip()))
        if content is not None:
            branding.set_logo(s, actor, content)
        elif remove_logo:
            branding.remove_logo(s, actor)

    return _change(request, actor, work, "saved", "branding")


def _update_school(request: Request, section: str, changes: Mapping[str, object]) -> Response:
    """An admin's change of the school's own settings (``OrganisationUpdate`` fields), back to its section."""
    actor = _admin(request)
    require_same_origin(request)

    def work(s: Session) -> None:
        school = s.get_one(Organisation, actor.organisation_id)
        registry.update_organisation(s, actor, school, OrganisationUpdate.model_validate(changes))

    return _change(request, actor, work, "saved", section)


@router.post("/school/quality", response_class=HTMLResponse)
def set_quality_assurance(request: Request, quality_assurance: Annotated[str, Form()] = "") -> Response:
    return _update_school(request, "quality", {"quality_assurance": quality_assurance})


@router.post("/school/framework", response_class=HTMLResponse)
def set_plan_framework(request: Request, plan_framework: Annotated[str, Form()] = "") -> Response:
    """The DigComp version the school's new plans are written on; plans under way keep theirs."""
    return _update_school(request, "framework", {"plan_framework": plan_framework})


@router.post("/school/grades", response_class=HTMLResponse)
def set_grades(
    request: Request, grade_scale: Annotated[str, Form()] = "lv10", average_mastery_grade: Annotated[str, Form()] = "4"
) -> Response:
    """The scale recognised results are graded on, and its "average mastery"."""
    changes = {"grade_scale": grade_scale, "average_mastery_grade": average_mastery_grade or None}
    return _update_school(request, "grades", changes)


@router.post("/school/privacy", response_class=HTMLResponse)
def set_privacy(
    request: Request,
    retention_years: Annotated[int, Form()],
    notice_lv: Annotated[str, Form()] = "",
    notice_en: Annotated[str, Form()] = "",
) -> Response:
    actor = _admin(request)
    require_same_origin(request)
    text = {k: v.strip() for k, v in (("lv", notice_lv), ("en", notice_en)) if v.strip()}

    def work(s: Session) -> None:
        school = s.get_one(Organisation, actor.organisation_id)
        registry.update_organisation(s, actor, school, OrganisationUpdate(retention_years=retention_years))
        current = consent.current_notice(s, actor.organisation_id)
        if text and (current is None or current.text != text):
            consent.publish_notice(s, actor, text)

    return _change(request, actor, work, "saved", "privacy")


@router.get("/school/people/{person_id}/export")
def export_person(request: Request, person_id: int) -> Response:
    actor = _admin(request)
    data = get_database(request).read(lambda s: export.export_person(s, actor, person_id, _evidence(request)))
    return download(data, "application/zip", f"person-{person_id}.zip")


@router.post("/school/people/{person_id}/erasure", response_class=HTMLResponse)
def erase_person(request: Request, person_id: int, confirm: Annotated[str, Form()] = "") -> Response:
    actor = _admin(request)
    require_same_origin(request)
    if confirm != "yes":
        return _school_page(request, actor, 422, message=localizer(request).label("erase_confirm_needed"))
    database = get_database(request)
    try:
        report = database.run(lambda s: erasure.erase_person(s, actor, person_id))
    except DomainError as exc:
        return _refused(request, actor, exc)
    erasure.after_commit(database.engine, _evidence(request), report)
    return back("/school", "erased", "people")


@router.get("/school/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    filters: Annotated[audit.AuditFilter, Query()],
    offset: Annotated[int, Query(ge=0)] = 0,
    verify: bool = False,
) -> Response:
    actor = _admin(request)

    def work(s: Session) -> dict[str, Any]:
        entries, total = audit.school_entries(s, actor.organisation_id, filters, offset, AUDIT_PAGE)
        report = audit.verify_log(s, audit.school_chains(s, actor.organisation_id)) if verify else None
        people = audit.school_actors(s, actor.organisation_id)
        return {"entries": entries, "total": total, "report": report, "people": people}

    data = get_database(request).read(work)
    query = filters.model_dump(exclude_none=True, mode="json")
    return render(
        request,
        "school_audit.html",
        filters=filters,
        query=query,
        offset=offset,
        page=AUDIT_PAGE,
        actions=audit.ACTIONS,
        changed=audit.changed_values,
        day_of=lambda value: _day_of(localizer(request), value),
        names=dict(data["people"]),
        **data,
    )


def _day_of(loc: Any, value: str) -> str:
    """An ISO date or time stored in the audit trail, written the reader's way (as stored if it is not one)."""
    try:
        return str(loc.day(dt.datetime.fromisoformat(value)))
    except ValueError:
        return value


# --- passwords by link ------------------------------------------------------------------------------------------


@router.get("/password-reset", response_class=HTMLResponse)
def reset_page(request: Request) -> Response:
    return render(request, "password_reset.html", sent=False, message="")


@router.post("/password-reset", response_class=HTMLResponse)
def request_reset(request: Request, email: Annotated[str, Form()] = "") -> Response:
    require_same_origin(request)
    try:
        throttle_of(request).spend(client_address(request), email)
    except DomainError as exc:
        return render(request, "password_reset.html", 429, sent=False, message=localizer(request).error(exc))
    get_database(request).run(lambda s: staff.request_reset(s, email, get_base_url(request)))
    return render(request, "password_reset.html", sent=True, message="")


@router.get("/password/{secret}", response_class=HTMLResponse)
def password_page(request: Request, secret: str) -> Response:
    try:
        account = get_database(request).read(lambda s: staff.link_holder(s, secret))
    except DomainError as exc:
        return render(request, "message.html", 401, title_key="error_title", message=localizer(request).error(exc))
    return render(request, "password_set.html", secret=secret, email=account.email, message="")


@router.post("/password/{secret}", response_class=HTMLResponse)
def set_password(
    request: Request, secret: str, password: Annotated[str, Form()] = "", repeat: Annotated[str, Form()] = ""
) -> Response:
    require_same_origin(request)
    loc = localizer(request)
    database = get_database(request)
    try:
        account = database.read(lambda s: staff.link_holder(s, secret))
        if password != repeat:
            return render(
                request,
                "password_set.html",
                422,
                secret=secret,
                email=account.email,
                message=loc.label("password_mismatch"),
            )
        database.run(lambda s: staff.set_password(s, secret, password))
    except DomainError as exc:
        return render(request, "password_set.html", 422, secret=secret, email="", message=loc.error(exc))
    return render(request, "message.html", title_key="password_set_title", message=loc.label("password_set_done"))


# --- a learner's privacy ----------------------------------------------------------------------------------------


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(request: Request) -> Response:
    """The school's privacy notice and the person's own consents (photos as evidence, date of birth on the
    statement)."""
    actor = require_login(request)

    def work(s: Session) -> dict[str, Any]:
        person = registry.person_for(s, actor, actor.person_id)
        return {
            "notice": consent.current_notice(s, consent.school_of(person)),
            "consents": consent.consents_of(s, person.id),
            "kinds": list(ConsentKind),
        }

    return render(request, "privacy.html", **get_database(request).read(work))


@router.post("/privacy/consents", response_class=HTMLResponse)
def give_consent(request: Request, kind: Annotated[ConsentKind, Form()], granted: Annotated[str, Form()]) -> Response:
    actor = require_login(request)
    require_same_origin(request)

    def work(s: Session) -> consent.Answer:
        return consent.record_consent(s, actor, registry.person_for(s, actor, actor.person_id), kind, granted == "true")

    erasure.remove_files(_evidence(request), get_database(request).run(work).files_to_delete)
    return back("/privacy", "saved")
