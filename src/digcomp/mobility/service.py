"""Organisations, people and mobilities: create, read, update, with the checks that keep them consistent."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor, MobilityParties, can_view, require, require_planner
from digcomp.audit import log as audit
from digcomp.errors import Conflict, Forbidden, Invalid, NotFound
from digcomp.mobility.schemas import (
    MobilityCreate,
    MobilityUpdate,
    OrganisationCreate,
    OrganisationUpdate,
    PersonCreate,
    PersonUpdate,
)
from digcomp.store.models import Base, Mobility, Organisation, OrganisationKind, Person, Role

M = TypeVar("M", bound=Base)


def paginate(session: Session, query: Select[M], offset: int, limit: int) -> tuple[list[M], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.offset(offset).limit(limit)).unique())
    return items, total


def _apply(record: Base, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(record, name, value)


def snapshot(record: Base) -> dict[str, Any]:
    """The record's columns as JSON-safe values, for the audit trail."""
    values = {}
    for column in record.__table__.columns:
        value = getattr(record, column.key)
        values[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


# --- organisations ----------------------------------------------------------------------------------------------


def visible_organisations(actor: Actor) -> ColumnElement[bool]:
    if actor.is_staff and actor.via_link is None:
        return or_(Organisation.id == actor.organisation_id, Organisation.registered_by_id == actor.organisation_id)
    return Organisation.id == actor.organisation_id


def organisation_for(session: Session, actor: Actor, ident: int) -> Organisation:
    organisation = session.scalars(
        select(Organisation).where(Organisation.id == ident, visible_organisations(actor))
    ).first()
    if organisation is None:
        raise NotFound("organisation", ident)
    return organisation


def create_organisation(session: Session, actor: Actor, data: OrganisationCreate) -> Organisation:
    require_planner(actor)
    if data.kind is OrganisationKind.school:
        raise Forbidden("schools are registered by the system administrator (digcomp admin create-school)")
    organisation = Organisation(
        **{**data.model_dump(), "contact_email": data.contact_email or ""}, registered_by_id=actor.organisation_id
    )
    session.add(organisation)
    session.flush()
    audit.record(
        session, actor, "organisation.created", f"organisation:{organisation.id}", after=snapshot(organisation)
    )
    return organisation


def update_organisation(
    session: Session, actor: Actor, organisation: Organisation, data: OrganisationUpdate
) -> Organisation:
    require_planner(actor)
    before = snapshot(organisation)
    _apply(organisation, data.model_dump(exclude_unset=True))
    session.flush()
    audit.record(
        session,
        actor,
        "organisation.updated",
        f"organisation:{organisation.id}",
        before=before,
        after=snapshot(organisation),
    )
    return organisation


def find_organisation(session: Session, registered_by: int, name: str, country: str) -> Organisation | None:
    query = select(Organisation).where(
        func.lower(Organisation.name) == name.lower(),
        Organisation.country == country,
        or_(Organisation.registered_by_id == registered_by, Organisation.id == registered_by),
    )
    return session.scalars(query.limit(1)).first()


# --- people ---------------------------------------------------------------------------------------------------


def visible_people(actor: Actor) -> ColumnElement[bool]:
    if actor.is_staff and actor.via_link is None:
        registered = select(Organisation.id).where(visible_organisations(actor))
        return Person.organisation_id.in_(registered)
    return Person.id == actor.person_id


def person_for(session: Session, actor: Actor, ident: int) -> Person:
    person = session.scalars(select(Person).where(Person.id == ident, visible_people(actor))).first()
    if person is None:
        raise NotFound("person", ident)
    return person


def create_person(session: Session, actor: Actor, data: PersonCreate) -> Person:
    require_planner(actor)
    organisation = organisation_for(session, actor, data.organisation_id)
    own_school = organisation.id == actor.organisation_id
    if own_school and data.role is Role.mentor:
        raise Invalid("host mentors belong to a host organisation, not to the school")
    if not own_school and data.role is not Role.mentor:
        raise Invalid(f"a {data.role.value} belongs to the school; people of a host organisation are mentors")
    require(data.role is not Role.admin or actor.role is Role.admin, "only an admin can add another admin")
    person = Person(**data.model_dump())
    session.add(person)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"a person with e-mail {data.email} already exists in this organisation") from None
    audit.record(session, actor, "person.created", f"person:{person.id}", after=snapshot(person))
    return person


def update_person(session: Session, actor: Actor, person: Person, data: PersonUpdate) -> Person:
    require(
        actor.person_id == person.id or actor.role in (Role.admin, Role.coordinator), "you cannot change this person"
    )
    before = snapshot(person)
    _apply(person, data.model_dump(exclude_unset=True))
    session.flush()
    audit.record(session, actor, "person.updated", f"person:{person.id}", before=before, after=snapshot(person))
    return person


def find_person(session: Session, organisation_id: int, email: str) -> Person | None:
    query = select(Person).where(Person.organisation_id == organisation_id, func.lower(Person.email) == email.lower())
    return session.scalars(query.limit(1)).first()


# --- mobilities -----------------------------------------------------------------------------------------------


def parties(mobility: Mobility) -> MobilityParties:
    return MobilityParties(
        id=mobility.id,
        sending_organisation_id=mobility.sending_organisation_id,
        learner_id=mobility.learner_id,
        mentor_id=mobility.mentor_id,
        host_organisation_id=mobility.host_organisation_id,
    )


def visible_mobilities(actor: Actor) -> ColumnElement[bool]:
    if actor.via_link is not None:
        return Mobility.id == actor.link_mobility_id
    if actor.is_staff:
        return Mobility.sending_organisation_id == actor.organisation_id
    if actor.role is Role.mentor:
        return Mobility.mentor_id == actor.person_id
    if actor.role is Role.learner:
        return Mobility.learner_id == actor.person_id
    return false()


def mobility_for(session: Session, actor: Actor, ident: int) -> Mobility:
    """The mobility if the actor may see it; otherwise 404, exactly as if it did not exist."""
    mobility = session.get(Mobility, ident)
    if mobility is None or not can_view(actor, parties(mobility)):
        raise NotFound("mobility", ident)
    return mobility


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
    if errors:
        raise Invalid("the mobility's participants do not fit", errors)


def create_mobility(session: Session, actor: Actor, data: MobilityCreate) -> Mobility:
    require_planner(actor)
    require(data.sending_organisation_id == actor.organisation_id, "a school can only create its own mobilities")
    host = session.get(Organisation, data.host_organisation_id)
    if host is None or host.registered_by_id != actor.organisation_id:
        raise Invalid(
            "unknown host organisation",
            [{"loc": ["body", "host_organisation_id"], "msg": f"organisation {data.host_organisation_id} not found"}],
        )
    values = data.model_dump()
    _check_participants(session, values)
    mobility = Mobility(**values)
    session.add(mobility)
    session.flush()
    audit.record(
        session, actor, "mobility.created", f"mobility:{mobility.id}", mobility_id=mobility.id, after=snapshot(mobility)
    )
    return mobility


def update_mobility(session: Session, actor: Actor, mobility: Mobility, data: MobilityUpdate) -> Mobility:
    require_planner(actor)
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
    before = snapshot(mobility)
    _apply(mobility, changes)
    session.flush()
    audit.record(
        session,
        actor,
        "mobility.updated",
        f"mobility:{mobility.id}",
        mobility_id=mobility.id,
        before=before,
        after=snapshot(mobility),
    )
    return mobility
