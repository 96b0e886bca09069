"""Plan templates: a school writes a group's outcomes once and applies them to any number of its mobilities. An
application fills each mobility's first (or still empty) draft with the template's outcomes, which the coordinator
may then vary for the learner; a mobility that already has outcomes, an agreed plan, or that is not the school's, is
skipped with the reason and never changed — so applying twice changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.access.permissions import Action, require_allowed
from digcomp.audit import log as audit
from digcomp.errors import Invalid, NotFound
from digcomp.framework import Catalog
from digcomp.plans import rules
from digcomp.plans import service as plans
from digcomp.plans.schemas import OutcomeIn, PlanTemplateIn, PlanTemplateOut, SkippedMobility, TemplateApplicationOut
from digcomp.store.models import Mobility, Outcome, Plan, PlanStatus, PlanTemplate, PlanVersion, utcnow


def _checked(session: Session, catalog: Catalog, actor: Actor, data: PlanTemplateIn) -> list[dict[str, object]]:
    """The outcomes as stored: every competence resolved against the framework (its version filled in), every
    module one of the school's."""
    stored = []
    for number, outcome in enumerate(data.outcomes):
        targets = rules.resolve_targets(catalog, outcome.competences, ["body", "outcomes", number, "competences"])
        plans.check_module(session, actor.organisation_id, outcome.module_code.strip())
        stored.append(outcome.model_copy(update={"competences": targets}).model_dump(mode="json"))
    return stored


def view(template: PlanTemplate) -> PlanTemplateOut:
    return PlanTemplateOut(
        id=template.id,
        name=template.name,
        version=template.version,
        outcomes=[OutcomeIn.model_validate(outcome) for outcome in template.outcomes],
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


def create(session: Session, catalog: Catalog, actor: Actor, data: PlanTemplateIn) -> PlanTemplate:
    require_allowed(actor, Action.plan)
    template = PlanTemplate(
        organisation_id=actor.organisation_id,
        name=data.name,
        version=1,
        outcomes=_checked(session, catalog, actor, data),
        created_by_id=actor.person_id,
    )
    session.add(template)
    session.flush()
    audit.record(session, actor, "plan_template.created", f"plan_template:{template.id}", after={"name": data.name})
    return template


def change(session: Session, catalog: Catalog, actor: Actor, template: PlanTemplate, data: PlanTemplateIn) -> None:
    """The template's next version (mobilities it was applied to keep what they were given)."""
    require_allowed(actor, Action.plan)
    before = {"name": template.name, "version": template.version, "outcomes": template.outcomes}
    template.name = data.name
    template.outcomes = _checked(session, catalog, actor, data)
    template.version += 1
    template.updated_at = utcnow()
    audit.record(
        session,
        actor,
        "plan_template.changed",
        f"plan_template:{template.id}",
        before=before,
        after={"name": template.name, "version": template.version, "outcomes": template.outcomes},
    )


def templates(session: Session, actor: Actor) -> list[PlanTemplate]:
    require_allowed(actor, Action.plan)
    query = select(PlanTemplate).where(PlanTemplate.organisation_id == actor.organisation_id)
    return list(session.scalars(query.order_by(PlanTemplate.name, PlanTemplate.id)))


def template_for(session: Session, actor: Actor, template_id: int) -> PlanTemplate:
    require_allowed(actor, Action.plan)
    template = session.get(PlanTemplate, template_id)
    if template is None or template.organisation_id != actor.organisation_id:
        raise NotFound("plan template", template_id)  # another school's reads as unknown
    return template


def apply(
    session: Session, catalog: Catalog, actor: Actor, template: PlanTemplate, mobility_ids: Sequence[int]
) -> TemplateApplicationOut:
    outcomes = [OutcomeIn.model_validate(outcome) for outcome in template.outcomes]
    after = {"version": template.version}
    return _fill(
        session, catalog, actor, outcomes, mobility_ids, "plan_template.applied", f"plan_template:{template.id}", after
    )


def current_outcomes(session: Session, mobility: Mobility) -> list[OutcomeIn]:
    """A mobility's current plan version's outcomes, as they would be written again."""
    view = plans.plan_view(session, mobility)
    fields = {"text", "criteria", "methods", "competences", "module_code"}
    return [
        OutcomeIn.model_validate(o.model_dump(include=fields)) for o in (view.current.outcomes if view.current else [])
    ]


def plan_sources(session: Session, actor: Actor, group_name: str, limit: int = 200) -> list[Mobility]:
    """The school's mobilities whose plan has outcomes to copy: the same group first, newest first."""
    with_outcomes = (
        select(Plan.mobility_id)
        .join(PlanVersion, PlanVersion.plan_id == Plan.id)
        .join(Outcome, Outcome.version_id == PlanVersion.id)
        .distinct()
    )
    query = (
        select(Mobility)
        .where(Mobility.sending_organisation_id == actor.organisation_id, Mobility.id.in_(with_outcomes))
        .order_by((Mobility.group_name == group_name).desc(), Mobility.start_date.desc(), Mobility.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def copy_plan(
    session: Session, catalog: Catalog, actor: Actor, source: Mobility, mobility_ids: Sequence[int]
) -> TemplateApplicationOut:
    """The source mobility's current plan written into other mobilities' drafts (skipped as a template is)."""
    require_allowed(actor, Action.plan)
    outcomes = current_outcomes(session, source)
    if not outcomes:
        raise Invalid("mobility {ident} has no plan outcomes to copy", ident=source.id)
    others = [ident for ident in mobility_ids if ident != source.id]
    return _fill(session, catalog, actor, outcomes, others, "plan.copied", f"mobility:{source.id}/plan", {})


def _fill(
    session: Session,
    catalog: Catalog,
    actor: Actor,
    outcomes: list[OutcomeIn],
    mobility_ids: Sequence[int],
    action: str,
    target: str,
    after: Mapping[str, object],
) -> TemplateApplicationOut:
    require_allowed(actor, Action.plan)
    wanted = list(dict.fromkeys(mobility_ids))
    found = {
        m.id: m
        for m in session.scalars(
            select(Mobility).where(Mobility.id.in_(wanted), Mobility.sending_organisation_id == actor.organisation_id)
        )
    }
    result = TemplateApplicationOut(applied=[], skipped=[])
    for mobility_id in wanted:
        mobility = found.get(mobility_id)
        reason = _why_not(session, mobility)
        if reason or mobility is None:  # (None always has a reason; said for the type checker)
            result.skipped.append(SkippedMobility(mobility_id=mobility_id, reason=reason))
            continue
        plan = plans.plan_of(session, mobility, for_update=True)
        version = plan.versions[-1] if plan is not None else plans.create_version(session, actor, mobility)
        for outcome in outcomes:
            plans.add_outcome(session, actor, catalog, mobility, version, outcome)
        audit.record(
            session, actor, action, target, mobility_id=mobility.id, after={**after, "plan_version": version.number}
        )
        result.applied.append(mobility_id)
    return result


def _why_not(session: Session, mobility: Mobility | None) -> str:
    """Why a template is not applied to this mobility ("" when it may be)."""
    if mobility is None:
        return "no such mobility of this school"
    plan = plans.plan_of(session, mobility)
    if plan is None:
        return ""
    latest = plan.versions[-1]
    if latest.status is not PlanStatus.draft:
        return "its plan is already agreed; change it with a new version"
    if latest.outcomes:
        return "its draft plan already has outcomes"
    if plans.validated(session, mobility):
        return "its result is validated"
    return ""
