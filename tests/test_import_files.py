"""Imports that never corrupt: quoted values come back byte for byte in either CSV dialect, a row that does not fit
the header is refused by its number, Excel workbooks and headers in words (Latvian, English) are read, and a
statement already issued is never changed without the coordinator's say-so."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from digcomp.store.db import Database
from tests.journey import API, END, ok, register_school, validated_mobility

SCHOOL = "Liepājas Valsts tehnikums"
COLUMNS = [
    "learner_given_name",
    "learner_family_name",
    "sending_organisation",
    "sending_country",
    "host_organisation",
    "host_country",
    "host_address",
    "start_date",
    "end_date",
    "tasks_lv",
]
NAMES = ['SIA "Kurzemes Viesnīca"', 'Hotel "Aurora", Valencia', 'Café "Ēdnīca; Pusdienas"', 'A "" B', '""']


def rows() -> list[list[str]]:
    return [
        [
            f"Učenieks{i}",
            "Bērziņš",
            SCHOOL,
            "LV",
            name,
            "ES",
            f'Calle "Mayor", {i}',
            "2026-03-02",
            "2026-05-29",
            f'Ievada "datus"; sūta e-pastus, {i}',
        ]
        for i, name in enumerate(NAMES)
    ]


def as_csv(table: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(table)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(table: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: TestClient, headers: dict[str, str], content: bytes, name: str = "group.csv", **query: str):  # type: ignore[no-untyped-def]
    return client.post(f"{API}/mobilities/import", headers=headers, params=query, files={"file": (name, content)})


def stored(client: TestClient, headers: dict[str, str]) -> dict[str, tuple[str, str, str]]:
    """learner given name -> (host name, host address, Latvian tasks) as stored."""
    items = ok(client.get(f"{API}/mobilities?size=100", headers=headers))["items"]
    hosts = {h["id"]: h for h in ok(client.get(f"{API}/organisations?size=100", headers=headers))["items"]}
    return {
        m["learner"]["given_name"]: (
            m["host_organisation"]["name"],
            hosts[m["host_organisation"]["id"]]["address"],
            ok(client.get(f"{API}/mobilities/{m['id']}", headers=headers))["tasks"]["lv"],
        )
        for m in items
    }


@pytest.mark.parametrize("delimiter", [",", ";"], ids=["comma", "semicolon"])
def test_quoted_values_come_back_byte_for_byte(client: TestClient, database: Database, delimiter: str) -> None:
    admin = register_school(client, database, SCHOOL).admin
    result = ok(upload(client, admin, as_csv([COLUMNS, *rows()], delimiter)), 201)
    assert result["created"] == len(NAMES)
    expected = {row[0]: (row[4], row[6], row[9]) for row in rows()}
    assert stored(client, admin) == expected
    # the same file again changes nothing: what was stored reads back as the file says
    assert ok(upload(client, admin, as_csv([COLUMNS, *rows()], delimiter)))["unchanged"] == len(NAMES)


def test_an_excel_workbook_with_headers_in_latvian_and_country_names(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, SCHOOL).admin
    header = [
        "Vārds",
        "Uzvārds",
        "Skola",
        "Skolas valsts",
        "Uzņēmums",
        "Prakses valsts",
        "Adrese",
        "Sākums",
        "Beigas",
        "Uzdevumi (lv)",
    ]
    table = [header, *[[*row[:3], "Latvija", row[4], "Spānija", *row[6:]] for row in rows()]]
    result = ok(upload(client, admin, as_xlsx(table), "group.xlsx"), 201)
    assert result["created"] == len(NAMES)
    assert stored(client, admin) == {row[0]: (row[4], row[6], row[9]) for row in rows()}
    english = [
        ["First name", "Surname", "School", "School country", "Host", "Host country", "Start", "End"],
        ["Ada", "Lovelace", SCHOOL, "Latvia", "Hotel Aurora", "Spain", "2026-09-01", "2026-10-30"],
    ]
    assert ok(upload(client, admin, as_csv(english, ",")), 201)["created"] == 1


def test_a_row_that_does_not_fit_the_header_is_refused_by_its_number(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, SCHOOL).admin
    shifted = [*rows()[1][:6], "extra", *rows()[1][6:]]  # one cell too many: every later text would shift
    answer = upload(client, admin, as_csv([COLUMNS, rows()[0], shifted, rows()[2][:7]], ","))
    assert answer.status_code == 422
    body = answer.json()
    assert "nothing was imported" in body["detail"]
    problems = {e["row"]: e["msg"] for e in body["errors"]}
    assert problems[3] == "the row has 11 cells but the header has 10 columns: extra cell(s) after 'tasks_lv'"
    assert (
        problems[4] == "the row has 7 cells but the header has 10 columns: nothing for start_date, end_date, tasks_lv"
    )
    assert ok(client.get(f"{API}/mobilities", headers=admin))["total"] == 0


def test_the_user_can_name_the_delimiter(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, SCHOOL).admin
    content = as_csv([COLUMNS, *rows()], ";")
    wrong = upload(client, admin, content, delimiter="comma")
    assert wrong.status_code == 422  # read with commas, the header is one column
    assert ok(upload(client, admin, content, delimiter="semicolon"), 201)["created"] == len(NAMES)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_has_every_column_and_an_example_row_that_imports(
    client: TestClient, database: Database, kind: str
) -> None:
    admin = register_school(client, database, SCHOOL).admin
    answer = client.get(f"{API}/mobilities/import/template.{kind}", headers=admin)
    assert answer.status_code == 200
    if kind == "xlsx":
        sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
        header = [c.value for c in sheet[1]]
    else:
        header = next(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert {"learner_given_name", "host_organisation", "eqf_level", "tasks_en"} <= set(header)
    result = ok(upload(client, admin, answer.content, f"template.{kind}"), 201)
    assert result["created"] == 1
    [mobility] = ok(client.get(f"{API}/mobilities", headers=admin))["items"]
    assert mobility["host_organisation"]["name"] == 'SIA "Kurzemes Viesnīca"'


def test_a_mobility_whose_statement_is_issued_changes_only_when_confirmed(
    client: TestClient, database: Database
) -> None:
    m = validated_mobility(client, database)
    later = (END + dt.timedelta(days=7)).isoformat()  # the placement was extended by a week
    url = f"{API}/mobilities/{m.id}/certificate"
    issued = ok(client.post(url, headers=m.as_["coordinator"], json={"languages": "lv+en"}), 201)
    mobility = ok(client.get(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"]))
    school = ok(client.get(f"{API}/organisations/{m.school}", headers=m.as_["coordinator"]))
    host = mobility["host_organisation"]
    learner = mobility["learner"]
    header = [
        "learner_given_name",
        "learner_family_name",
        "learner_email",
        "sending_organisation",
        "sending_country",
        "host_organisation",
        "host_country",
        "start_date",
        "end_date",
    ]
    person = ok(client.get(f"{API}/people/{learner['id']}", headers=m.as_["coordinator"]))
    row = [
        learner["given_name"],
        learner["family_name"],
        person["email"],
        school["name"],
        school["country"],
        host["name"],
        host["country"],
        mobility["start_date"],
        later,
    ]
    content = as_csv([header, row], ",")

    refused = upload(client, m.as_["coordinator"], content)
    assert refused.status_code == 422
    assert f"the statement {issued['id']} of this mobility is already issued" in refused.json()["detail"]
    assert ok(client.get(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"]))["end_date"] != later

    done = ok(upload(client, m.as_["coordinator"], content, confirm_issued="true"))
    assert done["rows"][0]["reissue"] == issued["id"]
    certificate = ok(client.get(url, headers=m.as_["coordinator"]))
    assert certificate["reissue_reason"] == "changed by an import: mobility.end_date"


def test_programme_modules_read_quoted_names_the_same_way(client: TestClient, database: Database) -> None:
    admin = register_school(client, database, SCHOOL).admin
    table = [
        ["code", "name_lv", "name_en", "hours", "credits"],
        ["VPS-07", 'Modulis "Viesnīca"; pakalpojumi', 'Module "Hotel", services', "40", "2,5"],
    ]
    for delimiter in (",", ";"):
        files = {"file": ("modules.csv", as_csv(table, delimiter))}
        ok(client.post(f"{API}/programme-modules/import", headers=admin, files=files))
        [module] = ok(client.get(f"{API}/programme-modules", headers=admin))
        assert module["name"] == {"lv": 'Modulis "Viesnīca"; pakalpojumi', "en": 'Module "Hotel", services'}
