"""The framework browser a learner opens from the self-assessment (and a mentor from the rating form)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, PASSWORD, agreed_plan, create_mobility, ok


def test_the_levels_and_the_knowledge_behind_a_competence_are_one_click_away(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    email = ok(client.get(f"{API}/people/{m.learner}", headers=m.as_["coordinator"]))["email"]
    client.cookies.set("digcomp_lang", "lv")
    client.post("/login", data={"email": email, "password": PASSWORD})
    assessment = client.get(f"/mobilities/{m.id}/assessment").text
    link = f"/framework/3.1?framework=digcomp-2.2&back=/mobilities/{m.id}/assessment"
    assert link in assessment  # "Ko nozīmē līmeņi?" beside the self-assessment

    page = client.get(link).text
    assert "Digitālā satura attīstīšana" in page
    assert page.count('class="card" id="level-') == 8
    assert "Zināšanas" in page  # DigComp 3.0's knowledge, skills and attitudes for the same competence
    assert f'href="/mobilities/{m.id}/assessment"' in page  # back to the self-assessment
    overview = client.get("/framework").text
    assert overview.count("<section") == 5  # the five areas
    assert client.get("/framework/9.9").status_code == 404
    assert client.get("/framework?framework=nothing").status_code == 404
