"""A refused form says what is wrong at the field itself (aria-invalid, aria-describedby, the message beside it),
keeps what was typed, and starts with a summary that links to the field (WCAG 3.3.1, 3.3.3)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, agreed_plan, create_mobility, ok, validated_mobility, validator_email, web_login


def _described(html: str, field_id: str) -> str:
    """The text of the element the field points to with aria-describedby (the field must be marked invalid)."""
    tag = re.search(rf'<[^>]+id="{re.escape(field_id)}"[^>]*>', html)
    assert tag, f"no field {field_id}"
    assert 'aria-invalid="true"' in tag.group(0), tag.group(0)
    described = re.search(r'aria-describedby="([^" ]+)', tag.group(0))
    assert described, tag.group(0)
    message = re.search(rf'id="{described.group(1)}"[^>]*>(.*?)</', html, re.S)
    assert message, described.group(1)
    return message.group(1)


def test_login_outcome_and_invite_errors_are_at_their_fields(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    client.cookies.set("digcomp_lang", "en")
    refused = client.post("/login", data={"email": "someone@example.lv", "password": "wrong-password-1"})
    assert refused.status_code == 401
    assert "The e-mail or password is wrong" in _described(refused.text, "f-email") or _described(
        refused.text, "f-email"
    )
    assert 'value="someone@example.lv"' in refused.text
    assert "<title>Error: " in refused.text

    web_login(client, f"ilze.coordinator{m.school}@example.org")
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=m.as_["coordinator"], json={}), 201)
    empty = client.post(f"/mobilities/{m.id}/plan/outcomes/new", data={"action": "save", "text_lv": "Sagatavo"})
    assert empty.status_code == 422
    assert 'id="error-summary"' in empty.text
    assert 'href="#f-target_level"' in empty.text
    assert _described(empty.text, "f-target_level") == "Write a whole number."
    assert 'aria-invalid="true" aria-describedby="e-criteria"' in empty.text  # each language's box of the criteria
    assert "Sagatavo" in empty.text  # what was typed stays

    client.cookies.clear()
    client.cookies.set("digcomp_lang", "en")
    client.post(
        "/login",
        data={
            "email": f"admin{abs(hash('Rīgas Tehniskā koledža')) % 10**8}@school.example.lv",
            "password": "test-password-123",
        },
    )
    invite = client.post(
        "/school/staff",
        data={"given_name": "Dace", "family_name": "Vītola", "email": "not-an-address", "role": "validator"},
    )
    assert invite.status_code == 422
    assert '<details class="card" id="invite" open>' in invite.text  # not collapsed
    assert 'value="Dace"' in invite.text
    assert 'value="Vītola"' in invite.text
    assert _described(invite.text, "f-invite-email")


def test_a_rating_error_names_the_competence_at_its_form(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    view = ok(client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["coordinator"]))
    outcome, target = view["outcomes"][0], view["outcomes"][0]["competences"][0]
    identified = {"worked_on": True}
    base = f"{API}/mobilities/{m.id}/assessment"
    ok(client.put(f"{base}/outcomes/{outcome['outcome_id']}/identification", headers=m.as_["learner"], json=identified))
    note = {"title": "Observation", "text": "Did it well."}
    ok(client.post(f"{base}/outcomes/{outcome['outcome_id']}/notes", headers=m.as_["mentor"], json=note), 201)
    web_login(client, f"lucía.mentor{m.school}@example.org")
    page = client.post(
        f"/mobilities/{m.id}/assessment/targets/{target['target_id']}/rate", data={"level": "4", "justification": "ok"}
    )
    assert page.status_code == 422  # the justification is too short
    assert f'href="#target-{target["target_id"]}"' in page.text
    assert _described(page.text, f"level-{target['target_id']}")


def test_recognition_errors_are_at_each_results_fields(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    module = ok(
        client.post(
            f"{API}/programme-modules",
            headers=m.as_["validator"],
            json={"code": "VPS-07", "name": {"lv": "Prezentēšana", "en": "Presenting"}, "hours": 40, "credits": 2},
        ),
        201,
    )["id"]
    result = ok(client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["validator"]))["outcomes"][0]
    result_id = result["competences"][0]["result"]["id"]
    web_login(client, validator_email(m))
    page = client.post(
        f"/mobilities/{m.id}/recognition", data={f"module-{result_id}": str(module), f"grade-{result_id}": "2"}
    )
    assert page.status_code == 422
    message = _described(page.text, f"reason-{result_id}")
    assert "below the school" in message
    assert f"competence {result['competences'][0]['competence']}" in message
    assert f'href="#reason-{result_id}"' in page.text
    assert "Why it is recognised although below" in page.text  # the label of the field, not the revocation reason's
