"""Plan templates: a group's outcomes written once, applied to many mobilities of the school; a plan copied from one
mobility to others."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from digcomp.api.deps import ActorDep, CatalogDep, DatabaseDep, Ident
from digcomp.mobility.service import mobility_for
from digcomp.plans import templates
from digcomp.plans.schemas import PlanTemplateIn, PlanTemplateOut, TemplateApplicationIn, TemplateApplicationOut

router = APIRouter(tags=["plans"])


@router.post("/plan-templates", status_code=201, response_model=PlanTemplateOut)
def create_template(data: PlanTemplateIn, db: DatabaseDep, catalog: CatalogDep, actor: ActorDep) -> PlanTemplateOut:
    """A plan for a group: its outcomes, competences and targets, criteria, methods and modules, written once."""
    return db.run(lambda s: templates.view(templates.create(s, catalog, actor, data)))


@router.get("/plan-templates", response_model=list[PlanTemplateOut])
def list_templates(db: DatabaseDep, actor: ActorDep) -> list[PlanTemplateOut]:
    return db.read(lambda s: [templates.view(t) for t in templates.templates(s, actor)])


@router.get("/plan-templates/{template_id}", response_model=PlanTemplateOut)
def get_template(template_id: Ident, db: DatabaseDep, actor: ActorDep) -> PlanTemplateOut:
    return db.read(lambda s: templates.view(templates.template_for(s, actor, template_id)))


@router.put("/plan-templates/{template_id}", response_model=PlanTemplateOut)
def change_template(
    template_id: Ident, data: PlanTemplateIn, db: DatabaseDep, catalog: CatalogDep, actor: ActorDep
) -> PlanTemplateOut:
    """The template's next version; mobilities it was applied to keep what they were given."""

    def work(s: Session) -> PlanTemplateOut:
        template = templates.template_for(s, actor, template_id)
        templates.change(s, catalog, actor, template, data)
        return templates.view(template)

    return db.run(work)


@router.post("/plan-templates/{template_id}/applications", response_model=TemplateApplicationOut)
def apply_template(
    template_id: Ident, data: TemplateApplicationIn, db: DatabaseDep, catalog: CatalogDep, actor: ActorDep
) -> TemplateApplicationOut:
    """Fill each mobility's draft plan with the template's outcomes. A mobility that already has outcomes or an
    agreed plan, or that is not the school's, is skipped with the reason and never changed: applying twice
    duplicates nothing."""

    def work(s: Session) -> TemplateApplicationOut:
        return templates.apply(s, catalog, actor, templates.template_for(s, actor, template_id), data.mobility_ids)

    return db.run(work)


@router.post("/mobilities/{mobility_id}/plan/copies", response_model=TemplateApplicationOut)
def copy_plan(
    mobility_id: Ident, data: TemplateApplicationIn, db: DatabaseDep, catalog: CatalogDep, actor: ActorDep
) -> TemplateApplicationOut:
    """Copy this mobility's current plan into other mobilities of the school (`mobility_ids`): skipped as for a
    template (outcomes already written, an agreed plan, another school's), so copying twice duplicates nothing."""

    def work(s: Session) -> TemplateApplicationOut:
        source = mobility_for(s, actor, mobility_id)
        return templates.copy_plan(s, catalog, actor, source, data.mobility_ids)

    return db.run(work)
