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


def test_level_texts_without_a_latvian_translation_say_so_and_are_marked_english(
    client: TestClient, database: Database
) -> None:
    """The framework has no official Latvian level texts: a Latvian page shows the English ones marked as English
    (screen readers and browser translation read them right) and says why; an English page has no such note."""
    m = create_mobility(client, database)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/assessment"
    outcome = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]["outcome_id"]
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": True}))
    email = ok(client.get(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"]))["email"]
    client.post("/login", data={"email": email, "password": PASSWORD})  # the mentor's rating form shows the levels
    pages = (
        ("/framework/3.1?framework=digcomp-2.2", '<div lang="en">'),
        (f"/mobilities/{m.id}/assessment", '<span lang="en">At basic level'),
    )
    for language in ("lv", "en"):
        client.cookies.set("digcomp_lang", language)
        for url, marked in pages:
            page = client.get(url).text
            assert "At basic level and with guidance" in page
            if language == "lv":
                assert "ja to oficiāls tulkojums latviešu valodā šeit nav pieejams" in page
                assert marked in page
            else:
                assert "where no official translation into this language" not in page
                assert marked not in page
