"""Pages: logging in, language, the list of mobilities with the group chart, a new mobility, CSV import."""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access import service as access
from digcomp.access.actor import Actor
from digcomp.access.credentials import LINK_TOKEN_PREFIX
from digcomp.access.permissions import Action, allowed, require_allowed
from digcomp.api.deps import SESSION_COOKIE, client_address, get_catalog, get_database, get_settings_dep, throttle_of
from digcomp.api.downloads import download
from digcomp.errors import DomainError, Invalid, TooManyRequests, Unauthenticated, problem
from digcomp.framework import Catalog, pick
from digcomp.i18n import EU_LANGUAGES, PUBLIC_LANGUAGES, Localizer
from digcomp.mobility import importer, overview, spreadsheet
from digcomp.mobility import service as registry
from digcomp.mobility.overview import RESULT_COLUMNS
from digcomp.mobility.schemas import MobilityCreate, OrganisationCreate, PersonCreate
from digcomp.plans import templates
from digcomp.store.models import (
    Mobility,
    Organisation,
    OrganisationKind,
    Person,
    ResultStatus,
    Role,
    TokenKind,
    Validation,
    utcnow,
)
from digcomp.tables import read_upload, within_limit
from digcomp.web.common import (
    LANG_COOKIE,
    back,
    form_texts,
    language,
    localizer,
    problem_text,
    render,
    require_login,
    require_same_origin,
    same_origin,
    secure_cookies,
    web_actor,
)
from digcomp.web.pages_mobility import host_choices

router = APIRouter(include_in_schema=False)
SESSION_DAYS_SECONDS = 7 * 24 * 3600


def _safe_next(url: str | None) -> str:
    return url if url and url.startswith("/") and not url.startswith("//") else "/mobilities"


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return RedirectResponse("/mobilities" if web_actor(request) else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), values={}, message="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/mobilities",
) -> Response:
    if not same_origin(request):  # a page elsewhere must not log this browser into someone's account (login CSRF)
        message = localizer(request).label("login_elsewhere")
        return render(request, "login.html", 403, next=_safe_next(next), values={}, message=message)
    try:
        token = access.login(
            get_database(request),
            email,
            password,
            TokenKind.session,
            throttle=throttle_of(request),
            address=client_address(request),
        )
    except TooManyRequests as exc:
        message = localizer(request).error(exc)
        refused = render(request, "login.html", 429, next=_safe_next(next), values={"email": email}, message=message)
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    except Unauthenticated:
        message = localizer(request).label("login_failed")
        return render(request, "login.html", 401, next=_safe_next(next), values={"email": email}, message=message)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token.access_token,
        max_age=SESSION_DAYS_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    require_same_origin(request)  # a page elsewhere must not end this browser's session (logout CSRF)
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        get_database(request).run(lambda s: access.logout(s, secret))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{lang}")
def choose_language(lang: str, next: str | None = None) -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if lang in PUBLIC_LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/m/{token}")
def mentor_link(request: Request, token: str) -> Response:
    """A host mentor opens the school's link: the link itself becomes their session for that mobility. Only a mentor
    link is taken here — never another kind of token, which would log the visitor in as someone else."""
    settings = get_settings_dep(request)
    if not token.startswith(LINK_TOKEN_PREFIX):
        return render(
            request,
            "message.html",
            404,
            title_key="not_found",
            message=localizer(request).message("this mentor link is not valid"),
        )
    try:
        actor = get_database(request).read(lambda s: access.authenticate(s, settings, token))
    except Unauthenticated as exc:
        return render(request, "message.html", 401, title_key="error_title", message=localizer(request).error(exc))
    response = RedirectResponse(f"/mobilities/{actor.link_mobility_id}", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_DAYS_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response


# --- the list and the chart -----------------------------------------------------------------------------------


def competence_title(catalog: Catalog, framework: str, competence: str, lang: str) -> str:
    try:
        return pick(catalog.competence(framework, competence).title, lang)
    except LookupError:  # a framework no longer loaded: its id still says what it was
        return competence


def chart_data(session: Session, catalog: Catalog, actor: Actor, group: str | None, lang: str) -> list[dict[str, Any]]:
    """Average target and achieved level per competence over the group's validated mobilities."""
    query = (
        select(Validation)
        .join(Mobility, Mobility.id == Validation.mobility_id)
        .where(registry.visible_mobilities(actor))
    )
    if group:
        query = query.where(Mobility.group_name == group)
    targets: dict[tuple[str, str], list[int]] = defaultdict(list)
    achieved: dict[tuple[str, str], list[int]] = defaultdict(list)
    for validation in session.scalars(query):
        for result in validation.results:
            if result.status.value == "not_worked_on":
                continue
            key = (result.framework, result.competence)
            targets[key].append(result.target_level)
            achieved[key].append(result.achieved_level or 0)
    data = []
    for framework_id, competence_id in sorted(targets, key=lambda k: [int(p) for p in k[1].split(".") if p.isdigit()]):
        competence = catalog.get(framework_id).competence_by_id[competence_id]
        key = (framework_id, competence_id)
        data.append(
            {
                "id": competence_id,
                "title": pick(competence.title, lang),
                "target": round(sum(targets[key]) / len(targets[key]), 1),
                "achieved": round(sum(achieved[key]) / len(achieved[key]), 1),
                "count": len(targets[key]),
            }
        )
    return data


OverviewQuery = Annotated[overview.OverviewFilter, Query()]


@router.get("/mobilities", response_class=HTMLResponse)
def mobilities(request: Request, filters: OverviewQuery, done: str | None = None) -> Response:
    """Everyone's list of their mobilities; for the school's staff, the overview of the whole school with filters,
    search, sorting, the group's results to download and a print view."""
    actor = require_login(request)
    catalog = get_catalog(request)
    lang = language(request)
    today = utcnow().date()

    def work(s: Session) -> dict[str, Any]:
        visible = registry.visible_mobilities(actor)
        groups = sorted({g for g in s.scalars(select(Mobility.group_name).where(visible)) if g})
        coordinators = s.scalars(
            select(Person)
            .where(Person.id.in_(select(Mobility.coordinator_id).where(visible)))
            .order_by(Person.family_name, Person.given_name)
        ).all()
        return {
            "rows": overview.overview(s, actor, filters, today),
            "plan_templates": templates.templates(s, actor) if allowed(actor, Action.plan) else [],
            "groups": groups,
            "coordinators": coordinators,
            "chart": chart_data(s, catalog, actor, filters.group, lang),
        }

    data = get_database(request).read(work)
    query = filters.model_dump(exclude_defaults=True, mode="json")
    return render(request, "mobilities.html", filters=filters, query=query, done=done, today=today, **data)


@router.post("/mobilities/group-plan")
def apply_group_plan(
    request: Request, group: Annotated[str, Form()] = "", template_id: Annotated[int, Form()] = 0
) -> Response:
    """A plan template applied to every mobility of a group (those with outcomes or an agreed plan are left)."""
    actor = require_login(request)
    require_same_origin(request)
    catalog = get_catalog(request)

    def work(s: Session) -> None:
        template = templates.template_for(s, actor, template_id)
        members = select(Mobility.id).where(registry.visible_mobilities(actor), Mobility.group_name == group)
        templates.apply(s, catalog, actor, template, list(s.scalars(members.order_by(Mobility.id))))

    get_database(request).run(work)
    return RedirectResponse(f"/mobilities?{urlencode({'group': group, 'done': 'template_applied'})}", status_code=303)


def _result_label(loc: Localizer, line: overview.ResultLine) -> str | None:
    """ "achieved" only at or above the target; below it, says so."""
    if line.result is None:
        return None
    if line.result is ResultStatus.achieved and not line.target_reached:
        return loc.label("results_below_target")
    return loc.label(f"results_{line.result.value}")


@router.get("/mobilities/results.{format}")
def mobility_results(request: Request, filters: OverviewQuery, format: str) -> Response:
    """The results of the mobilities the overview shows, as a file with headings in the page's language."""
    actor = require_login(request)
    require_allowed(actor, Action.read_school)
    loc = localizer(request)
    catalog, lang = get_catalog(request), language(request)
    found = get_database(request).read(lambda s: overview.result_lines(s, actor, filters, utcnow().date()))
    columns = [*RESULT_COLUMNS]
    columns.insert(columns.index("competence") + 1, "competence_title")
    header = [loc.label(f"results_{name}") for name in columns]

    def cells(line: overview.ResultLine) -> list[spreadsheet.Cell]:
        values: dict[str, spreadsheet.Cell] = {
            **line.model_dump(),
            "competence_title": competence_title(catalog, line.framework, line.competence, lang),
            "result": _result_label(loc, line),
            "target_reached": None if line.target_reached is None else loc.label(f"yes_no_{line.target_reached}"),
        }
        return [values[name] for name in columns]

    rows = [cells(line) for line in found]
    name = f"{loc.label('results_file')}-{filters.group or loc.label('all_groups')}.{format}"
    if format == "csv":
        return download(spreadsheet.to_csv(header, rows), spreadsheet.CSV_MEDIA_TYPE, name)
    if format == "xlsx":
        return download(spreadsheet.to_xlsx(loc.label("results_file"), header, rows), spreadsheet.XLSX_MEDIA_TYPE, name)
    return render(request, "message.html", 404, title_key="not_found", message=loc.label("bad_address"))


# --- a new mobility ---------------------------------------------------------------------------------------------


def _form_choices(request: Request, session: Session, actor: Actor) -> dict[str, Any]:
    loc = localizer(request)
    school = session.get_one(Organisation, actor.organisation_id)
    return {
        **host_choices(session, actor),
        "countries": loc.country_choices(),
        "languages": loc.language_choices(EU_LANGUAGES),
        "text_languages": list(dict.fromkeys([school.language, "en"])),
    }


@router.get("/mobilities/new", response_class=HTMLResponse)
def new_mobility_page(request: Request) -> Response:
    actor = require_login(request)
    require_allowed(actor, Action.plan)
    choices = get_database(request).read(lambda s: _form_choices(request, s, actor))
    return render(
        request,
        "mobility_new.html",
        values={"programme": "Erasmus+", "working_language": "en"},
        errors={},
        message="",
        **choices,
    )


# Where the models' field names differ from the form's (learner and mentor share PersonCreate: the learner is
# created first, so a name problem is the learner's unless the learner's fields are filled in).
NEW_MOBILITY_FIELDS = {
    "given_name": "learner_given_name",
    "family_name": "learner_family_name",
    "email": "learner_email",
    "name": "host_name",
    "country": "host_country",
    "host_organisation_id": "host_id",
}


@router.post("/mobilities/new", response_class=HTMLResponse)
async def new_mobility(request: Request) -> Response:
    actor = require_login(request)
    require_same_origin(request)
    values = {k: str(v).strip() for k, v in (await request.form()).items()}
    database = get_database(request)

    def work(s: Session) -> int:
        require_allowed(actor, Action.plan)
        learner = registry.create_person(
            s,
            actor,
            PersonCreate(
                organisation_id=actor.organisation_id,
                given_name=values.get("learner_given_name", ""),
                family_name=values.get("learner_family_name", ""),
                email=values.get("learner_email") or None,
                role=Role.learner,
            ),
        )
        host_id = values.get("host_id", "")
        if host_id not in ("", "new") and not host_id.isdigit():
            raise Invalid("unknown host organisation", [problem(["host_id"], "choose a host organisation")])
        if host_id == "new" or not host_id:
            host = registry.create_organisation(
                s,
                actor,
                OrganisationCreate(
                    name=values.get("host_name", ""),
                    kind=OrganisationKind.company,
                    country=values.get("host_country", ""),
                ),
            ).id
        else:
            host = int(host_id)
        mentor_id = values.get("mentor_id", "")
        if mentor_id == "new":
            mentor: int | None = registry.create_person(
                s,
                actor,
                PersonCreate(
                    organisation_id=host,
                    given_name=values.get("mentor_given_name", ""),
                    family_name=values.get("mentor_family_name", ""),
                    email=values.get("mentor_email") or None,
                    role=Role.mentor,
                    language=values.get("mentor_language") or None,
                ),
            ).id
        elif mentor_id and not mentor_id.isdigit():
            raise Invalid("unknown mentor", [problem(["mentor_id"], "choose a mentor")])
        else:
            mentor = int(mentor_id) if mentor_id else None
        coordinator = actor.person_id if actor.role is Role.coordinator else None
        mobility = registry.create_mobility(
            s,
            actor,
            MobilityCreate(
                learner_id=learner.id,
                sending_organisation_id=actor.organisation_id,
                host_organisation_id=host,
                mentor_id=mentor,
                coordinator_id=coordinator,
                start_date=values.get("start_date") or None,
                end_date=values.get("end_date") or None,
                programme=values.get("programme", "Erasmus+"),
                project_reference=values.get("project_reference", ""),
                vet_programme=values.get("vet_programme", ""),
                qualification=form_texts(values, "qualification"),
                eqf_level=values.get("eqf_level") or None,
                working_language=values.get("working_language") or "en",
                tasks=form_texts(values, "tasks"),
                group_name=values.get("group_name", ""),
            ),
        )
        return mobility.id

    try:
        mobility_id = database.run(work)
    except (DomainError, ValidationError) as exc:
        message, errors = problem_text(exc, localizer(request), NEW_MOBILITY_FIELDS)
        choices = database.run(lambda s: _form_choices(request, s, actor))
        return render(request, "mobility_new.html", 422, values=values, errors=errors, message=message, **choices)
    return back(f"/mobilities/{mobility_id}", "created")


# --- CSV import -------------------------------------------------------------------------------------------------


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request) -> Response:
    actor = require_login(request)
    require_allowed(actor, Action.plan)
    return render(
        request, "import.html", result=None, message="", errors=[], checked="", delimiter="", confirm_issued=False
    )


def _carried(checked: str) -> bytes:
    try:
        return base64.b64decode(checked.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise Invalid("the checked file did not arrive whole; choose the file again") from None


@router.post("/import", response_class=HTMLResponse)
def import_file(
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
    checked: Annotated[str, Form(description="The checked file, carried from the dry run (base64)")] = "",
    dry_run: Annotated[bool, Form()] = False,
    delimiter: Annotated[str, Form()] = "",
    confirm_issued: Annotated[bool, Form()] = False,
) -> Response:
    """Check a file first (a dry run shows what would be created, updated or left alone), then import it."""
    actor = require_login(request)
    require_same_origin(request)
    database = get_database(request)
    options: dict[str, Any] = {"delimiter": delimiter, "confirm_issued": confirm_issued}
    try:
        limit = get_settings_dep(request).max_import_bytes
        content = read_upload(file.file, limit) if file and file.filename else within_limit(_carried(checked), limit)
        rows = importer.parse(content, delimiter or None)

        def work(s: Session) -> importer.ImportResult:
            return importer.apply(s, actor, rows, confirm_issued=confirm_issued)

        result = importer.as_dry_run(database.rehearse(work)) if dry_run else database.run(work)
    except DomainError as exc:
        loc = localizer(request)
        errors = [
            {**e, "msg": loc.message(e["template"], e.get("params")) if "template" in e else e["msg"]}
            for e in getattr(exc, "errors", [])
        ]
        return render(
            request, "import.html", 422, result=None, message=loc.error(exc), errors=errors, checked="", **options
        )
    carried = base64.b64encode(content).decode() if dry_run else ""
    return render(request, "import.html", result=result, message="", errors=[], checked=carried, **options)
