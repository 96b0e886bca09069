"""Isolation: a school sees only its own mobilities, a mentor only theirs, a learner only their own.
Every role is tried against every endpoint of another school's mobility: refused, nothing leaked."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, Mobility, agreed_plan, create_mobility, ok

ROLES = ["admin", "coordinator", "validator", "mentor", "learner"]


@pytest.fixture
def two_schools(client: TestClient, database: Database) -> tuple[Mobility, Mobility]:
    ours = create_mobility(client, database, "Rīgas Tehniskā koledža")
    theirs = create_mobility(client, database, "Valmieras tehnikums")
    agreed_plan(client, theirs)
    return ours, theirs


def foreign_requests(theirs: Mobility) -> list[tuple[str, str, dict[str, Any] | None]]:
    m = f"{API}/mobilities/{theirs.id}"
    return [
        ("GET", m, None),
        ("PATCH", m, {"tasks": {"en": "changed"}}),
        ("GET", f"{m}/plan", None),
        ("GET", f"{m}/plan/versions/1", None),
        ("POST", f"{m}/plan/versions", {}),
        ("POST", f"{m}/plan/versions/1/confirmations", None),
        ("GET", f"{m}/assessment", None),
        ("PUT", f"{m}/assessment/outcomes/1/identification", {"worked_on": True}),
        ("POST", f"{m}/assessment/outcomes/1/notes", {"title": "t", "text": "a note"}),
        ("POST", f"{m}/assessment/validation", {}),
        ("POST", f"{m}/mentor-links", {}),
        ("GET", f"{m}/audit", None),
        ("GET", f"{API}/organisations/{theirs.school}", None),
        ("GET", f"{API}/organisations/{theirs.host}", None),
        ("GET", f"{API}/people/{theirs.learner}", None),
        ("PATCH", f"{API}/people/{theirs.learner}", {"job_title": "x"}),
        ("POST", f"{API}/people/{theirs.learner}/account", {"password": "another-pass-123"}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_nothing_of_another_school_is_reachable(
    client: TestClient, two_schools: tuple[Mobility, Mobility], role: str
) -> None:
    ours, theirs = two_schools
    headers = ours.as_[role]
    for method, url, body in foreign_requests(theirs):
        response = client.request(method, url, headers=headers, json=body)
        assert response.status_code in (403, 404), f"{role} {method} {url}: {response.status_code} {response.text}"
        assert "Jānis" not in response.text
        assert "Valmieras" not in response.text
    listed = ok(client.get(f"{API}/mobilities", headers=headers))
    assert [item["id"] for item in listed["items"]] == [ours.id]
    people = ok(client.get(f"{API}/people?limit=200", headers=headers))["items"]
    assert theirs.learner not in {p["id"] for p in people}
    orgs = ok(client.get(f"{API}/organisations?limit=200", headers=headers))["items"]
    assert {theirs.school, theirs.host}.isdisjoint({o["id"] for o in orgs})


def test_without_login_everything_but_framework_browsing_is_401(
    client: TestClient, two_schools: tuple[Mobility, Mobility]
) -> None:
    _, theirs = two_schools
    for method, url, body in foreign_requests(theirs):
        assert client.request(method, url, json=body).status_code == 401
    assert client.post(f"{API}/suggestions", json={"text": "uses e-mail"}).status_code == 401
    assert client.get(f"{API}/frameworks").status_code == 200
    wrong = client.post(f"{API}/auth/token", json={"email": "nobody@example.org", "password": "whatever-123"})
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "wrong e-mail or password")


# Within one school: who may do what (expected status per role).
WRITE_MATRIX = {
    "create host organisation": ({"admin": 201, "coordinator": 201, "validator": 403, "mentor": 403, "learner": 403},),
    "create mobility": ({"admin": 201, "coordinator": 201, "validator": 403, "mentor": 403, "learner": 403},),
    "start plan version": ({"admin": 201, "coordinator": 201, "validator": 403, "mentor": 403, "learner": 403},),
    "read audit": ({"admin": 200, "coordinator": 200, "validator": 200, "mentor": 403, "learner": 403},),
}


@pytest.mark.parametrize("action", list(WRITE_MATRIX))
def test_role_matrix_within_a_school(client: TestClient, database: Database, action: str) -> None:
    (expected,) = WRITE_MATRIX[action]
    for role, status in expected.items():
        m = create_mobility(client, database, f"Skola {action} {role}")
        headers = m.as_[role]
        if action == "create host organisation":
            response = client.post(
                f"{API}/organisations", headers=headers, json={"name": "H", "kind": "company", "country": "DE"}
            )
        elif action == "create mobility":
            response = client.post(
                f"{API}/mobilities",
                headers=headers,
                json={
                    "learner_id": m.learner,
                    "sending_organisation_id": m.school,
                    "host_organisation_id": m.host,
                    "start_date": "2026-09-01",
                    "end_date": "2026-10-01",
                },
            )
        elif action == "start plan version":
            response = client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=headers, json={})
        else:
            response = client.get(f"{API}/mobilities/{m.id}/audit", headers=headers)
        assert response.status_code == status, f"{role}: {response.status_code} {response.text}"


def test_a_learner_sees_only_their_own_mobility_in_the_same_school(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    classmate = ok(
        client.post(
            f"{API}/people",
            headers=m.as_["coordinator"],
            json={"organisation_id": m.school, "given_name": "Anna", "family_name": "Liepa", "role": "learner"},
        ),
        201,
    )["id"]
    other = ok(
        client.post(
            f"{API}/mobilities",
            headers=m.as_["coordinator"],
            json={
                "learner_id": classmate,
                "sending_organisation_id": m.school,
                "host_organisation_id": m.host,
                "start_date": "2026-09-01",
                "end_date": "2026-10-01",
            },
        ),
        201,
    )["id"]
    assert client.get(f"{API}/mobilities/{other}", headers=m.as_["learner"]).status_code == 404
    assert client.get(f"{API}/mobilities/{other}", headers=m.as_["mentor"]).status_code == 404  # not their mentee
    assert client.get(f"{API}/mobilities/{other}", headers=m.as_["validator"]).status_code == 200


def test_browser_session_cookies_cannot_be_used_from_another_site(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    token = m.as_["coordinator"]["Authorization"].split()[1]
    client.cookies.set("digcomp_session", token)
    try:
        same_site = client.post(
            f"{API}/suggestions", json={"text": "uses e-mail"}, headers={"origin": "http://testserver"}
        )
        cross_site = client.post(
            f"{API}/suggestions", json={"text": "uses e-mail"}, headers={"origin": "https://evil.example"}
        )
    finally:
        client.cookies.clear()
    assert same_site.status_code == 200
    assert cross_site.status_code == 403


def test_a_password_hashed_with_older_settings_is_hashed_again_at_login(client: TestClient, database: Database) -> None:
    """Changing argon2's cost must not lock anyone out: the old hash still verifies and is replaced at login."""
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from digcomp.access import credentials
    from digcomp.store.models import Account
    from tests.journey import PASSWORD, login, register_school

    school = register_school(client, database, "Cēsu tehnikums")
    older = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)  # argon2-cffi's defaults, used until now
    with database.session() as session:
        account = session.scalars(select(Account).where(Account.email == school.admin_email)).one()
        account.password_hash = older.hash(PASSWORD)
    login(client, school.admin_email)
    with database.session() as session:
        stored = session.scalars(select(Account).where(Account.email == school.admin_email)).one().password_hash
    assert not credentials.needs_rehash(stored)
    assert "m=65536" not in stored
    login(client, school.admin_email)  # and the new hash lets them in again
