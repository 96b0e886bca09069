"""Organisations, people and mobilities: create, read, update, with the checks that keep them consistent."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digcomp.errors import Conflict, Invalid, NotFound
from digcomp.mobility.schemas import (
    MobilityCreate,
    MobilityUpdate,
    OrganisationCreate,
    OrganisationUpdate,
    PersonCreate,
    PersonUpdate,
)
from digcomp.store.models import Base, Mobility, Organisation, Person, Role

M = TypeVar("M", bound=Base)


def get(session: Session, model: type[M], ident: int) -> M:
    record = session.get(model, ident)
    if record is None:
        raise NotFound(model.__name__.lower(), ident)
    return record


def paginate(session: Session, query: Select[M], offset: int, limit: int) -> tuple[list[M], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.offset(offset).limit(limit)).unique())
    return items, total


def _apply(record: Base, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(record, name, value)


# --- organisations ----------------------------------------------------------------------------------------------


def create_organisation(session: Session, data: OrganisationCreate) -> Organisation:
    organisation = Organisation(**{**data.model_dump(), "contact_email": data.contact_email or ""})
    session.add(organisation)
    session.flush()
    return organisation


def update_organisation(session: Session, organisation: Organisation, data: OrganisationUpdate) -> Organisation:
    _apply(organisation, data.model_dump(exclude_unset=True))
    session.flush()
    return organisation


def find_organisation(session: Session, name: str, country: str) -> Organisation | None:
    query = select(Organisation).where(func.lower(Organisation.name) == name.lower(), Organisation.country == country)
    return session.scalars(query.limit(1)).first()


# --- people ---------------------------------------------------------------------------------------------------


def create_person(session: Session, data: PersonCreate) -> Person:
    get(session, Organisation, data.organisation_id)
    person = Person(**data.model_dump())
    session.add(person)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"a person with e-mail {data.email} already exists in this organisation") from None
    return person


def update_person(session: Session, person: Person, data: PersonUpdate) -> Person:
    _apply(person, data.model_dump(exclude_unset=True))
    session.flush()
    return person


def find_person(session: Session, organisation_id: int, email: str) -> Person | None:
    query = select(Person).where(Person.organisation_id == organisation_id, func.lower(Person.email) == email.lower())
    return session.scalars(query.limit(1)).first()


# --- mobilities -----------------------------------------------------------------------------------------------


def _check_participants(session: Session, values: dict[str, Any]) -> None:
    """Each participant exists, has the right role, and belongs to the right organisation."""
    errors: list[dict[str, Any]] = []
    expectations = [
        ("learner_id", Role.learner, "sending_organisation_id"),
        ("coordinator_id", Role.coordinator, "sending_organisation_id"),
        ("mentor_id", Role.mentor, "host_organisation_id"),
    ]
    for field, role, organisation_field in expectations:
        ident = values.get(field)
        if ident is None:
            continue
        person = session.get(Person, ident)
        if person is None:
            errors.append({"loc": ["body", field], "msg": f"person {ident} not found"})
        elif person.role != role:
            errors.append(
                {"loc": ["body", field], "msg": f"person {ident} is a {person.role.value}, not a {role.value}"}
            )
        elif person.organisation_id != values[organisation_field]:
            errors.append(
                {"loc": ["body", field], "msg": f"person {ident} does not belong to the {organisation_field[:-3]}"}
            )
    for field in ("sending_organisation_id", "host_organisation_id"):
        if session.get(Organisation, values[field]) is None:
            errors.append({"loc": ["body", field], "msg": f"organisation {values[field]} not found"})
    if errors:
        raise Invalid("the mobility's participants do not fit", errors)


def create_mobility(session: Session, data: MobilityCreate) -> Mobility:
    values = data.model_dump()
    _check_participants(session, values)
    mobility = Mobility(**values)
    session.add(mobility)
    session.flush()
    return mobility


def update_mobility(session: Session, mobility: Mobility, data: MobilityUpdate) -> Mobility:
    changes = data.model_dump(exclude_unset=True)
    merged = {
        "learner_id": mobility.learner_id,
        "sending_organisation_id": mobility.sending_organisation_id,
        "host_organisation_id": mobility.host_organisation_id,
        "coordinator_id": mobility.coordinator_id,
        "mentor_id": mobility.mentor_id,
        **changes,
    }
    _check_participants(session, merged)
    start = changes.get("start_date", mobility.start_date)
    end = changes.get("end_date", mobility.end_date)
    if end <= start:
        raise Invalid(
            "end_date must be after start_date", [{"loc": ["body", "end_date"], "msg": "must be after start_date"}]
        )
    _apply(mobility, changes)
    session.flush()
    return mobility
