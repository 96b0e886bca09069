"""A school admin manages staff logins, mentor links, the school's branding, and reads the key and audit trail."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from digcomp.store.db import Database
from digcomp.store.models import OutgoingMail
from tests.journey import API, PASSWORD, create_mobility, login, ok

NEW_PASSWORD = "a-new-password-2026"


def _link_in_mail(database: Database, to: str) -> str:
    with database.session() as session:
        mails = session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == to)).all()
        match = re.search(r"/password/(\S+)", mails[-1].body)
    assert match, mails[-1].body
    return match.group(1)


def test_an_invited_colleague_chooses_a_password_once_and_logs_in(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    admin = m.as_["admin"]
    invited = ok(
        client.post(
            f"{API}/school/staff",
            headers=admin,
            json={"given_name": "Dace", "family_name": "Vītola", "email": "Dace.Vitola@school.lv", "role": "validator"},
        ),
        201,
    )
    assert (invited["email"], invited["invitation_pending"], invited["active"]) == ("dace.vitola@school.lv", True, True)
    with database.session() as session:
        mail = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "staff_invitation")).one()
        assert "Vītola" not in mail.subject and "Dace" in mail.body
    secret = _link_in_mail(database, "dace.vitola@school.lv")
    refused = client.post(f"{API}/auth/token", json={"email": "dace.vitola@school.lv", "password": ""})
    assert refused.status_code in (401, 422)
    assert client.get(f"{API}/mobilities", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    weak = client.post(f"{API}/auth/password", json={"token": secret, "password": "short"})
    assert weak.status_code == 422
    ok(client.post(f"{API}/auth/password", json={"token": secret, "password": NEW_PASSWORD}), 204)
    again = client.post(f"{API}/auth/password", json={"token": secret, "password": NEW_PASSWORD + "x"})
    assert again.status_code == 401 and "used already" in again.json()["detail"]
    token = ok(client.post(f"{API}/auth/token", json={"email": "dace.vitola@school.lv", "password": NEW_PASSWORD}))
    assert token["access_token"]
    listed = {s["email"]: s for s in ok(client.get(f"{API}/school/staff", headers=admin))}
    assert listed["dace.vitola@school.lv"]["invitation_pending"] is False
    assert listed["dace.vitola@school.lv"]["role"] == "validator"
    assert client.get(f"{API}/school/staff", headers=m.as_["coordinator"]).status_code == 403


def test_a_forgotten_password_is_reset_by_link_without_revealing_who_has_a_login(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    coordinator_email = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["admin"]))["email"]
    known = client.post(f"{API}/auth/password-reset", json={"email": coordinator_email})
    unknown = client.post(f"{API}/auth/password-reset", json={"email": "nobody@nowhere.example"})
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.content == unknown.content
    ok(client.post(f"{API}/auth/password-reset", json={"email": coordinator_email}), 202)  # asked twice: one e-mail
    with database.session() as session:
        kinds = session.scalars(select(OutgoingMail.kind).where(OutgoingMail.kind == "password_reset")).all()
    assert len(kinds) == 1
    old_session = m.as_["coordinator"]
    secret = _link_in_mail(database, coordinator_email)
    ok(client.post(f"{API}/auth/password", json={"token": secret, "password": NEW_PASSWORD}), 204)
    assert client.get(f"{API}/mobilities", headers=old_session).status_code == 401  # every session ended
    assert client.post(f"{API}/auth/token", json={"email": coordinator_email, "password": PASSWORD}).status_code == 401
    ok(client.post(f"{API}/auth/token", json={"email": coordinator_email, "password": NEW_PASSWORD}))


def test_an_admin_disables_a_login_and_changes_a_role_but_never_their_own(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    admin = m.as_["admin"]
    disabled = ok(client.patch(f"{API}/school/staff/{m.coordinator}", headers=admin, json={"active": False}))
    assert disabled["active"] is False
    assert client.get(f"{API}/mobilities", headers=m.as_["coordinator"]).status_code == 401
    email = disabled["email"]
    assert client.post(f"{API}/auth/token", json={"email": email, "password": PASSWORD}).status_code == 401
    ok(client.patch(f"{API}/school/staff/{m.coordinator}", headers=admin, json={"active": True, "role": "validator"}))
    assert ok(client.get(f"{API}/auth/me", headers=login(client, email)))["role"] == "validator"

    me = ok(client.get(f"{API}/auth/me", headers=admin))["person_id"]
    own = client.patch(f"{API}/school/staff/{me}", headers=admin, json={"active": False})
    assert own.status_code == 409 and "your own" in own.json()["detail"]
    assert client.patch(f"{API}/school/staff/{m.learner}", headers=admin, json={"role": "admin"}).status_code == 404
    bad_role = client.patch(f"{API}/school/staff/{m.validator}", headers=admin, json={"role": "learner"})
    assert bad_role.status_code == 422


def test_the_schools_mentor_links_are_listed_and_revoked(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    coordinator = m.as_["coordinator"]
    link = ok(client.post(f"{API}/mobilities/{m.id}/mentor-links", headers=coordinator, json={}), 201)
    listed = ok(client.get(f"{API}/school/mentor-links?active_only=true", headers=coordinator))
    assert [(x["id"], x["learner_name"], x["mentor_name"], x["active"]) for x in listed] == [
        (link["id"], "Jānis Bērziņš", "Lucía García", True)
    ]
    assert "token" not in listed[0] and "url" not in listed[0]
    ok(client.delete(f"{API}/mobilities/{m.id}/mentor-links/{link['id']}", headers=coordinator), 204)
    assert ok(client.get(f"{API}/school/mentor-links?active_only=true", headers=coordinator)) == []
    assert ok(client.get(f"{API}/school/mentor-links", headers=coordinator))[0]["active"] is False


def _png(width: int = 120, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#1f4e79").save(out, format="PNG")
    return out.getvalue()


def test_branding_logo_and_colour(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    admin = m.as_["admin"]
    logo = _png()
    ok(client.put(f"{API}/school/logo", headers=admin, files={"file": ("logo.png", logo, "image/png")}), 204)
    served = client.get(f"{API}/organisations/{m.school}/logo")
    assert (served.status_code, served.content, served.headers["content-type"]) == (200, logo, "image/png")
    not_a_picture = client.put(
        f"{API}/school/logo", headers=admin, files={"file": ("logo.png", b"<svg/>", "image/png")}
    )
    assert not_a_picture.status_code == 422 and "PNG or JPEG" in not_a_picture.json()["detail"]
    huge = client.put(f"{API}/school/logo", headers=admin, files={"file": ("l.png", _png(3000, 10), "image/png")})
    assert huge.status_code == 422 and "3000×10" in huge.json()["detail"]
    by_coordinator = client.put(f"{API}/school/logo", headers=m.as_["coordinator"], files={"file": ("l.png", logo)})
    assert by_coordinator.status_code == 403

    school = ok(client.patch(f"{API}/organisations/{m.school}", headers=admin, json={"brand_colour": "#12AB34"}))
    assert (school["brand_colour"], school["has_logo"]) == ("#12ab34", True)
    assert (
        client.patch(f"{API}/organisations/{m.school}", headers=admin, json={"brand_colour": "red"}).status_code == 422
    )
    ok(client.delete(f"{API}/school/logo", headers=admin), 204)
    assert client.get(f"{API}/organisations/{m.school}/logo").status_code == 404


def test_signing_key_status_and_audit_trail(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    admin = m.as_["admin"]
    key = ok(client.get(f"{API}/school/signing-key", headers=admin))
    assert key["development"] is True and key["days_left"] > 300 and "development" in key["subject"]
    assert client.get(f"{API}/school/signing-key", headers=m.as_["coordinator"]).status_code == 403

    ok(client.patch(f"{API}/school/staff/{m.validator}", headers=admin, json={"role": "coordinator"}))
    page = ok(client.get(f"{API}/audit?action=staff.", headers=admin))
    assert [e["action"] for e in page["items"]] == ["staff.updated"]
    assert page["items"][0]["after"] == {"role": "coordinator", "active": True}
    everything = ok(client.get(f"{API}/audit?limit=200", headers=admin))
    assert everything["total"] >= 6 and {"mobility.created", "person.created"} <= {
        e["action"] for e in everything["items"]
    }
    of_mobility = ok(client.get(f"{API}/audit?mobility_id={m.id}", headers=admin))["items"]
    assert {e["mobility_id"] for e in of_mobility} == {m.id}
    assert ok(client.get(f"{API}/audit?until=2000-01-01", headers=admin))["total"] == 0
    assert client.get(f"{API}/audit", headers=m.as_["learner"]).status_code == 403
    assert ok(client.get(f"{API}/audit/verify", headers=admin))["valid"] is True
