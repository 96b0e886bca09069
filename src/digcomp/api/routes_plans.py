"""Learning-outcome plans: versions, outcomes, confirmations and change requests."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from digcomp.agreement import service as agreements
from digcomp.api.deps import ActorDep, BaseUrlDep, CatalogDep, DatabaseDep, Ident, SettingsDep
from digcomp.api.downloads import download
from digcomp.api.errors import SIGNING_UNAVAILABLE
from digcomp.mobility.service import mobility_for
from digcomp.plans import service
from digcomp.plans.schemas import (
    ChangeRequestIn,
    ChangeRequestOut,
    OutcomeIn,
    OutcomeOut,
    PlanOut,
    PlanVersionOut,
    VersionCreate,
)

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


@router.get(
    f"{BASE}/versions/{{number}}/agreement-preview.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The draft, laid out as its agreement"}},
)
def preview_agreement(
    mobility_id: Ident, number: Ident, db: DatabaseDep, catalog: CatalogDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    """What the three parties are asked to agree to: a draft version laid out as its learning agreement, marked as
    a draft, unsigned and not registered (409 for a version that is not a draft)."""

    def work(s: Session) -> bytes:
        return agreements.draft_preview(s, catalog, settings, actor, mobility_for(s, actor, mobility_id), number)

    return download(db.read(work), "application/pdf", f"learning-agreement-draft-{mobility_id}-{number}.pdf")


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


@router.post(f"{BASE}/versions/{{number}}/change-requests", status_code=201, response_model=ChangeRequestOut)
def request_change(
    mobility_id: Ident, number: Ident, data: ChangeRequestIn, db: DatabaseDep, actor: ActorDep
) -> ChangeRequestOut:
    """The host mentor (by link or login) or the learner declines the version or asks for a change, with a comment.
    The coordinator is told by e-mail and answers with a new version (`POST …/plan/versions`, its change note the
    answer); until then the draft cannot be confirmed. Request and answer are in the audit trail."""

    def work(s: Session) -> ChangeRequestOut:
        mobility = mobility_for(s, actor, mobility_id)
        version = service.version_of(s, mobility, number, for_update=True)
        return ChangeRequestOut.model_validate(service.request_change(s, actor, mobility, version, data))

    return db.run(work)
