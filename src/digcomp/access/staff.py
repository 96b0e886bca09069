"""The school admin's staff accounts — invite, change the role, disable — and passwords set through a one-time
link sent by e-mail (an invitation, a reset asked for by the admin or by the person on the login page).

A link is an access token of kind ``password``: only its hash is stored, it works once, and it never logs anyone
in. Setting a password ends every session and API token of the account."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from digcomp.access import credentials
from digcomp.access.actor import SCHOOL_STAFF, Actor
from digcomp.access.permissions import Action, require_allowed
from digcomp.access.service import actor_of, new_account
from digcomp.audit import log as audit
from digcomp.errors import Conflict, Invalid, NotFound, Unauthenticated, problem
from digcomp.mail import outbox
from digcomp.mobility import service as registry
from digcomp.mobility.schemas import PersonCreate
from digcomp.names import PersonName
from digcomp.store.models import AccessToken, Account, Organisation, OutgoingMail, Person, Role, TokenKind, utcnow

INVITATION_DAYS = 7
RESET_HOURS = 2
NO_PASSWORD = ""  # an invited login until its password is chosen: no password matches it
RESET_PAUSE = dt.timedelta(minutes=5)  # one reset e-mail per account in this time, however often it is asked for


class StaffRole(StrEnum):
    admin = "admin"
    coordinator = "coordinator"
    validator = "validator"


class StaffOut(BaseModel):
    person_id: int
    given_name: str
    family_name: str
    email: str | None = Field(description="The login e-mail (the person's e-mail while there is no login)")
    role: Role
    recognition_committee: bool
    has_login: bool
    active: bool = Field(description="False: the login is disabled")
    invitation_pending: bool = Field(description="Invited, and the password is not set yet")


class StaffInvite(BaseModel):
    given_name: PersonName
    family_name: PersonName
    email: EmailStr
    role: StaffRole
    job_title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class StaffUpdate(BaseModel):
    role: StaffRole | None = None
    active: bool | None = Field(default=None, description="False disables the login and ends its sessions")


def require_admin(actor: Actor) -> None:
    require_allowed(actor, Action.administer)


def _view(person: Person, account: Account | None) -> StaffOut:
    return StaffOut(
        person_id=person.id,
        given_name=person.given_name,
        family_name=person.family_name,
        email=account.email if account else person.email,
        role=person.role,
        recognition_committee=person.recognition_committee,
        has_login=account is not None,
        active=account.active if account else False,
        invitation_pending=account is not None and account.password_hash == NO_PASSWORD,
    )


def staff(session: Session, actor: Actor) -> list[StaffOut]:
    require_admin(actor)
    rows = session.execute(
        select(Person, Account)
        .outerjoin(Account, Account.person_id == Person.id)
        .where(
            Person.organisation_id == actor.organisation_id,
            Person.role.in_(SCHOOL_STAFF),
            Person.erased_at.is_(None),
        )
        .order_by(Person.family_name, Person.given_name)
    ).all()
    return [_view(p, a) for p, a in rows]


def _staff_member(session: Session, actor: Actor, person_id: int) -> tuple[Person, Account | None]:
    person = session.get(Person, person_id)
    if person is None or person.organisation_id != actor.organisation_id or person.role not in SCHOOL_STAFF:
        raise NotFound("staff member", person_id)
    account = session.scalars(select(Account).where(Account.person_id == person.id)).first()
    return person, account


def password_link(session: Session, account: Account, valid: dt.timedelta, base_url: str) -> tuple[str, dt.datetime]:
    """A new one-time link; earlier links of the account stop working."""
    now = utcnow()
    session.execute(
        update(AccessToken)
        .where(AccessToken.account_id == account.id, AccessToken.kind == TokenKind.password)
        .where(AccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    secret, digest = credentials.new_secret()
    expires = now + valid
    session.add(AccessToken(account_id=account.id, kind=TokenKind.password, secret_hash=digest, expires_at=expires))
    session.flush()
    return f"{base_url}/password/{secret}", expires


def invite(session: Session, actor: Actor, data: StaffInvite, base_url: str) -> StaffOut:
    """A new colleague: their record, a login without a password, and an e-mail with the link to choose one."""
    require_admin(actor)
    email = str(data.email).strip().lower()
    record = PersonCreate(
        organisation_id=actor.organisation_id,
        given_name=data.given_name,
        family_name=data.family_name,
        email=email,
        role=Role(data.role.value),
        job_title=data.job_title,
    )
    person = registry.create_person(session, actor, record)
    account = new_account(session, person, email, NO_PASSWORD)
    link, expires = password_link(session, account, dt.timedelta(days=INVITATION_DAYS), base_url)
    school = session.get_one(Organisation, actor.organisation_id)
    values = {"link": link, "expires": expires.date(), "inviter": actor.name}
    outbox.enqueue(session, person, "staff_invitation", school, values)
    audit.record(
        session, actor, "staff.invited", f"person:{person.id}", after={"email": email, "role": data.role.value}
    )
    return _view(person, account)


def update_member(session: Session, actor: Actor, person_id: int, data: StaffUpdate) -> StaffOut:
    require_admin(actor)
    person, account = _staff_member(session, actor, person_id)
    changes = data.model_dump(exclude_none=True)
    if person.id == actor.person_id and (changes.get("active") is False or changes.get("role", "admin") != "admin"):
        raise Conflict("you cannot disable your own login or give up your own admin role; ask another admin")
    before = {"role": person.role.value, "active": account.active if account else None}
    if "role" in changes:
        person.role = Role(changes["role"])
    if "active" in changes:
        if account is None:
            raise Invalid("{name} has no login to enable or disable", name=f"{person.given_name} {person.family_name}")
        account.active = changes["active"]
        if not account.active:
            _end_sessions(session, account)
    session.flush()
    after = {"role": person.role.value, "active": account.active if account else None}
    audit.record(session, actor, "staff.updated", f"person:{person.id}", before=before, after=after)
    return _view(person, account)


def _end_sessions(session: Session, account: Account) -> None:
    session.execute(
        update(AccessToken)
        .where(AccessToken.account_id == account.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def send_reset(session: Session, actor: Actor, person_id: int, base_url: str) -> None:
    """The admin sends a colleague a link to choose a new password (the old one keeps working until then)."""
    require_admin(actor)
    person, account = _staff_member(session, actor, person_id)
    if account is None or not account.active:
        raise Invalid("{name} has no active login", name=f"{person.given_name} {person.family_name}")
    _mail_reset(session, account, base_url)
    audit.record(session, actor, "account.password_reset_sent", f"person:{person.id}")


RESET_REQUEST = "password_reset_request"  # an outbox row that is only a request, resolved by ``resolve_resets``


def request_reset(session: Session, email: str, base_url: str) -> None:
    """Someone on the login page forgot their password. The same single row is written whether or not the address
    has a login — a request in the outbox — so neither the answer nor its timing reveals anything; the mail
    sender resolves it (``resolve_resets``): an active login gets one e-mail per few minutes at most, anything else
    nothing."""
    session.add(
        OutgoingMail(
            to_address=email.strip().lower()[:254],
            language="en",
            kind=RESET_REQUEST,
            subject="",
            body=base_url,  # where the link will point
        )
    )


def resolve_resets(session: Session) -> int:
    """Turn the waiting password-reset requests into e-mails with a link, for addresses with an active login that
    had none lately; drop the rest. How many e-mails were made."""
    made = 0
    for request in session.scalars(
        select(OutgoingMail).where(OutgoingMail.kind == RESET_REQUEST).order_by(OutgoingMail.id).with_for_update()
    ):
        email, base_url = request.to_address, request.body
        session.delete(request)
        account = session.scalars(select(Account).where(Account.email == email)).first()
        if account is None or not account.active:
            continue
        recent = session.scalar(
            select(func.count())
            .select_from(AccessToken)
            .where(
                AccessToken.account_id == account.id,
                AccessToken.kind == TokenKind.password,
                AccessToken.created_at > utcnow() - RESET_PAUSE,
            )
        )
        if recent:
            continue
        _mail_reset(session, account, base_url)
        audit.record(
            session, actor_of(account.person), "account.password_reset_requested", f"person:{account.person_id}"
        )
        made += 1
    session.flush()
    return made


def _mail_reset(session: Session, account: Account, base_url: str) -> None:
    link, expires = password_link(session, account, dt.timedelta(hours=RESET_HOURS), base_url)
    person = account.person
    values = {"link": link, "expires": expires.strftime("%H:%M UTC")}
    outbox.enqueue(session, person, "password_reset", person.organisation, values, to_address=account.email)


def link_holder(session: Session, secret: str) -> Account:
    """The account whose password the link sets, if the link is still good."""
    token = session.scalars(
        select(AccessToken).where(
            AccessToken.secret_hash == credentials.secret_hash(secret), AccessToken.kind == TokenKind.password
        )
    ).first()
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow() or not token.account.active:
        raise Unauthenticated("this link has expired or was used already; ask for a new one")
    return token.account


def set_password(session: Session, secret: str, password: str) -> Account:
    """Use the link: the new password replaces the old one, and every session and token of the account ends."""
    account = link_holder(session, secret)
    if weakness := credentials.check_password_strength(password):
        raise Invalid(
            weakness.template, [problem(["body", "password"], weakness.template, **weakness.params)], **weakness.params
        )
    account.password_hash = credentials.hash_password(password)
    _end_sessions(session, account)  # the link itself included
    session.flush()
    audit.record(session, actor_of(account.person), "account.password_set", f"person:{account.person_id}")
    return account
