"""A school admin manages staff logins, mentor links, the school's branding, and reads the key and audit trail."""

from __future__ import annotations

import io
import math
import re
import statistics
import time

import pytest
from fastapi.testclient import TestClient
from limits import parse
from PIL import Image
from sqlalchemy import select

from digcomp.access import staff, throttle
from digcomp.store.db import Database
from digcomp.store.models import OutgoingMail
from tests.journey import API, PASSWORD, create_mobility, login, ok, web_login

NEW_PASSWORD = "a-new-password-2026"


def _link_in_mail(database: Database, to: str) -> str:
    with database.session() as session:
        staff.resolve_resets(session)  # what the mail sender does first
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
        assert "Vītola" not in mail.subject
        assert "Dace" in mail.body
    secret = _link_in_mail(database, "dace.vitola@school.lv")
    refused = client.post(f"{API}/auth/token", json={"email": "dace.vitola@school.lv", "password": ""})
    assert refused.status_code in (401, 422)
    assert client.get(f"{API}/mobilities", headers={"Authorization": f"Bearer {secret}"}).status_code == 401

    weak = client.post(f"{API}/auth/password", json={"token": secret, "password": "short"})
    assert weak.status_code == 422
    ok(client.post(f"{API}/auth/password", json={"token": secret, "password": NEW_PASSWORD}), 204)
    again = client.post(f"{API}/auth/password", json={"token": secret, "password": NEW_PASSWORD + "x"})
    assert again.status_code == 401
    assert "used already" in again.json()["detail"]
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
        assert staff.resolve_resets(session) == 1  # the unknown address gets nothing
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
    assert own.status_code == 409
    assert "your own" in own.json()["detail"]
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
    assert "token" not in listed[0]
    assert "url" not in listed[0]
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
    assert not_a_picture.status_code == 422
    assert "PNG or JPEG" in not_a_picture.json()["detail"]
    huge = client.put(f"{API}/school/logo", headers=admin, files={"file": ("l.png", _png(3000, 10), "image/png")})
    assert huge.status_code == 422
    assert "3000×10" in huge.json()["detail"]
    by_coordinator = client.put(f"{API}/school/logo", headers=m.as_["coordinator"], files={"file": ("l.png", logo)})
    assert by_coordinator.status_code == 403

    school = ok(client.patch(f"{API}/organisations/{m.school}", headers=admin, json={"brand_colour": "#0E892A"}))
    assert (school["brand_colour"], school["has_logo"]) == ("#0e892a", True)
    assert (
        client.patch(f"{API}/organisations/{m.school}", headers=admin, json={"brand_colour": "red"}).status_code == 422
    )
    ok(client.delete(f"{API}/school/logo", headers=admin), 204)
    assert client.get(f"{API}/organisations/{m.school}/logo").status_code == 404


def test_a_colour_that_would_hide_the_header_text_is_refused_with_a_darker_shade(
    client: TestClient, database: Database
) -> None:
    """The header's text is white: yellow (1.07:1) or white itself would hide it for every reader (WCAG 1.4.3)."""
    m = create_mobility(client, database)
    school = f"{API}/organisations/{m.school}"
    for colour, shade in (("#ffff00", "#7a7a00"), ("#FFFFFF", "#757575"), ("#12ab34", "#0e892a")):
        refused = client.patch(school, headers=m.as_["admin"], json={"brand_colour": colour})
        assert refused.status_code == 422
        assert f"a darker shade of it that works: {shade}" in refused.json()["detail"]
        assert refused.json()["errors"][0]["loc"] == ["body", "brand_colour"]
        assert ok(client.patch(school, headers=m.as_["admin"], json={"brand_colour": shade}))["brand_colour"] == shade
    assert ok(client.patch(school, headers=m.as_["admin"], json={"brand_colour": ""}))["brand_colour"] == ""


def test_signing_key_status_and_audit_trail(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    admin = m.as_["admin"]
    key = ok(client.get(f"{API}/school/signing-key", headers=admin))
    assert key["development"] is True
    assert key["days_left"] > 300
    assert "development" in key["subject"]
    assert client.get(f"{API}/school/signing-key", headers=m.as_["coordinator"]).status_code == 403

    ok(client.patch(f"{API}/school/staff/{m.validator}", headers=admin, json={"role": "coordinator"}))
    page = ok(client.get(f"{API}/audit?action=staff.", headers=admin))
    assert [e["action"] for e in page["items"]] == ["staff.updated"]
    assert page["items"][0]["after"] == {"role": "coordinator", "active": True}
    everything = ok(client.get(f"{API}/audit?limit=200", headers=admin))
    assert everything["total"] >= 6
    assert {"mobility.created", "person.created"} <= {e["action"] for e in everything["items"]}
    of_mobility = ok(client.get(f"{API}/audit?mobility_id={m.id}", headers=admin))["items"]
    assert {e["mobility_id"] for e in of_mobility} == {m.id}
    assert ok(client.get(f"{API}/audit?until=2000-01-01", headers=admin))["total"] == 0
    assert client.get(f"{API}/audit", headers=m.as_["learner"]).status_code == 403
    assert ok(client.get(f"{API}/audit/verify", headers=admin))["valid"] is True


def test_the_admin_pages_in_latvian(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    admin_email = ok(client.get(f"{API}/auth/me", headers=m.as_["admin"]))
    email = ok(client.get(f"{API}/people/{admin_email['person_id']}", headers=m.as_["admin"]))["email"]
    web_login(client, email, "lv")
    page = client.get("/school")
    assert page.status_code == 200
    assert "Skolas pārvaldība" in page.text
    assert "izstrādes atslēga" in page.text
    invited = client.post(
        "/school/staff",
        data={"given_name": "Dace", "family_name": "Vītola", "email": "dace@school.lv", "role": "coordinator"},
    )
    assert invited.status_code == 200
    assert "Uzaicinājums ir ceļā" in invited.text
    duplicate = client.post(
        "/school/staff", data={"given_name": "D", "family_name": "V", "email": "dace@school.lv", "role": "coordinator"}
    )
    assert duplicate.status_code == 422
    assert "dace@school.lv" in duplicate.text

    verified = client.get("/school/audit?verify=true&action=staff.")
    assert "Audita pieraksts ir neskarts" in verified.text
    assert "staff.invited" in verified.text

    refused = client.post(f"/school/people/{m.learner}/erasure", data={})
    assert refused.status_code == 422
    assert "Atzīmējiet lodziņu" in refused.text
    export = client.get(f"/school/people/{m.learner}/export")
    assert export.status_code == 200
    assert export.content[:2] == b"PK"
    erased = client.post(f"/school/people/{m.learner}/erasure", data={"confirm": "yes"})
    assert "personas dati ir dzēsti" in erased.text
    assert ok(client.get(f"{API}/people/{m.learner}", headers=m.as_["admin"]))["given_name"] == "—"


def test_a_forgotten_password_on_the_web_pages(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    email = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["admin"]))["email"]
    client.cookies.set("digcomp_lang", "en")
    assert "Forgot your password?" in client.get("/login").text
    sent = client.post("/password-reset", data={"email": email})
    assert "If this address has a login" in sent.text
    secret = _link_in_mail(database, email)
    form = client.get(f"/password/{secret}")
    assert form.status_code == 200
    assert email in form.text
    mismatch = client.post(f"/password/{secret}", data={"password": NEW_PASSWORD, "repeat": "something-else-12"})
    assert mismatch.status_code == 422
    assert "not the same" in mismatch.text
    done = client.post(f"/password/{secret}", data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert "Your password is saved" in done.text
    assert client.get(f"/password/{secret}").status_code == 401
    web_login_with = client.post("/login", data={"email": email, "password": NEW_PASSWORD}, follow_redirects=False)
    assert web_login_with.status_code == 303


def test_a_learner_gives_and_withdraws_consent_on_the_privacy_page(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    ok(
        client.post(
            f"{API}/privacy-notice",
            headers=m.as_["admin"],
            json={"text": {"lv": "Skola apstrādā datus…", "en": "The school…"}},
        ),
        201,
    )
    email = ok(client.get(f"{API}/people/{m.learner}", headers=m.as_["admin"]))["email"]
    web_login(client, email, "lv")
    page = client.get("/privacy")
    assert "Skola apstrādā datus" in page.text
    assert "Vēl nav atbildēts" in page.text
    client.post("/privacy/consents", data={"kind": "photos", "granted": "true"})
    client.post("/privacy/consents", data={"kind": "photos", "granted": "false"})
    consents = ok(client.get(f"{API}/people/{m.learner}/consents", headers=m.as_["learner"]))
    assert [(c["kind"], c["granted"], c["notice_version"]) for c in consents] == [("photos", False, 1)]
    assert "Jūs atteicāties" in client.get("/privacy").text


def test_the_time_a_reset_takes_says_nothing_about_who_has_a_login(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 requests for an address with a login and 50 for one without, interleaved (each side first half of the
    time), compared by rank (Mann–Whitney U): both write the same single row, so neither is faster. Each side repeats
    one address, as a prober would, so only the login's existence differs (the flood limits, the same for both, are
    lifted)."""
    monkeypatch.setattr(throttle, "PER_ADDRESS", parse("1000/minute"))
    monkeypatch.setattr(throttle, "PER_ACCOUNT", parse("1000/minute"))
    monkeypatch.setattr(throttle, "PER_ACCOUNT_ADDRESS", parse("1000/minute"))
    m = create_mobility(client, database)
    known_email = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["admin"]))["email"]
    known: list[float] = []
    unknown: list[float] = []
    for sample in range(50):
        pair = [(known_email, known), ("nobody@nowhere.example", unknown)]
        for email, times in pair if sample % 2 else reversed(pair):  # each side goes first half of the time
            start = time.perf_counter()
            assert client.post(f"{API}/auth/password-reset", json={"email": email}).status_code == 202
            times.append(time.perf_counter() - start)
    ranked = sorted([(t, 0) for t in known] + [(t, 1) for t in unknown])
    rank_sum = sum(rank for rank, (_, group) in enumerate(ranked, start=1) if group == 0)
    u = rank_sum - 50 * 51 / 2
    z = (u - 50 * 50 / 2) / math.sqrt(50 * 50 * 101 / 12)
    assert abs(z) < 3.3, (
        f"known {statistics.median(known) * 1000:.2f} ms, unknown {statistics.median(unknown) * 1000:.2f} ms"
    )


def test_the_admin_sets_grading_and_quality_assurance_on_the_school_page(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    admin_email = next(
        s["email"] for s in ok(client.get(f"{API}/school/staff", headers=m.as_["admin"])) if s["role"] == "admin"
    )
    web_login(client, admin_email)
    graded = client.post("/school/grades", data={"grade_scale": "pass_fail", "average_mastery_grade": "5"})
    assert graded.status_code == 200  # back on the school page, saved
    quality = client.post("/school/quality", data={"quality_assurance": "Accredited by AIKA until 2030"})
    assert quality.status_code == 200
    school = ok(client.get(f"{API}/organisations/{m.school}", headers=m.as_["admin"]))
    assert (school["grade_scale"], school["average_mastery_grade"]) == ("pass_fail", 5)
    assert school["quality_assurance"] == "Accredited by AIKA until 2030"
    refused = client.post("/school/grades", data={"grade_scale": "lv10", "average_mastery_grade": "11"})
    assert refused.status_code == 422
    assert ok(client.get(f"{API}/organisations/{m.school}", headers=m.as_["admin"]))["average_mastery_grade"] == 5
