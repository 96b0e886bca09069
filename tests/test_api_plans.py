"""A coordinator plans a mobility through the API: on SQLite and on PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, OUTCOMES, add_outcome, agreed_plan, confirm_all, create_mobility, ok


def test_plan_from_suggestions_to_agreement(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    suggestions = ok(client.post(f"{API}/suggestions", headers=m.as_["coordinator"], json={"text": OUTCOMES[0][0]}))
    assert suggestions[0]["competence"] == "3.1"
    assert suggestions[0]["level"] == 4  # "patstāvīgi": independently
    assert any("patstavigi" in reason for reason in suggestions[0]["why"])

    version = agreed_plan(client, m)
    assert version["status"] == "agreed"
    assert version["missing_confirmations"] == []
    assert [c["role"] for c in version["confirmations"]] == ["coordinator", "mentor", "learner"]
    assert [c["person"]["id"] for c in version["confirmations"]] == [m.coordinator, m.mentor, m.learner]
    assert {c["content_hash"] for c in version["confirmations"]} == {version["content_hash"]}
    assert [sorted(o["text"]) for o in version["outcomes"]] == [["en", "lv"], ["en"], ["en"]]
    assert [o["competences"][0]["competence"] for o in version["outcomes"]] == ["3.1", "4.2", "2.1"]
    assert version["outcomes"][0]["competences"][0]["framework_version"] == "2.2"

    plan = ok(client.get(f"{API}/mobilities/{m.id}/plan", headers=m.as_["learner"]))
    assert plan["agreed"]["number"] == 1


def test_changes_after_agreement_make_a_new_version_and_keep_the_old(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/plan"
    as_coordinator = m.as_["coordinator"]
    outcome_id = ok(client.get(f"{base}/versions/1", headers=as_coordinator))["outcomes"][2]["id"]

    refused = client.delete(f"{base}/versions/1/outcomes/{outcome_id}", headers=as_coordinator)
    assert refused.status_code == 409
    assert "create a new version" in refused.json()["detail"]

    draft = ok(
        client.post(f"{base}/versions", headers=as_coordinator, json={"change_note": "no chat at the host"}), 201
    )
    assert (draft["number"], draft["status"], len(draft["outcomes"])) == (2, "draft", 3)
    second_draft = client.post(f"{base}/versions", headers=as_coordinator, json={})
    assert second_draft.status_code == 409
    assert "still a draft" in second_draft.json()["detail"]

    ok(client.delete(f"{base}/versions/2/outcomes/{draft['outcomes'][2]['id']}", headers=as_coordinator), 204)
    confirm_all(client, m, 2)

    plan = ok(client.get(base, headers=as_coordinator))
    assert [(v["number"], v["status"]) for v in plan["versions"]] == [(1, "superseded"), (2, "agreed")]
    old = ok(client.get(f"{base}/versions/1", headers=as_coordinator))
    assert len(old["outcomes"]) == 3  # earlier versions stay readable, unchanged
    assert len(plan["agreed"]["outcomes"]) == 2


def test_editing_a_draft_voids_earlier_confirmations(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", headers=m.as_["coordinator"], json={}), 201)
    ok(add_outcome(client, m, 1, "Uses strong passwords", "4.1"), 201)
    ok(client.post(f"{base}/versions/1/confirmations", headers=m.as_["mentor"]))
    ok(add_outcome(client, m, 1, "Locks the computer", "4.1", 4), 201)
    version = ok(client.get(f"{base}/versions/1", headers=m.as_["mentor"]))
    assert version["confirmations"] == []
    assert version["missing_confirmations"] == ["coordinator", "mentor", "learner"]


def test_illegal_confirmations_are_refused_with_reasons(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", headers=m.as_["coordinator"], json={}), 201)
    empty = client.post(f"{base}/versions/1/confirmations", headers=m.as_["learner"])
    assert (empty.status_code, "no learning outcomes" in empty.json()["detail"]) == (409, True)

    ok(add_outcome(client, m, 1, "Uses strong passwords", "4.1"), 201)
    validator = client.post(f"{base}/versions/1/confirmations", headers=m.as_["validator"])
    assert validator.status_code == 403
    assert "does not confirm plans" in validator.json()["detail"]
    ok(client.post(f"{base}/versions/1/confirmations", headers=m.as_["learner"]))
    twice = client.post(f"{base}/versions/1/confirmations", headers=m.as_["learner"])
    assert (twice.status_code, "already confirmed" in twice.json()["detail"]) == (409, True)
    learner_edit = client.post(
        f"{base}/versions/1/outcomes",
        headers=m.as_["learner"],
        json={
            "text": {"en": "x" * 5},
            "criteria": {"en": "ccc"},
            "methods": ["test"],
            "competences": [{"competence": "4.1", "target_level": 3}],
        },
    )
    assert learner_edit.status_code == 403


def test_bad_input_gets_field_level_messages_never_500(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    base = f"{API}/mobilities/{m.id}/plan"
    as_coordinator = m.as_["coordinator"]
    ok(client.post(f"{base}/versions", headers=as_coordinator, json={}), 201)
    bad_outcome = client.post(
        f"{base}/versions/1/outcomes",
        headers=as_coordinator,
        json={
            "text": {"xx": "Uses passwords"},
            "criteria": {"en": "x"},
            "methods": ["guessing"],
            "competences": [{"competence": "9.9", "target_level": 3}],
        },
    )
    assert bad_outcome.status_code == 422
    fields = {tuple(e["loc"][1:]) for e in bad_outcome.json()["errors"]}
    assert {("text",), ("criteria", "en"), ("methods", 0)} <= fields

    unknown = client.post(
        f"{base}/versions/1/outcomes",
        headers=as_coordinator,
        json={
            "text": {"en": "Uses passwords"},
            "criteria": {"en": "checked"},
            "methods": ["test"],
            "competences": [
                {"competence": "9.9", "target_level": 3},
                {"framework": "digcomp-2.2", "framework_version": "2.1", "competence": "4.1", "target_level": 3},
            ],
        },
    )
    assert unknown.status_code == 422
    messages = [e["msg"] for e in unknown.json()["errors"]]
    assert "digcomp-2.2 has no competence '9.9'" in messages
    assert "digcomp-2.2 is version 2.2, not 2.1" in messages

    dates = client.post(
        f"{API}/mobilities",
        headers=as_coordinator,
        json={
            "learner_id": m.learner,
            "sending_organisation_id": m.school,
            "host_organisation_id": m.host,
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
    )
    assert dates.status_code == 422
    assert "the end date must be after the start date" in dates.json()["detail"]

    wrong_role = client.post(
        f"{API}/mobilities",
        headers=as_coordinator,
        json={
            "learner_id": m.validator,
            "sending_organisation_id": m.school,
            "host_organisation_id": m.host,
            "start_date": "2026-03-01",
            "end_date": "2026-04-01",
        },
    )
    assert wrong_role.status_code == 422
    assert "is a validator, not a learner" in wrong_role.json()["errors"][0]["msg"]

    country = client.post(
        f"{API}/organisations", headers=as_coordinator, json={"name": "X", "kind": "company", "country": "XX"}
    )
    assert country.status_code == 422
    assert "two-letter country code" in country.json()["detail"]

    assert client.get(f"{API}/mobilities/999999", headers=as_coordinator).status_code == 404
    assert client.get(f"{base}/versions/7", headers=as_coordinator).status_code == 404
    garbage = client.post(
        f"{API}/mobilities", headers={**as_coordinator, "content-type": "application/json"}, content=b"{not json"
    )
    assert garbage.status_code == 422
    assert client.get(f"{API}/organisations?limit=0", headers=as_coordinator).status_code == 422


def test_lists_are_paginated(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    for i in range(3):
        ok(
            client.post(
                f"{API}/organisations",
                headers=m.as_["coordinator"],
                json={"name": f"Host {i}", "kind": "company", "country": "DE"},
            ),
            201,
        )
    page = ok(client.get(f"{API}/organisations?offset=2&limit=1", headers=m.as_["coordinator"]))
    assert (page["total"], page["offset"], page["limit"], len(page["items"])) == (5, 2, 1, 1)
    assert page["items"][0]["name"] == "Host 0"


def test_framework_browsing_is_public(client: TestClient) -> None:
    frameworks = ok(client.get(f"{API}/frameworks"))
    assert {f["id"] for f in frameworks} == {"digcomp-2.2", "digcomp-3.0"}
    view = ok(client.get(f"{API}/frameworks/digcomp-2.2/competences/3.1?lang=lv&level=5"))
    assert view["title"] == "Digitālā satura attīstīšana"
    assert view["levels"][0]["statements"][0] == "apply ways to create and edit content in different formats,"
    assert client.get(f"{API}/frameworks/digcomp-9/competences").status_code == 404
    assert client.get(f"{API}/frameworks/digcomp-2.2/competences/7.7").status_code == 404
    assert client.get(f"{API}/frameworks/digcomp-2.2/competences/3.1?lang=de").status_code == 422
