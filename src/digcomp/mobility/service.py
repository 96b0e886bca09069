"""Organisations, people and mobilities: create, read, update, with the checks that keep them consistent."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, LargeBinary, Select, false, func, or_, select, update
from sqlalchemy.orm import Session, lazyload

from digcomp.access.actor import SCHOOL_STAFF, Actor, MobilityParties, require
from digcomp.access.permissions import Action, allowed, require_allowed
from digcomp.audit import log as audit
from digcomp.errors import Conflict, Forbidden, Invalid, NotFound, Term, problem
from digcomp.framework import catalog
from digcomp.i18n import official_language
from digcomp.mobility import colours
from digcomp.mobility.schemas import (
    MobilityCreate,
    MobilityUpdate,
    OrganisationCreate,
    OrganisationUpdate,
    PersonCreate,
    PersonUpdate,
)
from digcomp.privacy.consent import record_consent
from digcomp.store.db import added_unless_duplicate
from digcomp.store.models import (
    Account,
    Base,
    Confirmation,
    ConsentKind,
    MentorLink,
    Mobility,
    Organisation,
    OrganisationKind,
    OutgoingMail,
    Person,
    Plan,
    PlanStatus,
    PlanVersion,
    Role,
    utcnow,
)

M = TypeVar("M", bound=Base)


def paginate(session: Session, query: Select[M], offset: int, limit: int) -> tuple[list[M], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.offset(offset).limit(limit)).unique())
    return items, total


def refuse_nulls(changes: dict[str, Any], nullable: set[str]) -> None:
    """A change may clear only what may be empty; ``null`` for anything else is a mistake, said field by field."""
    missing = [name for name, value in changes.items() if value is None and name not in nullable]
    if missing:
        raise Invalid(
            "a value is required", [problem(["body", name], "this cannot be empty (null)") for name in missing]
        )


def _apply(record: Base, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(record, name, value)


def snapshot(record: Base) -> dict[str, Any]:
    """The record's columns as JSON-safe values, for the audit trail."""
    values = {}
    for column in record.__table__.columns:
        if isinstance(column.type, LargeBinary):  # a file (a logo): its own entries say when it changed
            continue
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
    require_allowed(actor, Action.plan)
    if data.kind is OrganisationKind.school:
        raise Forbidden("schools are registered by the system administrator (digcomp admin-create-school)")
    organisation = Organisation(
        **{
            **data.model_dump(),
            "contact_email": data.contact_email or "",
            "language": data.language or official_language(data.country),
        },
        registered_by_id=actor.organisation_id,
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
    require_allowed(actor, Action.plan)
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(changes, {"contact_email"})
    if "contact_email" in changes:
        changes["contact_email"] = changes["contact_email"] or ""
    if "retention_years" in changes:
        require_allowed(actor, Action.administer, message="only the school's admin sets how long personal data is kept")
    if "grade_scale" in changes or "average_mastery_grade" in changes:
        require_allowed(actor, Action.administer, message="only the school's admin sets how results are graded")
    if "quality_assurance" in changes:
        require_allowed(
            actor, Action.administer, message="only the school's admin states how the school assures quality"
        )
    if "plan_framework" in changes:
        require_allowed(actor, Action.administer, message="only the school's admin chooses the framework of plans")
        known = catalog().frameworks
        if changes["plan_framework"] not in known:
            reason = "unknown framework '{name}'; known: {known}"
            values = {"name": changes["plan_framework"], "known": ", ".join(sorted(known))}
            raise Invalid(reason, [problem(["body", "plan_framework"], reason, **values)], **values)
    if "brand_colour" in changes:
        require_allowed(actor, Action.administer, message="only the school's admin sets the school's colour")
        changes["brand_colour"] = colour = changes["brand_colour"].lower()
        if colour and (ratio := colours.contrast(colour, colours.HEADER_TEXT)) < colours.MIN_CONTRAST:
            reason = (
                "the colour {colour} leaves the white header text at a contrast of {ratio}:1, too low to read (at "
                "least 4.5:1 is needed); a darker shade of it that works: {suggestion}"
            )
            values = {"colour": colour, "ratio": f"{ratio:.2f}", "suggestion": colours.darker_shade(colour)}
            raise Invalid(reason, [problem(["body", "brand_colour"], reason, **values)], **values)
    before = snapshot(organisation)
    _apply(organisation, changes)
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
    """The school's organisation of that name (case aside, in any letters) and country. Compared in Python: SQLite's
    lower() folds only ASCII, so "ĒDNĪCA" and "Ēdnīca" would differ there."""
    query = select(Organisation).where(
        Organisation.country == country,
        or_(Organisation.registered_by_id == registered_by, Organisation.id == registered_by),
    )
    wanted = name.casefold()
    return next((o for o in session.scalars(query.order_by(Organisation.id)) if o.name.casefold() == wanted), None)


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
    require_allowed(actor, Action.plan)
    organisation = organisation_for(session, actor, data.organisation_id)
    own_school = organisation.id == actor.organisation_id
    if own_school and data.role is Role.mentor:
        raise Invalid("host mentors belong to a host organisation, not to the school")
    if not own_school and data.role is not Role.mentor:
        raise Invalid(
            "a {role} belongs to the school; people of a host organisation are mentors", role=Term(data.role.value)
        )
    if data.role is Role.admin:
        require_allowed(actor, Action.administer, message="only an admin can add another admin")
    person = Person(**data.model_dump())
    if data.email and find_person(session, organisation.id, data.email) is not None:  # in any letter case
        raise Conflict("a person with e-mail {email} already exists in this organisation", email=data.email)
    if not added_unless_duplicate(session, person):
        raise Conflict("a person with e-mail {email} already exists in this organisation", email=data.email)
    audit.record(session, actor, "person.created", f"person:{person.id}", after=snapshot(person))
    return person


SELF_EDITABLE = frozenset({"language", "date_of_birth_shown"})


def update_person(session: Session, actor: Actor, person: Person, data: PersonUpdate) -> Person:
    """The school's coordinators and admins correct people's records; a person may change only their own
    reading language (a learner cannot rename themself)."""
    changes = data.model_dump(exclude_unset=True)
    planner = allowed(actor, Action.plan)
    require(
        planner or (actor.person_id == person.id and set(changes) <= SELF_EDITABLE),
        "only the school's coordinator can change this; ask them to correct it",
    )
    refuse_nulls(changes, {"email", "date_of_birth", "language", "recognition_committee", "date_of_birth_shown"})
    if "date_of_birth_shown" in changes:
        record_consent(session, actor, person, ConsentKind.date_of_birth, bool(changes.pop("date_of_birth_shown")))
    if "recognition_committee" in changes:
        require_allowed(actor, Action.administer, message="only the school's admin names its committee")
        if changes["recognition_committee"] and person.role not in SCHOOL_STAFF:
            raise Invalid("only the school's staff can sit on its recognition committee")
    before = snapshot(person)
    _apply(person, changes)
    readdressed = _readdress(session, person, before["email"]) if person.email != before["email"] else 0
    session.flush()
    after = snapshot(person) | ({"emails_readdressed": readdressed} if readdressed else {})
    audit.record(session, actor, "person.updated", f"person:{person.id}", before=before, after=after)
    return person


def _readdress(session: Session, person: Person, old_email: str | None) -> int:
    """A corrected e-mail address: the person's e-mails not sent yet go to it, and a login under the old address
    moves with it. How many e-mails were re-addressed."""
    if not person.email:
        return 0
    moved = session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.recipient_id == person.id, OutgoingMail.sent_at.is_(None))
        .values(to_address=person.email)
    ).rowcount  # type: ignore[attr-defined]
    account = session.scalars(select(Account).where(Account.person_id == person.id)).first()
    if account is not None and old_email and account.email.lower() == old_email.lower():
        account.email = person.email
    return int(moved)


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
        start_date=mobility.start_date,
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


def mobility_for(session: Session, actor: Actor, ident: int, *, light: bool = False) -> Mobility:
    """The mobility if the actor may see it; otherwise 404, exactly as if it did not exist. ``light`` reads the
    mobility's own row only (for changes that need its ids, not its people and organisations)."""
    mobility = session.get(Mobility, ident, options=[lazyload("*")] if light else None)
    if mobility is None or not allowed(actor, Action.view, parties(mobility)):
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
            errors.append(problem(["body", field], "person {ident} not found", ident=ident))
        elif person.role != role:
            errors.append(
                problem(
                    ["body", field],
                    "person {ident} is a {actual}, not a {expected}",
                    ident=ident,
                    actual=Term(person.role.value),
                    expected=Term(role.value),
                )
            )
        elif person.organisation_id != values[organisation_field]:
            where = "the host organisation" if field == "mentor_id" else "the sending school"
            errors.append(
                problem(["body", field], "person {ident} does not belong to {where}", ident=ident, where=Term(where))
            )
    if errors:
        raise Invalid("the mobility's participants do not fit", errors)


def create_mobility(session: Session, actor: Actor, data: MobilityCreate) -> Mobility:
    require_allowed(actor, Action.plan)
    require(data.sending_organisation_id == actor.organisation_id, "a school can only create its own mobilities")
    _check_host(session, actor, data.host_organisation_id)
    values = data.model_dump()
    _check_participants(session, values)
    mobility = Mobility(**values)
    session.add(mobility)
    session.flush()
    audit.record(
        session, actor, "mobility.created", f"mobility:{mobility.id}", mobility_id=mobility.id, after=snapshot(mobility)
    )
    return mobility


def _check_host(session: Session, actor: Actor, host_id: int) -> None:
    host = session.get(Organisation, host_id)
    if host is None or host.registered_by_id != actor.organisation_id:
        raise Invalid(
            "unknown host organisation",
            [problem(["body", "host_organisation_id"], "organisation {ident} not found", ident=host_id)],
        )


def update_mobility(session: Session, actor: Actor, mobility: Mobility, data: MobilityUpdate) -> Mobility:
    """Corrections by the school: dates, host, mentor, texts. Replacing the mentor ends the old mentor's links
    and voids a confirmation they gave to a draft plan."""
    require_allowed(actor, Action.plan)
    changes = data.model_dump(exclude_unset=True)
    refuse_nulls(changes, {"mentor_id", "coordinator_id", "eqf_level"})
    if "host_organisation_id" in changes:
        _check_host(session, actor, changes["host_organisation_id"])
        if "mentor_id" not in changes and changes["host_organisation_id"] != mobility.host_organisation_id:
            changes["mentor_id"] = None  # the old host's mentor does not mentor at the new host
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
            "the end date must be after the start date",
            [problem(["body", "end_date"], "the end date must be after the start date")],
        )
    before = snapshot(mobility)
    old_mentor = mobility.mentor_id
    _apply(mobility, changes)
    session.flush()
    session.refresh(mobility)
    if mobility.mentor_id != old_mentor and old_mentor is not None:
        _end_mentor(session, actor, mobility, old_mentor)
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


def _end_mentor(session: Session, actor: Actor, mobility: Mobility, mentor_id: int) -> None:
    """A replaced mentor's links stop working, and a draft plan no longer counts their confirmation."""
    now = utcnow()
    links = session.scalars(
        select(MentorLink).where(
            MentorLink.mobility_id == mobility.id, MentorLink.mentor_id == mentor_id, MentorLink.revoked_at.is_(None)
        )
    )
    for link in links:
        link.revoked_at = now
        audit.record(
            session,
            actor,
            "mentor_link.revoked",
            f"mentor_link:{link.id}",
            mobility_id=mobility.id,
            after={"reason": "the mobility's mentor was replaced"},
        )
    drafts = (
        select(Confirmation)
        .join(PlanVersion, PlanVersion.id == Confirmation.version_id)
        .join(Plan, Plan.id == PlanVersion.plan_id)
        .where(
            Plan.mobility_id == mobility.id, PlanVersion.status == PlanStatus.draft, Confirmation.role == Role.mentor
        )
    )
    for confirmation in session.scalars(drafts):
        session.delete(confirmation)
        audit.record(
            session,
            actor,
            "plan.confirmations_voided",
            f"mobility:{mobility.id}/plan",
            mobility_id=mobility.id,
            before={"confirmed_by": ["mentor"], "person": mentor_id},
        )
