"""The recognition page of a mobility: the school's validators recognise validated results in programme modules;
coordinators keep the programme's modules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.access.permissions import Action, require_allowed
from digcomp.api.deps import get_catalog, get_database, get_settings_dep
from digcomp.assessment.records import validation_in_force
from digcomp.errors import DomainError, Invalid
from digcomp.framework import pick
from digcomp.i18n import Localizer
from digcomp.mobility.service import mobility_for
from digcomp.recognition import grades
from digcomp.recognition import service as recognition
from digcomp.recognition.grades import GradeScale
from digcomp.recognition.schemas import ModuleIn, RecognitionIn
from digcomp.store.models import Organisation, Outcome
from digcomp.tables import read_upload
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

router = APIRouter(include_in_schema=False)


def _page(request: Request, actor: Actor, mobility_id: int, status_code: int = 200, **extra: Any) -> Response:
    catalog = get_catalog(request)
    lang = language(request)

    def work(s: Session) -> dict[str, Any]:
        mobility = mobility_for(s, actor, mobility_id)
        require_allowed(actor, Action.read_school)
        validation = validation_in_force(s, mobility)
        validated = validation.results if validation else []
        by_id = {o.id: o for o in s.scalars(select(Outcome).where(Outcome.id.in_([r.outcome_id for r in validated])))}
        results = []
        outcomes = {}
        for result in validated:
            competence = catalog.get(result.framework).competence_by_id.get(result.competence)
            outcomes[result.id] = outcome = by_id[result.outcome_id]
            results.append(
                {
                    "result": result,
                    "title": pick(competence.title, lang) if competence else "",
                    "additional": outcome.additional,
                }
            )
        decided = recognition.view(s, mobility) if recognition.is_recognised(s, mobility) else None
        school = s.get_one(Organisation, mobility.sending_organisation_id)
        modules = recognition.modules(s, school.id, mobility.vet_programme or None)
        by_code = {m.code: m.id for m in modules}
        planned = {  # the module the learning agreement named for each outcome, chosen in advance
            f"module-{result_id}": str(by_code[outcome.module_code])
            for result_id, outcome in outcomes.items()
            if outcome.module_code in by_code
        }
        additional = {result_id for result_id, outcome in outcomes.items() if outcome.additional}
        return {
            "planned": planned,
            "additional": additional,
            "m": mobility,
            "validated": validation is not None,
            "results": results,
            "decided": decided,
            "modules": modules,
            "threshold": school.average_mastery_level,
            "grade_choices": grades.grades(GradeScale(school.grade_scale)),
            "grade_scale": school.grade_scale,
            "average_mastery_grade": school.average_mastery_grade,
            "can_recognise": recognition.may_recognise(actor, mobility),
            "can_add_module": recognition.may_add_modules(actor),
        }

    data = get_database(request).read(work)
    planned = data.pop("planned")
    return render(
        request,
        "recognition.html",
        status_code,
        message=extra.pop("message", ""),
        values=extra.pop("values", None) or planned,
        errors=extra.pop("errors", {}),
        **data,
    )


@router.get("/mobilities/{mobility_id}/recognition", response_class=HTMLResponse)
def recognition_page(request: Request, mobility_id: int) -> Response:
    return _page(request, require_login(request), mobility_id)


def _chosen(values: dict[str, str]) -> list[str]:
    """The results the form recognises (a module chosen), in the form's order: the proposals' order."""
    return [key.removeprefix("module-") for key, value in values.items() if key.startswith("module-") and value]


def _result_fields(exc: Exception, values: dict[str, str], loc: Localizer) -> dict[str, str]:
    """Errors of a recognition, each tied to its own field of its own result (``grade-<result id>`` …)."""
    chosen = _chosen(values)
    details: list[dict[str, Any]] = [dict(d) for d in exc.errors()] if isinstance(exc, ValidationError) else []
    details += list(getattr(exc, "errors", [])) if isinstance(exc, Invalid) else []
    fields: dict[str, str] = {}
    for detail in details:
        path = list(detail.get("loc") or [])
        if len(path) >= 4 and path[1] == "results" and isinstance(path[2], int) and path[2] < len(chosen):
            name = f"{path[3] if path[3] != 'result_id' else 'module'}-{chosen[path[2]]}"
            if "template" in detail:
                text = loc.message(str(detail["template"]), detail.get("params"))
            else:
                text = problem_text(exc, loc)[1].get(str(path[-1]), str(detail.get("msg", "")))
            fields.setdefault(name, text)
    return fields


async def _submit(request: Request, mobility_id: int, work: Any, done: str) -> Response:
    actor = require_login(request)
    require_same_origin(request)
    values = {k: str(v).strip() for k, v in (await request.form()).items()}
    try:
        get_database(request).run(lambda s: work(s, actor, mobility_for(s, actor, mobility_id), values))
    except (DomainError, ValidationError) as exc:
        message, errors = problem_text(exc, localizer(request))
        errors = _result_fields(exc, values, localizer(request)) or errors
        status = 422 if isinstance(exc, ValidationError | Invalid) else 409
        return _page(
            request,
            actor,
            mobility_id,
            status,
            message=message or "; ".join(errors.values()),
            values=values,
            errors=errors,
        )
    return back(f"/mobilities/{mobility_id}/recognition", done)


@router.post("/mobilities/{mobility_id}/recognition", response_class=HTMLResponse)
async def recognise(request: Request, mobility_id: int) -> Response:
    def work(s: Session, actor: Actor, mobility: Any, values: dict[str, str]) -> None:
        chosen = _chosen(values)
        proposals = [
            {
                "result_id": result,
                "module_id": values[f"module-{result}"],
                "grade": values.get(f"grade-{result}", ""),
                "reason": values.get(f"reason-{result}", ""),
            }
            for result in chosen
        ]
        data = RecognitionIn.model_validate({"results": proposals, "note": values.get("note", "")})
        recognition.recognise(s, actor, mobility, data)

    return await _submit(request, mobility_id, work, "recognised")


@router.post("/mobilities/{mobility_id}/recognition/modules", response_class=HTMLResponse)
async def add_module(request: Request, mobility_id: int) -> Response:
    def work(s: Session, actor: Actor, mobility: Any, values: dict[str, str]) -> None:
        data = ModuleIn.model_validate(
            {
                "code": values.get("code", ""),
                "programme": values.get("programme", ""),
                "name": form_texts(values, "name"),
                "hours": values.get("hours") or None,
                "credits": values.get("credits") or None,
            }
        )
        recognition.add_module(s, actor, data)

    return await _submit(request, mobility_id, work, "module_added")


@router.post("/mobilities/{mobility_id}/recognition/modules/import", response_class=HTMLResponse)
def import_modules(request: Request, mobility_id: int, file: Annotated[UploadFile, File()]) -> Response:
    actor = require_login(request)
    require_same_origin(request)
    try:
        content = read_upload(file.file, get_settings_dep(request).max_import_bytes)
        get_database(request).run(lambda s: recognition.import_modules(s, actor, content))
    except DomainError as exc:
        loc = localizer(request)
        rows = [
            f"{loc.label('import_row')} {e['row']}: "
            + (loc.message(e["template"], e.get("params")) if "template" in e else e["msg"])
            for e in getattr(exc, "errors", [])
            if "row" in e
        ]
        return _page(request, actor, mobility_id, 422, message="; ".join([loc.error(exc), *rows]))
    return back(f"/mobilities/{mobility_id}/recognition", "modules_imported")
