"""The learner's short self-assessment: a few "I can" statements per planned competence (one level below the
target, at it, one above), answered yes / partly / not yet; the level is worked out from them. "Before" closes when
the placement starts. Five competences fit in five phone screens."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, Mobility, add_outcome, before_the_placement, confirm_all, create_mobility, ok, web_login

FIVE = [("1.1", 3), ("2.1", 3), ("3.1", 4), ("4.2", 3), ("5.2", 3)]
STYLE = Path(__file__).resolve().parents[1] / "src" / "digcomp" / "web" / "static" / "style.css"


def _five_competences(client: TestClient, database: Database) -> Mobility:
    m = create_mobility(client, database)
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=m.as_["coordinator"], json={}), 201)
    for competence, level in FIVE:
        ok(add_outcome(client, m, 1, f"Works with digital tools at the hotel ({competence})", competence, level), 201)
    confirm_all(client, m, 1)
    return m


def _targets(client: TestClient, m: Mobility) -> list[dict]:  # type: ignore[type-arg]
    view = ok(client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["learner"]))
    return [c for o in view["outcomes"] for c in o["competences"]]


def test_the_level_follows_the_answers_and_before_closes_at_the_start(client: TestClient, database: Database) -> None:
    m = _five_competences(client, database)
    first = _targets(client, m)[0]
    items = first["can_do"]
    assert [i["level"] for i in items] == [2, 3, 3, 3, 4]  # below, the target's two + a DigComp 3.0 outcome, above
    assert items[3]["key"].startswith("digcomp-3.0/")
    url = f"{API}/mobilities/{m.id}/assessment/targets/{first['target_id']}/self-assessment"

    def answered(**by_level: str) -> dict[str, str]:
        return {i["key"]: by_level[f"l{i['level']}"] for i in items}

    closed = client.put(
        f"{url}/before", headers=m.as_["learner"], json={"answers": answered(l2="yes", l3="yes", l4="not_yet")}
    )
    assert closed.status_code == 409
    with before_the_placement(client, m):
        before = ok(
            client.put(
                f"{url}/before",
                headers=m.as_["learner"],
                json={"answers": answered(l2="yes", l3="partly", l4="not_yet")},
            )
        )
        assert before["self_assessment"]["before"] == 2  # the target's statements only partly met
        early = client.put(
            f"{url}/after", headers=m.as_["learner"], json={"answers": answered(l2="yes", l3="yes", l4="yes")}
        )
        assert early.status_code == 409
        assert "opens when it begins" in early.json()["detail"]

    after = ok(
        client.put(
            f"{url}/after", headers=m.as_["learner"], json={"answers": answered(l2="yes", l3="yes", l4="partly")}
        )
    )
    assert after["self_assessment"] == {"before": 2, "after": 3}
    assert set(after["self_answers"]["after"].values()) == {"yes", "partly"}
    top = ok(
        client.put(f"{url}/after", headers=m.as_["learner"], json={"answers": answered(l2="yes", l3="yes", l4="yes")})
    )
    assert top["self_assessment"]["after"] == 4

    half = {items[0]["key"]: "yes"}
    refused = client.put(f"{url}/after", headers=m.as_["learner"], json={"answers": half})
    assert refused.status_code == 422
    assert "competence 1.1: answer every statement (4 unanswered)" in refused.json()["detail"]


def test_the_web_form_answers_every_competence_at_once(client: TestClient, database: Database) -> None:
    m = _five_competences(client, database)
    web_login(client, f"jānis.learner{m.school}@example.org")
    page = client.get(f"/mobilities/{m.id}/assessment")
    assert "How do you see yourself? · after the mobility" in page.text
    fields = sorted(set(re.findall(r'name="(a-\d+-[^"]+)"', page.text)))
    assert len(fields) == sum(len(t["can_do"]) for t in _targets(client, m)) == 25
    saved = client.post(
        f"/mobilities/{m.id}/assessment/self/after", data=dict.fromkeys(fields, "yes"), follow_redirects=True
    )
    assert saved.status_code == 200
    levels = {t["competence"]: t["self_assessment"]["after"] for t in _targets(client, m)}
    assert levels == {"1.1": 4, "2.1": 4, "3.1": 5, "4.2": 4, "5.2": 4}  # every statement met: one above the target
    assert "Growth: before the mobility — → after the mobility 4" in saved.text


@pytest.mark.browser
def test_five_competences_fit_in_five_phone_screens(client: TestClient, database: Database) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    m = _five_competences(client, database)
    web_login(client, f"jānis.learner{m.school}@example.org", "lv")
    html = client.get(f"/mobilities/{m.id}/assessment").text
    html = re.sub(r'<link rel="stylesheet"[^>]*>', f"<style>{STYLE.read_text(encoding='utf-8')}</style>", html)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        page.set_content(html)
        height = page.evaluate("document.querySelector('#self-check').getBoundingClientRect().height")
        widest = page.evaluate("document.documentElement.scrollWidth")
        browser.close()
    print(f"self-assessment of five competences at 390 px: {height:.0f} px = {height / 844:.1f} screens")
    assert height <= 5 * 844, f"the self-assessment is {height:.0f} px high at 390 px: more than five screens"
    assert widest <= 391
