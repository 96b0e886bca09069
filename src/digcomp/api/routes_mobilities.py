"""Organisations, people, mobilities, and the CSV import of a group. Everything is scoped to the caller."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, File, Query, Response, UploadFile
from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from digcomp.access.permissions import Action, require_allowed
from digcomp.api.deps import NOT_EMPTY, ActorDep, DatabaseDep, Ident, PagingDep, SettingsDep
from digcomp.api.downloads import download
from digcomp.mobility import importer, progress, service, spreadsheet
from digcomp.mobility.schemas import (
    MobilityCreate,
    MobilityOut,
    MobilityUpdate,
    OrganisationCreate,
    OrganisationOut,
    OrganisationUpdate,
    Page,
    PersonCreate,
    PersonOut,
    PersonUpdate,
    ProgressOut,
    ProgressReportIn,
    ProgressReportOut,
)
from digcomp.store.models import Mobility, Organisation, Person, Role, utcnow
from digcomp.tables import read_upload

router = APIRouter()
T = TypeVar("T", bound=BaseModel)


def _list(db: DatabaseDep, query: Select[Any], shape: type[T], paging: PagingDep) -> Page[T]:
    """One page of a query's records, in their API shape."""

    def work(s: Session) -> Page[T]:
        items, total = service.paginate(s, query, paging.offset, paging.limit)
        return Page[shape](  # type: ignore[valid-type]
            items=[shape.model_validate(item) for item in items], total=total, offset=paging.offset, limit=paging.limit
        )

    return db.read(work)


# --- organisations ----------------------------------------------------------------------------------------------


@router.post("/organisations", status_code=201, response_model=OrganisationOut, tags=["organisations"])
def create_organisation(data: OrganisationCreate, db: DatabaseDep, actor: ActorDep) -> OrganisationOut:
    return db.run(lambda s: OrganisationOut.model_validate(service.create_organisation(s, actor, data)))


@router.get("/organisations", response_model=Page[OrganisationOut], tags=["organisations"])
def list_organisations(db: DatabaseDep, actor: ActorDep, paging: PagingDep) -> Page[OrganisationOut]:
    query = select(Organisation).where(service.visible_organisations(actor)).order_by(Organisation.id)
    return _list(db, query, OrganisationOut, paging)


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut, tags=["organisations"])
def get_organisation(organisation_id: Ident, db: DatabaseDep, actor: ActorDep) -> OrganisationOut:
    return db.read(lambda s: OrganisationOut.model_validate(service.organisation_for(s, actor, organisation_id)))


@router.patch("/organisations/{organisation_id}", response_model=OrganisationOut, tags=["organisations"])
def update_organisation(
    organisation_id: Ident, data: OrganisationUpdate, db: DatabaseDep, actor: ActorDep
) -> OrganisationOut:
    def work(s: Session) -> OrganisationOut:
        organisation = service.organisation_for(s, actor, organisation_id)
        return OrganisationOut.model_validate(service.update_organisation(s, actor, organisation, data))

    return db.run(work)


# --- people ---------------------------------------------------------------------------------------------------


@router.post("/people", status_code=201, response_model=PersonOut, tags=["people"])
def create_person(data: PersonCreate, db: DatabaseDep, actor: ActorDep) -> PersonOut:
    return db.run(lambda s: PersonOut.model_validate(service.create_person(s, actor, data)))


@router.get("/people", response_model=Page[PersonOut], tags=["people"])
def list_people(
    db: DatabaseDep,
    actor: ActorDep,
    paging: PagingDep,
    organisation_id: Annotated[int | None, Query()] = None,
    role: Annotated[Role | None, Query()] = None,
) -> Page[PersonOut]:
    query = select(Person).where(service.visible_people(actor)).order_by(Person.id)
    if organisation_id is not None:
        query = query.where(Person.organisation_id == organisation_id)
    if role is not None:
        query = query.where(Person.role == role)
    return _list(db, query, PersonOut, paging)


@router.get("/people/{person_id}", response_model=PersonOut, tags=["people"])
def get_person(person_id: Ident, db: DatabaseDep, actor: ActorDep) -> PersonOut:
    return db.read(lambda s: PersonOut.model_validate(service.person_for(s, actor, person_id)))


@router.patch("/people/{person_id}", response_model=PersonOut, tags=["people"])
def update_person(person_id: Ident, data: PersonUpdate, db: DatabaseDep, actor: ActorDep) -> PersonOut:
    def work(s: Session) -> PersonOut:
        return PersonOut.model_validate(service.update_person(s, actor, service.person_for(s, actor, person_id), data))

    return db.run(work)


# --- mobilities -----------------------------------------------------------------------------------------------


@router.post("/mobilities", status_code=201, response_model=MobilityOut, tags=["mobilities"])
def create_mobility(data: MobilityCreate, db: DatabaseDep, actor: ActorDep) -> MobilityOut:
    return db.run(lambda s: MobilityOut.model_validate(service.create_mobility(s, actor, data)))


@router.get("/mobilities", response_model=Page[MobilityOut], tags=["mobilities"])
def list_mobilities(
    db: DatabaseDep, actor: ActorDep, paging: PagingDep, group_name: Annotated[str | None, Query()] = None
) -> Page[MobilityOut]:
    query = select(Mobility).where(service.visible_mobilities(actor)).order_by(Mobility.id)
    if group_name:
        query = query.where(Mobility.group_name == group_name)
    return _list(db, query, MobilityOut, paging)


@router.get("/mobilities/{mobility_id:int}", response_model=MobilityOut, tags=["mobilities"])
def get_mobility(mobility_id: Ident, db: DatabaseDep, actor: ActorDep) -> MobilityOut:
    return db.read(lambda s: MobilityOut.model_validate(service.mobility_for(s, actor, mobility_id)))


@router.patch("/mobilities/{mobility_id:int}", response_model=MobilityOut, tags=["mobilities"])
def update_mobility(mobility_id: Ident, data: MobilityUpdate, db: DatabaseDep, actor: ActorDep) -> MobilityOut:
    def work(s: Session) -> MobilityOut:
        mobility = service.mobility_for(s, actor, mobility_id)
        return MobilityOut.model_validate(service.update_mobility(s, actor, mobility, data))

    return db.run(work)


@router.get("/mobilities/{mobility_id}/progress", response_model=ProgressOut, tags=["mobilities"])
def get_progress(mobility_id: Ident, db: DatabaseDep, actor: ActorDep) -> ProgressOut:
    """Monitoring during the placement: each reporting period of the learner and of the host mentor (received,
    late, or due now), and the reports themselves, newest first."""
    return db.read(lambda s: progress.progress(s, service.mobility_for(s, actor, mobility_id)))


@router.post(
    "/mobilities/{mobility_id}/progress-reports", status_code=201, response_model=ProgressReportOut, tags=["mobilities"]
)
def add_progress_report(
    mobility_id: Ident, data: ProgressReportIn, db: DatabaseDep, actor: ActorDep
) -> ProgressReportOut:
    """The learner or the host mentor reports progress (as often as the learning agreement says)."""

    def work(s: Session) -> ProgressReportOut:
        mobility = service.mobility_for(s, actor, mobility_id)
        report = progress.add_report(s, actor, mobility, data.text, utcnow().date(), data.period)
        return ProgressReportOut.model_validate(report)

    return db.run(work)


@router.get(
    "/mobilities/import/template.{kind}",
    response_class=Response,
    tags=["mobilities"],
    responses={
        200: {
            "content": {spreadsheet.CSV_MEDIA_TYPE: {}, spreadsheet.XLSX_MEDIA_TYPE: {}},
            "description": "The import file to fill in",
        }
    },
)
def import_template(kind: Literal["csv", "xlsx"], db: DatabaseDep, actor: ActorDep) -> Response:
    """The group import's file to fill in: every column, and one example row with the school's name."""
    require_allowed(actor, Action.plan)
    content = db.read(lambda s: importer.template(s.get_one(Organisation, actor.organisation_id), kind))
    media = spreadsheet.XLSX_MEDIA_TYPE if kind == "xlsx" else spreadsheet.CSV_MEDIA_TYPE
    return download(content, media, f"mobilities-import.{kind}")


@router.post(
    "/mobilities/import",
    status_code=201,
    response_model=importer.ImportResult,
    tags=["mobilities"],
    responses={200: {"model": importer.ImportResult, "description": "A dry run, or nothing new to create"}},
)
def import_mobilities(
    db: DatabaseDep,
    actor: ActorDep,
    response: Response,
    settings: SettingsDep,
    file: Annotated[
        UploadFile, File(description="CSV (UTF-8) or XLSX, one mobility per row", json_schema_extra=NOT_EMPTY)
    ],
    dry_run: Annotated[
        bool,
        Query(
            description="Check the file and answer what would be created, updated or left unchanged; nothing is written"
        ),
    ] = False,
    delimiter: Annotated[
        Literal["comma", "semicolon", "tab"] | None,
        Query(description="The CSV's delimiter; not given: decided from the whole file"),
    ] = None,
    confirm_issued: Annotated[
        bool,
        Query(description="Allow changes to mobilities whose statement is issued; each is marked to be issued again"),
    ] = False,
) -> importer.ImportResult:
    """Import a group. People, hosts and mobilities already stored are recognised (see the row outcomes), so
    importing the same file twice changes nothing. Headers may be the column names or their Latvian or English
    words; countries a code or a name. Download a template with an example row from ``/mobilities/import/template``."""
    rows = importer.parse(read_upload(file.file, settings.max_import_bytes), delimiter)

    def work(s: Session) -> importer.ImportResult:
        return importer.apply(s, actor, rows, confirm_issued=confirm_issued)

    if dry_run:
        response.status_code = 200
        return importer.as_dry_run(db.rehearse(work))
    result = db.run(work)
    if not result.created:
        response.status_code = 200
    return result
