"""The qualification's EQF level is part of the mobility: the school states it once (API, spreadsheet import or the
web form) and the suggestions for that plan propose the levels that fit it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from digcomp.mapping.levels import DEFAULT_BANDS
from digcomp.store.db import Database
from tests.journey import API, create_mobility, ok, register_school, web_login
from tests.test_api_import import upload

STATEMENT_LV = "Izglītojamais sagatavo viesnīcas pakalpojumu prezentāciju viesiem"


def test_the_api_stores_and_checks_the_eqf_level(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    coordinator = m.as_["coordinator"]
    assert ok(client.get(f"{API}/mobilities/{m.id}", headers=coordinator))["eqf_level"] is None
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=coordinator, json={"eqf_level": 3}))
    assert ok(client.get(f"{API}/mobilities/{m.id}", headers=coordinator))["eqf_level"] == 3
    refused = client.patch(f"{API}/mobilities/{m.id}", headers=coordinator, json={"eqf_level": 9})
    assert refused.status_code == 422
    assert "eqf_level" in refused.text
    assert "8" in refused.text
    assert ok(client.get(f"{API}/mobilities/{m.id}", headers=coordinator))["eqf_level"] == 3
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=coordinator, json={"eqf_level": None}))  # not stated again
    assert ok(client.get(f"{API}/mobilities/{m.id}", headers=coordinator))["eqf_level"] is None


def test_a_group_import_carries_the_eqf_level(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, "Liepājas Valsts tehnikums").admin
    header = "learner_given_name;learner_family_name;sending_organisation;sending_country;host_organisation;"
    header += "host_country;start_date;end_date;eqf_level;group_name\n"
    rows = [
        "Anna;Liepiņa;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;02.03.2026;29.05.2026;3;EQF-TEST",
        "Marta;Ozola;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;02.03.2026;29.05.2026;;EQF-TEST",
    ]
    ok(upload(client, admin, header + "\n".join(rows) + "\n"), 201)
    items = ok(client.get(f"{API}/mobilities?group_name=EQF-TEST", headers=admin))["items"]
    assert sorted((i["learner"]["given_name"], i["eqf_level"]) for i in items) == [("Anna", 3), ("Marta", None)]
    bad = upload(client, admin, header + rows[0].replace(";3;", ";11;") + "\n")
    assert bad.status_code == 422
    assert [(e["row"], e["field"]) for e in bad.json()["errors"]] == [(2, "eqf_level")]


def _suggested_levels(client: TestClient, mobility_id: int) -> list[int]:
    page = client.post(
        f"/mobilities/{mobility_id}/plan/outcomes/new", data={"text_lv": STATEMENT_LV, "action": "suggest"}
    )
    assert page.status_code == 200, page.text
    return [int(level) for level in re.findall(r'data-level="(\d)"', page.text)]


def test_the_coordinator_sets_the_level_in_the_web_form_and_the_suggestions_follow_it(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    coordinator = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["admin"]))
    web_login(client, coordinator["email"], "lv")

    edit = client.get(f"/mobilities/{m.id}/edit")
    assert "Kvalifikācijas EKI līmenis" in edit.text
    assert "Nav norādīts" in edit.text
    levels = _suggested_levels(client, m.id)
    low, high = DEFAULT_BANDS[4]
    assert levels
    assert all(low <= level <= high for level in levels)

    form = {
        "start_date": "2026-03-02",
        "end_date": "2026-05-29",
        "host_id": str(m.host),
        "mentor_id": str(m.mentor),
        "working_language": "en",
        "learner_given_name": "Jānis",
        "learner_family_name": "Bērziņš",
        "qualification_lv": "Datorsistēmu tehniķis",
        "eqf_level": "6",
    }
    saved = client.post(f"/mobilities/{m.id}/edit", data=form, follow_redirects=True)
    assert saved.status_code == 200, saved.text
    assert "EKI 6" in client.get(f"/mobilities/{m.id}").text
    assert ok(client.get(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"]))["eqf_level"] == 6

    levels = _suggested_levels(client, m.id)
    low, high = DEFAULT_BANDS[6]
    assert levels
    assert all(low <= level <= high for level in levels)
    assert (
        "EKI 6"
        in client.post(
            f"/mobilities/{m.id}/plan/outcomes/new", data={"text_lv": STATEMENT_LV, "action": "suggest"}
        ).text
    )

    refused = client.post(f"/mobilities/{m.id}/edit", data=form | {"eqf_level": "12"})
    assert refused.status_code == 422
    assert "aria-invalid" in refused.text or "e-eqf_level" in refused.text
