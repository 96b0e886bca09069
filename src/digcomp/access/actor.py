"""The acting person, and which mobilities each role sees (what each may do there: ``access.permissions``).
Plain Python, no I/O.

- A school's staff (admin, coordinator, validator) see their own school's mobilities and the host
  organisations their school registered; nothing of another school.
- A host mentor sees only the mobilities they mentor; through a signed link, only that one mobility.
- A learner sees only their own mobilities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from digcomp.errors import Forbidden
from digcomp.store.models import Role

SCHOOL_STAFF = frozenset({Role.admin, Role.coordinator, Role.validator})


@dataclass(frozen=True)
class Actor:
    person_id: int
    role: Role
    organisation_id: int
    given_name: str
    family_name: str
    via_link: int | None = None  # mentor link id: the actor may act on ``link_mobility_id`` only
    link_mobility_id: int | None = None
    recognition_committee: bool = False  # a named member of the school's recognition committee
    language: str | None = None  # the language recorded for the person (what their pages are shown in)

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def label(self) -> str:
        suffix = f" via mentor link #{self.via_link}" if self.via_link else ""
        return f"{self.name} ({self.role.value}, person {self.person_id}){suffix}"

    @property
    def is_staff(self) -> bool:
        return self.role in SCHOOL_STAFF


@dataclass(frozen=True)
class MobilityParties:
    """The facts about a mobility that access rules need."""

    id: int
    sending_organisation_id: int
    learner_id: int
    mentor_id: int | None
    host_organisation_id: int
    start_date: dt.date | None = None  # when the placement begins (the self-assessment "before" closes then)


def can_view(actor: Actor, mobility: MobilityParties) -> bool:
    if actor.via_link is not None:
        return actor.link_mobility_id == mobility.id
    if actor.is_staff:
        return actor.organisation_id == mobility.sending_organisation_id
    if actor.role is Role.mentor:
        return actor.person_id == mobility.mentor_id
    if actor.role is Role.learner:
        return actor.person_id == mobility.learner_id
    return False


def require(condition: bool, message: str) -> None:
    if not condition:
        raise Forbidden(message)
