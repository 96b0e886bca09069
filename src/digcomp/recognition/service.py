"""Programme modules and recognition decisions in the database; the rules are in ``rules``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor, require
from digcomp.access.permissions import Action, allowed
from digcomp.assessment.records import validation_in_force
from digcomp.audit import log as audit
from digcomp.errors import Conflict, Invalid, NotFound
from digcomp.mobility.schemas import PersonSummary
from digcomp.mobility.service import parties
from digcomp.recognition import rules
from digcomp.recognition.grades import GradeScale
from digcomp.recognition.schemas import (
    ModuleImportResult,
    ModuleIn,
    ModuleOut,
    RecognisedModule,
    RecognisedOut,
    RecognitionIn,
    RecognitionOut,
)
from digcomp.store.db import added_unless_duplicate
from digcomp.store.models import (
    Mobility,
    Organisation,
    ProgrammeModule,
    RecognisedResult,
    Recognition,
    Validation,
)
from digcomp.tables import read_rows


def may_recognise(actor: Actor, mobility: Mobility) -> bool:
    """The school's authorised people: its validators and admins, and the staff an admin named to its recognition
    committee."""
    return allowed(actor, Action.recognise, parties(mobility))


def modules(session: Session, school_id: int, programme: str | None = None) -> list[ProgrammeModule]:
    """The school's modules; with ``programme``, only those of that VET programme and the ones every programme
    shares."""
    query = select(ProgrammeModule).where(ProgrammeModule.organisation_id == school_id)
    if programme is not None:
        query = query.where(ProgrammeModule.programme.in_(["", programme]))
    return list(session.scalars(query.order_by(ProgrammeModule.code)))


def may_add_modules(actor: Actor) -> bool:
    """Coordinators and admins (who plan), validators and the recognition committee (who recognise)."""
    return allowed(actor, Action.plan) or allowed(actor, Action.recognise)


def add_module(session: Session, actor: Actor, data: ModuleIn) -> ProgrammeModule:
    require(may_add_modules(actor), "only the school's coordinators, validators and admins add programme modules")
    module = ProgrammeModule(organisation_id=actor.organisation_id, **data.model_dump())
    if not added_unless_duplicate(session, module):
        raise Conflict("the programme already has a module {code}", code=data.code)
    audit.record(session, actor, "programme_module.added", f"programme_module:{module.id}", after=data.model_dump())
    return module


MODULE_COLUMNS = ("code",)  # and name_<language> (name_lv, name_en …), hours, credits


def _module_row(raw: dict[str, Any]) -> ModuleIn:
    names = {
        key.removeprefix("name_"): value for key, value in raw.items() if key and key.startswith("name_") and value
    }
    return ModuleIn.model_validate(
        {
            "code": raw.get("code") or "",
            "programme": (raw.get("programme") or "").strip(),
            "name": names,
            "hours": (raw.get("hours") or "").strip() or None,
            "credits": (raw.get("credits") or "").strip().replace(",", ".") or None,
        }
    )


def import_modules(session: Session, actor: Actor, content: bytes) -> ModuleImportResult:
    """The programme's modules from a spreadsheet (columns ``code``, ``programme``, ``name_lv``, ``name_en`` …,
    ``hours``, ``credits``): new codes are added, known codes get the file's values. All or nothing."""
    require(may_add_modules(actor), "only the school's coordinators, validators and admins add programme modules")
    rows = read_rows(content, MODULE_COLUMNS, _module_row)
    codes = [r.code for r in rows]
    if len(set(codes)) != len(codes):
        twice = sorted({c for c in codes if codes.count(c) > 1})
        raise Invalid("module code(s) listed twice in the file: {codes}", codes=", ".join(twice))
    existing = {m.code: m for m in modules(session, actor.organisation_id)}
    result = ModuleImportResult(created=[], updated=[])
    for row in rows:
        module = existing.get(row.code)
        if module is None:
            session.add(ProgrammeModule(organisation_id=actor.organisation_id, **row.model_dump()))
            result.created.append(row.code)
        elif (dict(module.name), module.hours, module.credits, module.programme) != (
            row.name,
            row.hours,
            row.credits,
            row.programme,
        ):
            module.name, module.hours, module.credits = dict(row.name), row.hours, row.credits
            module.programme = row.programme
            result.updated.append(row.code)
    session.flush()
    audit.record(
        session,
        actor,
        "programme_module.imported",
        f"organisation:{actor.organisation_id}/programme",
        after=result.model_dump(),
    )
    return result


def recognition_of(session: Session, mobility: Mobility) -> Recognition | None:
    validation = validation_in_force(session, mobility)
    if validation is None:
        return None
    return session.scalars(select(Recognition).where(Recognition.validation_id == validation.id)).first()


def is_recognised(session: Session, mobility: Mobility) -> bool:
    return recognition_of(session, mobility) is not None


def recognise(session: Session, actor: Actor, mobility: Mobility, data: RecognitionIn) -> Recognition:
    require(
        may_recognise(actor, mobility),
        "only the sending school's validators, admins and recognition committee recognise results",
    )
    validation = validation_in_force(session, mobility)
    school = session.get_one(Organisation, mobility.sending_organisation_id)
    facts = {
        r.id: rules.ValidatedFacts(r.id, r.competence, r.status.value, r.achieved_level)
        for r in (validation.results if validation else [])
    }
    programme = {m.id: m for m in modules(session, school.id, mobility.vet_programme or None)}
    proposals = [rules.Proposal(r.result_id, r.module_id, r.grade, r.reason) for r in data.results]
    rules.check(
        proposals,
        facts,
        set(programme),
        validated=validation is not None,
        already_recognised=validation is not None and is_recognised(session, mobility),
        average_mastery_level=school.average_mastery_level,
        scale=GradeScale(school.grade_scale),
        average_mastery_grade=school.average_mastery_grade,
    )
    assert validation is not None
    recognition = Recognition(
        mobility_id=mobility.id, validation_id=validation.id, decided_by_id=actor.person_id, note=data.note
    )
    for given in data.results:
        module = programme[given.module_id]
        recognition.results.append(
            RecognisedResult(
                result_id=given.result_id,
                module_id=module.id,
                hours=given.hours if given.hours is not None else module.hours,
                credits=given.credits if given.credits is not None else module.credits,
                grade=given.grade.strip().lower(),
                reason=given.reason,
            )
        )
    session.add(recognition)
    session.flush()
    audit.record(
        session,
        actor,
        "recognition.decided",
        f"mobility:{mobility.id}/recognition",
        mobility_id=mobility.id,
        after={
            "results": [
                {"result": r.result_id, "module": programme[r.module_id].code, "grade": r.grade, "reason": r.reason}
                for r in data.results
            ],
            "note": data.note,
        },
    )
    return recognition


def view(session: Session, mobility: Mobility) -> RecognitionOut:
    recognition = recognition_of(session, mobility)
    if recognition is None:
        raise NotFound("recognition of mobility", mobility.id)
    validation = session.get_one(Validation, recognition.validation_id)
    results = {r.id: r for r in validation.results}
    school = session.get_one(Organisation, mobility.sending_organisation_id)
    per_module = counted_once(recognition.results, {r.id: r.competence for r in validation.results})
    return RecognitionOut(
        mobility_id=mobility.id,
        decided_by=PersonSummary.model_validate(recognition.decided_by),
        decided_at=recognition.decided_at,
        note=recognition.note,
        average_mastery_level=school.average_mastery_level,
        grade_scale=GradeScale(school.grade_scale),
        average_mastery_grade=school.average_mastery_grade,
        modules=per_module,
        total_hours=_total([m.hours for m in per_module]),
        total_credits=_total([m.credits for m in per_module]),
        results=[
            RecognisedOut(
                result_id=r.result_id,
                competence=results[r.result_id].competence,
                achieved_level=results[r.result_id].achieved_level,
                module=ModuleOut.model_validate(r.module),
                hours=r.hours,
                credits=r.credits,
                grade=r.grade,
                reason=r.reason,
            )
            for r in recognition.results
        ],
    )


def counted_once(results: list[RecognisedResult], competences: dict[int, str]) -> list[RecognisedModule]:
    """The recognised results per module, in the order first named: a module's hours and credits once."""
    grouped: dict[int, RecognisedModule] = {}
    for r in results:
        entry = grouped.get(r.module_id)
        if entry is None:
            entry = RecognisedModule(
                module=ModuleOut.model_validate(r.module), competences=[], hours=r.hours, credits=r.credits, grades=[]
            )
            grouped[r.module_id] = entry
        entry.competences.append(competences[r.result_id])
        if r.grade not in entry.grades:
            entry.grades.append(r.grade)
    return list(grouped.values())


def _total(values: list[Any]) -> Any:
    known = [v for v in values if v is not None]
    return sum(known) if known else None
