"""Learning-outcome plans: versions, outcomes and confirmations."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from digcomp.agreement import service as agreements
from digcomp.api.deps import ActorDep, BaseUrlDep, CatalogDep, DatabaseDep, Ident, SettingsDep
from digcomp.api.downloads import download
from digcomp.api.errors import SIGNING_UNAVAILABLE
from digcomp.mobility.service import mobility_for
from digcomp.plans import service
from digcomp.plans.schemas import OutcomeIn, OutcomeOut, PlanOut, PlanVersionOut, VersionCreate

router = APIRouter(tags=["plans"])
BASE = "/mobilities/{mobility_id}/plan"


@router.get(BASE, response_model=PlanOut)
def get_plan(mobility_id: Ident, db: DatabaseDep, actor: ActorDep) -> PlanOut:
    return db.read(lambda s: service.plan_view(s, mobility_for(s, actor, mobility_id)))


@router.post(f"{BASE}/versions", status_code=201, response_model=PlanVersionOut)
def create_version(mobility_id: Ident, data: VersionCreate, db: DatabaseDep, actor: ActorDep) -> PlanVersionOut:
    def work(s: Session) -> PlanVersionOut:
        mobility = mobility_for(s, actor, mobility_id)
        return service.version_view(service.create_version(s, actor, mobility, data.change_note), mobility)

    return db.run(work)


@router.get(f"{BASE}/versions/{{number}}", response_model=PlanVersionOut)
def get_version(mobility_id: Ident, number: Ident, db: DatabaseDep, actor: ActorDep) -> PlanVersionOut:
    def work(s: Session) -> PlanVersionOut:
        mobility = mobility_for(s, actor, mobility_id)
        return service.version_view(service.version_of(s, mobility, number), mobility)

    return db.read(work)


@router.get(
    f"{BASE}/versions/{{number}}/agreement.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The signed learning agreement"},
        **SIGNING_UNAVAILABLE,
    },
)
def download_agreement(
    mobility_id: Ident,
    number: Ident,
    db: DatabaseDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    base_url: BaseUrlDep,
    actor: ActorDep,
) -> Response:
    """The signed learning agreement of an agreed plan version (PAdES, checked by `digcomp verify` and
    `POST /verifications`), for the learner, the host mentor and the sending school. Made on first request, then
    always the same file."""

    def work(s: Session) -> tuple[str, bytes]:
        mobility = mobility_for(s, actor, mobility_id)
        agreement = agreements.agreement_for(s, catalog, settings, actor, mobility, number, base_url)
        return agreement.id, agreement.pdf

    ident, pdf = db.run(work)
    return download(pdf, "application/pdf", f"learning-agreement-{ident}.pdf")


@router.post(f"{BASE}/versions/{{number}}/outcomes", status_code=201, response_model=OutcomeOut)
def add_outcome(
    mobility_id: Ident, number: Ident, data: OutcomeIn, db: DatabaseDep, catalog: CatalogDep, actor: ActorDep
) -> OutcomeOut:
    def work(s: Session) -> OutcomeOut:
        mobility = mobility_for(s, actor, mobility_id)
        version = service.version_of(s, mobility, number, for_update=True)
        return OutcomeOut.model_validate(service.add_outcome(s, actor, catalog, mobility, version, data))

    return db.run(work)


@router.put(f"{BASE}/versions/{{number}}/outcomes/{{outcome_id}}", response_model=OutcomeOut)
def replace_outcome(
    mobility_id: Ident,
    number: Ident,
    outcome_id: Ident,
    data: OutcomeIn,
    db: DatabaseDep,
    catalog: CatalogDep,
    actor: ActorDep,
) -> OutcomeOut:
    def work(s: Session) -> OutcomeOut:
        mobility = mobility_for(s, actor, mobility_id)
        version = service.version_of(s, mobility, number, for_update=True)
        return OutcomeOut.model_validate(
            service.replace_outcome(s, actor, catalog, mobility, version, outcome_id, data)
        )

    return db.run(work)


@router.delete(f"{BASE}/versions/{{number}}/outcomes/{{outcome_id}}", status_code=204)
def delete_outcome(mobility_id: Ident, number: Ident, outcome_id: Ident, db: DatabaseDep, actor: ActorDep) -> None:
    def work(s: Session) -> None:
        mobility = mobility_for(s, actor, mobility_id)
        version = service.version_of(s, mobility, number, for_update=True)
        service.delete_outcome(s, actor, mobility, version, outcome_id)

    db.run(work)


@router.post(f"{BASE}/versions/{{number}}/confirmations", response_model=PlanVersionOut)
def confirm(mobility_id: Ident, number: Ident, db: DatabaseDep, actor: ActorDep) -> PlanVersionOut:
    """The caller confirms the version in their own role: coordinator (or admin), host mentor, or learner."""

    def work(s: Session) -> PlanVersionOut:
        mobility = mobility_for(s, actor, mobility_id)
        version = service.version_of(s, mobility, number, for_update=True)
        return service.version_view(service.confirm(s, actor, mobility, version), mobility)

    return db.run(work)
