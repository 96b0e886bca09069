"""Schools import a group of learners and mobilities from a spreadsheet: all or nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.journey import API, ok

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


def upload(client: TestClient, text: str, encoding: str = "utf-8-sig"):  # type: ignore[no-untyped-def]
    return client.post(f"{API}/mobilities/import", files={"file": ("group.csv", text.encode(encoding), "text/csv")})


def test_a_group_is_imported_and_shared_records_are_reused(client: TestClient) -> None:
    result = ok(upload(client, HEADER + "\n".join(GOOD) + "\n"), 201)
    assert result["created"] == 2
    mobilities = ok(client.get(f"{API}/mobilities?group_name=LVT-2026-ES"))
    assert mobilities["total"] == 2
    first, second = mobilities["items"]
    assert first["learner"]["family_name"] == "Bērziņš"
    assert first["start_date"] == "2026-03-02"  # 02.03.2026 read as day.month.year
    assert first["host_organisation"]["id"] == second["host_organisation"]["id"]
    assert first["mentor"]["id"] == second["mentor"]["id"]
    assert ok(client.get(f"{API}/organisations"))["total"] == 2


def test_bad_rows_are_reported_by_number_and_nothing_is_imported(client: TestClient) -> None:
    bad = [
        GOOD[0],
        "Anna;Liepiņa;not-an-email;Liepājas Valsts tehnikums;LV;Hotel Aurora;XX;;;;2026-03-02;2026-02-01;G",
        GOOD[1],
        ";Kalniņš;;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;Lucía;;;2026-03-02;2026-05-29;G",
    ]
    response = upload(client, HEADER + "\n".join(bad) + "\n")
    assert response.status_code == 422
    body = response.json()
    assert "nothing was imported" in body["detail"]
    by_row = {(e["row"], e["field"]) for e in body["errors"]}
    assert (3, "learner_email") in by_row
    assert (3, "host_country") in by_row
    assert (5, "learner_given_name") in by_row
    assert {e["row"] for e in body["errors"]} == {3, 5}
    assert ok(client.get(f"{API}/mobilities"))["total"] == 0
    assert ok(client.get(f"{API}/organisations"))["total"] == 0


def test_file_level_problems(client: TestClient) -> None:
    missing = upload(client, "learner_given_name,learner_family_name\nJānis,Bērziņš\n")
    assert missing.status_code == 422
    assert "missing column(s): sending_organisation" in missing.json()["detail"]
    not_utf8 = upload(client, HEADER + GOOD[0], encoding="utf-16")
    assert not_utf8.status_code == 422
    assert "CSV UTF-8" in not_utf8.json()["detail"]
    empty = upload(client, "")
    assert (empty.status_code, empty.json()["detail"]) == (422, "the file is empty")
