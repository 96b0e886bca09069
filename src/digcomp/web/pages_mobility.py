"""Pages of one mobility: its plan (outcomes, suggestions, confirmations), the mentor link, the learner's
login and the certificate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access import service as access
from digcomp.access.actor import Actor
from digcomp.api.deps import get_catalog, get_database, get_settings_dep
from digcomp.credentials import service as credentials
from digcomp.errors import DomainError, Forbidden, Invalid
from digcomp.framework import pick
from digcomp.framework.views import competence_summaries, level_view
from digcomp.mapping import suggester
from digcomp.mobility.service import mobility_for
from digcomp.plans import rules
from digcomp.plans import service as plans
from digcomp.plans.schemas import AssessmentMethod, CompetenceTarget, OutcomeIn
from digcomp.store.models import Account, Mobility, Person, Role, Validation
from digcomp.web.common import back, language, problem_text, render, require_login, same_origin

router = APIRouter(include_in_schema=False)


def _check_origin(request: Request) -> None:
    if not same_origin(request):
        raise Forbidden("this form must be sent from digcomp's own page")


def _page(request: Request, actor: Actor, mobility_id: int, **extra: Any) -> Response:
    catalog = get_catalog(request)
    lang = language(request)

    def work(s: Session) -> dict[str, Any]:
        mobility = mobility_for(s, actor, mobility_id)
        plan = plans.plan_view(s, mobility)
        titles = {}
        for version in (plan.current, plan.agreed):
            for outcome in version.outcomes if version else []:
                for target in outcome.competences:
                    competence = catalog.get(target.framework).competence_by_id.get(target.competence)
                    titles[(target.framework, target.competence)] = pick(competence.title, lang) if competence else ""
        certificate = credentials.latest_certificate(s, mobility)
        has_login = s.scalar(select(Account.id).where(Account.person_id == mobility.learner_id)) is not None
        validated = s.scalar(select(Validation.id).where(Validation.mobility_id == mobility.id)) is not None
        return {
            "m": mobility,
            "validated": validated,
            "plan": plan,
            "titles": titles,
            "certificate": certificate,
            "learner_has_login": has_login,
            "my_role": rules.confirmation_role(actor) if actor.role is not Role.validator else None,
        }

    data = get_database(request).run(work)
    status = extra.pop("status_code", 200)
    extra.setdefault("message", "")
    extra.setdefault("link", None)
    return render(request, "mobility.html", status, done=request.query_params.get("done"), **data, **extra)


@router.get("/mobilities/{mobility_id}", response_class=HTMLResponse)
def mobility_page(request: Request, mobility_id: int) -> Response:
    return _page(request, require_login(request), mobility_id)


def _act(request: Request, mobility_id: int, work: Any, done: str, anchor: str = "") -> Response:
    """Run a form action; back to the page on success, or the page again with the reason on failure."""
    actor = require_login(request)
    _check_origin(request)
    try:
        get_database(request).run(lambda s: work(s, actor, mobility_for(s, actor, mobility_id)))
    except (DomainError, ValidationError) as exc:
        message, errors = problem_text(exc)
        return _page(request, actor, mobility_id, status_code=409, message=message or "; ".join(errors.values()))
    return back(f"/mobilities/{mobility_id}{anchor}", done)


@router.post("/mobilities/{mobility_id}/plan/start")
def start_plan(request: Request, mobility_id: int) -> Response:
    return _act(request, mobility_id, lambda s, a, m: plans.create_version(s, a, m), "plan")


@router.post("/mobilities/{mobility_id}/plan/revise")
def revise_plan(request: Request, mobility_id: int, change_note: Annotated[str, Form()] = "") -> Response:
    return _act(request, mobility_id, lambda s, a, m: plans.create_version(s, a, m, change_note.strip()), "plan")


@router.post("/mobilities/{mobility_id}/plan/confirm")
def confirm_plan(request: Request, mobility_id: int) -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        view = plans.plan_view(s, mobility)
        if view.current is None:
            raise Invalid("there is no plan to confirm yet")
        plans.confirm(s, actor, mobility, plans.version_of(s, mobility, view.current.number, for_update=True))

    return _act(request, mobility_id, work, "confirmed")


@router.post("/mobilities/{mobility_id}/plan/outcomes/{outcome_id}/delete")
def delete_outcome(request: Request, mobility_id: int, outcome_id: int) -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        view = plans.plan_view(s, mobility)
        assert view.current is not None
        version = plans.version_of(s, mobility, view.current.number, for_update=True)
        plans.delete_outcome(s, actor, mobility, version, outcome_id)

    return _act(request, mobility_id, work, "removed")


@router.post("/mobilities/{mobility_id}/mentor-link", response_class=HTMLResponse)
def create_link(request: Request, mobility_id: int, days: Annotated[int, Form()] = 60) -> Response:
    actor = require_login(request)
    _check_origin(request)
    settings = get_settings_dep(request)
    try:
        link = get_database(request).run(
            lambda s: access.create_mentor_link(
                s, settings, actor, mobility_for(s, actor, mobility_id), access.MentorLinkCreate(days_valid=days)
            )
        )
    except (DomainError, ValidationError) as exc:
        return _page(request, actor, mobility_id, status_code=409, message=problem_text(exc)[0] or str(exc))
    return _page(request, actor, mobility_id, link=link)


@router.post("/mobilities/{mobility_id}/learner-login")
def learner_login(request: Request, mobility_id: int, password: Annotated[str, Form()] = "") -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        learner = s.get_one(Person, mobility.learner_id)
        access.create_account(s, actor, learner, access.AccountCreate(password=password))

    return _act(request, mobility_id, work, "login_created")


@router.post("/mobilities/{mobility_id}/certificate")
def issue_certificate(request: Request, mobility_id: int, languages: Annotated[str, Form()] = "lv+en") -> Response:
    catalog, settings = get_catalog(request), get_settings_dep(request)

    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        credentials.issue(s, catalog, settings, actor, mobility, credentials.parse_languages(languages))

    return _act(request, mobility_id, work, "issued", "#certificate")


@router.post("/mobilities/{mobility_id}/certificate/revoke")
def revoke_certificate(request: Request, mobility_id: int, reason: Annotated[str, Form()] = "") -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        certificate = credentials.current_certificate(s, mobility)
        if certificate is None:
            raise Invalid("there is no certificate in force to revoke")
        credentials.revoke(s, actor, certificate, mobility, reason)

    return _act(request, mobility_id, work, "revoked", "#certificate")


# --- writing an outcome, with suggestions ------------------------------------------------------------------------


def _outcome_form(request: Request, actor: Actor, mobility_id: int, values: dict[str, Any], **extra: Any) -> Response:
    catalog = get_catalog(request)
    lang = language(request)
    framework = catalog.get("digcomp-2.2")
    competence, level = str(values.get("competence", "")), str(values.get("target_level", ""))
    descriptor = None
    if competence in framework.competence_by_id and level.isdigit() and 1 <= int(level) <= framework.max_level:
        descriptor = level_view(framework, competence, int(level), lang)
    mobility = get_database(request).run(lambda s: mobility_for(s, actor, mobility_id))
    status = extra.pop("status_code", 200)
    return render(
        request,
        "outcome_form.html",
        status,
        m=mobility,
        values=values,
        competences=competence_summaries(framework, lang),
        methods=[m.value for m in AssessmentMethod],
        descriptor=descriptor,
        suggestions=extra.pop("suggestions", None),
        errors=extra.pop("errors", {}),
        message=extra.pop("message", ""),
        **extra,
    )


@router.get("/mobilities/{mobility_id}/plan/outcomes/new", response_class=HTMLResponse)
def new_outcome_page(request: Request, mobility_id: int) -> Response:
    actor = require_login(request)
    return _outcome_form(request, actor, mobility_id, {"language": language(request), "methods": ["observation"]})


@router.post("/mobilities/{mobility_id}/plan/outcomes/new", response_class=HTMLResponse)
async def new_outcome(request: Request, mobility_id: int) -> Response:
    actor = require_login(request)
    _check_origin(request)
    form = await request.form()
    values: dict[str, Any] = {k: str(v).strip() for k, v in form.items() if k != "methods"}
    values["methods"] = [str(m) for m in form.getlist("methods")]
    if form.get("action") == "suggest":
        text = values.get("text", "")
        if len(text) < 3:
            return _outcome_form(
                request, actor, mobility_id, values, status_code=422, errors={"text": "write the outcome first"}
            )
        found = suggester().suggest(text, values.get("language") or "auto", top=3, explain_in=language(request))
        return _outcome_form(request, actor, mobility_id, values, suggestions=found)
    catalog = get_catalog(request)

    def work(s: Session) -> None:
        mobility = mobility_for(s, actor, mobility_id)
        view = plans.plan_view(s, mobility)
        if view.current is None:
            raise Invalid("start the plan first")
        data = OutcomeIn(
            text=values.get("text", ""),
            language=values.get("language", ""),
            competences=[
                CompetenceTarget(
                    competence=values.get("competence", ""),
                    target_level=int(values["target_level"]) if str(values.get("target_level", "")).isdigit() else 0,
                )
            ],
            criteria=values.get("criteria", ""),
            methods=values["methods"],
        )
        plans.add_outcome(
            s, actor, catalog, mobility, plans.version_of(s, mobility, view.current.number, for_update=True), data
        )

    try:
        get_database(request).run(work)
    except (DomainError, ValidationError) as exc:
        message, errors = problem_text(exc)
        return _outcome_form(request, actor, mobility_id, values, status_code=422, errors=errors, message=message)
    return back(f"/mobilities/{mobility_id}", "outcome_added")
