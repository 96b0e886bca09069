"""Organisations, people, mobilities, and the CSV import of a group."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.api.deps import DatabaseDep, PagingDep
from digcomp.errors import Invalid
from digcomp.mobility import importer, service
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
)
from digcomp.store.models import Mobility, Organisation, Person, Role

router = APIRouter()
MAX_IMPORT_BYTES = 2 * 1024 * 1024


# --- organisations ----------------------------------------------------------------------------------------------


@router.post("/organisations", status_code=201, response_model=OrganisationOut, tags=["organisations"])
def create_organisation(data: OrganisationCreate, db: DatabaseDep) -> OrganisationOut:
    return db.run(lambda s: OrganisationOut.model_validate(service.create_organisation(s, data)))


@router.get("/organisations", response_model=Page[OrganisationOut], tags=["organisations"])
def list_organisations(db: DatabaseDep, paging: PagingDep) -> Page[OrganisationOut]:
    def work(s: Session) -> Page[OrganisationOut]:
        items, total = service.paginate(s, select(Organisation).order_by(Organisation.id), paging.offset, paging.limit)
        return Page(
            items=[OrganisationOut.model_validate(o) for o in items],
            total=total,
            offset=paging.offset,
            limit=paging.limit,
        )

    return db.run(work)


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut, tags=["organisations"])
def get_organisation(organisation_id: int, db: DatabaseDep) -> OrganisationOut:
    return db.run(lambda s: OrganisationOut.model_validate(service.get(s, Organisation, organisation_id)))


@router.patch("/organisations/{organisation_id}", response_model=OrganisationOut, tags=["organisations"])
def update_organisation(organisation_id: int, data: OrganisationUpdate, db: DatabaseDep) -> OrganisationOut:
    return db.run(
        lambda s: OrganisationOut.model_validate(
            service.update_organisation(s, service.get(s, Organisation, organisation_id), data)
        )
    )


# --- people ---------------------------------------------------------------------------------------------------


@router.post("/people", status_code=201, response_model=PersonOut, tags=["people"])
def create_person(data: PersonCreate, db: DatabaseDep) -> PersonOut:
    return db.run(lambda s: PersonOut.model_validate(service.create_person(s, data)))


@router.get("/people", response_model=Page[PersonOut], tags=["people"])
def list_people(
    db: DatabaseDep,
    paging: PagingDep,
    organisation_id: Annotated[int | None, Query()] = None,
    role: Annotated[Role | None, Query()] = None,
) -> Page[PersonOut]:
    def work(s: Session) -> Page[PersonOut]:
        query = select(Person).order_by(Person.id)
        if organisation_id is not None:
            query = query.where(Person.organisation_id == organisation_id)
        if role is not None:
            query = query.where(Person.role == role)
        items, total = service.paginate(s, query, paging.offset, paging.limit)
        return Page(
            items=[PersonOut.model_validate(p) for p in items], total=total, offset=paging.offset, limit=paging.limit
        )

    return db.run(work)


@router.get("/people/{person_id}", response_model=PersonOut, tags=["people"])
def get_person(person_id: int, db: DatabaseDep) -> PersonOut:
    return db.run(lambda s: PersonOut.model_validate(service.get(s, Person, person_id)))


@router.patch("/people/{person_id}", response_model=PersonOut, tags=["people"])
def update_person(person_id: int, data: PersonUpdate, db: DatabaseDep) -> PersonOut:
    return db.run(lambda s: PersonOut.model_validate(service.update_person(s, service.get(s, Person, person_id), data)))


# --- mobilities -----------------------------------------------------------------------------------------------


@router.post("/mobilities", status_code=201, response_model=MobilityOut, tags=["mobilities"])
def create_mobility(data: MobilityCreate, db: DatabaseDep) -> MobilityOut:
    return db.run(lambda s: MobilityOut.model_validate(service.create_mobility(s, data)))


@router.get("/mobilities", response_model=Page[MobilityOut], tags=["mobilities"])
def list_mobilities(
    db: DatabaseDep, paging: PagingDep, group_name: Annotated[str | None, Query()] = None
) -> Page[MobilityOut]:
    def work(s: Session) -> Page[MobilityOut]:
        query = select(Mobility).order_by(Mobility.id)
        if group_name:
            query = query.where(Mobility.group_name == group_name)
        items, total = service.paginate(s, query, paging.offset, paging.limit)
        return Page(
            items=[MobilityOut.model_validate(m) for m in items], total=total, offset=paging.offset, limit=paging.limit
        )

    return db.run(work)


@router.get("/mobilities/{mobility_id}", response_model=MobilityOut, tags=["mobilities"])
def get_mobility(mobility_id: int, db: DatabaseDep) -> MobilityOut:
    return db.run(lambda s: MobilityOut.model_validate(service.get(s, Mobility, mobility_id)))


@router.patch("/mobilities/{mobility_id}", response_model=MobilityOut, tags=["mobilities"])
def update_mobility(mobility_id: int, data: MobilityUpdate, db: DatabaseDep) -> MobilityOut:
    return db.run(
        lambda s: MobilityOut.model_validate(service.update_mobility(s, service.get(s, Mobility, mobility_id), data))
    )


@router.post("/mobilities/import", status_code=201, response_model=importer.ImportResult, tags=["mobilities"])
def import_mobilities(
    db: DatabaseDep, file: Annotated[UploadFile, File(description="CSV (UTF-8), one mobility per row")]
) -> importer.ImportResult:
    content = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise Invalid(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    rows = importer.parse(content)
    return db.run(lambda s: importer.apply(s, rows))
