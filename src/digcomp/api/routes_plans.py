"""Learning-outcome plans: versions, outcomes and confirmations."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from digcomp.api.deps import CatalogDep, DatabaseDep
from digcomp.errors import Invalid
from digcomp.mobility import service as registry
from digcomp.plans import service
from digcomp.plans.schemas import ConfirmationIn, OutcomeIn, OutcomeOut, PlanOut, PlanVersionOut, VersionCreate
from digcomp.store.models import Mobility, Person

router = APIRouter(tags=["plans"])
BASE = "/mobilities/{mobility_id}/plan"


@router.get(BASE, response_model=PlanOut)
def get_plan(mobility_id: int, db: DatabaseDep) -> PlanOut:
    return db.run(lambda s: service.plan_view(s, registry.get(s, Mobility, mobility_id)))


@router.post(f"{BASE}/versions", status_code=201, response_model=PlanVersionOut)
def create_version(mobility_id: int, data: VersionCreate, db: DatabaseDep) -> PlanVersionOut:
    return db.run(
        lambda s: service.version_view(
            service.create_version(s, registry.get(s, Mobility, mobility_id), data.change_note)
        )
    )


@router.get(f"{BASE}/versions/{{number}}", response_model=PlanVersionOut)
def get_version(mobility_id: int, number: int, db: DatabaseDep) -> PlanVersionOut:
    return db.run(lambda s: service.version_view(service.version_of(s, registry.get(s, Mobility, mobility_id), number)))


@router.post(f"{BASE}/versions/{{number}}/outcomes", status_code=201, response_model=OutcomeOut)
def add_outcome(mobility_id: int, number: int, data: OutcomeIn, db: DatabaseDep, catalog: CatalogDep) -> OutcomeOut:
    def work(s: Session) -> OutcomeOut:
        version = service.version_of(s, registry.get(s, Mobility, mobility_id), number, for_update=True)
        return OutcomeOut.model_validate(service.add_outcome(s, catalog, version, data))

    return db.run(work)


@router.put(f"{BASE}/versions/{{number}}/outcomes/{{outcome_id}}", response_model=OutcomeOut)
def replace_outcome(
    mobility_id: int, number: int, outcome_id: int, data: OutcomeIn, db: DatabaseDep, catalog: CatalogDep
) -> OutcomeOut:
    def work(s: Session) -> OutcomeOut:
        version = service.version_of(s, registry.get(s, Mobility, mobility_id), number, for_update=True)
        return OutcomeOut.model_validate(service.replace_outcome(s, catalog, version, outcome_id, data))

    return db.run(work)


@router.delete(f"{BASE}/versions/{{number}}/outcomes/{{outcome_id}}", status_code=204)
def delete_outcome(mobility_id: int, number: int, outcome_id: int, db: DatabaseDep) -> None:
    def work(s: Session) -> None:
        version = service.version_of(s, registry.get(s, Mobility, mobility_id), number, for_update=True)
        service.delete_outcome(s, version, outcome_id)

    db.run(work)


@router.post(f"{BASE}/versions/{{number}}/confirmations", response_model=PlanVersionOut)
def confirm(mobility_id: int, number: int, data: ConfirmationIn, db: DatabaseDep) -> PlanVersionOut:
    if data.person_id is None:
        raise Invalid("person_id is required", [{"loc": ["body", "person_id"], "msg": "who confirms"}])
    person_id = data.person_id

    def work(s: Session) -> PlanVersionOut:
        mobility = registry.get(s, Mobility, mobility_id)
        version = service.version_of(s, mobility, number, for_update=True)
        person = registry.get(s, Person, person_id)
        return service.version_view(service.confirm(s, mobility, version, data.role, person))

    return db.run(work)
