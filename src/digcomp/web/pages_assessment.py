"""The assessment page of a mobility: identify, self-assess, add evidence, rate, validate."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.access.permissions import Action, allowed
from digcomp.api.deps import get_catalog, get_database, get_settings_dep
from digcomp.api.routes_assessment import evidence_store
from digcomp.assessment import evidence, queries, records, stages
from digcomp.assessment.schemas import AdditionalOutcomeIn, DecisionIn, ReopenIn, ValidationIn
from digcomp.assessment.self_check import Answer
from digcomp.credentials import issuing
from digcomp.errors import DomainError, Invalid, NotFound
from digcomp.framework import DEFAULT_FRAMEWORK
from digcomp.framework.views import competence_summaries, level_view
from digcomp.mobility.service import mobility_for, parties
from digcomp.store.models import EvidenceKind, SelfAssessmentPhase, utcnow
from digcomp.web.common import back, language, localizer, problem_text, render, require_login, require_same_origin

router = APIRouter(include_in_schema=False)


def _page(request: Request, actor: Actor, mobility_id: int, status_code: int = 200, **extra: Any) -> Response:
    catalog = get_catalog(request)
    lang = language(request)

    def work(s: Session) -> dict[str, Any]:
        mobility = mobility_for(s, actor, mobility_id)
        record = records.load(s, mobility)
        view = queries.view(record, catalog, lang)
        descriptors: dict[tuple[str, str], list[Any]] = {}
        for outcome in view.outcomes:
            for c in outcome.competences:
                framework = catalog.get(c.framework)
                descriptors[(c.framework, c.competence)] = [
                    level_view(framework, c.competence, n, lang) for n in sorted(framework.level_by_number)
                ]
        who = parties(mobility)
        return {
            "m": mobility,
            "view": view,
            "descriptors": descriptors,
            "can_assess": allowed(actor, Action.rate, who),
            "can_validate": allowed(actor, Action.validate, who),
            "is_learner": allowed(actor, Action.self_assess, who),
            "can_identify": allowed(actor, Action.identify, who),
            "can_note": allowed(actor, Action.write_note, who),
            "can_reopen": allowed(actor, Action.validate, who),
            "can_add_additional": allowed(actor, Action.add_additional, who),
            "competences": competence_summaries(catalog.get(record.version.framework(DEFAULT_FRAMEWORK)), lang),
            "writing_languages": list(dict.fromkeys([lang, mobility.working_language, "en"])),
            "self_phase": self_phase(mobility.start_date, utcnow().date()),
        }

    data = get_database(request).read(work)
    return render(
        request,
        "assessment.html",
        status_code,
        message=extra.pop("message", ""),
        values=extra.pop("values", {}),
        **data,
        **extra,
    )


@router.get("/mobilities/{mobility_id}/assessment", response_class=HTMLResponse)
def assessment_page(request: Request, mobility_id: int) -> Response:
    actor = require_login(request)
    try:
        return _page(request, actor, mobility_id)
    except NotFound:
        raise
    except DomainError as exc:
        return render(request, "message.html", 409, title_key="assessment_title", message=localizer(request).error(exc))


def _act(
    request: Request,
    mobility_id: int,
    work: Any,
    anchor: str,
    values: dict[str, Any] | None = None,
    done: str = "saved",
    exclusive: bool = False,
) -> Response:
    actor = require_login(request)
    require_same_origin(request)
    catalog = get_catalog(request)
    try:
        get_database(request).run(
            lambda s: work(
                s,
                catalog,
                actor,
                records.load(
                    s,
                    mobility_for(s, actor, mobility_id),
                    for_update=exclusive,
                    for_share=not exclusive,
                    with_evidence=False,
                ),
            )
        )
    except (DomainError, ValidationError) as exc:
        message, errors = problem_text(exc, localizer(request))
        return _page(
            request,
            actor,
            mobility_id,
            422 if isinstance(exc, ValidationError | Invalid) else 409,
            message=message or "; ".join(errors.values()),
            values=values or {},
            error_at=anchor,
        )
    return back(f"/mobilities/{mobility_id}/assessment", done, anchor)


@router.post("/mobilities/{mobility_id}/assessment/outcomes/{outcome_id}/identify")
def identify(
    request: Request, mobility_id: int, outcome_id: int, worked_on: Annotated[str, Form()] = "yes"
) -> Response:
    return _act(
        request,
        mobility_id,
        lambda s, c, a, r: stages.identify(s, a, r, outcome_id, worked_on == "yes", ""),
        f"outcome-{outcome_id}",
    )


def self_phase(start: dt.date, today: dt.date) -> SelfAssessmentPhase:
    """The self-assessment open now: "before" up to the placement's first day, "after" from then on."""
    return SelfAssessmentPhase.before if today <= start else SelfAssessmentPhase.after


@router.post("/mobilities/{mobility_id}/assessment/self/{phase}")
async def self_check(request: Request, mobility_id: int, phase: SelfAssessmentPhase) -> Response:
    """The short self-assessment, every planned competence in one form: fields ``a-<target>-<statement key>``."""
    form = await request.form()
    answers: dict[int, dict[str, Answer]] = defaultdict(dict)
    for name, value in form.multi_items():
        target, _, key = name.removeprefix("a-").partition("-")
        if name.startswith("a-") and target.isdigit() and isinstance(value, str) and value in set(Answer):
            answers[int(target)][key] = Answer(value)

    def work(s: Session, catalog: Any, actor: Actor, record: Any) -> None:
        if not answers:
            raise Invalid("answer the statements first")
        for target_id, given in answers.items():
            stages.self_assess(s, catalog, actor, record, target_id, phase, None, "", given)

    return _act(request, mobility_id, work, "self-check")


@router.post("/mobilities/{mobility_id}/assessment/outcomes/{outcome_id}/evidence")
def add_file(
    request: Request,
    mobility_id: int,
    outcome_id: int,
    file: Annotated[UploadFile, File()],
    title: Annotated[str, Form()] = "",
    shows_learner: Annotated[bool, Form()] = False,
) -> Response:
    settings = get_settings_dep(request)
    display = (title or file.filename or "photo").strip()[:200] or "photo"

    def work(s: Session, catalog: Any, actor: Actor, record: Any) -> None:
        file.file.seek(0)
        evidence.add_evidence(
            s,
            catalog,
            evidence_store(settings),
            actor,
            evidence.addition_in(record, outcome_id),
            title=display,
            kind=EvidenceKind.file,
            upload=file.file,
            max_bytes=settings.max_upload_bytes,
            shows_learner=shows_learner,
        )

    return _act(request, mobility_id, work, f"outcome-{outcome_id}")


@router.post("/mobilities/{mobility_id}/assessment/outcomes/{outcome_id}/note")
def add_note(
    request: Request,
    mobility_id: int,
    outcome_id: int,
    text: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
) -> Response:
    settings = get_settings_dep(request)

    def work(s: Session, catalog: Any, actor: Actor, record: Any) -> None:
        if len(text.strip()) < 3:
            raise Invalid("write what you observed (at least a few words)")
        title_text = title.strip() or localizer(request).label("note_default_title")
        evidence.add_evidence(
            s,
            catalog,
            evidence_store(settings),
            actor,
            evidence.addition_in(record, outcome_id),
            title=title_text,
            kind=EvidenceKind.note,
            language=language(request),
            text=text.strip(),
        )

    return _act(
        request,
        mobility_id,
        work,
        f"outcome-{outcome_id}",
        {f"note-{outcome_id}": text, f"note-title-{outcome_id}": title},
    )


@router.post("/mobilities/{mobility_id}/assessment/targets/{target_id}/rate")
def rate(
    request: Request,
    mobility_id: int,
    target_id: int,
    level: Annotated[int, Form()] = -1,
    justification: Annotated[str, Form()] = "",
) -> Response:
    def work(s: Session, catalog: Any, actor: Actor, record: Any) -> None:
        if len(justification.strip()) < 10:
            raise Invalid("justify the level against the agreed criteria (at least 10 characters)")
        stages.rate(s, catalog, actor, record, target_id, level, justification.strip(), language(request))

    return _act(
        request,
        mobility_id,
        work,
        f"target-{target_id}",
        {f"level-{target_id}": level, f"justification-{target_id}": justification},
    )


@router.post("/mobilities/{mobility_id}/assessment/validate")
async def validate(request: Request, mobility_id: int) -> Response:
    values = {k: str(v) for k, v in (await request.form()).items()}

    def work(s: Session, catalog: Any, actor: Actor, record: Any) -> None:
        decisions = [
            DecisionIn.model_validate(
                {
                    "target_id": key.removeprefix("decision-"),
                    "level": value,
                    "justification": values.get(f"decision-justification-{key.removeprefix('decision-')}", ""),
                }
            )
            for key, value in values.items()
            if key.startswith("decision-") and not key.startswith("decision-justification-") and value != ""
        ]
        stages.validate(s, catalog, actor, record, ValidationIn(decisions=decisions, note=values.get("note", "")))

    return _act(request, mobility_id, work, "validation", values, "validated", exclusive=True)


@router.post("/mobilities/{mobility_id}/assessment/outcomes/{outcome_id}/evidence/{evidence_id}/withdraw")
def withdraw(
    request: Request, mobility_id: int, outcome_id: int, evidence_id: int, reason: Annotated[str, Form()] = ""
) -> Response:
    def work(s: Session, catalog: Any, actor: Actor, record: Any) -> None:
        evidence.withdraw_evidence(s, actor, record, evidence_id, reason)

    return _act(request, mobility_id, work, f"outcome-{outcome_id}", None, "withdrawn", exclusive=True)


@router.post("/mobilities/{mobility_id}/assessment/additional")
def add_additional(
    request: Request,
    mobility_id: int,
    additional_text: Annotated[str, Form()] = "",
    additional_language: Annotated[str, Form()] = "en",
    additional_competence: Annotated[str, Form()] = "",
    additional_level: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "additional_text": additional_text,
        "additional_language": additional_language,
        "additional_competence": additional_competence,
        "additional_level": additional_level,
    }

    def work(s: Session, catalog: Any, actor: Actor, record: Any) -> None:
        data = AdditionalOutcomeIn.model_validate(
            {
                "text": {additional_language: additional_text},
                "competence": {
                    "framework": record.version.framework(DEFAULT_FRAMEWORK),
                    "competence": additional_competence,
                    "target_level": additional_level or None,
                },
            }
        )
        stages.add_additional(s, catalog, actor, record, data)

    return _act(request, mobility_id, work, "additional", values, "additional_added", exclusive=True)


@router.post("/mobilities/{mobility_id}/assessment/additional/{outcome_id}/remove")
def remove_additional(request: Request, mobility_id: int, outcome_id: int) -> Response:
    def work(s: Session, catalog: Any, actor: Actor, record: Any) -> None:
        stages.remove_additional(s, catalog, actor, record, outcome_id)

    return _act(request, mobility_id, work, "additional", None, "additional_removed", exclusive=True)


@router.post("/mobilities/{mobility_id}/assessment/reopen")
def reopen(request: Request, mobility_id: int, justification: Annotated[str, Form()] = "") -> Response:
    def work(s: Session, catalog: Any, actor: Actor, record: Any) -> None:
        issuing.reopen(s, actor, record, ReopenIn.model_validate({"justification": justification}).justification)

    return _act(request, mobility_id, work, "validation", {"justification": justification}, "reopened", exclusive=True)
