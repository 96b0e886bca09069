"""Schools import a group of learners and mobilities from a spreadsheet: all or nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, ok, register_school

HEADER = (
    "learner_given_name;learner_family_name;learner_email;sending_organisation;sending_country;"
    "host_organisation;host_country;mentor_given_name;mentor_family_name;mentor_email;start_date;end_date;group_name\n"
)
GOOD = [
    "Jānis;Bērziņš;janis@skola.lv;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;Lucía;García;lucia@aurora.es;"
    "02.03.2026;29.05.2026;LVT-2026-ES",
    "Anna;Liepiņa;anna@skola.lv;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;Lucía;García;lucia@aurora.es;"
    "2026-03-02;2026-05-29;LVT-2026-ES",
]


def upload(client: TestClient, headers: dict[str, str], text: str, encoding: str = "utf-8-sig"):  # type: ignore[no-untyped-def]
    files = {"file": ("group.csv", text.encode(encoding), "text/csv")}
    return client.post(f"{API}/mobilities/import", headers=headers, files=files)


def test_a_group_is_imported_and_shared_records_are_reused(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, "Liepājas Valsts tehnikums").admin
    result = ok(upload(client, admin, HEADER + "\n".join(GOOD) + "\n"), 201)
    assert result["created"] == 2
    mobilities = ok(client.get(f"{API}/mobilities?group_name=LVT-2026-ES", headers=admin))
    assert mobilities["total"] == 2
    first, second = mobilities["items"]
    assert first["learner"]["family_name"] == "Bērziņš"
    assert first["start_date"] == "2026-03-02"  # 02.03.2026 read as day.month.year
    assert first["host_organisation"]["id"] == second["host_organisation"]["id"]
    assert first["mentor"]["id"] == second["mentor"]["id"]
    assert ok(client.get(f"{API}/organisations", headers=admin))["total"] == 2  # the school and one host


def test_rows_of_another_school_are_refused(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, "Ventspils tehnikums").admin
    response = upload(client, admin, HEADER + GOOD[0] + "\n")
    assert response.status_code == 422
    assert "is not your school" in response.json()["detail"]
    assert ok(client.get(f"{API}/mobilities", headers=admin))["total"] == 0


def test_bad_rows_are_reported_by_number_and_nothing_is_imported(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, "Liepājas Valsts tehnikums").admin
    bad = [
        GOOD[0],
        "Anna;Liepiņa;not-an-email;Liepājas Valsts tehnikums;LV;Hotel Aurora;XX;;;;2026-03-02;2026-02-01;G",
        GOOD[1],
        ";Kalniņš;;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;Lucía;;;2026-03-02;2026-05-29;G",
    ]
    response = upload(client, admin, HEADER + "\n".join(bad) + "\n")
    assert response.status_code == 422
    body = response.json()
    assert "nothing was imported" in body["detail"]
    by_row = {(e["row"], e["field"]) for e in body["errors"]}
    assert (3, "learner_email") in by_row
    assert (3, "host_country") in by_row
    assert (5, "learner_given_name") in by_row
    assert {e["row"] for e in body["errors"]} == {3, 5}
    assert ok(client.get(f"{API}/mobilities", headers=admin))["total"] == 0
    assert ok(client.get(f"{API}/organisations", headers=admin))["total"] == 1  # only the school itself


def test_file_level_problems(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, "Liepājas Valsts tehnikums").admin
    missing = upload(client, admin, "learner_given_name,learner_family_name\nJānis,Bērziņš\n")
    assert missing.status_code == 422
    assert "missing column(s): sending_organisation" in missing.json()["detail"]
    not_utf8 = upload(client, admin, HEADER + GOOD[0], encoding="utf-16")
    assert not_utf8.status_code == 422
    assert "CSV UTF-8" in not_utf8.json()["detail"]
    empty = upload(client, admin, "")
    assert (empty.status_code, empty.json()["detail"]) == (422, "the file is empty")
