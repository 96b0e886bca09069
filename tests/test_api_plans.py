"""A coordinator plans a mobility through the API: on SQLite and on PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.journey import API, OUTCOMES, agreed_plan, create_mobility, ok


def test_plan_from_suggestions_to_agreement(client: TestClient) -> None:
    m = create_mobility(client)
    suggestions = ok(client.post(f"{API}/suggestions", json={"text": OUTCOMES[0][0], "top": 3}))
    assert suggestions[0]["competence"] == "3.1"
    assert suggestions[0]["level"] == 3  # "patstāvīgi"
    assert any("patstavigi" in reason for reason in suggestions[0]["why"])

    version = agreed_plan(client, m)
    assert version["status"] == "agreed"
    assert version["missing_confirmations"] == []
    assert [c["role"] for c in version["confirmations"]] == ["coordinator", "mentor", "learner"]
    assert {c["content_hash"] for c in version["confirmations"]} == {version["content_hash"]}
    assert [o["language"] for o in version["outcomes"]] == ["lv", "en", "en"]
    assert [o["competences"][0]["competence"] for o in version["outcomes"]] == ["3.1", "4.2", "2.1"]
    assert version["outcomes"][0]["competences"][0]["framework_version"] == "2.2"

    plan = ok(client.get(f"{API}/mobilities/{m.id}/plan"))
    assert plan["agreed"]["number"] == 1


def test_changes_after_agreement_make_a_new_version_and_keep_the_old(client: TestClient) -> None:
    m = create_mobility(client)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/plan"
    outcome_id = ok(client.get(f"{base}/versions/1"))["outcomes"][2]["id"]

    refused = client.delete(f"{base}/versions/1/outcomes/{outcome_id}")
    assert refused.status_code == 409
    assert "create a new version" in refused.json()["detail"]

    draft = ok(client.post(f"{base}/versions", json={"change_note": "chat is not used at the host"}), 201)
    assert (draft["number"], draft["status"], len(draft["outcomes"])) == (2, "draft", 3)
    second_draft = client.post(f"{base}/versions", json={})
    assert second_draft.status_code == 409
    assert "still a draft" in second_draft.json()["detail"]

    ok(client.delete(f"{base}/versions/2/outcomes/{draft['outcomes'][2]['id']}"), 204)
    for role, person in (("coordinator", m.coordinator), ("mentor", m.mentor), ("learner", m.learner)):
        ok(client.post(f"{base}/versions/2/confirmations", json={"role": role, "person_id": person}))

    plan = ok(client.get(f"{base}"))
    assert [(v["number"], v["status"]) for v in plan["versions"]] == [(1, "superseded"), (2, "agreed")]
    old = ok(client.get(f"{base}/versions/1"))
    assert len(old["outcomes"]) == 3  # earlier versions stay readable, unchanged
    assert len(plan["agreed"]["outcomes"]) == 2


def test_editing_a_draft_voids_earlier_confirmations(client: TestClient) -> None:
    m = create_mobility(client)
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", json={}), 201)
    outcome = {
        "text": "Uses strong passwords",
        "language": "en",
        "criteria": "mentor checks",
        "methods": ["observation"],
        "competences": [{"competence": "4.1", "target_level": 3}],
    }
    ok(client.post(f"{base}/versions/1/outcomes", json=outcome), 201)
    ok(client.post(f"{base}/versions/1/confirmations", json={"role": "mentor", "person_id": m.mentor}))
    ok(
        client.post(
            f"{base}/versions/1/outcomes",
            json={**outcome, "text": "Locks the computer", "competences": [{"competence": "4.1", "target_level": 4}]},
        ),
        201,
    )
    version = ok(client.get(f"{base}/versions/1"))
    assert version["confirmations"] == []
    assert version["missing_confirmations"] == ["coordinator", "mentor", "learner"]


def test_illegal_confirmations_are_refused_with_reasons(client: TestClient) -> None:
    m = create_mobility(client)
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", json={}), 201)
    empty = client.post(f"{base}/versions/1/confirmations", json={"role": "learner", "person_id": m.learner})
    assert (empty.status_code, "no learning outcomes" in empty.json()["detail"]) == (409, True)

    outcome = {
        "text": "Uses strong passwords",
        "language": "en",
        "criteria": "mentor checks",
        "methods": ["observation"],
        "competences": [{"competence": "4.1", "target_level": 3}],
    }
    ok(client.post(f"{base}/versions/1/outcomes", json=outcome), 201)
    wrong_person = client.post(f"{base}/versions/1/confirmations", json={"role": "learner", "person_id": m.mentor})
    assert wrong_person.status_code == 403
    assert "learner" in wrong_person.json()["detail"]
    validator = client.post(f"{base}/versions/1/confirmations", json={"role": "validator", "person_id": m.validator})
    assert validator.status_code == 422
    ok(client.post(f"{base}/versions/1/confirmations", json={"role": "learner", "person_id": m.learner}))
    twice = client.post(f"{base}/versions/1/confirmations", json={"role": "learner", "person_id": m.learner})
    assert (twice.status_code, "already confirmed" in twice.json()["detail"]) == (409, True)


def test_bad_input_gets_field_level_messages_never_500(client: TestClient) -> None:
    m = create_mobility(client)
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", json={}), 201)
    bad_outcome = client.post(
        f"{base}/versions/1/outcomes",
        json={
            "text": "Uses passwords",
            "language": "de",
            "criteria": "x",
            "methods": ["guessing"],
            "competences": [{"competence": "9.9", "target_level": 3}],
        },
    )
    assert bad_outcome.status_code == 422
    fields = {tuple(e["loc"][1:]) for e in bad_outcome.json()["errors"]}
    assert {("language",), ("criteria",), ("methods", 0)} <= fields

    unknown = client.post(
        f"{base}/versions/1/outcomes",
        json={
            "text": "Uses passwords",
            "language": "en",
            "criteria": "checked",
            "methods": ["test"],
            "competences": [
                {"competence": "9.9", "target_level": 3},
                {"framework": "digcomp-2.2", "framework_version": "2.1", "competence": "4.1", "target_level": 3},
            ],
        },
    )
    assert unknown.status_code == 422
    messages = [e["msg"] for e in unknown.json()["errors"]]
    assert "unknown competence '9.9' in framework 'digcomp-2.2'" in messages
    assert "digcomp-2.2 is version 2.2, not 2.1" in messages

    dates = client.post(
        f"{API}/mobilities",
        json={
            "learner_id": m.learner,
            "sending_organisation_id": m.school,
            "host_organisation_id": m.host,
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
    )
    assert dates.status_code == 422
    assert "end_date must be after start_date" in dates.json()["detail"]

    wrong_role = client.post(
        f"{API}/mobilities",
        json={
            "learner_id": m.mentor,
            "sending_organisation_id": m.school,
            "host_organisation_id": m.host,
            "start_date": "2026-03-01",
            "end_date": "2026-04-01",
        },
    )
    assert wrong_role.status_code == 422
    assert "is a mentor, not a learner" in wrong_role.json()["errors"][0]["msg"]

    country = client.post(f"{API}/organisations", json={"name": "X", "kind": "school", "country": "XX"})
    assert country.status_code == 422
    assert "ISO 3166" in country.json()["detail"]

    assert client.get(f"{API}/mobilities/999999").status_code == 404
    assert client.get(f"{API}/mobilities/{m.id}/plan/versions/7").status_code == 404
    assert (
        client.post(f"{API}/mobilities", content=b"{not json", headers={"content-type": "application/json"}).status_code
        == 422
    )
    assert client.get(f"{API}/organisations?limit=0").status_code == 422


def test_lists_are_paginated(client: TestClient) -> None:
    for i in range(3):
        ok(client.post(f"{API}/organisations", json={"name": f"School {i}", "kind": "school", "country": "LV"}), 201)
    page = ok(client.get(f"{API}/organisations?offset=1&limit=1"))
    assert (page["total"], page["offset"], page["limit"], len(page["items"])) == (3, 1, 1, 1)
    assert page["items"][0]["name"] == "School 1"


def test_framework_browsing(client: TestClient) -> None:
    frameworks = ok(client.get(f"{API}/frameworks"))
    assert {f["id"] for f in frameworks} == {"digcomp-2.2", "digcomp-3.0"}
    view = ok(client.get(f"{API}/frameworks/digcomp-2.2/competences/3.1?lang=lv&level=5"))
    assert view["title"] == "Digitālā satura attīstīšana"
    assert view["levels"][0]["statements"][0] == "apply ways to create and edit content in different formats,"
    assert client.get(f"{API}/frameworks/digcomp-9/competences").status_code == 404
    assert client.get(f"{API}/frameworks/digcomp-2.2/competences/7.7").status_code == 404
    assert client.get(f"{API}/frameworks/digcomp-2.2/competences/3.1?lang=de").status_code == 422
