"""No lost writes: concurrent confirmations and revisions of one plan, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import select

from digcomp.credentials.signing import key_fingerprint, signing_key
from digcomp.settings import Settings
from digcomp.store.db import Database, added_unless_duplicate
from digcomp.store.models import Organisation, OrganisationKind, Person, Role
from tests.journey import API, add_outcome, agreed_plan, create_mobility, ok


def test_three_parties_confirming_at_once_give_one_agreed_version(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", headers=m.as_["coordinator"], json={}), 201)
    ok(add_outcome(client, m, 1, "Uses strong passwords", "4.1"), 201)

    def confirm(role: str) -> int:
        return client.post(f"{base}/versions/1/confirmations", headers=m.as_[role]).status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        # each party twice: one wins, the repeat is refused
        statuses = list(pool.map(confirm, ["coordinator", "mentor", "learner"] * 2))
    assert sorted(statuses) == [200, 200, 200, 409, 409, 409]
    plan = ok(client.get(base, headers=m.as_["coordinator"]))
    assert [(v["number"], v["status"]) for v in plan["versions"]] == [(1, "agreed")]
    assert sorted(c["role"] for c in plan["agreed"]["confirmations"]) == ["coordinator", "learner", "mentor"]


def test_concurrent_revisions_create_exactly_one_new_version(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/plan"
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(
            pool.map(
                lambda _: client.post(f"{base}/versions", headers=m.as_["coordinator"], json={}).status_code, range(4)
            )
        )
    assert sorted(statuses) == [201, 409, 409, 409]
    assert [v["number"] for v in ok(client.get(base, headers=m.as_["coordinator"]))["versions"]] == [1, 2]


def test_a_record_someone_else_just_added_leaves_the_transaction_usable(database: Database) -> None:
    """The loser of a race to add a unique record gets False and carries on in the same transaction (the PostgreSQL
    mixed load once answered 500 to two first downloads of one learning agreement)."""
    with database.session() as session:
        school = Organisation(name="Race School", country="LV", kind=OrganisationKind.school)
        session.add(school)

    def learner(given: str) -> Person:
        return Person(organisation_id=school.id, given_name=given, family_name="B", email="a@x.lv", role=Role.learner)

    with database.session() as first:
        first.add(learner("A"))
    with database.session() as second:
        assert added_unless_duplicate(second, learner("C")) is False
        found = second.scalars(select(Person).where(Person.organisation_id == school.id)).all()
        assert [p.given_name for p in found] == ["A"]
    with database.session() as session:
        assert session.scalars(select(Person.given_name).where(Person.organisation_id == school.id)).all() == ["A"]


def test_first_downloads_of_one_agreement_at_once_all_get_it(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    path = f"{API}/mobilities/{m.id}/plan/versions/1/agreement.pdf"
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda role: client.get(path, headers=m.as_[role]), ["learner", "mentor"] * 2))
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.content for a in answers}) == 1


def test_development_keys_are_made_once_when_many_ask_at_once(settings: Settings) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda _: signing_key(settings), range(8)))
    assert len({key_fingerprint(key) for key in keys}) == 1  # every key opens with its passphrase, and is the same
    assert len({key.credential.multikey() for key in keys}) == 1
