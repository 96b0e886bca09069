"""Schools import a group of learners and mobilities from a spreadsheet: all or nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, PASSWORD, login, ok, register_school, web_login

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
    entries_before = ok(client.get(f"{API}/audit/verify", headers=admin))["entries"]
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
    for mobility in (first, second):  # written together, each record audited on an unbroken chain
        trail = ok(client.get(f"{API}/mobilities/{mobility['id']}/audit", headers=admin))
        assert [e["action"] for e in trail] == ["mobility.created"]
        assert trail[0]["after"]["learner_id"] == mobility["learner"]["id"]
    report = ok(client.get(f"{API}/audit/verify", headers=admin))
    assert report["valid"]
    assert report["entries"] == entries_before + 6  # two learners, a host, its mentor and two mobilities


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


# --- imports that recognise people -------------------------------------------------------------------------------


def _counts(client: TestClient, admin: dict[str, str]) -> tuple[int, int, int, int]:
    audit = ok(client.get(f"{API}/audit/verify", headers=admin))["entries"]
    return (
        ok(client.get(f"{API}/mobilities", headers=admin))["total"],
        ok(client.get(f"{API}/people", headers=admin))["total"],
        ok(client.get(f"{API}/organisations", headers=admin))["total"],
        audit,
    )


def test_importing_the_same_file_again_changes_nothing(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, "Liepājas Valsts tehnikums").admin
    no_emails = "Kārlis;Ozoliņš;;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;Lucía;García;;2026-03-02;2026-05-29;G"
    text = HEADER + "\n".join([*GOOD, no_emails]) + "\n"
    assert ok(upload(client, admin, text), 201)["created"] == 3
    before = _counts(client, admin)

    again = ok(upload(client, admin, text), 200)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    assert {r["mobility_action"] for r in again["rows"]} == {"unchanged"}
    assert _counts(client, admin) == before  # no person, host, mobility or audit entry was added


def test_a_dry_run_shows_what_would_happen_and_writes_nothing(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, "Liepājas Valsts tehnikums").admin
    ok(upload(client, admin, HEADER + GOOD[0] + "\n"), 201)
    before = _counts(client, admin)
    changed_first = GOOD[0].replace("29.05.2026", "05.06.2026")
    files = {"file": ("group.csv", (HEADER + changed_first + "\n" + GOOD[1] + "\n").encode(), "text/csv")}

    report = ok(client.post(f"{API}/mobilities/import?dry_run=true", headers=admin, files=files))
    assert report["dry_run"] is True
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 1, 0)
    first, second = report["rows"]
    assert (first["row"], first["mobility_action"], first["changes"]) == (2, "updated", ["mobility.end_date"])
    assert first["mobility_id"] is not None  # it exists already
    assert (second["learner_action"], second["host_action"], second["mentor_action"]) == (
        "created",
        "unchanged",
        "unchanged",
    )
    assert (second["mobility_action"], second["mobility_id"]) == ("created", None)
    assert _counts(client, admin) == before
    mobility = ok(client.get(f"{API}/mobilities/{first['mobility_id']}", headers=admin))
    assert mobility["end_date"] == "2026-05-29"


def test_a_corrected_file_updates_only_what_changed(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, "Liepājas Valsts tehnikums").admin
    header = HEADER.replace("learner_email;", "learner_email;learner_number;")

    def with_number(line: str, number: str) -> str:
        given, family, email, rest = line.split(";", 3)
        return ";".join([given, family, email, number, rest])

    first = with_number(GOOD[0], "LVT-117")
    ok(upload(client, admin, header + first + "\n"), 201)
    # Next term's file: the learner number identifies Jānis, whose e-mail and surname spelling changed.
    corrected = with_number(
        GOOD[0].replace("janis@skola.lv", "janis.b@skola.lv").replace("Bērziņš", "Bērziņš-Kalns"), "LVT-117"
    )
    result = ok(upload(client, admin, header + corrected + "\n"), 200)
    row = result["rows"][0]
    assert row["learner_action"] == "updated"
    assert sorted(row["changes"]) == ["learner.email", "learner.family_name"]
    assert row["mobility_action"] == "unchanged"
    people = ok(client.get(f"{API}/people", headers=admin))["items"]
    learners = [p for p in people if p["role"] == "learner"]
    assert [(p["family_name"], p["email"], p["learner_number"]) for p in learners] == [
        ("Bērziņš-Kalns", "janis.b@skola.lv", "LVT-117")
    ]


def test_an_existing_mentor_account_is_linked_and_sees_the_imported_mobilities(
    client: TestClient, database: Database
) -> None:
    school = register_school(client, database, "Liepājas Valsts tehnikums")
    admin = school.admin
    host = ok(
        client.post(
            f"{API}/organisations", headers=admin, json={"name": "Hotel Aurora", "kind": "company", "country": "ES"}
        ),
        201,
    )["id"]
    body = {"organisation_id": host, "given_name": "Lucía", "family_name": "García", "role": "mentor"}
    mentor = ok(client.post(f"{API}/people", headers=admin, json={**body, "email": "lucia@aurora.es"}), 201)["id"]
    ok(client.post(f"{API}/people/{mentor}/account", headers=admin, json={"password": PASSWORD}), 201)

    result = ok(upload(client, admin, HEADER + "\n".join(GOOD) + "\n"), 201)
    assert [r["mentor_action"] for r in result["rows"]] == ["unchanged", "unchanged"]
    as_mentor = login(client, "lucia@aurora.es")
    seen = ok(client.get(f"{API}/mobilities", headers=as_mentor))
    assert sorted(m["id"] for m in seen["items"]) == sorted(result["mobility_ids"])


def test_a_mentor_without_e_mail_is_recognised_by_name_and_gets_the_e_mail_later(
    client: TestClient, database: Database
) -> None:
    admin = register_school(client, database, "Liepājas Valsts tehnikums").admin
    ok(upload(client, admin, HEADER + GOOD[0].replace("lucia@aurora.es", "") + "\n"), 201)
    result = ok(upload(client, admin, HEADER + GOOD[0] + "\n"), 200)
    assert (result["rows"][0]["mentor_action"], result["rows"][0]["changes"]) == ("updated", ["mentor.email"])
    mentors = [p for p in ok(client.get(f"{API}/people", headers=admin))["items"] if p["role"] == "mentor"]
    assert [m["email"] for m in mentors] == ["lucia@aurora.es"]


def test_what_the_file_cannot_tell_apart_is_refused_by_row(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, "Liepājas Valsts tehnikums").admin
    twins = [
        "Anna;Liepiņa;anna1@skola.lv;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;;;;2026-03-02;2026-05-29;G",
        "Anna;Liepiņa;anna2@skola.lv;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;;;;2026-03-02;2026-05-29;G",
    ]
    ok(upload(client, admin, HEADER + "\n".join(twins) + "\n"), 201)
    no_email = "Anna;Liepiņa;;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;;;;2026-09-01;2026-10-30;G"
    refused = upload(client, admin, HEADER + no_email + "\n")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["row"] == 2
    assert "there are 2 people named Anna Liepiņa: add a learner_number" in refused.json()["detail"]

    elsewhere = GOOD[0].replace("Hotel Aurora", "Hotel Sol")
    ok(upload(client, admin, HEADER + GOOD[0] + "\n"), 201)
    moved = upload(
        client, admin, HEADER + elsewhere.replace("02.03.2026", "01.09.2026").replace("29.05.2026", "30.10.2026") + "\n"
    )
    assert moved.status_code == 422
    assert "lucia@aurora.es is registered at Hotel Aurora, not at Hotel Sol" in moved.json()["detail"]


def test_a_coordinator_checks_the_file_on_the_web_page_before_importing_it(
    client: TestClient, database: Database
) -> None:
    school = register_school(client, database, "Liepājas Valsts tehnikums")
    ok(upload(client, school.admin, HEADER + GOOD[0] + "\n"), 201)
    web_login(client, school.admin_email, "lv")
    files = {"file": ("group.csv", (HEADER + "\n".join(GOOD) + "\n").encode(), "text/csv")}

    checked = client.post("/import", files=files, data={"dry_run": "true"})
    assert checked.status_code == 200, checked.text
    assert "<h2>Ko imports izdarītu</h2>" in checked.text
    table = checked.text[checked.text.index('id="import-outcome"') :]
    first_row, second_row = re.findall(r"<tr>\s*<td data-label.*?</tr>", table, re.S)
    assert 'class="badge unchanged">nemainīts' in first_row.split("Mobilitāte")[-1]
    assert 'class="badge created">jauns' in second_row.split("Mobilitāte")[-1]
    assert ok(client.get(f"{API}/mobilities", headers=school.admin))["total"] == 1  # nothing saved yet

    carried = re.search(r'name="checked" value="([^"]+)"', checked.text)
    assert carried is not None
    imported = client.post("/import", data={"checked": carried.group(1)})
    assert imported.status_code == 200, imported.text
    assert "izveidotas 1, atjauninātas 0, nemainītas 1" in imported.text
    assert ok(client.get(f"{API}/mobilities", headers=school.admin))["total"] == 2

    damaged = client.post("/import", data={"checked": "not base64!"})
    assert damaged.status_code == 422
    assert "izvēlieties failu vēlreiz" in damaged.text
