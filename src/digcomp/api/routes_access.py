"""Logging in, accounts, and signed mentor links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from digcomp.access import invitations
from digcomp.access import service as access
from digcomp.access.actor import Actor
from digcomp.api.deps import (
    ActorDep,
    BaseUrlDep,
    DatabaseDep,
    Ident,
    SettingsDep,
    bearer_secret,
    client_address,
    throttle_of,
)
from digcomp.mobility.service import mobility_for, person_for
from digcomp.store.models import Role

router = APIRouter(tags=["access"])


class LoginIn(BaseModel):
    email: Annotated[str, Field(min_length=3, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class Me(BaseModel):
    person_id: int
    name: str
    role: Role
    organisation_id: int
    mentor_link_for_mobility: int | None


@router.post("/auth/token", response_model=access.TokenOut)
def login(data: LoginIn, request: Request, db: DatabaseDep) -> access.TokenOut:
    """Exchange e-mail and password for a bearer token (valid 30 days). After too many wrong passwords from one
    address or for one account, answers 429 with Retry-After."""
    return access.login(db, data.email, data.password, throttle=throttle_of(request), address=client_address(request))


@router.get("/auth/me", response_model=Me)
def me(actor: ActorDep) -> Me:
    return _me(actor)


def _me(actor: Actor) -> Me:
    return Me(
        person_id=actor.person_id,
        name=actor.name,
        role=actor.role,
        organisation_id=actor.organisation_id,
        mentor_link_for_mobility=actor.link_mobility_id,
    )


@router.post("/auth/logout", status_code=204)
def logout(request: Request, db: DatabaseDep, actor: ActorDep) -> None:
    secret = bearer_secret(request)
    if secret:
        db.run(lambda s: access.logout(s, secret))


@router.post("/people/{person_id}/account", status_code=201, response_model=access.AccountOut, tags=["people"])
def create_account(person_id: Ident, data: access.AccountCreate, db: DatabaseDep, actor: ActorDep) -> access.AccountOut:
    """A coordinator or admin gives a person of their school (or a host mentor) a login with a password they set.
    For learners and mentors prefer `POST /people/{person_id}/invitation`: the person chooses the password."""
    return db.run(lambda s: access.create_account(s, actor, person_for(s, actor, person_id), data))


@router.post(
    "/people/{person_id}/invitation", status_code=201, response_model=invitations.InvitationOut, tags=["people"]
)
def invite(person_id: Ident, db: DatabaseDep, actor: ActorDep, base_url: BaseUrlDep) -> invitations.InvitationOut:
    """Invite a learner or host mentor of the school to a login: they get an e-mail with a one-time link (valid 7
    days) to choose their password. Asking again sends a new link and the earlier one stops working; a person who
    already chose a password is refused (409) — they reset it from the login page."""
    return db.run(lambda s: invitations.invite(s, actor, person_for(s, actor, person_id), base_url))


@router.post(
    "/mobilities/{mobility_id}/mentor-links", status_code=201, response_model=access.MentorLinkOut, tags=["mobilities"]
)
def create_mentor_link(
    mobility_id: Ident,
    data: access.MentorLinkCreate,
    db: DatabaseDep,
    settings: SettingsDep,
    base_url: BaseUrlDep,
    actor: ActorDep,
) -> access.MentorLinkOut:
    """A signed, expiring link for the host mentor: it lets them document and assess this mobility only,
    without an account. Use its token as a bearer token, or open its URL in a browser. The URL is on the host
    and port this request came to, unless DIGCOMP_PUBLIC_URL says otherwise."""

    def work(s: Session) -> access.MentorLinkOut:
        return access.create_mentor_link(s, settings, actor, mobility_for(s, actor, mobility_id), data, base_url)

    return db.run(work)


@router.get("/mobilities/{mobility_id}/mentor-links", response_model=list[access.MentorLinkOut], tags=["mobilities"])
def list_mentor_links(
    mobility_id: Ident, db: DatabaseDep, settings: SettingsDep, base_url: BaseUrlDep, actor: ActorDep
) -> list[access.MentorLinkOut]:
    """The mobility's mentor links, newest first, with whether each still works (a replaced mentor's do not)."""
    return db.read(lambda s: access.mentor_links(s, settings, actor, mobility_for(s, actor, mobility_id), base_url))


@router.delete("/mobilities/{mobility_id}/mentor-links/{link_id}", status_code=204, tags=["mobilities"])
def revoke_mentor_link(mobility_id: Ident, link_id: Ident, db: DatabaseDep, actor: ActorDep) -> None:
    db.run(lambda s: access.revoke_mentor_link(s, actor, mobility_for(s, actor, mobility_id), link_id))
