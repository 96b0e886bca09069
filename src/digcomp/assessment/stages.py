"""The steps of the validation stages after documentation: identification, self-assessment, rating, validation
and reopening, and competences acquired beyond the plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.access.permissions import Action, require_allowed
from digcomp.assessment import rules, self_check
from digcomp.assessment.records import Record, audit_step, facts, facts_of_outcome, max_level
from digcomp.assessment.schemas import (
    AdditionalOutcomeIn,
    ValidationIn,
)
from digcomp.assessment.self_check import Answer
from digcomp.errors import Conflict, Invalid, NotFound, problem
from digcomp.framework import Catalog
from digcomp.plans.rules import resolve_targets
from digcomp.plans.service import touch
from digcomp.store.models import (
    Evidence,
    Identification,
    Mobility,
    Outcome,
    OutcomeCompetence,
    Rating,
    SelfAssessment,
    SelfAssessmentPhase,
    ValidatedResult,
    Validation,
    utcnow,
)


def identify(session: Session, actor: Actor, record: Record, outcome_id: int, worked_on: bool, note: str) -> None:
    mobility = record.mobility
    require_allowed(actor, Action.identify, mobility)
    rules.ensure_open(record.validated)
    outcome = record.outcome(outcome_id)
    current = record.identifications.get(outcome.id)
    if current and not worked_on and any(record.ratings.get(t.id) for t in outcome.competences):
        raise Conflict("this outcome has already been assessed; it cannot be marked as not worked on")
    before = {"worked_on": current.worked_on, "note": current.note} if current else None
    existing = current if current is not None and current.outcome_id == outcome.id else None  # see ``rate``
    if existing is None:
        existing = Identification(
            mobility_id=record.mobility.id, outcome_id=outcome.id, worked_on=worked_on, person_id=actor.person_id
        )
        session.add(existing)
        record.identifications[outcome.id] = existing
    existing.worked_on, existing.note, existing.person_id = worked_on, note, actor.person_id
    session.flush()
    audit_step(
        session,
        actor,
        record.mobility,
        "assessment.identified",
        f"outcome:{outcome.id}",
        before=before,
        after={"worked_on": worked_on, "note": note},
    )


def self_assess(
    session: Session,
    catalog: Catalog,
    actor: Actor,
    record: Record,
    target_id: int,
    phase: SelfAssessmentPhase,
    level: int | None,
    note: str,
    answers: Mapping[str, Answer] | None = None,
    today: dt.date | None = None,
) -> None:
    """The learner's own view of a planned competence, before or after the placement: a level, or answers to the
    short "I can" statements (``self_check``) from which the level is worked out."""
    require_allowed(actor, Action.self_assess, record.mobility)
    rules.ensure_open(record.validated)
    start = record.mobility.start_date or session.get_one(Mobility, record.mobility.id).start_date
    rules.check_self_assessment_window(phase, start, today or utcnow().date())
    _, target = record.target(target_id)
    if answers:
        items = self_check.can_do(catalog, target.framework, target.competence, target.target_level)
        rules.check_answers([item.key for item in items], answers, target.competence)
        level = self_check.level_from(items, dict(answers), target.target_level)
    if level is None:
        raise Invalid("give a level or answer the statements", [problem(["body", "level"], "required")])
    if level > max_level(catalog, target):
        raise Invalid("the level must be 0 to {top}", top=max_level(catalog, target))
    current = record.self_assessments.get((target.id, phase))
    before = {"level": current.level} if current else None
    existing = current if current is not None and current.target_id == target.id else None  # see ``rate``
    if existing is None:
        existing = SelfAssessment(mobility_id=record.mobility.id, target_id=target.id, phase=phase, level=level)
        session.add(existing)
        record.self_assessments[(target.id, phase)] = existing
    existing.level, existing.note = level, note
    existing.answers = {key: Answer(value).value for key, value in (answers or {}).items()}
    session.flush()
    audit_step(
        session,
        actor,
        record.mobility,
        "assessment.self_assessed",
        f"target:{target.id}/{phase.value}",
        before=before,
        after={"level": level, "answers": existing.answers} if answers else {"level": level},
    )


def rate(
    session: Session,
    catalog: Catalog,
    actor: Actor,
    record: Record,
    target_id: int,
    level: int,
    justification: str,
    language: str | None = None,
) -> None:
    require_allowed(actor, Action.rate, record.mobility)
    outcome, target = record.target(target_id)
    outcome_facts = facts_of_outcome(record, catalog, outcome)
    rules.check_rating(
        outcome_facts,
        rules.Target(target.id, target.competence, target.target_level, max_level(catalog, target)),
        level,
        record.validated,
    )
    current = next((r for r in record.ratings.get(target.id, []) if r.assessor_id == actor.person_id), None)
    before = {"level": current.level, "justification": current.justification} if current else None
    # a judgement made under an earlier plan version stays as it was; a new one is made under this version
    existing = current if current is not None and current.target_id == target.id else None
    if existing is None:
        existing = Rating(
            mobility_id=record.mobility.id,
            target_id=target.id,
            assessor_id=actor.person_id,
            level=level,
            justification=justification,
        )
        session.add(existing)
        others = [r for r in record.ratings.get(target.id, []) if r.assessor_id != actor.person_id]
        record.ratings[target.id] = [*others, existing]
    existing.level, existing.justification = level, justification
    existing.language = language or actor.language or ""  # the writer's page language, else the one they read
    session.flush()
    audit_step(
        session,
        actor,
        record.mobility,
        "assessment.rated",
        f"target:{target.id}",
        before=before,
        after={"level": level, "justification": justification, "assessor": actor.person_id},
    )


def validate(session: Session, catalog: Catalog, actor: Actor, record: Record, data: ValidationIn) -> Validation:
    require_allowed(actor, Action.validate, record.mobility)
    results = rules.validate(
        facts(record, catalog),
        [rules.ValidatorDecision(d.target_id, d.level, d.justification) for d in data.decisions],
        validator_id=actor.person_id,
        validated=record.validated,
    )
    targets = {t.id: t for o in record.version.outcomes for t in o.competences}
    outcome_of = {t.id: o.id for o in record.version.outcomes for t in o.competences}
    validation = Validation(
        mobility_id=record.mobility.id,
        round=record.rounds + 1,
        plan_version=record.version.number,
        validator_id=actor.person_id,
        note=data.note,
    )
    for position, result in enumerate(results):
        stored = targets[result.target.id]
        validation.results.append(
            ValidatedResult(
                position=position,
                outcome_id=outcome_of[stored.id],
                target_id=stored.id,
                framework=stored.framework,
                framework_version=stored.framework_version,
                competence=stored.competence,
                target_level=stored.target_level,
                achieved_level=result.achieved_level,
                status=result.status,
                decision=result.decision,
                assessor_levels={str(k): v for k, v in result.assessor_levels.items()},
                justification=result.justification,
            )
        )
    session.add(validation)
    session.flush()
    audit_step(
        session,
        actor,
        record.mobility,
        "assessment.validated",
        "validation",
        after={
            "plan_version": record.version.number,
            "round": record.rounds + 1,
            "results": [
                {
                    "target": r.target.id,
                    "competence": r.target.competence,
                    "status": r.status.value,
                    "level": r.achieved_level,
                    "decision": r.decision.value,
                }
                for r in results
            ],
        },
    )
    return validation


def add_additional(session: Session, catalog: Catalog, actor: Actor, record: Record, data: AdditionalOutcomeIn) -> int:
    """A competence the learner acquired beyond the plan: an outcome of its own, marked additional, identified as
    worked on by whoever adds it, then documented, rated and validated like the planned ones. The agreed plan and
    its content hash stay as they were. Returns the new outcome's id. ``record`` is loaded ``for_update``."""
    mobility = record.mobility
    require_allowed(actor, Action.add_additional, mobility)
    [target] = resolve_targets(catalog, [data.competence], ["body", "competence"])
    planned = {t.competence for o in record.version.outcomes if not o.additional for t in o.competences}
    added = {t.competence for o in record.version.outcomes if o.additional for t in o.competences}
    rules.check_additional(target.competence, planned, added, record.validated)
    outcome = Outcome(
        version_id=record.version.id,
        position=max((o.position for o in record.version.outcomes), default=-1) + 1,
        text=dict(data.text),
        criteria={},
        methods=[m.value for m in data.methods],
        additional=True,
        added_by_id=actor.person_id,
        competences=[
            OutcomeCompetence(
                position=0,
                framework=target.framework,
                framework_version=target.framework_version or "",
                competence=target.competence,
                target_level=target.target_level,
            )
        ],
    )
    session.add(outcome)
    touch(record.plan)  # a new revision: every process takes a fresh snapshot of the agreed version
    session.flush()
    session.add(
        Identification(mobility_id=record.mobility.id, outcome_id=outcome.id, worked_on=True, person_id=actor.person_id)
    )
    session.flush()
    audit_step(
        session,
        actor,
        record.mobility,
        "assessment.additional_added",
        f"outcome:{outcome.id}",
        after={
            "text": dict(data.text),
            "competence": [target.framework, target.competence, target.target_level],
            "methods": outcome.methods,
        },
    )
    return outcome.id


def remove_additional(session: Session, catalog: Catalog, actor: Actor, record: Record, outcome_id: int) -> None:
    """Take back an additional competence added by mistake (before any evidence or rating)."""
    snapshot = record.outcome(outcome_id)
    if not snapshot.additional:
        raise NotFound("additional outcome", outcome_id)
    evidence_ever = session.scalar(select(func.count()).select_from(Evidence).where(Evidence.outcome_id == outcome_id))
    rules.check_additional_removal(
        snapshot.added_by_id,
        actor.person_id,
        facts_of_outcome(record, catalog, snapshot),
        evidence_ever or 0,
        record.validated,
    )
    outcome = session.get_one(Outcome, outcome_id)
    before = {"text": dict(outcome.text), "competence": [t.competence for t in snapshot.competences]}
    for identification in session.scalars(select(Identification).where(Identification.outcome_id == outcome_id)):
        session.delete(identification)
    for self_assessment in session.scalars(
        select(SelfAssessment).where(SelfAssessment.target_id.in_([t.id for t in snapshot.competences]))
    ):
        session.delete(self_assessment)
    session.flush()
    session.delete(outcome)
    touch(record.plan)
    session.flush()
    audit_step(
        session,
        actor,
        record.mobility,
        "assessment.additional_removed",
        f"outcome:{outcome_id}",
        before=before,
    )


def reopen(session: Session, actor: Actor, record: Record, reason: str) -> Validation:
    """A validator reopens a validated result with a written justification: a new assessment round starts and the
    earlier validation stays on record. (``credentials.reopen`` also revokes the certificate in force.)"""
    require_allowed(actor, Action.validate, record.mobility, "only a validator of the sending school reopens a result")
    rules.check_reopen(record.validated, reason)
    assert record.validation is not None
    validation = record.validation
    validation.reopened_at = utcnow()
    validation.reopened_by_id = actor.person_id
    validation.reopen_reason = reason.strip()
    session.flush()
    audit_step(
        session,
        actor,
        record.mobility,
        "assessment.reopened",
        "validation",
        before={"validated": True, "round": validation.round},
        after={"validated": False, "reason": validation.reopen_reason, "next_round": validation.round + 1},
    )
    session.flush()
    return validation
