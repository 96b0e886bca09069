"""Competences acquired beyond the plan: added by the mentor or a validator during the placement, taken through
the four stages like the planned ones, marked "additional" everywhere, and never changing the agreed plan."""

from __future__ import annotations

from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, Mobility, agreed_plan, create_mobility, ok
from tests.test_certificates import embedded_credential, text_of

EXTRA = {
    "text": {"en": "Set up the hotel's new booking widget and taught two colleagues to use it"},
    "competence": {"competence": "5.2", "target_level": 4},
}


def _assess_planned(client: TestClient, m: Mobility, base: str) -> None:
    for outcome in ok(client.get(base, headers=m.as_["mentor"]))["outcomes"]:
        if outcome["additional"]:
            continue
        ident = outcome["outcome_id"]
        ok(client.put(f"{base}/outcomes/{ident}/identification", headers=m.as_["learner"], json={"worked_on": True}))
        note = {"title": "Observation", "text": "Did this well and on time."}
        ok(client.post(f"{base}/outcomes/{ident}/notes", headers=m.as_["mentor"], json=note), 201)
        rating = {"level": 4, "justification": "Meets the agreed criteria at level 4"}
        ok(
            client.put(
                f"{base}/targets/{outcome['competences'][0]['target_id']}/rating", headers=m.as_["mentor"], json=rating
            )
        )


def test_an_additional_competence_goes_through_all_four_stages_onto_the_statement(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    agreed = agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/assessment"
    planned = [t["competence"] for o in agreed["outcomes"] for t in o["competences"]]

    # who may add it, and what is refused
    assert client.post(f"{base}/additional-outcomes", headers=m.as_["learner"], json=EXTRA).status_code == 403
    assert client.post(f"{base}/additional-outcomes", headers=m.as_["coordinator"], json=EXTRA).status_code == 403
    already = {**EXTRA, "competence": {"competence": planned[0], "target_level": 3}}
    refused = client.post(f"{base}/additional-outcomes", headers=m.as_["mentor"], json=already)
    assert refused.status_code == 409
    assert "already in the agreed plan" in refused.json()["detail"]
    unknown = {**EXTRA, "competence": {"competence": "9.9", "target_level": 3}}
    assert client.post(f"{base}/additional-outcomes", headers=m.as_["mentor"], json=unknown).status_code == 422

    # stage 1: added by the mentor, identified as worked on
    view = ok(client.post(f"{base}/additional-outcomes", headers=m.as_["mentor"], json=EXTRA), 201)
    [extra] = [o for o in view["outcomes"] if o["additional"]]
    assert (extra["number"], extra["worked_on"], extra["stage"]) == (len(planned) + 1, True, "identified")
    twice = client.post(f"{base}/additional-outcomes", headers=m.as_["validator"], json=EXTRA)
    assert twice.status_code == 409
    assert "already added" in twice.json()["detail"]
    # a mistake is taken back by whoever added it, and only before evidence
    assert (
        client.delete(f"{base}/additional-outcomes/{extra['outcome_id']}", headers=m.as_["validator"]).status_code
        == 403
    )

    # stage 2 and 3: evidence and a rating, like any outcome
    target = extra["competences"][0]["target_id"]
    note = {"title": "Booking widget", "text": "Configured it alone; the front desk uses it daily."}
    ok(client.post(f"{base}/outcomes/{extra['outcome_id']}/notes", headers=m.as_["mentor"], json=note), 201)
    late = client.delete(f"{base}/additional-outcomes/{extra['outcome_id']}", headers=m.as_["mentor"])
    assert late.status_code == 409
    # withdrawn evidence stays in the trail, so the competence cannot vanish from under it either
    [noted] = [o for o in ok(client.get(base, headers=m.as_["mentor"]))["outcomes"] if o["additional"]]
    withdrawal = {"reason": "Wrong outcome"}
    ok(
        client.post(
            f"{base}/evidence/{noted['evidence'][0]['id']}/withdrawal", headers=m.as_["mentor"], json=withdrawal
        )
    )
    late = client.delete(f"{base}/additional-outcomes/{extra['outcome_id']}", headers=m.as_["mentor"])
    assert late.status_code == 409
    assert "already has evidence" in late.json()["detail"]
    ok(client.post(f"{base}/outcomes/{extra['outcome_id']}/notes", headers=m.as_["mentor"], json=note), 201)
    rating = {"level": 4, "justification": "Solved the set-up problems on their own, level 4"}
    ok(client.put(f"{base}/targets/{target}/rating", headers=m.as_["mentor"], json=rating))
    _assess_planned(client, m, base)

    # stage 4: validated with the rest; the agreed plan and its hash are untouched
    validated = ok(client.post(f"{base}/validation", headers=m.as_["validator"], json={}), 201)
    [competence] = [c for o in validated["outcomes"] if o["additional"] for c in o["competences"]]
    result = competence["result"]
    assert (competence["competence"], result["achieved_level"], result["status"]) == ("5.2", 4, "achieved")
    plan = ok(client.get(f"{API}/mobilities/{m.id}/plan", headers=m.as_["coordinator"]))
    assert plan["agreed"]["content_hash"] == agreed["content_hash"]
    assert len(plan["agreed"]["outcomes"]) == len(planned)
    assert plan["agreed"]["number"] == 1
    after = client.post(
        f"{base}/additional-outcomes",
        headers=m.as_["mentor"],
        json={**EXTRA, "competence": {"competence": "1.1", "target_level": 2}},
    )
    assert after.status_code == 409
    assert "validated" in after.json()["detail"]

    # the statement and the credential mark it
    ok(client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["coordinator"], json={}), 201)
    pdf = client.get(f"{API}/mobilities/{m.id}/certificate.pdf", headers=m.as_["learner"]).content
    text = text_of(pdf)
    assert (
        "5.2 Vajadzību un tehnoloģisko risinājumu identificēšana / Identifying needs and technological responses"
        in text
    )
    assert "papildus apgūta / additionally acquired" in text
    assert "Acquired beyond the agreed plan" in text
    names = [d["name"] for d in embedded_credential(pdf)["credentialSubject"]["achievement"]["resultDescription"]]
    assert any("5.2" in n and "additionally acquired" in n for n in names)
    audit = ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=m.as_["validator"]))
    assert "assessment.additional_added" in {e["action"] for e in audit}


def test_an_additional_competence_survives_a_change_of_plan(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/assessment"
    view = ok(client.post(f"{base}/additional-outcomes", headers=m.as_["mentor"], json=EXTRA), 201)
    [extra] = [o for o in view["outcomes"] if o["additional"]]
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=m.as_["coordinator"], json={}), 201)
    for role in ("coordinator", "mentor", "learner"):
        ok(client.post(f"{API}/mobilities/{m.id}/plan/versions/2/confirmations", headers=m.as_[role]))
    now = ok(client.get(base, headers=m.as_["mentor"]))
    assert now["plan_version"] == 2
    [kept] = [o for o in now["outcomes"] if o["additional"]]
    assert (kept["outcome_id"], kept["worked_on"]) == (extra["outcome_id"], True)
    plan = ok(client.get(f"{API}/mobilities/{m.id}/plan", headers=m.as_["coordinator"]))
    assert all("5.2" not in [t["competence"] for t in o["competences"]] for o in plan["agreed"]["outcomes"])


def test_the_mentor_adds_a_competence_on_the_assessment_page(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    email = ok(client.get(f"{API}/people/{m.mentor}", headers=m.as_["mentor"]))["email"]
    client.cookies.set("digcomp_lang", "en")
    client.post("/login", data={"email": email, "password": "test-password-123"})
    page = client.get(f"/mobilities/{m.id}/assessment").text
    assert "Add a competence acquired beyond the plan" in page
    form = {
        "additional_text": "Made the hotel's booking widget work on phones",
        "additional_language": "en",
        "additional_competence": "5.2",
        "additional_level": "3",
    }
    missing = client.post(f"/mobilities/{m.id}/assessment/additional", data={**form, "additional_level": ""})
    assert missing.status_code == 422  # the page says what is missing and keeps what was typed
    assert "Made the hotel&#39;s booking widget work on phones" in missing.text
    added = client.post(f"/mobilities/{m.id}/assessment/additional", data=form, follow_redirects=False)
    assert added.headers["location"].endswith("?done=additional_added#additional")
    shown = client.get(added.headers["location"]).text
    assert "The competence was added. Now add evidence and rate it." in shown
    assert "Additionally acquired" in shown
    assert "Level when added 3" in shown
