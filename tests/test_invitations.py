"""Learners and host mentors get their logins by invitation: the coordinator asks, the person chooses the password
from an e-mailed one-time link, and the school never knows it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from digcomp.store.db import Database
from digcomp.store.models import OutgoingMail
from tests.journey import API, PASSWORD, create_mobility, mobility_for_learner, ok, web_login

CHOSEN = "my-own-secret-2026"


def _new_person(client: TestClient, headers: dict[str, str], organisation: int, role: str, email: str) -> int:
    body = {"organisation_id": organisation, "given_name": "Marta", "family_name": "Ozola", "role": role}
    return int(ok(client.post(f"{API}/people", headers=headers, json={**body, "email": email}), 201)["id"])


def _invitation(database: Database, to: str) -> OutgoingMail:
    with database.session() as session:
        mail = session.scalars(
            select(OutgoingMail).where(OutgoingMail.to_address == to).order_by(OutgoingMail.id.desc())
        ).first()
        assert mail is not None
        session.expunge(mail)
        return mail


def _secret(mail: OutgoingMail) -> str:
    found = re.search(r"/password/(\S+)", mail.body)
    assert found, mail.body
    return found.group(1)


def test_a_learner_sets_her_own_password_from_the_invitation(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    learner = _new_person(client, m.as_["coordinator"], m.school, "learner", "Marta.Ozola@example.lv")

    invited = ok(client.post(f"{API}/people/{learner}/invitation", headers=m.as_["coordinator"]), 201)
    assert (invited["email"], invited["role"]) == ("marta.ozola@example.lv", "learner")
    first = _invitation(database, "marta.ozola@example.lv")
    assert (first.kind, first.language) == ("account_invitation", "lv")
    assert "Izvēlieties paroli" in first.body

    # asked again (the learner lost the e-mail): a new link, and the first one no longer works
    ok(client.post(f"{API}/people/{learner}/invitation", headers=m.as_["coordinator"]), 201)
    second = _invitation(database, "marta.ozola@example.lv")
    assert _secret(second) != _secret(first)
    stale = client.post(f"{API}/auth/password", json={"token": _secret(first), "password": CHOSEN})
    assert stale.status_code == 401

    form = client.post(f"/password/{_secret(second)}", data={"password": CHOSEN, "repeat": CHOSEN})
    assert form.status_code == 200, form.text
    token = ok(client.post(f"{API}/auth/token", json={"email": "marta.ozola@example.lv", "password": CHOSEN}))
    assert token["access_token"]

    again = client.post(f"{API}/people/{learner}/invitation", headers=m.as_["coordinator"])
    assert again.status_code == 409
    assert "login page" in again.json()["detail"]


def test_a_mentor_is_invited_in_her_own_language(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    mentor = ok(
        client.post(
            f"{API}/people",
            headers=m.as_["coordinator"],
            json={
                "organisation_id": m.host,
                "given_name": "Carmen",
                "family_name": "Ruiz",
                "role": "mentor",
                "email": "carmen.ruiz@example.es",
                "language": "es",
            },
        ),
        201,
    )["id"]
    ok(client.post(f"{API}/people/{mentor}/invitation", headers=m.as_["coordinator"]), 201)
    mail = _invitation(database, "carmen.ruiz@example.es")
    assert mail.language == "es"
    assert "Elija su contraseña" in mail.body


def test_invitations_stay_within_the_school(client: TestClient, database: Database) -> None:
    ours = create_mobility(client, database)
    theirs = create_mobility(client, database, "Liepājas Valsts tehnikums")
    learner = _new_person(client, theirs.as_["coordinator"], theirs.school, "learner", "other@example.lv")
    refused = client.post(f"{API}/people/{learner}/invitation", headers=ours.as_["coordinator"])
    assert refused.status_code == 404
    by_learner = client.post(f"{API}/people/{ours.learner}/invitation", headers=ours.as_["learner"])
    assert by_learner.status_code == 403
    staff = client.post(f"{API}/people/{ours.validator}/invitation", headers=ours.as_["coordinator"])
    assert staff.status_code == 409


def test_the_mobility_page_invites_and_shows_who_has_a_login(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    learner = _new_person(client, m.as_["coordinator"], m.school, "learner", "liga.sila@example.lv")
    mobility = mobility_for_learner(client, m, learner)
    email = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["admin"]))["email"]
    web_login(client, email)
    page = client.get(f"/mobilities/{mobility}")
    assert "no login yet" in page.text
    assert 'name="password"' not in page.text  # the school never types a learner's password
    sent = client.post(f"/mobilities/{mobility}/invite/learner", follow_redirects=True)
    assert "The invitation is on its way" in sent.text
    assert "invited, password not chosen yet" in sent.text
    assert _invitation(database, "liga.sila@example.lv").kind == "account_invitation"
    assert PASSWORD not in sent.text
