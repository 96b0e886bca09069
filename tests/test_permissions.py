"""One permission table: every role × action as written below (the specification), for the role's own mobility, for
another school's and through a mentor link; and the SQL rule that lists mobilities agrees with the Python rule that
checks one."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from digcomp.access.actor import Actor, MobilityParties, can_view
from digcomp.access.permissions import ALLOWED, Action, allowed, require_allowed
from digcomp.access.service import actor_of
from digcomp.errors import Forbidden
from digcomp.mobility.service import parties, visible_mobilities
from digcomp.store.db import Database
from digcomp.store.models import MentorLink, Mobility, Person, Role
from tests.journey import API, create_mobility, ok

# x: the role may, for its own mobility (staff: their school's; mentor: the one she mentors; learner: their own)
SPECIFICATION = """
action                admin  coordinator  validator  mentor  learner
view                    x         x           x         x       x
plan                    x         x           .         .       .
identify                x         x           .         x       x
add_evidence            x         x           x         x       x
write_note              x         x           x         x       .
rate                    .         x           x         x       .
self_assess             .         .           .         .       x
report_progress         .         .           .         x       x
add_additional          x         .           x         x       .
validate                x         .           x         .       .
issue                   x         x           x         .       .
revoke                  x         .           x         .       .
download_certificate    x         x           x         .       x
recognise               x         .           x         .       .
read_school             x         x           x         .       .
administer              x         .           .         .       .
"""
ROLES = [Role(name) for name in SPECIFICATION.split("\n")[1].split()[1:]]
EXPECTED = {
    (Action(line.split()[0]), role): mark == "x"
    for line in SPECIFICATION.strip().split("\n")[1:]
    for role, mark in zip(ROLES, line.split()[1:], strict=True)
}
OWN = MobilityParties(id=1, sending_organisation_id=10, learner_id=100, mentor_id=200, host_organisation_id=20)
OTHER = MobilityParties(id=2, sending_organisation_id=11, learner_id=101, mentor_id=201, host_organisation_id=21)
PERSON_FOR = {Role.mentor: 200, Role.learner: 100}


def _actor(role: Role, **extra: object) -> Actor:
    organisation = 20 if role is Role.mentor else 10
    return Actor(PERSON_FOR.get(role, 300), role, organisation, "A", "B", **extra)  # type: ignore[arg-type]


def test_the_specification_names_every_action_and_role() -> None:
    assert {action for action, _ in EXPECTED} == set(Action) == set(ALLOWED)
    assert set(ROLES) == set(Role)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_do_exactly_what_the_table_says(role: Role, action: Action) -> None:
    actor = _actor(role)
    assert allowed(actor, action, OWN) is EXPECTED[(action, role)]
    assert allowed(actor, action, OTHER) is False  # nothing for another school's mobility, another's placement
    if not EXPECTED[(action, role)]:
        with pytest.raises(Forbidden):
            require_allowed(actor, action, OWN)


@pytest.mark.parametrize("action", list(Action))
def test_a_mentor_link_does_what_its_mentor_may_for_that_mobility_only(action: Action) -> None:
    link = _actor(Role.mentor, via_link=7, link_mobility_id=OWN.id)
    assert allowed(link, action, OWN) is EXPECTED[(action, Role.mentor)]
    assert allowed(link, action, OTHER) is False
    staff_with_a_link = _actor(Role.coordinator, via_link=7, link_mobility_id=OWN.id)
    assert allowed(staff_with_a_link, action, OWN) is False  # a link never carries the school's rights


def test_the_recognition_committee_adds_recognition_and_nothing_else() -> None:
    member = _actor(Role.coordinator, recognition_committee=True)
    assert allowed(member, Action.recognise, OWN)
    assert not allowed(member, Action.recognise, OTHER)
    for action in set(Action) - {Action.recognise}:
        assert allowed(member, action, OWN) is EXPECTED[(action, Role.coordinator)]


def test_the_sql_rule_that_lists_mobilities_agrees_with_the_python_rule(client: TestClient, database: Database) -> None:
    """Two schools, each with a placement; every person of both, and a mentor link: the mobilities the database
    lists for each are exactly those ``can_view`` allows."""
    first = create_mobility(client, database, "Rīgas Tehniskā koledža")
    second = create_mobility(client, database, "Daugavpils tehnikums")
    link = ok(client.post(f"{API}/mobilities/{first.id}/mentor-links", headers=first.as_["coordinator"], json={}), 201)
    with database.session() as session:
        mobilities = list(session.scalars(select(Mobility)))
        actors = [actor_of(person) for person in session.scalars(select(Person))]
        actors.append(actor_of(session.get_one(Person, first.mentor), link=session.get_one(MentorLink, link["id"])))
        assert {a.role for a in actors} == set(Role)
        for actor in actors:
            listed = set(session.scalars(select(Mobility.id).where(visible_mobilities(actor))))
            checked = {m.id for m in mobilities if can_view(actor, parties(m))}
            assert listed == checked, actor.label
        assert {first.id, second.id} <= {m.id for m in mobilities}
