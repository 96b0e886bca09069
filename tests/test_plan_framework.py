"""A school chooses the DigComp version its plans are written on; in the web a coordinator then writes, is suggested
and saves outcomes on that version, with reasons from that version's texts only, and a plan already started keeps
the version of its outcomes."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, assess_and_validate, confirm_all, create_mobility, ok, web_login

OUTCOME = {
    "text_lv": "Ievada viesu rezervācijas viesnīcas rezervāciju sistēmā un pārbauda brīvos numurus",
    "text_en": "Enters guest bookings in the hotel booking system and checks free rooms",
}


def _admin_email(client: TestClient, school: int, admin: dict[str, str]) -> str:
    staff = ok(client.get(f"{API}/school/staff", headers=admin))
    return next(s["email"] for s in staff if s["role"] == "admin")


def _competence_options(html: str) -> str:
    select = re.search(r'<select id="f-competence".*?</select>', html, re.S)
    assert select, html
    return select.group(0)


def test_a_school_on_digcomp_3_writes_its_plans_on_3_in_the_web(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    admin_email = _admin_email(client, m.school, m.as_["admin"])
    web_login(client, admin_email)
    assert 'value="digcomp-2.2" selected' in client.get("/school").text
    chosen = client.post("/school/framework", data={"plan_framework": "digcomp-3.0"}, follow_redirects=False)
    assert chosen.status_code == 303
    assert 'value="digcomp-3.0" selected' in client.get("/school").text
    school = ok(client.get(f"{API}/organisations/{m.school}", headers=m.as_["admin"]))
    assert school["plan_framework"] == "digcomp-3.0"

    web_login(client, f"ilze.coordinator{m.school}@example.org")
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=m.as_["coordinator"], json={}), 201)
    form = client.get(f"/mobilities/{m.id}/plan/outcomes/new")
    assert 'data-framework="digcomp-3.0"' in form.text
    assert "(DigComp 3.0)" in form.text
    # DigComp 3.0's titles (English only), not 2.2's
    assert "Interacting through and with digital technologies" in _competence_options(form.text)
    assert "Browsing, searching and filtering data" not in _competence_options(form.text)

    # the suggest button without JavaScript: the form's own post, nothing required filled in
    suggested = client.post(f"/mobilities/{m.id}/plan/outcomes/new", data={**OUTCOME, "action": "suggest"})
    assert suggested.status_code == 200
    reasons = re.findall(r"<li>(.*?)</li>", suggested.text.split('id="suggestions"')[1].split("</section>")[0])
    quoted = [r for r in reasons if "DigComp" in r]
    assert quoted, reasons
    assert all("DigComp 3.0" in r and "DigComp 2.2" not in r for r in quoted), reasons

    saved = client.post(
        f"/mobilities/{m.id}/plan/outcomes/new",
        data={
            **OUTCOME,
            "framework": "digcomp-3.0",
            "criteria_en": "The mentor checks three bookings",
            "competence": "2.1",
            "target_level": "3",
            "methods": "observation",
            "action": "save",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    plan = ok(client.get(f"{API}/mobilities/{m.id}/plan", headers=m.as_["coordinator"]))
    [target] = plan["current"]["outcomes"][0]["competences"]
    assert (target["framework"], target["framework_version"], target["competence"]) == ("digcomp-3.0", "3.0", "2.1")
    page = client.get(f"/mobilities/{m.id}")
    assert "Interacting through and with digital technologies" in page.text

    outcome_id = plan["current"]["outcomes"][0]["id"]
    edit = client.get(f"/mobilities/{m.id}/plan/outcomes/{outcome_id}/edit")
    assert 'name="framework" value="digcomp-3.0"' in edit.text

    # agreed, assessed and validated on 3.0; the additional-competence choice and the statement are on 3.0 too
    confirm_all(client, m, 1)
    assess_and_validate(client, m)
    assessment = client.get(f"/mobilities/{m.id}/assessment")
    assert assessment.status_code == 200
    assert "Interacting through and with digital technologies" in assessment.text
    issued = ok(client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["coordinator"], json={}), 201)
    verified = ok(client.get(f"{API}/certificates/{issued['id']}/verification"))
    assert verified["verdict"] == "valid", verified["reasons"]
    assert "DigComp 3.0" in str(verified["competences"]), verified["competences"]

    # the school goes back to 2.2: this plan, already started on 3.0, stays on 3.0
    web_login(client, admin_email)
    client.post("/school/framework", data={"plan_framework": "digcomp-2.2"})
    web_login(client, f"ilze.coordinator{m.school}@example.org")
    assert 'data-framework="digcomp-3.0"' in client.get(f"/mobilities/{m.id}/plan/outcomes/new").text


def test_only_the_admin_chooses_and_only_a_framework_that_exists(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    unknown = client.patch(
        f"{API}/organisations/{m.school}", headers=m.as_["admin"], json={"plan_framework": "digcomp-9.9"}
    )
    assert unknown.status_code == 422
    assert "unknown framework 'digcomp-9.9'; known: digcomp-2.2, digcomp-3.0" in unknown.text
    refused = client.patch(
        f"{API}/organisations/{m.school}", headers=m.as_["coordinator"], json={"plan_framework": "digcomp-3.0"}
    )
    assert refused.status_code == 403
    assert "only the school's admin chooses the framework of plans" in refused.text

    web_login(client, _admin_email(client, m.school, m.as_["admin"]), "lv")
    page = client.post("/school/framework", data={"plan_framework": "digcomp-9.9"})
    assert page.status_code == 422
    assert "nezināms ietvars" in page.text
