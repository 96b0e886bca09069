"""Plan operations: versions, outcomes, confirmations. Every change bumps the plan's revision, so concurrent
writers are serialised by optimistic locking (see ``Plan``) and retried by ``Database.run``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from digcomp.access.actor import Actor, MobilityParties, require
from digcomp.access.permissions import Action, require_allowed
from digcomp.audit import log as audit
from digcomp.errors import Conflict, Invalid, NotFound, Phrase, problem
from digcomp.framework import Catalog
from digcomp.mail import outbox
from digcomp.mobility.service import parties
from digcomp.plans import carry, diff, rules
from digcomp.plans.schemas import (
    ChangedPart,
    ChangeRequestIn,
    ChangeRequestOut,
    CompetenceTarget,
    ConfirmationOut,
    OutcomeChange,
    OutcomeIn,
    OutcomeOut,
    PlanOut,
    PlanVersionOut,
    PlanVersionSummary,
)
from digcomp.store.models import (
    ChangeRequest,
    Confirmation,
    Mobility,
    Outcome,
    OutcomeCompetence,
    Plan,
    PlanStatus,
    PlanVersion,
    ProgrammeModule,
    Role,
    Validation,
    utcnow,
)


def plan_of(
    session: Session, mobility: Mobility | MobilityParties, *, for_update: bool = False, for_share: bool = False
) -> Plan | None:
    """The mobility's plan. Writers pass ``for_update``: the plan row is locked before its versions and
    confirmations are read, so each writer sees everything the previous one committed. Writers that only add to
    the record (evidence, ratings) pass ``for_share``: they do not wait for each other, but a validation or a plan
    change (``for_update``) waits for them and they for it."""
    query = select(Plan).where(Plan.mobility_id == mobility.id)
    if for_update or for_share:
        query = query.with_for_update(read=not for_update).execution_options(populate_existing=True)
    return session.scalars(query).first()


def additional_outcomes(session: Session, version_id: int) -> list[Outcome]:
    """The outcomes added beyond an agreed version during assessment (not part of what the parties agreed)."""
    query = (
        select(Outcome)
        .where(Outcome.version_id == version_id, Outcome.additional.is_(True))
        .options(selectinload(Outcome.competences))
        .order_by(Outcome.position)
    )
    return list(session.scalars(query))


def version_of(session: Session, mobility: Mobility, number: int, *, for_update: bool = False) -> PlanVersion:
    plan = plan_of(session, mobility, for_update=for_update)
    for version in plan.versions if plan else []:
        if version.number == number:
            return version
    raise NotFound("plan version", number)


def touch(plan: Plan) -> None:
    plan.updated_at = utcnow()  # bumps plan.revision: a concurrent writer of the same plan now fails and retries


def _outcome_record(outcome: Outcome) -> dict[str, Any]:
    record: dict[str, Any] = {
        "text": dict(outcome.text),
        "criteria": dict(outcome.criteria),
        "methods": list(outcome.methods),
        "competences": [[c.framework, c.framework_version, c.competence, c.target_level] for c in outcome.competences],
    }
    if outcome.module_code:  # only when planned, so the hashes of plans agreed before modules existed stay the same
        record["module"] = outcome.module_code
    return record


def version_hash(version: PlanVersion) -> str:
    return rules.content_hash(_outcome_record(o) for o in version.outcomes)


def mentor_reads(mobility: Mobility) -> list[str]:
    return rules.mentor_languages(mobility.mentor.language if mobility.mentor else None, mobility.working_language)


def missing_texts(mobility: Mobility, version: PlanVersion) -> list[Phrase]:
    texts = rules.PlanTexts(
        objective=mobility.objective, tasks=mobility.tasks, outcomes=[(o.text, o.criteria) for o in version.outcomes]
    )
    return rules.missing_for_mentor(texts, mentor_reads(mobility))


def _shape(outcome: Outcome) -> diff.Shape:
    return diff.Shape(
        id=outcome.id,
        position=outcome.position,
        text=dict(outcome.text),
        criteria=dict(outcome.criteria),
        methods=list(outcome.methods),
        module_code=outcome.module_code,
        targets=[(c.framework, c.competence, c.target_level) for c in outcome.competences],
        carried_from=outcome.carried_from_id,
    )


def changes(version: PlanVersion) -> list[diff.Change]:
    """What the version changes from the one before it (none for the first)."""
    before = next((v for v in version.plan.versions if v.number == version.number - 1), None)
    if before is None:
        return []
    return diff.compare([_shape(o) for o in before.outcomes], [_shape(o) for o in version.outcomes])


def version_view(version: PlanVersion, mobility: Mobility) -> PlanVersionOut:
    missing = missing_texts(mobility, version) if version.status is PlanStatus.draft else []
    return PlanVersionOut(
        changes=[
            OutcomeChange(
                kind=c.kind.value,
                number=c.number,
                text=dict(c.text),
                parts=[ChangedPart(name=p.name, language=p.language, before=p.before, after=p.after) for p in c.fields],
            )
            for c in changes(version)
        ],
        number=version.number,
        status=version.status,
        change_note=version.change_note,
        created_at=version.created_at,
        agreed_at=version.agreed_at,
        outcomes=[OutcomeOut.model_validate(o) for o in version.outcomes],
        confirmations=[ConfirmationOut.model_validate(c) for c in version.confirmations],
        missing_confirmations=rules.missing_confirmations(c.role for c in version.confirmations),
        missing_texts=[str(m) for m in missing],
        content_hash=version_hash(version),
        change_requests=[ChangeRequestOut.model_validate(r) for r in version.change_requests],
    )


def plan_view(session: Session, mobility: Mobility) -> PlanOut:
    plan = plan_of(session, mobility)
    versions = plan.versions if plan else []
    agreed = [v for v in versions if v.status is PlanStatus.agreed]
    return PlanOut(
        mobility_id=mobility.id,
        current=version_view(versions[-1], mobility) if versions else None,
        agreed=version_view(agreed[-1], mobility) if agreed else None,
        versions=[PlanVersionSummary.model_validate(v) for v in versions],
    )


def framework_of(session: Session, mobility: Mobility) -> str:
    """The framework a plan's new outcomes are written on: the one its outcomes already use (a plan stays on one
    DigComp version), else the one the sending school chose for new plans."""
    plan = plan_of(session, mobility)
    for version in reversed(plan.versions if plan else []):
        for outcome in version.outcomes:
            if outcome.competences:
                return outcome.competences[0].framework
    return mobility.sending_organisation.plan_framework


def _ensure_planning(session: Session, actor: Actor, mobility: Mobility) -> None:
    require_allowed(actor, Action.plan)
    require(actor.organisation_id == mobility.sending_organisation_id, "only the sending school plans this mobility")
    if validated(session, mobility):
        raise Conflict("the mobility's result is validated; its plan can no longer change")


def validated(session: Session, mobility: Mobility) -> bool:
    """Is a validation of the mobility in force (validated and not reopened)?"""
    query = select(Validation.id).where(Validation.mobility_id == mobility.id, Validation.reopened_at.is_(None))
    return session.scalar(query) is not None


def _audit(session: Session, actor: Actor, action: str, version: PlanVersion, **extra: Any) -> None:
    mobility_id = version.plan.mobility_id
    audit.record(
        session, actor, action, f"mobility:{mobility_id}/plan/{version.number}", mobility_id=mobility_id, **extra
    )


def create_version(session: Session, actor: Actor, mobility: Mobility, change_note: str = "") -> PlanVersion:
    """The first draft of a plan, or a new draft based on the agreed version when the plan must change."""
    _ensure_planning(session, actor, mobility)
    plan = plan_of(session, mobility, for_update=True)
    if plan is None:
        plan = Plan(mobility_id=mobility.id)
        session.add(plan)
        version = PlanVersion(number=1, change_note=change_note)
        plan.versions.append(version)
        session.flush()
        _audit(session, actor, "plan.version_created", version, after={"status": "draft", "note": change_note})
        return version
    latest = plan.versions[-1]
    if latest.status is PlanStatus.draft and not open_requests(latest):
        raise Conflict(
            "plan version {number} is still a draft; change that draft instead of starting another",
            number=latest.number,
        )
    version = PlanVersion(number=latest.number + 1, change_note=change_note)
    for outcome in latest.outcomes:
        version.outcomes.append(_copy_outcome(outcome))
    plan.versions.append(version)
    if latest.status is PlanStatus.draft:  # it was never agreed: the new draft replaces it
        latest.status = PlanStatus.replaced
    touch(plan)
    session.flush()
    _audit(session, actor, "plan.version_created", version, after={"based_on": latest.number, "note": change_note})
    for request in open_requests(latest):
        request.answered_at = utcnow()
        request.answer_version = version.number
        audit.record(
            session,
            actor,
            "plan.change_answered",
            f"mobility:{mobility.id}/plan/{latest.number}/change-requests/{request.id}",
            mobility_id=mobility.id,
            after={"answer_version": version.number, "note": change_note},
        )
    return version


def change_requests(session: Session, mobility: Mobility) -> list[tuple[int, ChangeRequestOut]]:
    """Every change request on the mobility's plan, newest first, with the version it was about."""
    plan = plan_of(session, mobility)
    found = [
        (v.number, ChangeRequestOut.model_validate(r))
        for v in (plan.versions if plan else [])
        for r in v.change_requests
    ]
    return sorted(found, key=lambda item: item[1].id, reverse=True)


def open_requests(version: PlanVersion) -> list[ChangeRequest]:
    return [r for r in version.change_requests if r.answered_at is None]


def request_change(
    session: Session, actor: Actor, mobility: Mobility, version: PlanVersion, data: ChangeRequestIn
) -> ChangeRequest:
    """The host mentor or the learner declines the version or asks for a change; the coordinator is told by e-mail
    and answers with a new version."""
    role = rules.check_change_request(
        actor, parties(mobility), version.status, version.number, [r.role for r in open_requests(version)]
    )
    if validated(session, mobility):
        raise Conflict("the mobility's result is validated; its plan can no longer change")
    writer = mentor_reads(mobility)[0] if role is Role.mentor else mobility.sending_organisation.language
    request = ChangeRequest(
        role=role, person_id=actor.person_id, kind=data.kind, comment=data.comment, language=data.language or writer
    )
    version.change_requests.append(request)
    touch(version.plan)
    session.flush()
    _audit(
        session,
        actor,
        "plan.change_requested",
        version,
        after={"request": request.id, "kind": data.kind.value, "role": role.value, "comment": data.comment},
    )
    if mobility.coordinator is not None:
        outbox.plan_change_requested(session, mobility, version.number, request.kind, actor.name, data.comment)
    session.refresh(version)
    return request


def _copy_outcome(outcome: Outcome) -> Outcome:
    """The outcome in a new version, linked to the one it continues (its assessment carries on: ``plans.carry``)."""
    return Outcome(
        position=outcome.position,
        text=dict(outcome.text),
        criteria=dict(outcome.criteria),
        methods=list(outcome.methods),
        module_code=outcome.module_code,
        carried_from_id=outcome.id,
        competences=[
            OutcomeCompetence(
                position=c.position,
                framework=c.framework,
                framework_version=c.framework_version,
                competence=c.competence,
                target_level=c.target_level,
                carried_from_id=c.id,
            )
            for c in outcome.competences
        ],
    )


def check_module(session: Session, organisation_id: int, code: str) -> None:
    """A module named by an outcome is one of the school's programme ("" names none)."""
    if not code:
        return
    known = select(ProgrammeModule.id).where(
        ProgrammeModule.organisation_id == organisation_id, ProgrammeModule.code == code
    )
    if session.scalar(known) is None:
        template = "the school's programme has no module {code}: add it to the programme modules first"
        raise Invalid(template, [problem(["body", "module_code"], template, code=code)], code=code)


def _fill(outcome: Outcome, data: OutcomeIn, targets: list[CompetenceTarget]) -> None:
    outcome.module_code = data.module_code.strip()
    outcome.text = dict(data.text)
    outcome.criteria = dict(data.criteria)
    outcome.methods = [m.value for m in data.methods]
    continued = {  # what the outcome's targets continued before this change
        carry.TargetKey(c.framework, c.competence, c.target_level): c.carried_from_id
        for c in outcome.competences
        if c.carried_from_id is not None
    }
    outcome.competences = [
        OutcomeCompetence(
            position=i,
            framework=t.framework,
            framework_version=t.framework_version or "",
            competence=t.competence,
            target_level=t.target_level,
            carried_from_id=carry.continued_target(
                continued, carry.TargetKey(t.framework, t.competence, t.target_level)
            ),
        )
        for i, t in enumerate(targets)
    ]


def _editable(session: Session, actor: Actor, mobility: Mobility, version: PlanVersion) -> None:
    _ensure_planning(session, actor, mobility)
    rules.ensure_editable(version.status, version.number)
    if version.confirmations:
        _audit(
            session,
            actor,
            "plan.confirmations_voided",
            version,
            before={"confirmed_by": [c.role.value for c in version.confirmations]},
        )
    # Changing a draft voids the confirmations given to its earlier content.
    version.confirmations.clear()
    touch(version.plan)


def add_outcome(
    session: Session, actor: Actor, catalog: Catalog, mobility: Mobility, version: PlanVersion, data: OutcomeIn
) -> Outcome:
    _editable(session, actor, mobility, version)
    targets = rules.resolve_targets(catalog, data.competences, ["body", "competences"])
    check_module(session, mobility.sending_organisation_id, data.module_code.strip())
    outcome = Outcome(position=max((o.position for o in version.outcomes), default=-1) + 1)
    _fill(outcome, data, targets)
    version.outcomes.append(outcome)
    session.flush()
    _audit(session, actor, "plan.outcome_added", version, after={"outcome": outcome.id, **_outcome_record(outcome)})
    return outcome


def _outcome(version: PlanVersion, outcome_id: int) -> Outcome:
    for outcome in version.outcomes:
        if outcome.id == outcome_id:
            return outcome
    raise NotFound("outcome", outcome_id)


def replace_outcome(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    mobility: Mobility,
    version: PlanVersion,
    outcome_id: int,
    data: OutcomeIn,
) -> Outcome:
    outcome = _outcome(version, outcome_id)
    _editable(session, actor, mobility, version)
    before = _outcome_record(outcome)
    check_module(session, mobility.sending_organisation_id, data.module_code.strip())
    _fill(outcome, data, rules.resolve_targets(catalog, data.competences, ["body", "competences"]))
    session.flush()
    _audit(session, actor, "plan.outcome_changed", version, before=before, after=_outcome_record(outcome))
    return outcome


def delete_outcome(session: Session, actor: Actor, mobility: Mobility, version: PlanVersion, outcome_id: int) -> None:
    outcome = _outcome(version, outcome_id)
    _editable(session, actor, mobility, version)
    before = _outcome_record(outcome)
    version.outcomes.remove(outcome)
    session.flush()
    _audit(session, actor, "plan.outcome_removed", version, before=before)


def confirm(session: Session, actor: Actor, mobility: Mobility, version: PlanVersion) -> PlanVersion:
    role = rules.check_confirmation(
        actor,
        parties(mobility),
        status=version.status,
        number=version.number,
        confirmed=[c.role for c in version.confirmations],
        outcome_count=len(version.outcomes),
        missing_texts=missing_texts(mobility, version),
        mentor_reads=mentor_reads(mobility),
        open_requests=len(open_requests(version)),
    )
    digest = version_hash(version)
    version.confirmations.append(Confirmation(role=role, person_id=actor.person_id, content_hash=digest))
    _audit(session, actor, "plan.confirmed", version, after={"role": role.value, "content_hash": digest})
    missing = rules.missing_confirmations(c.role for c in version.confirmations)
    if missing:
        waiting = {Role.learner: mobility.learner, Role.mentor: mobility.mentor, Role.coordinator: mobility.coordinator}
        people = [person for role in missing if (person := waiting.get(role)) is not None]
        outbox.plan_waiting(session, mobility, version.id, version.number, people, changes(version))
    else:
        for earlier in version.plan.versions:
            if earlier.status is PlanStatus.agreed:
                earlier.status = PlanStatus.superseded
                for additional in additional_outcomes(session, earlier.id):  # acquired beyond it: still acquired
                    additional.version_id = version.id
        version.status = PlanStatus.agreed
        version.agreed_at = utcnow()
        _audit(session, actor, "plan.agreed", version, before={"status": "draft"}, after={"status": "agreed"})
    touch(version.plan)
    session.flush()
    session.refresh(version)
    return version
