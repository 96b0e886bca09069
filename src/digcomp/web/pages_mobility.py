"""Pages of one mobility: its plan (outcomes in every language, suggestions, confirmations), corrections of the
mobility and its people, the mentor's links, the learner's login and the certificate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access import invitations
from digcomp.access import service as access
from digcomp.access.actor import Actor
from digcomp.access.permissions import Action, allowed, require_allowed
from digcomp.api.deps import get_base_url, get_catalog, get_database, get_settings_dep
from digcomp.credentials import issuing
from digcomp.credentials import languages as document_languages
from digcomp.errors import Conflict, DomainError, Invalid, NotFound, Term, Unavailable
from digcomp.framework import DEFAULT_FRAMEWORK, Catalog, pick
from digcomp.framework.views import competence_summaries, level_view
from digcomp.i18n import EU_LANGUAGES
from digcomp.mail import outbox
from digcomp.mapping import suggester
from digcomp.mapping.text import SUPPORTED_LANGUAGES as MAPPING_LANGUAGES
from digcomp.mobility import monitoring, progress
from digcomp.mobility import service as registry
from digcomp.mobility.schemas import MobilityUpdate, PersonUpdate, ProgressReportIn
from digcomp.mobility.service import mobility_for, parties
from digcomp.plans import rules, templates
from digcomp.plans import service as plans
from digcomp.plans.schemas import AssessmentMethod, ChangeRequestIn, OutcomeIn, PlanTemplateIn
from digcomp.recognition import service as recognition
from digcomp.store.models import Mobility, Organisation, Person, PlanStatus, PlanVersion, Role, utcnow
from digcomp.web.common import (
    back,
    form_texts,
    language,
    localizer,
    problem_text,
    render,
    require_login,
    require_same_origin,
)
from digcomp.web.links import link_card

router = APIRouter(include_in_schema=False)


def plan_languages(mobility: Mobility) -> list[str]:
    """The languages a plan is written in, side by side: the school's, the working language, and English."""
    return list(dict.fromkeys([mobility.sending_organisation.language, mobility.working_language, "en"]))


def _page(request: Request, actor: Actor, mobility_id: int, **extra: Any) -> Response:
    catalog = get_catalog(request)
    lang = language(request)
    settings, base_url = get_settings_dep(request), get_base_url(request)

    def work(s: Session) -> dict[str, Any]:
        mobility = mobility_for(s, actor, mobility_id)
        plan = plans.plan_view(s, mobility)
        planner = allowed(actor, Action.plan, parties(mobility))
        links = []
        if planner:
            mentor = mobility.mentor
            links = [
                link_card(
                    link,
                    mentor.email if mentor else None,
                    *outbox.mentor_invitation_text(mobility, link.url, link.expires_at),
                )
                for link in access.mentor_links(s, settings, actor, mobility, base_url)
            ]
        titles = {}
        for version in (plan.current, plan.agreed):
            for outcome in version.outcomes if version else []:
                for target in outcome.competences:
                    competence = catalog.get(target.framework).competence_by_id.get(target.competence)
                    titles[(target.framework, target.competence)] = pick(competence.title, lang) if competence else ""
        missing = []
        if plan.current is not None and plan.current.status is PlanStatus.draft:
            missing = plans.missing_texts(mobility, plans.version_of(s, mobility, plan.current.number))
        certificate = issuing.latest_certificate(s, mobility)
        planned = [(o.text, o.criteria) for o in plan.agreed.outcomes] if plan.agreed else []
        school_language = mobility.sending_organisation.language
        logins = []
        if planner:
            people = [("learner", mobility.learner), ("mentor", mobility.mentor)]
            logins = [(who, p, invitations.login_state(s, p.id).value) for who, p in people if p is not None]
        return {
            "m": mobility,
            "planner": planner,
            "validated": plans.validated(s, mobility),
            "plan": plan,
            "missing": missing,
            "plan_languages": plan_languages(mobility),
            "mentor_reads": plans.mentor_reads(mobility),
            "titles": titles,
            "programme": module_names(s, mobility, lang),
            "progress": progress.progress(s, mobility),
            "may_report": progress.may_report(actor, mobility)
            and monitoring.accepts_reports(
                mobility.start_date, mobility.end_date, mobility.report_every_days, utcnow().date()
            ),
            "certificate": certificate,
            "logins": logins,
            "change_requests": plans.change_requests(s, mobility),
            "copy_sources": [
                (other.id, f"{other.learner.given_name} {other.learner.family_name}", other.group_name)
                for other in templates.plan_sources(s, actor, mobility.group_name)
                if other.id != mobility.id
            ]
            if planner and not (plan.current and plan.current.outcomes) and not plan.agreed
            else [],
            "links": links,
            "document_languages": document_languages.choices(school_language, planned, criteria=False),
            "document_default": document_languages.default(
                school_language, plans.mentor_reads(mobility), planned, criteria=False
            ),
            "my_role": rules.confirmation_role(actor) if actor.role is not Role.validator else None,
        }

    data = get_database(request).read(work)
    status = extra.pop("status_code", 200)
    extra.setdefault("message", "")
    extra.setdefault("values", {})
    extra.setdefault("error_at", "")
    return render(request, "mobility.html", status, **data, **extra)


@router.get("/mobilities/{mobility_id}", response_class=HTMLResponse)
def mobility_page(request: Request, mobility_id: int) -> Response:
    return _page(request, require_login(request), mobility_id)


def _act(
    request: Request, mobility_id: int, work: Any, done: str, anchor: str = "", values: dict[str, str] | None = None
) -> Response:
    """Run a form action; back to the same place on the page on success, or the page again with the reason."""
    actor = require_login(request)
    require_same_origin(request)
    try:
        get_database(request).run(lambda s: work(s, actor, mobility_for(s, actor, mobility_id)))
    except (DomainError, ValidationError) as exc:
        message, errors = problem_text(exc, localizer(request))
        status = 422 if isinstance(exc, ValidationError | Invalid) else 503 if isinstance(exc, Unavailable) else 409
        return _page(
            request,
            actor,
            mobility_id,
            status_code=status,
            message=message or "; ".join(errors.values()),
            error_at=anchor,
            values=values or {},
        )
    return back(f"/mobilities/{mobility_id}", done, anchor)


@router.post("/mobilities/{mobility_id}/plan/start")
def start_plan(request: Request, mobility_id: int) -> Response:
    return _act(request, mobility_id, lambda s, a, m: plans.create_version(s, a, m), "plan", "plan")


@router.post("/mobilities/{mobility_id}/plan/template")
def save_plan_as_template(request: Request, mobility_id: int, name: Annotated[str, Form()] = "") -> Response:
    """The mobility's current plan, kept as a template to apply to a group."""

    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        outcomes = templates.current_outcomes(s, mobility)
        if not outcomes:
            raise Invalid("write the plan's outcomes first")
        templates.create(s, get_catalog(request), actor, PlanTemplateIn(name=name, outcomes=outcomes))

    return _act(request, mobility_id, work, "template_saved", "save-template")


@router.post("/mobilities/{mobility_id}/plan/copy")
def copy_plan_from(request: Request, mobility_id: int, source_id: Annotated[str, Form()] = "") -> Response:
    """This mobility's empty draft filled with another mobility's current plan."""
    catalog = get_catalog(request)

    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        if not source_id.isdigit():
            raise Invalid("choose the mobility to copy the plan from")
        source = mobility_for(s, actor, int(source_id))
        result = templates.copy_plan(s, catalog, actor, source, [mobility.id])
        if result.skipped:
            raise Conflict("the plan was not copied: {reason}", reason=Term(result.skipped[0].reason))

    return _act(request, mobility_id, work, "plan_copied", "plan")


@router.post("/mobilities/{mobility_id}/plan/revise")
def revise_plan(request: Request, mobility_id: int, change_note: Annotated[str, Form()] = "") -> Response:
    return _act(
        request, mobility_id, lambda s, a, m: plans.create_version(s, a, m, change_note.strip()), "plan", "plan"
    )


@router.post("/mobilities/{mobility_id}/plan/change-request")
def request_plan_change(
    request: Request, mobility_id: int, comment: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "change"
) -> Response:
    """The mentor or the learner declines the current version or asks for a change; written in the page's language."""
    lang = language(request)

    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        view = plans.plan_view(s, mobility)
        if view.current is None:
            raise Invalid("there is no plan to confirm yet")
        data = ChangeRequestIn.model_validate({"kind": kind, "comment": comment, "language": lang})
        plans.request_change(
            s, actor, mobility, plans.version_of(s, mobility, view.current.number, for_update=True), data
        )

    return _act(request, mobility_id, work, "change_requested", "change-request", {"comment": comment, "kind": kind})


@router.post("/mobilities/{mobility_id}/plan/confirm")
def confirm_plan(request: Request, mobility_id: int) -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        view = plans.plan_view(s, mobility)
        if view.current is None:
            raise Invalid("there is no plan to confirm yet")
        plans.confirm(s, actor, mobility, plans.version_of(s, mobility, view.current.number, for_update=True))

    return _act(request, mobility_id, work, "confirmed", "confirmations")


def _draft(s: Session, mobility: Mobility) -> PlanVersion:
    """The plan's current version, locked for a change (the rules refuse it unless it is a draft)."""
    view = plans.plan_view(s, mobility)
    if view.current is None:
        raise Invalid("start the plan first")
    return plans.version_of(s, mobility, view.current.number, for_update=True)


@router.post("/mobilities/{mobility_id}/plan/outcomes/{outcome_id}/delete")
def delete_outcome(request: Request, mobility_id: int, outcome_id: int) -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        plans.delete_outcome(s, actor, mobility, _draft(s, mobility), outcome_id)

    return _act(request, mobility_id, work, "removed", "plan")


@router.post("/mobilities/{mobility_id}/mentor-link")
def create_link(request: Request, mobility_id: int, days: Annotated[str, Form()] = "60") -> Response:
    settings, base_url = get_settings_dep(request), get_base_url(request)

    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        valid = access.MentorLinkCreate.model_validate({"days_valid": days})
        access.create_mentor_link(s, settings, actor, mobility, valid, base_url)

    return _act(request, mobility_id, work, "link_created", "mentor-link")


@router.post("/mobilities/{mobility_id}/mentor-link/{link_id}/revoke")
def revoke_link(request: Request, mobility_id: int, link_id: int) -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        access.revoke_mentor_link(s, actor, mobility, link_id)

    return _act(request, mobility_id, work, "link_revoked", "mentor-link")


@router.post("/mobilities/{mobility_id}/invite/{who}")
def invite(request: Request, mobility_id: int, who: str) -> Response:
    """E-mail the learner or the mentor a link to choose their own password."""
    base_url = get_base_url(request)

    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        if who not in ("learner", "mentor"):
            raise NotFound("person", who)
        person = mobility.learner if who == "learner" else mobility.mentor
        if person is None:
            raise Invalid("the mobility has no host mentor yet; assign one first")
        invitations.invite(s, actor, person, base_url)

    return _act(request, mobility_id, work, "invitation_sent", "logins")


@router.post("/mobilities/{mobility_id}/birth-date-consent")
def birth_date_consent(request: Request, mobility_id: int, shown: Annotated[str, Form()] = "") -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        learner = s.get_one(Person, mobility.learner_id)
        registry.update_person(s, actor, learner, PersonUpdate(date_of_birth_shown=shown == "yes"))

    return _act(request, mobility_id, work, "saved", "certificate")


@router.post("/mobilities/{mobility_id}/progress")
def report_progress(
    request: Request, mobility_id: int, text: Annotated[str, Form()] = "", period: Annotated[str, Form()] = ""
) -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        data = ProgressReportIn.model_validate({"text": text, **({"period": period} if period else {})})
        progress.add_report(s, actor, mobility, data.text, utcnow().date(), data.period, language(request))

    return _act(request, mobility_id, work, "reported", "progress", {"text": text, "period": period})


@router.post("/mobilities/{mobility_id}/certificate")
def issue_certificate(request: Request, mobility_id: int, languages: Annotated[str, Form()] = "lv+en") -> Response:
    catalog, settings, base_url = get_catalog(request), get_settings_dep(request), get_base_url(request)

    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        issuing.issue(s, catalog, settings, actor, mobility, document_languages.parse(languages), base_url)

    return _act(request, mobility_id, work, "issued", "certificate")


@router.post("/mobilities/{mobility_id}/certificate/revoke")
def revoke_certificate(request: Request, mobility_id: int, reason: Annotated[str, Form()] = "") -> Response:
    def work(s: Session, actor: Actor, mobility: Mobility) -> None:
        certificate = issuing.current_certificate(s, mobility)
        if certificate is None:
            raise Invalid("there is no certificate in force to revoke")
        issuing.revoke(s, actor, certificate, mobility, reason)

    return _act(request, mobility_id, work, "revoked", "certificate")


# --- writing an outcome in every plan language, with suggestions ---------------------------------------------------


def _outcome_form(
    request: Request,
    actor: Actor,
    mobility_id: int,
    values: dict[str, Any],
    outcome_id: int | None = None,
    **extra: Any,
) -> Response:
    catalog = get_catalog(request)
    lang = language(request)

    def work(s: Session) -> tuple[Mobility, dict[str, str], str]:
        mobility = mobility_for(s, actor, mobility_id)
        return mobility, module_names(s, mobility, lang), _framework_id(s, catalog, mobility, values)

    mobility, programme, framework_id = get_database(request).read(work)
    framework = catalog.get(framework_id)
    competence, level = str(values.get("competence", "")), str(values.get("target_level", ""))
    descriptor = None
    if competence in framework.competence_by_id and level.isdigit() and 1 <= int(level) <= framework.max_level:
        descriptor = level_view(framework, competence, int(level), lang)
    status = extra.pop("status_code", 200)
    return render(
        request,
        "outcome_form.html",
        status,
        m=mobility,
        outcome_id=outcome_id,
        values=values,
        plan_languages=plan_languages(mobility),
        mentor_reads=plans.mentor_reads(mobility),
        framework=framework,
        competences=competence_summaries(framework, lang),
        methods=[m.value for m in AssessmentMethod],
        programme=programme,
        descriptor=descriptor,
        suggestions=extra.pop("suggestions", None),
        errors=extra.pop("errors", {}),
        message=extra.pop("message", ""),
        **extra,
    )


def _framework_id(session: Session, catalog: Catalog, mobility: Mobility, values: dict[str, Any]) -> str:
    """The framework the outcome is written on: the one the form carries (an edited outcome's), else the plan's."""
    chosen = str(values.get("framework", ""))
    return chosen if chosen in catalog.frameworks else plans.framework_of(session, mobility)


def module_names(session: Session, mobility: Mobility, lang: str) -> dict[str, str]:
    """The sending school's programme modules: code -> name in the page's language."""
    return {m.code: pick(m.name, lang) for m in recognition.modules(session, mobility.sending_organisation_id)}


def _outcome_values(outcome: Any) -> dict[str, Any]:
    values: dict[str, Any] = {f"text_{k}": v for k, v in outcome.text.items()}
    values |= {f"criteria_{k}": v for k, v in outcome.criteria.items()}
    target = outcome.competences[0]
    return {
        **values,
        "framework": target.framework,
        "competence": target.competence,
        "target_level": str(target.target_level),
        "methods": [m.value for m in outcome.methods],
        "module_code": outcome.module_code,
    }


def _outcome_in(values: dict[str, Any]) -> OutcomeIn:
    level = str(values.get("target_level", ""))
    return OutcomeIn.model_validate(
        {
            "text": {k.removeprefix("text_"): v for k, v in values.items() if k.startswith("text_")},
            "criteria": {k.removeprefix("criteria_"): v for k, v in values.items() if k.startswith("criteria_")},
            "competences": [
                {
                    "framework": values.get("framework") or DEFAULT_FRAMEWORK,
                    "competence": values.get("competence", ""),
                    "target_level": level or None,
                }
            ],
            "methods": values["methods"],
            "module_code": values.get("module_code", ""),
        }
    )


# Form fields named after the API's: where a model complains about "text" the form shows it at the first text box.
OUTCOME_FIELDS = {
    "competence": "competence",
    "target_level": "target_level",
    "methods": "methods",
    "module_code": "module_code",
    "0": "competence",
}


@router.get("/mobilities/{mobility_id}/plan/outcomes/new", response_class=HTMLResponse)
def new_outcome_page(request: Request, mobility_id: int) -> Response:
    actor = require_login(request)
    require_allowed(actor, Action.plan)
    return _outcome_form(request, actor, mobility_id, {"methods": ["observation"]})


@router.get("/mobilities/{mobility_id}/plan/outcomes/{outcome_id}/edit", response_class=HTMLResponse)
def edit_outcome_page(request: Request, mobility_id: int, outcome_id: int) -> Response:
    actor = require_login(request)
    require_allowed(actor, Action.plan)

    def work(s: Session) -> dict[str, Any]:
        version = plans.plan_view(s, mobility_for(s, actor, mobility_id)).current
        outcome = next((o for o in version.outcomes if o.id == outcome_id), None) if version else None
        if outcome is None or version is None or version.status is not PlanStatus.draft:
            raise Invalid("only outcomes of a draft plan can be changed; start a new version of the plan first")
        return _outcome_values(outcome)

    return _outcome_form(request, actor, mobility_id, get_database(request).read(work), outcome_id)


async def _save_outcome(request: Request, mobility_id: int, outcome_id: int | None) -> Response:
    actor = require_login(request)
    require_same_origin(request)
    form = await request.form()
    values: dict[str, Any] = {k: str(v).strip() for k, v in form.items() if k != "methods"}
    values["methods"] = [str(m) for m in form.getlist("methods")]
    loc = localizer(request)
    if form.get("action") == "suggest":
        lang = language(request)
        written = [(k.removeprefix("text_"), v) for k, v in values.items() if k.startswith("text_") and len(v) >= 3]
        written.sort(key=lambda item: item[0] != lang)
        if not written:
            return _outcome_form(
                request,
                actor,
                mobility_id,
                values,
                outcome_id,
                status_code=422,
                errors={"text": loc.label("write_outcome_first")},
            )
        versions = {code: text for code, text in written if code in MAPPING_LANGUAGES}  # one answer for all of them

        def plan_facts(s: Session) -> tuple[int | None, str]:
            mobility = mobility_for(s, actor, mobility_id)
            return mobility.eqf_level, _framework_id(s, get_catalog(request), mobility, values)

        eqf_level, framework_id = get_database(request).read(plan_facts)
        engine = suggester(framework_id)
        if versions:
            found = engine.suggest_versions(versions, top=3, explain_in=lang, eqf_level=eqf_level)
        else:
            found = engine.suggest(written[0][1], "auto", top=3, explain_in=lang, eqf_level=eqf_level)
        return _outcome_form(request, actor, mobility_id, values, outcome_id, suggestions=found)
    catalog = get_catalog(request)

    def work(s: Session) -> None:
        mobility = mobility_for(s, actor, mobility_id)
        data = _outcome_in(values)
        if outcome_id is None:
            plans.add_outcome(s, actor, catalog, mobility, _draft(s, mobility), data)
        else:
            plans.replace_outcome(s, actor, catalog, mobility, _draft(s, mobility), outcome_id, data)

    try:
        get_database(request).run(work)
    except (DomainError, ValidationError) as exc:
        message, errors = problem_text(exc, loc, OUTCOME_FIELDS)
        return _outcome_form(
            request, actor, mobility_id, values, outcome_id, status_code=422, errors=errors, message=message
        )
    return back(f"/mobilities/{mobility_id}", "outcome_saved", "plan")


@router.post("/mobilities/{mobility_id}/plan/outcomes/new", response_class=HTMLResponse)
async def new_outcome(request: Request, mobility_id: int) -> Response:
    return await _save_outcome(request, mobility_id, None)


@router.post("/mobilities/{mobility_id}/plan/outcomes/{outcome_id}/edit", response_class=HTMLResponse)
async def edit_outcome(request: Request, mobility_id: int, outcome_id: int) -> Response:
    return await _save_outcome(request, mobility_id, outcome_id)


# --- correcting the mobility and its people --------------------------------------------------------------------

MOBILITY_FIELDS = {
    "host_organisation_id": "host_id",
    "given_name": "learner_given_name",
    "family_name": "learner_family_name",
    "email": "learner_email",
    "phone": "learner_phone",
}


def host_choices(s: Session, actor: Actor) -> dict[str, Any]:
    """The host organisations the school registered, and their mentors, for the forms' choices."""
    hosts = list(
        s.scalars(
            select(Organisation)
            .where(Organisation.registered_by_id == actor.organisation_id)
            .order_by(Organisation.name)
        )
    )
    mentors = list(
        s.scalars(
            select(Person)
            .where(Person.role == Role.mentor, Person.organisation_id.in_([h.id for h in hosts]))
            .order_by(Person.family_name)
        )
    )
    return {"hosts": hosts, "mentors": mentors}


def _mobility_values(mobility: Mobility) -> dict[str, Any]:
    values: dict[str, Any] = {
        "start_date": mobility.start_date.isoformat(),
        "end_date": mobility.end_date.isoformat(),
        "host_id": str(mobility.host_organisation_id),
        "mentor_id": str(mobility.mentor_id or ""),
        "working_language": mobility.working_language,
        "programme": mobility.programme,
        "project_reference": mobility.project_reference,
        "vet_programme": mobility.vet_programme,
        "group_name": mobility.group_name,
        "report_every_days": str(mobility.report_every_days),
        "eqf_level": str(mobility.eqf_level or ""),
        "learner_given_name": mobility.learner.given_name,
        "learner_family_name": mobility.learner.family_name,
        "learner_email": mobility.learner.email or "",
        "learner_phone": mobility.learner.phone,
    }
    if mobility.mentor:
        values |= {
            "mentor_given_name": mobility.mentor.given_name,
            "mentor_family_name": mobility.mentor.family_name,
            "mentor_email": mobility.mentor.email or "",
            "mentor_phone": mobility.mentor.phone,
            "mentor_job_title": mobility.mentor.job_title,
            "mentor_language": mobility.mentor.language or "",
        }
    for name in ("qualification", "objective", "tasks"):
        values |= {f"{name}_{k}": v for k, v in getattr(mobility, name).items()}
    return values


def _edit_page(
    request: Request, actor: Actor, mobility_id: int, values: dict[str, Any] | None, **extra: Any
) -> Response:
    def work(s: Session) -> dict[str, Any]:
        mobility = mobility_for(s, actor, mobility_id)
        return {
            "m": mobility,
            "values": values or _mobility_values(mobility),
            "plan_languages": plan_languages(mobility),
            **host_choices(s, actor),
        }

    data = get_database(request).read(work)
    status = extra.pop("status_code", 200)
    loc = localizer(request)
    languages = loc.language_choices(EU_LANGUAGES)
    return render(
        request,
        "mobility_edit.html",
        status,
        languages=languages,
        errors=extra.pop("errors", {}),
        message=extra.pop("message", ""),
        **data,
    )


@router.get("/mobilities/{mobility_id}/edit", response_class=HTMLResponse)
def edit_mobility_page(request: Request, mobility_id: int) -> Response:
    actor = require_login(request)
    require_allowed(actor, Action.plan)
    return _edit_page(request, actor, mobility_id, None)


@router.post("/mobilities/{mobility_id}/edit", response_class=HTMLResponse)
async def edit_mobility(request: Request, mobility_id: int) -> Response:
    actor = require_login(request)
    require_same_origin(request)
    values = {k: str(v).strip() for k, v in (await request.form()).items()}

    def work(s: Session) -> None:
        require_allowed(actor, Action.plan)
        mobility = mobility_for(s, actor, mobility_id)
        host = values.get("host_id", "")
        mentor = values.get("mentor_id", "")
        changes = MobilityUpdate.model_validate(
            {
                "start_date": values.get("start_date") or None,
                "end_date": values.get("end_date") or None,
                "host_organisation_id": host if host.isdigit() else None,
                "mentor_id": mentor if mentor.isdigit() else None,
                "working_language": values.get("working_language") or mobility.working_language,
                "programme": values.get("programme", ""),
                "project_reference": values.get("project_reference", ""),
                "vet_programme": values.get("vet_programme", ""),
                "group_name": values.get("group_name", ""),
                "qualification": form_texts(values, "qualification"),
                "eqf_level": values.get("eqf_level") or None,
                "objective": form_texts(values, "objective"),
                "tasks": form_texts(values, "tasks"),
            }
            | ({"report_every_days": values["report_every_days"]} if values.get("report_every_days") else {})
        )
        learner = PersonUpdate.model_validate(
            {
                "given_name": values.get("learner_given_name", ""),
                "family_name": values.get("learner_family_name", ""),
                "email": values.get("learner_email") or None,
                "phone": values.get("learner_phone", ""),
            }
        )
        registry.update_person(s, actor, s.get_one(Person, mobility.learner_id), learner)
        before_mentor = mobility.mentor_id
        registry.update_mobility(s, actor, mobility, changes)
        if mobility.mentor_id is not None and mobility.mentor_id == before_mentor and "mentor_given_name" in values:
            registry.update_person(
                s,
                actor,
                s.get_one(Person, mobility.mentor_id),
                PersonUpdate.model_validate(
                    {
                        "given_name": values.get("mentor_given_name", ""),
                        "family_name": values.get("mentor_family_name", ""),
                        "email": values.get("mentor_email") or None,
                        "phone": values.get("mentor_phone", ""),
                        "job_title": values.get("mentor_job_title", ""),
                        "language": values.get("mentor_language") or None,
                    }
                ),
            )

    try:
        get_database(request).run(work)
    except (DomainError, ValidationError) as exc:
        message, errors = problem_text(exc, localizer(request), MOBILITY_FIELDS)
        return _edit_page(request, actor, mobility_id, values, status_code=422, errors=errors, message=message)
    return back(f"/mobilities/{mobility_id}", "mobility_saved")
