"""Logins for learners and host mentors by invitation: the coordinator asks, the person gets an e-mail with a
one-time link (valid a week) and chooses the password themselves — nobody at the school ever knows it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.access.permissions import Action, require_allowed
from digcomp.access.service import new_account, school_of
from digcomp.access.staff import INVITATION_DAYS, NO_PASSWORD, password_link
from digcomp.audit import log as audit
from digcomp.errors import Conflict, Forbidden
from digcomp.mail import outbox
from digcomp.store.models import Account, Organisation, Person, Role


class LoginState(StrEnum):
    none = "none"  # no login yet
    invited = "invited"  # invited, password not chosen yet
    active = "active"


class InvitationOut(BaseModel):
    person_id: int
    email: str
    role: Role
    expires_at: dt.datetime


def login_state(session: Session, person_id: int) -> LoginState:
    account = session.scalars(select(Account).where(Account.person_id == person_id)).first()
    if account is None:
        return LoginState.none
    return LoginState.invited if account.password_hash == NO_PASSWORD else LoginState.active


def invite(session: Session, actor: Actor, person: Person, base_url: str) -> InvitationOut:
    """Invite a learner or host mentor of the actor's school to choose a password. Asking again sends a new link
    (the earlier one stops working); a person who already chose a password is refused — they can reset it."""
    require_allowed(actor, Action.plan)
    if school_of(session, person.organisation_id) != actor.organisation_id:
        raise Forbidden("that person is not of your school")
    if person.role not in (Role.learner, Role.mentor):
        raise Conflict("staff are invited by the school's admin on the school page")
    if not person.email:
        raise Conflict("the person has no e-mail: add it first")
    account = session.scalars(select(Account).where(Account.person_id == person.id)).first()
    if account is None:
        account = new_account(session, person, person.email, NO_PASSWORD)
    elif account.password_hash != NO_PASSWORD:
        raise Conflict(
            "{name} already has a login; they can ask for a new password on the login page",
            name=f"{person.given_name} {person.family_name}",
        )
    link, expires = password_link(session, account, dt.timedelta(days=INVITATION_DAYS), base_url)
    school = session.get_one(Organisation, actor.organisation_id)
    values = {"link": link, "expires": expires.date(), "inviter": actor.name}
    outbox.enqueue(session, person, "account_invitation", school, values, to_address=account.email)
    audit.record(session, actor, "account.invited", f"person:{person.id}", after={"email": account.email})
    return InvitationOut(person_id=person.id, email=account.email, role=person.role, expires_at=expires)
