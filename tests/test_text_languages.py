"""Free text keeps the language it was written in — the writer's page language — and is marked with it where a page
in another language shows it (WCAG 3.1.2): progress reports, observation notes, rating justifications."""

from __future__ import annotations

from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, agreed_plan, create_mobility, ok, web_login


def test_a_spanish_mentors_texts_are_marked_spanish_on_the_schools_page(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    view = ok(client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["coordinator"]))
    outcome = view["outcomes"][0]
    base = f"{API}/mobilities/{m.id}/assessment"
    ok(
        client.put(
            f"{base}/outcomes/{outcome['outcome_id']}/identification",
            headers=m.as_["learner"],
            json={"worked_on": True},
        )
    )

    web_login(client, f"lucía.mentor{m.school}@example.org", "es")
    report = "Esta semana ha atendido a los huéspedes en la recepción."
    client.post(f"/mobilities/{m.id}/progress", data={"text": report}, follow_redirects=True)
    note = "Registra las reservas sin errores."
    client.post(f"/mobilities/{m.id}/assessment/outcomes/{outcome['outcome_id']}/note", data={"text": note})
    target = outcome["competences"][0]["target_id"]
    justification = "Trabaja con autonomía en el sistema de reservas."
    client.post(
        f"/mobilities/{m.id}/assessment/targets/{target}/rate", data={"level": "4", "justification": justification}
    )

    stored = ok(client.get(f"{API}/mobilities/{m.id}/progress", headers=m.as_["coordinator"]))
    assert [(r["text"], r["language"]) for r in stored["reports"]] == [(report, "es")]

    web_login(client, f"ilze.coordinator{m.school}@example.org", "lv")
    page = client.get(f"/mobilities/{m.id}").text
    assert f'<span lang="es">{report}</span>' in page
    assessment = client.get(f"/mobilities/{m.id}/assessment").text
    assert f'<span lang="es">{justification}</span>' in assessment
    assert f"{note}</span>" in assessment
    assert 'lang="es"><strong>' in assessment
