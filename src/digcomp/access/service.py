"""Accounts, logins, tokens and mentor links, in the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol

from pydantic import BaseModel, EmailStr, Field
from sqlalchemy import Row, Select, bindparam, func, select, true
from sqlalchemy.orm import Session

from digcomp.access import credentials
from digcomp.access.actor import Actor, require
from digcomp.access.permissions import Action, require_allowed
from digcomp.access.throttle import LoginThrottle
from digcomp.audit import log as audit
from digcomp.errors import Conflict, Invalid, NotFound, Unauthenticated, problem
from digcomp.i18n import official_language
from digcomp.mail import outbox
from digcomp.mobility.monitoring import LATE_WRITING_DAYS
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import (
    AccessToken,
    Account,
    MentorLink,
    Mobility,
    Organisation,
    OrganisationKind,
    Person,
    Role,
    TokenKind,
    utcnow,
)

API_TOKEN_DAYS = 30
LINK_AFTER_END_DAYS = LATE_WRITING_DAYS  # a mentor link outlives the placement only as long as its reports may come
SESSION_DAYS = 7
DEFAULT_LINK_DAYS = 60


class PersonFields(Protocol):
    """What an actor is made of: a person, or the authenticating row with the same columns."""

    id: int
    role: Role
    organisation_id: int
    given_name: str
    family_name: str
    recognition_committee: bool
    language: str | None


def actor_of(person: PersonFields, *, link: MentorLink | None = None) -> Actor:
    return Actor(
        person_id=person.id,
        role=person.role,
        organisation_id=person.organisation_id,
        given_name=person.given_name,
        family_name=person.family_name,
        via_link=link.id if link else None,
        link_mobility_id=link.mobility_id if link else None,
        recognition_committee=person.recognition_committee and link is None,
        language=person.language,
    )


class SchoolCreated(BaseModel):
    organisation_id: int
    admin_person_id: int


def create_school(
    session: Session, name: str, country: str, admin_given: str, admin_family: str, admin_email: str, password: str
) -> SchoolCreated:
    """Register a sending school with its first admin account (a command-line operation)."""
    if weakness := credentials.check_password_strength(password):
        raise Invalid(weakness.template, **weakness.params)
    country = country.upper()
    school = Organisation(name=name, kind=OrganisationKind.school, country=country, language=official_language(country))
    session.add(school)
    session.flush()
    admin = Person(
        organisation_id=school.id, given_name=admin_given, family_name=admin_family, email=admin_email, role=Role.admin
    )
    session.add(admin)
    session.flush()
    new_account(session, admin, admin_email, credentials.hash_password(password))
    audit.record(
        session, None, "school.registered", f"organisation:{school.id}", after={"name": name, "country": country}
    )
    return SchoolCreated(organisation_id=school.id, admin_person_id=admin.id)


def new_account(session: Session, person: Person, email: str, password_hash: str) -> Account:
    """A login for ``person``; refused when the address (in any school) or the person already has one."""
    email = email.strip().lower()
    if session.scalar(select(func.count()).select_from(Account).where(Account.email == email)):
        # the same answer whichever school holds the address: it must not reveal who has an account elsewhere
        raise Conflict("the e-mail {email} cannot be used for a login; give another", email=email)
    if session.scalar(select(func.count()).select_from(Account).where(Account.person_id == person.id)):
        raise Conflict("{name} already has an account", name=f"{person.given_name} {person.family_name}")
    account = Account(person_id=person.id, email=email, password_hash=password_hash)
    session.add(account)
    session.flush()
    return account


class AccountCreate(BaseModel):
    email: EmailStr | None = Field(default=None, description="Login e-mail; the person's e-mail when omitted")
    password: str = Field(min_length=1, max_length=200, json_schema_extra=credentials.PASSWORD_SCHEMA)


class AccountOut(BaseModel):
    person_id: int
    email: str
    role: Role


def create_account(session: Session, actor: Actor, person: Person, data: AccountCreate) -> AccountOut:
    require_allowed(actor, Action.plan)
    require(school_of(session, person.organisation_id) == actor.organisation_id, "that person is not of your school")
    email = data.email or person.email
    if not email:
        raise Invalid("the person has no e-mail: give one for the login", [problem(["body", "email"], "required")])
    if weakness := credentials.check_password_strength(data.password):
        raise Invalid(
            weakness.template, [problem(["body", "password"], weakness.template, **weakness.params)], **weakness.params
        )
    account = new_account(session, person, email, credentials.hash_password(data.password))
    audit.record(session, actor, "account.created", f"person:{person.id}", after={"email": account.email})
    return AccountOut(person_id=person.id, email=account.email, role=person.role)


def school_of(session: Session, organisation_id: int) -> int:
    """The school an organisation belongs to: itself for a school, the registering school for a host."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("organisation", organisation_id)
    return organisation.registered_by_id or organisation.id


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime


@dataclass(frozen=True)
class LoginCandidate:
    account_id: int | None
    password_hash: str
    active: bool


def find_login(session: Session, email: str) -> LoginCandidate:
    account = session.scalars(select(Account).where(Account.email == email.strip().lower())).first()
    if account is None:
        return LoginCandidate(None, _DUMMY_HASH, False)
    return LoginCandidate(account.id, account.password_hash, account.active)


def check_password(candidate: LoginCandidate, password: str) -> int:
    """The account id if the password is right. CPU only (argon2): run it outside any database transaction.
    A hash is verified even for unknown e-mails, so response time does not reveal which accounts exist."""
    valid = credentials.verify_password(candidate.password_hash, password)
    if candidate.account_id is None or not valid or not candidate.active:
        raise Unauthenticated("wrong e-mail or password")
    return candidate.account_id


def issue_token(session: Session, account_id: int, kind: TokenKind = TokenKind.api) -> TokenOut:
    secret, digest = credentials.new_secret()
    expires = credentials.expiry(API_TOKEN_DAYS if kind is TokenKind.api else SESSION_DAYS)
    session.add(AccessToken(account_id=account_id, kind=kind, secret_hash=digest, expires_at=expires))
    session.flush()
    return TokenOut(access_token=secret, expires_at=expires)


def login(
    database: Database,
    email: str,
    password: str,
    kind: TokenKind = TokenKind.api,
    *,
    throttle: LoginThrottle | None = None,
    address: str = "",
) -> TokenOut:
    """Refuse when the address or the account has had too many wrong passwords (before hashing anything); read the
    account, check the password with no transaction open, then write the token."""
    if throttle is not None:
        throttle.check(address, email)
    candidate = database.read(lambda s: find_login(s, email))
    try:
        account_id = check_password(candidate, password)
    except Unauthenticated:
        if throttle is not None:
            throttle.failed(address, email)
        raise
    rehashed = credentials.hash_password(password) if credentials.needs_rehash(candidate.password_hash) else None

    def sign_in(session: Session) -> TokenOut:
        if rehashed is not None:  # made with older settings: stored again with the current ones
            session.get_one(Account, account_id).password_hash = rehashed
        return issue_token(session, account_id, kind)

    token = database.run(sign_in)
    if throttle is not None:
        throttle.succeeded(address, email)
    return token


_DUMMY_HASH = credentials.hash_password("not a real password 0")


def logout(session: Session, secret: str) -> None:
    token = session.scalars(
        select(AccessToken).where(AccessToken.secret_hash == credentials.secret_hash(secret))
    ).first()
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()


# Every request authenticates: one row, the columns an actor needs (no ORM objects for token, account, person and
# organisation).
_TOKEN_HOLDER = (
    select(
        Person.id,
        Person.role,
        Person.organisation_id,
        Person.given_name,
        Person.family_name,
        Person.recognition_committee,
        Person.language,
        Account.active,
        AccessToken.revoked_at,
        AccessToken.expires_at,
    )
    .join(Account, Account.person_id == Person.id)
    .join(AccessToken, AccessToken.account_id == Account.id)
    .where(
        AccessToken.secret_hash == bindparam("secret_hash"),
        AccessToken.kind.in_([TokenKind.api, TokenKind.session]),  # a password link never logs anyone in
    )
)


# A hot write reads its facts and its caller in one statement: the same columns as a subquery to join on, labelled
# ``caller_…`` (``caller_from``).
_CALLER = _TOKEN_HOLDER.subquery("caller")
CALLER_COLUMNS = tuple(column.label(f"caller_{column.name}") for column in _CALLER.c)


def with_caller(statement: Select[Any]) -> Select[Any]:
    """``statement``, also reading the holder of the token whose hash is bound as ``secret_hash`` (NULLs if none)."""
    return statement.outerjoin(_CALLER, true()).add_columns(*CALLER_COLUMNS)


def caller_from(row: Row[Any]) -> Actor:
    """The actor read by a statement built with ``with_caller``, by the rules of ``authenticate``."""
    values = row._mapping
    return _token_holder(SimpleNamespace(**{c.name: values[f"caller_{c.name}"] for c in _CALLER.c}))


def _token_holder(row: Any) -> Actor:
    if row is None or row.id is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.active:
        raise Unauthenticated("not logged in, or the login has expired")
    return actor_of(row)


@dataclass(frozen=True)
class Caller:
    """Whoever sent the request, as far as can be told without the database: a bearer secret from a request that
    may carry one. ``actor`` checks the secret in the caller's transaction — a change authenticates inside its own
    transaction, so one request is one transaction and one hand-over to a worker thread."""

    secret: str
    settings: Settings

    def actor(self, session: Session) -> Actor:
        return authenticate(session, self.settings, self.secret)

    @property
    def token_hash(self) -> str | None:
        """What an API token or web session is found by (``with_caller``); None for a mentor link."""
        return None if credentials.is_link(self.secret) else credentials.secret_hash(self.secret)


def link_ends(end_date: dt.date) -> dt.datetime:
    """When a mentor link stops working whatever its own expiry: the end of the placement's reporting grace."""
    return dt.datetime.combine(end_date + dt.timedelta(days=LINK_AFTER_END_DAYS + 1), dt.time(), dt.UTC)


def link_works(link: MentorLink, mentor_id: int | None, end_date: dt.date, now: dt.datetime) -> bool:
    """Not withdrawn, not expired, the placement not long over, and its mentor still the mobility's mentor."""
    return (
        link.revoked_at is None and link.expires_at > now and now < link_ends(end_date) and link.mentor_id == mentor_id
    )


def authenticate(session: Session, settings: Settings, secret: str) -> Actor:
    """The actor behind a bearer secret (API token, web session, or mentor link)."""
    now = utcnow()
    link_ref = credentials.read_link(settings, secret)
    if link_ref is not None:
        link = session.get(MentorLink, link_ref[0])
        if link is None or link.mobility_id != link_ref[1]:
            raise Unauthenticated("this mentor link is not valid")
        if link.revoked_at is not None:
            raise Unauthenticated("this mentor link was withdrawn by the school; ask the coordinator for a new one")
        if link.expires_at <= now:
            raise Unauthenticated("this mentor link has expired; ask the coordinator for a new one")
        placement = session.execute(
            select(Mobility.mentor_id, Mobility.end_date).where(Mobility.id == link.mobility_id)
        ).one()
        if placement.mentor_id != link.mentor_id:
            raise Unauthenticated("this mentor link was withdrawn by the school; ask the coordinator for a new one")
        if now >= link_ends(placement.end_date):
            raise Unauthenticated(
                "this mentor link ended with the placement ({end}); ask the coordinator if something is still missing",
                end=placement.end_date,
            )
        return actor_of(session.get_one(Person, link.mentor_id), link=link)
    return _token_holder(
        session.connection().execute(_TOKEN_HOLDER, {"secret_hash": credentials.secret_hash(secret)}).first()
    )


class MentorLinkCreate(BaseModel):
    days_valid: int = Field(default=DEFAULT_LINK_DAYS, ge=1, le=365)
    email_to_mentor: bool = Field(
        default=True, description="E-mail the link to the mentor (in their language) if they have an address"
    )


class MentorLinkOut(BaseModel):
    id: int
    mobility_id: int
    mentor_id: int
    mentor_name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    active: bool = Field(description="Not revoked, not expired, and its mentor still mentors the mobility")
    emailed: bool = Field(default=False, description="An invitation with the link was queued to the mentor's e-mail")
    token: str
    url: str


def _link_view(
    session: Session, settings: Settings, link: MentorLink, mobility: Mobility, base_url: str
) -> MentorLinkOut:
    token = credentials.sign_link(settings, link.id, mobility.id)
    mentor = session.get_one(Person, link.mentor_id)
    return MentorLinkOut(
        id=link.id,
        mobility_id=mobility.id,
        mentor_id=link.mentor_id,
        mentor_name=f"{mentor.given_name} {mentor.family_name}",
        created_at=link.created_at,
        expires_at=link.expires_at,
        revoked_at=link.revoked_at,
        active=link_works(link, mobility.mentor_id, mobility.end_date, utcnow()),
        token=token,
        url=f"{base_url.rstrip('/')}/m/{token}",
    )


def mentor_links(
    session: Session, settings: Settings, actor: Actor, mobility: Mobility, base_url: str
) -> list[MentorLinkOut]:
    """The mobility's mentor links, newest first, for the school's planners."""
    require_allowed(actor, Action.plan)
    links = session.scalars(
        select(MentorLink).where(MentorLink.mobility_id == mobility.id).order_by(MentorLink.id.desc())
    )
    return [_link_view(session, settings, link, mobility, base_url) for link in links]


def create_mentor_link(
    session: Session, settings: Settings, actor: Actor, mobility: Mobility, data: MentorLinkCreate, base_url: str
) -> MentorLinkOut:
    require_allowed(actor, Action.plan)
    if mobility.mentor_id is None:
        raise Conflict("the mobility has no host mentor yet; assign one first")
    ends = link_ends(mobility.end_date)
    if utcnow() >= ends:
        raise Conflict(
            "the placement ended on {end}: mentor links work until {days} days after the end",
            end=mobility.end_date,
            days=LINK_AFTER_END_DAYS,
        )
    link = MentorLink(
        mobility_id=mobility.id,
        mentor_id=mobility.mentor_id,
        created_by_id=actor.person_id,
        expires_at=min(credentials.expiry(data.days_valid), ends),
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor,
        "mentor_link.created",
        f"mentor_link:{link.id}",
        mobility_id=mobility.id,
        after={"mentor_id": link.mentor_id, "expires_at": link.expires_at.isoformat()},
    )
    session.refresh(link)
    view = _link_view(session, settings, link, mobility, base_url)
    if data.email_to_mentor:
        view.emailed = outbox.mentor_invitation(session, mobility, view.url, link.expires_at)
    return view


def revoke_mentor_link(session: Session, actor: Actor, mobility: Mobility, link_id: int) -> None:
    require_allowed(actor, Action.plan)
    link = session.get(MentorLink, link_id)
    if link is None or link.mobility_id != mobility.id:
        raise NotFound("mentor link", link_id)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        audit.record(session, actor, "mentor_link.revoked", f"mentor_link:{link.id}", mobility_id=mobility.id)


class SchoolMentorLinkOut(BaseModel):
    """A mentor link as the school's list shows it: who may use it and until when (the link itself is not shown)."""

    id: int
    mobility_id: int
    learner_name: str
    mentor_id: int
    mentor_name: str
    host: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    active: bool


def school_mentor_links(session: Session, actor: Actor, *, active_only: bool) -> list[SchoolMentorLinkOut]:
    """Every mentor link of the school's mobilities, newest first."""
    require_allowed(actor, Action.plan)
    now = utcnow()
    query = (
        select(MentorLink, Mobility)
        .join(Mobility, Mobility.id == MentorLink.mobility_id)
        .where(Mobility.sending_organisation_id == actor.organisation_id)
        .order_by(MentorLink.id.desc())
    )
    if active_only:
        query = query.where(
            MentorLink.revoked_at.is_(None),
            MentorLink.expires_at > now,
            MentorLink.mentor_id == Mobility.mentor_id,
            Mobility.end_date >= (now - dt.timedelta(days=LINK_AFTER_END_DAYS)).date(),
        )
    mentors = {
        p.id: p
        for p in session.scalars(select(Person).where(Person.id.in_(query.with_only_columns(MentorLink.mentor_id))))
    }
    views = []
    for link, mobility in session.execute(query).unique():
        mentor = mentors[link.mentor_id]
        views.append(
            SchoolMentorLinkOut(
                id=link.id,
                mobility_id=mobility.id,
                learner_name=f"{mobility.learner.given_name} {mobility.learner.family_name}",
                mentor_id=link.mentor_id,
                mentor_name=f"{mentor.given_name} {mentor.family_name}",
                host=mobility.host_organisation.name,
                created_at=link.created_at,
                expires_at=link.expires_at,
                revoked_at=link.revoked_at,
                active=link_works(link, mobility.mentor_id, mobility.end_date, now),
            )
        )
    return views
