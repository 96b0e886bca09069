"""A whole class at once: a coordinator writes the group's plan once and applies it to every mobility of the group;
mobilities that already have outcomes, an agreed plan, or belong to another school are skipped with the reason and
never changed; applying twice duplicates nothing; each applied mobility then varies its own draft."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from digcomp.store.db import Database
from digcomp.store.models import AuditEntry, Outcome
from tests.journey import API, Mobility, agreed_plan, create_mobility, more_mobilities, ok, web_login

TEMPLATE = {
    "name": "Hotel front office, Valencia",
    "outcomes": [
        {
            "text": {
                "lv": "Patstāvīgi sagatavo viesnīcas pakalpojumu prezentāciju viesiem",
                "en": "Independently prepares a presentation of the hotel's services for guests",
                "es": "Prepara de forma autónoma una presentación de los servicios del hotel",
            },
            "criteria": {"en": "The presentation is complete and clear to guests"},
            "methods": ["product", "observation"],
            "competences": [{"competence": "3.1", "target_level": 3}],
        },
        {
            "text": {"en": "Handles guests' personal data in the booking system in line with GDPR"},
            "criteria": {"en": "No personal data leaves the booking system"},
            "methods": ["observation"],
            "competences": [{"competence": "4.2", "target_level": 4}],
        },
    ],
}


def _class_of(client: TestClient, m: Mobility, size: int) -> list[int]:
    return more_mobilities(client, m, size, "RTK-2027-ES")


def _outcomes(client: TestClient, m: Mobility, mobility_id: int) -> list[dict[str, Any]]:
    plan = ok(client.get(f"{API}/mobilities/{mobility_id}/plan", headers=m.as_["coordinator"]))
    return plan["current"]["outcomes"] if plan["current"] else []


def test_a_group_plan_is_written_once_and_applied_to_the_whole_class(client: TestClient, database: Database) -> None:
    agreed = create_mobility(client, database)
    agreed_plan(client, agreed)  # this learner's plan is agreed already
    other_school = create_mobility(client, database, "Daugavpils tehnikums")
    coordinator = agreed.as_["coordinator"]
    group = _class_of(client, agreed, 5)
    started = group[0]
    ok(client.post(f"{API}/mobilities/{started}/plan/versions", headers=coordinator, json={}), 201)
    base = f"{API}/mobilities/{started}/plan/versions/1/outcomes"
    own = {**TEMPLATE["outcomes"][1], "text": {"en": "Answers guests' e-mails"}}  # type: ignore[dict-item]
    ok(client.post(base, headers=coordinator, json=own), 201)  # this draft has an outcome of its own

    template = ok(client.post(f"{API}/plan-templates", headers=coordinator, json=TEMPLATE), 201)
    assert template["version"] == 1
    assert template["outcomes"][0]["competences"][0]["framework_version"] == "2.2"  # resolved when written
    assert [t["id"] for t in ok(client.get(f"{API}/plan-templates", headers=coordinator))] == [template["id"]]
    apply = f"{API}/plan-templates/{template['id']}/applications"
    everyone = [*group, agreed.id, other_school.id, 999_999]
    result = ok(client.post(apply, headers=coordinator, json={"mobility_ids": everyone}))

    assert result["applied"] == group[1:]
    reasons = {s["mobility_id"]: s["reason"] for s in result["skipped"]}
    assert reasons == {
        started: "its draft plan already has outcomes",
        agreed.id: "its plan is already agreed; change it with a new version",
        other_school.id: "no such mobility of this school",  # as for an id that does not exist: nothing leaks
        999_999: "no such mobility of this school",
    }
    for mobility_id in group[1:]:
        texts = [o["text"] for o in _outcomes(client, agreed, mobility_id)]
        assert texts == [o["text"] for o in TEMPLATE["outcomes"]]  # type: ignore[union-attr]
    assert [o["text"] for o in _outcomes(client, agreed, started)] == [{"en": "Answers guests' e-mails"}]
    assert (
        ok(client.get(f"{API}/mobilities/{other_school.id}/plan", headers=other_school.as_["coordinator"]))["current"]
        is None
    )

    with database.session() as session:
        before = session.scalar(select(func.count()).select_from(Outcome))
    again = ok(client.post(apply, headers=coordinator, json={"mobility_ids": everyone}))
    assert again["applied"] == []  # applying twice duplicates nothing
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Outcome)) == before
        applied = session.scalars(select(AuditEntry).where(AuditEntry.action == "plan_template.applied")).all()
        assert sorted(entry.mobility_id for entry in applied) == group[1:]

    # each learner's draft can then differ from the template
    varied = group[1]
    first = _outcomes(client, agreed, varied)[0]
    changed = {k: first[k] for k in ("text", "criteria", "methods", "module_code")} | {
        "competences": [{"competence": "3.1", "target_level": 4}]
    }
    ok(
        client.put(
            f"{API}/mobilities/{varied}/plan/versions/1/outcomes/{first['id']}", headers=coordinator, json=changed
        )
    )
    assert _outcomes(client, agreed, group[2])[0]["competences"][0]["target_level"] == 3


def test_templates_are_the_school_s_own_and_refuse_what_a_plan_would(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    other = create_mobility(client, database, "Daugavpils tehnikums")
    template = ok(client.post(f"{API}/plan-templates", headers=m.as_["coordinator"], json=TEMPLATE), 201)
    url = f"{API}/plan-templates/{template['id']}"
    assert client.get(url, headers=other.as_["coordinator"]).status_code == 404  # another school's is unknown
    assert client.post(f"{API}/plan-templates", headers=m.as_["learner"], json=TEMPLATE).status_code == 403
    assert client.get(f"{API}/plan-templates", headers=m.as_["mentor"]).status_code == 403
    unknown = {
        **TEMPLATE,
        "outcomes": [{**TEMPLATE["outcomes"][0], "competences": [{"competence": "9.9", "target_level": 3}]}],
    }  # type: ignore[dict-item]
    refused = client.post(f"{API}/plan-templates", headers=m.as_["coordinator"], json=unknown)
    assert refused.status_code == 422
    assert "9.9" in refused.json()["detail"] + str(refused.json().get("errors"))
    no_module = {**TEMPLATE, "outcomes": [{**TEMPLATE["outcomes"][0], "module_code": "NOPE-1"}]}  # type: ignore[dict-item]
    assert client.post(f"{API}/plan-templates", headers=m.as_["coordinator"], json=no_module).status_code == 422

    renamed = ok(client.put(url, headers=m.as_["coordinator"], json={**TEMPLATE, "name": "Front office 2027"}))
    assert (renamed["name"], renamed["version"]) == ("Front office 2027", 2)


def test_on_the_web_a_plan_becomes_the_group_s_plan(client: TestClient, database: Database) -> None:
    """The coordinator plans one learner, saves the plan as a template, and applies it to the group from the
    overview: every member's empty draft gets the outcomes."""
    m = create_mobility(client, database)
    group = _class_of(client, m, 3)
    first = group[0]
    coordinator = m.as_["coordinator"]
    ok(client.post(f"{API}/mobilities/{first}/plan/versions", headers=coordinator, json={}), 201)
    for outcome in TEMPLATE["outcomes"]:  # type: ignore[union-attr]
        ok(client.post(f"{API}/mobilities/{first}/plan/versions/1/outcomes", headers=coordinator, json=outcome), 201)
    web_login(client, f"ilze.coordinator{m.school}@example.org", "lv")
    saved = client.post(f"/mobilities/{first}/plan/template", data={"name": "RTK-2027-ES"}, follow_redirects=False)
    assert saved.status_code == 303
    assert "done=template_saved" in saved.headers["location"]
    overview = client.get("/mobilities", params={"group": "RTK-2027-ES"}).text
    assert "Plāns visai grupai" in overview
    [template] = ok(client.get(f"{API}/plan-templates", headers=coordinator))
    applied = client.post(
        "/mobilities/group-plan", data={"group": "RTK-2027-ES", "template_id": template["id"]}, follow_redirects=False
    )
    assert applied.status_code == 303
    assert "Veidnes rezultāti ir ielikti" in client.get(applied.headers["location"]).text
    for mobility_id in group:
        assert len(_outcomes(client, m, mobility_id)) == 2  # the first kept its own two; the others got two each
    assert client.post(f"/mobilities/{group[1]}/plan/template", data={"name": ""}).status_code == 422


def test_a_plan_is_copied_from_another_mobility(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    first, second = more_mobilities(client, m, 2)
    theirs = create_mobility(client, database, "Liepājas Valsts tehnikums")
    url = f"{API}/mobilities/{m.id}/plan/copies"
    copied = ok(client.post(url, headers=m.as_["coordinator"], json={"mobility_ids": [first, theirs.id, m.id]}))
    assert copied["applied"] == [first]
    assert [s["mobility_id"] for s in copied["skipped"]] == [theirs.id]  # the source itself is not a target
    again = ok(client.post(url, headers=m.as_["coordinator"], json={"mobility_ids": [first]}))
    assert again["skipped"] == [{"mobility_id": first, "reason": "its draft plan already has outcomes"}]
    source = ok(client.get(f"{API}/mobilities/{m.id}/plan", headers=m.as_["coordinator"]))["current"]["outcomes"]
    target = ok(client.get(f"{API}/mobilities/{first}/plan", headers=m.as_["coordinator"]))["current"]
    assert (target["number"], target["status"]) == (1, "draft")
    assert [o["text"] for o in target["outcomes"]] == [o["text"] for o in source]

    web_login(client, f"ilze.coordinator{m.school}@example.org")
    page = client.get(f"/mobilities/{second}").text
    assert "Or copy the plan of another mobility" in page
    done = client.post(f"/mobilities/{second}/plan/copy", data={"source_id": str(m.id)}, follow_redirects=True)
    assert "The plan is copied" in done.text
    assert (
        len(ok(client.get(f"{API}/mobilities/{second}/plan", headers=m.as_["coordinator"]))["current"]["outcomes"]) == 3
    )
