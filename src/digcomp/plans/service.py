"""Plan operations: versions, outcomes, confirmations. Every change bumps the plan's revision, so concurrent
writers are serialised by optimistic locking (see ``Plan``) and retried by ``Database.run``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.errors import Conflict, NotFound
from digcomp.framework import Catalog
from digcomp.plans import rules
from digcomp.plans.schemas import (
    CompetenceTarget,
    ConfirmationOut,
    OutcomeIn,
    OutcomeOut,
    PlanOut,
    PlanVersionOut,
    PlanVersionSummary,
)
from digcomp.store.models import (
    Confirmation,
    Mobility,
    Outcome,
    OutcomeCompetence,
    Person,
    Plan,
    PlanStatus,
    PlanVersion,
    Role,
    utcnow,
)


def plan_of(session: Session, mobility: Mobility, *, for_update: bool = False) -> Plan | None:
    """The mobility's plan. Writers pass ``for_update``: the plan row is locked before its versions and
    confirmations are read, so each writer sees everything the previous one committed."""
    query = select(Plan).where(Plan.mobility_id == mobility.id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).first()


def version_of(session: Session, mobility: Mobility, number: int, *, for_update: bool = False) -> PlanVersion:
    plan = plan_of(session, mobility, for_update=for_update)
    for version in plan.versions if plan else []:
        if version.number == number:
            return version
    raise NotFound("plan version", number)


def _touch(plan: Plan) -> None:
    plan.updated_at = utcnow()  # bumps plan.revision: a concurrent writer of the same plan now fails and retries


def _outcome_record(outcome: Outcome) -> dict[str, Any]:
    return {
        "text": outcome.text,
        "language": outcome.language,
        "criteria": outcome.criteria,
        "methods": list(outcome.methods),
        "competences": [[c.framework, c.framework_version, c.competence, c.target_level] for c in outcome.competences],
    }


def version_hash(version: PlanVersion) -> str:
    return rules.content_hash(_outcome_record(o) for o in version.outcomes)


def version_view(version: PlanVersion) -> PlanVersionOut:
    return PlanVersionOut(
        number=version.number,
        status=version.status,
        change_note=version.change_note,
        created_at=version.created_at,
        agreed_at=version.agreed_at,
        outcomes=[OutcomeOut.model_validate(o) for o in version.outcomes],
        confirmations=[ConfirmationOut.model_validate(c) for c in version.confirmations],
        missing_confirmations=rules.missing_confirmations(c.role for c in version.confirmations),
        content_hash=version_hash(version),
    )


def plan_view(session: Session, mobility: Mobility) -> PlanOut:
    plan = plan_of(session, mobility)
    versions = plan.versions if plan else []
    agreed = [v for v in versions if v.status is PlanStatus.agreed]
    return PlanOut(
        mobility_id=mobility.id,
        current=version_view(versions[-1]) if versions else None,
        agreed=version_view(agreed[-1]) if agreed else None,
        versions=[PlanVersionSummary.model_validate(v) for v in versions],
    )


def create_version(session: Session, mobility: Mobility, change_note: str = "") -> PlanVersion:
    """The first draft of a plan, or a new draft based on the agreed version when the plan must change."""
    plan = plan_of(session, mobility, for_update=True)
    if plan is None:
        plan = Plan(mobility_id=mobility.id)
        session.add(plan)
        version = PlanVersion(number=1, change_note=change_note)
        plan.versions.append(version)
        session.flush()
        return version
    latest = plan.versions[-1]
    if latest.status is PlanStatus.draft:
        raise Conflict(f"plan version {latest.number} is still a draft; change that draft instead of starting another")
    version = PlanVersion(number=latest.number + 1, change_note=change_note)
    for outcome in latest.outcomes:
        version.outcomes.append(_copy_outcome(outcome))
    plan.versions.append(version)
    _touch(plan)
    session.flush()
    return version


def _copy_outcome(outcome: Outcome) -> Outcome:
    return Outcome(
        position=outcome.position,
        text=outcome.text,
        language=outcome.language,
        criteria=outcome.criteria,
        methods=list(outcome.methods),
        competences=[
            OutcomeCompetence(
                position=c.position,
                framework=c.framework,
                framework_version=c.framework_version,
                competence=c.competence,
                target_level=c.target_level,
            )
            for c in outcome.competences
        ],
    )


def _fill(outcome: Outcome, data: OutcomeIn, targets: list[CompetenceTarget]) -> None:
    outcome.text = data.text
    outcome.language = data.language.value
    outcome.criteria = data.criteria
    outcome.methods = [m.value for m in data.methods]
    outcome.competences = [
        OutcomeCompetence(
            position=i,
            framework=t.framework,
            framework_version=t.framework_version or "",
            competence=t.competence,
            target_level=t.target_level,
        )
        for i, t in enumerate(targets)
    ]


def _editable(version: PlanVersion) -> None:
    rules.ensure_editable(version.status, version.number)
    # Changing a draft voids the confirmations given to its earlier content.
    version.confirmations.clear()
    _touch(version.plan)


def add_outcome(session: Session, catalog: Catalog, version: PlanVersion, data: OutcomeIn) -> Outcome:
    _editable(version)
    targets = rules.resolve_targets(catalog, data.competences, ["body", "competences"])
    outcome = Outcome(position=max((o.position for o in version.outcomes), default=-1) + 1)
    _fill(outcome, data, targets)
    version.outcomes.append(outcome)
    session.flush()
    return outcome


def _outcome(version: PlanVersion, outcome_id: int) -> Outcome:
    for outcome in version.outcomes:
        if outcome.id == outcome_id:
            return outcome
    raise NotFound("outcome", outcome_id)


def replace_outcome(
    session: Session, catalog: Catalog, version: PlanVersion, outcome_id: int, data: OutcomeIn
) -> Outcome:
    outcome = _outcome(version, outcome_id)
    _editable(version)
    _fill(outcome, data, rules.resolve_targets(catalog, data.competences, ["body", "competences"]))
    session.flush()
    return outcome


def delete_outcome(session: Session, version: PlanVersion, outcome_id: int) -> None:
    outcome = _outcome(version, outcome_id)
    _editable(version)
    version.outcomes.remove(outcome)
    session.flush()


def confirm(session: Session, mobility: Mobility, version: PlanVersion, role: Role, person: Person) -> PlanVersion:
    rules.check_confirmation(
        role=role,
        person_id=person.id,
        person_role=person.role,
        person_organisation_id=person.organisation_id,
        participants=rules.Participants(
            learner_id=mobility.learner_id,
            mentor_id=mobility.mentor_id,
            coordinator_id=mobility.coordinator_id,
            sending_organisation_id=mobility.sending_organisation_id,
        ),
        status=version.status,
        number=version.number,
        confirmed=[c.role for c in version.confirmations],
        outcome_count=len(version.outcomes),
    )
    version.confirmations.append(Confirmation(role=role, person_id=person.id, content_hash=version_hash(version)))
    if not rules.missing_confirmations(c.role for c in version.confirmations):
        for earlier in version.plan.versions:
            if earlier.status is PlanStatus.agreed:
                earlier.status = PlanStatus.superseded
        version.status = PlanStatus.agreed
        version.agreed_at = utcnow()
    _touch(version.plan)
    session.flush()
    session.refresh(version)
    return version
