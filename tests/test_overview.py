"""A coordinator's group at a glance: where each learner stands, what is missing, the group's results as files."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import event

from digcomp.access.actor import Actor
from digcomp.mobility.overview import Facts, Missing, OverviewFilter, OverviewRow, PlanState, overview, status_of
from digcomp.store.db import Database
from digcomp.store.models import PlanStatus, Role
from tests.journey import API, END, agreed_plan, assess_and_validate, create_mobility, ok, web_login

TODAY = dt.date(2026, 5, 20)

IMPORT_HEADER = (
    "learner_given_name;learner_family_name;learner_number;sending_organisation;sending_country;host_organisation;"
    "host_country;mentor_given_name;mentor_family_name;start_date;end_date;group_name\n"
)


def test_what_is_missing_follows_the_stages() -> None:
    nothing = status_of(Facts(end_date=TODAY, has_mentor=False), TODAY)
    assert [m.what for m in nothing.missing] == [Missing.mentor, Missing.plan]
    assert nothing.plan is PlanState.none

    draft = status_of(
        Facts(
            end_date=TODAY,
            has_mentor=True,
            versions=[PlanStatus.draft],
            draft_outcomes=2,
            confirmed=frozenset({Role.coordinator}),
        ),
        TODAY,
    )
    assert [(m.what, m.roles) for m in draft.missing] == [(Missing.confirmations, [Role.mentor, Role.learner])]

    agreed = Facts(end_date=TODAY - dt.timedelta(days=3), has_mentor=True, versions=[PlanStatus.agreed], unrated=2)
    rating = status_of(agreed, TODAY)
    assert [(m.what, m.count) for m in rating.missing] == [(Missing.ratings, 2)]
    assert (rating.overdue, rating.days_to_end) == (True, -3)

    validated = Facts(end_date=TODAY, has_mentor=True, versions=[PlanStatus.agreed], validated=True)
    assert [m.what for m in status_of(validated, TODAY).missing] == [Missing.recognition, Missing.certificate]
    done = Facts(
        end_date=TODAY, has_mentor=True, versions=[PlanStatus.agreed], validated=True, recognised=True, certificate="C1"
    )
    assert status_of(done, TODAY).missing == []


@pytest.fixture
def group(client: TestClient, database: Database):  # type: ignore[no-untyped-def]
    """A validated learner with a certificate, plus two imported learners: one with no mentor, one at the start."""
    m = create_mobility(client, database, "Liepājas Valsts tehnikums")
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json={"group_name": "LVT-ES"}))
    agreed_plan(client, m)
    rows = [
        "Kārlis;Ozoliņš;LVT-200;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;Lucía;García;2026-03-02;2026-05-29;LVT-ES",
        "Anna;Liepiņa;LVT-201;Liepājas Valsts tehnikums;LV;Hotel Aurora;ES;;;2026-09-01;2026-11-27;LVT-IT",
    ]
    files = {"file": ("g.csv", (IMPORT_HEADER + "\n".join(rows) + "\n").encode(), "text/csv")}
    ok(client.post(f"{API}/mobilities/import", headers=m.as_["admin"], files=files), 201)
    return m


def _overview(client: TestClient, headers: dict[str, str], query: str = "") -> list[dict[str, object]]:
    return ok(client.get(f"{API}/overview?{query}", headers=headers))["items"]  # type: ignore[no-any-return]


def test_the_overview_shows_each_learners_stage_and_what_is_missing(client: TestClient, group) -> None:  # type: ignore[no-untyped-def]
    m = group
    coordinator = m.as_["coordinator"]
    rows = {r["learner"]: r for r in _overview(client, coordinator, "sort=learner")}
    assert list(rows) == ["Anna Liepiņa", "Jānis Bērziņš", "Kārlis Ozoliņš"]
    janis = rows["Jānis Bērziņš"]
    assert (janis["plan"], janis["assessment"], janis["certificate"]) == ("agreed", "in_progress", None)
    assert janis["missing"] == [{"what": "ratings", "count": 3, "roles": []}]
    assert [i["what"] for i in rows["Anna Liepiņa"]["missing"]] == ["mentor", "plan"]
    assert rows["Kārlis Ozoliņš"]["learner_number"] == "LVT-200"

    assess_and_validate(client, m)
    ok(client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["validator"], json={"languages": "en"}), 201)
    janis = {r["learner"]: r for r in _overview(client, coordinator)}["Jānis Bērziņš"]
    assert (janis["assessment"], janis["recognition"]) == ("validated", "pending")
    assert janis["certificate"]
    assert [i["what"] for i in janis["missing"]] == ["recognition"]


def test_filter_search_and_sort_across_the_school(client: TestClient, group) -> None:  # type: ignore[no-untyped-def]
    coordinator = group.as_["coordinator"]

    def learners(query: str) -> list[object]:
        return [r["learner"] for r in _overview(client, coordinator, query)]

    assert learners("group=LVT-ES&sort=learner") == ["Jānis Bērziņš", "Kārlis Ozoliņš"]
    assert learners("q=berzins") == ["Jānis Bērziņš"]  # no Latvian keyboard needed
    assert learners("q=LVT-201") == ["Anna Liepiņa"]
    assert learners("sort=learner&descending=true") == ["Kārlis Ozoliņš", "Jānis Bērziņš", "Anna Liepiņa"]
    assert learners(f"coordinator_id={group.coordinator}") == ["Jānis Bērziņš"]
    assert learners("show=missing&group=LVT-IT") == ["Anna Liepiņa"]
    assert learners("show=done") == []
    bad = client.get(f"{API}/overview?show=someday", headers=coordinator)
    assert bad.status_code == 422
    assert "show" in bad.text
    assert client.get(f"{API}/overview", headers=group.as_["learner"]).status_code == 403


def test_the_groups_results_download_as_csv_and_xlsx(client: TestClient, group) -> None:  # type: ignore[no-untyped-def]
    m = group
    assess_and_validate(client, m)
    certificate = ok(
        client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["validator"], json={"languages": "en"}), 201
    )["id"]
    coordinator = m.as_["coordinator"]

    xlsx = client.get(f"{API}/overview/results?group=LVT-ES&format=xlsx", headers=coordinator)
    assert xlsx.status_code == 200
    assert 'filename="results-LVT-ES.xlsx"' in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    header, *lines = [[c.value for c in row] for row in sheet.iter_rows()]
    assert header[:2] == ["group_name", "learner"]
    janis = [dict(zip(header, line, strict=True)) for line in lines if line[1] == "Jānis Bērziņš"]
    assert len(janis) == 3
    assert {(r["target_level"], r["achieved_level"], r["result"], r["certificate"]) for r in janis} <= {
        (t, 4, "achieved", certificate) for t in range(1, 9)
    }
    assert isinstance(janis[0]["start_date"], dt.datetime)  # a date cell, not text

    as_csv = client.get(f"{API}/overview/results?group=LVT-ES&format=csv", headers=coordinator)
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # Excel reads the accents right
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert [r["competence"] for r in csv_rows if r["learner"] == "Jānis Bērziņš"] == [r["competence"] for r in janis]
    assert not any(r["learner"] == "Kārlis Ozoliņš" for r in csv_rows)  # no agreed plan: nothing planned yet

    as_json = ok(client.get(f"{API}/overview/results?group=LVT-ES", headers=coordinator))
    assert len(as_json) == 3
    assert client.get(f"{API}/overview/results?format=pdf", headers=coordinator).status_code == 422
    assert client.get(f"{API}/overview/results", headers=m.as_["mentor"]).status_code == 403


def test_a_name_that_looks_like_a_formula_stays_text(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    ok(client.patch(f"{API}/people/{m.learner}", headers=m.as_["admin"], json={"given_name": "=HYPERLINK(1)"}))
    agreed_plan(client, m)
    xlsx = client.get(f"{API}/overview/results?format=xlsx", headers=m.as_["coordinator"])
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cell = sheet["B2"]
    assert (cell.value, cell.data_type) == ("=HYPERLINK(1) Bērziņš", "s")
    as_csv = client.get(f"{API}/overview/results?format=csv", headers=m.as_["coordinator"]).content.decode("utf-8-sig")
    assert ";'=HYPERLINK(1) Bērziņš;" in as_csv


def test_the_overview_page_filters_exports_and_prints(client: TestClient, group) -> None:  # type: ignore[no-untyped-def]
    m = group
    email = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["admin"]))["email"]
    web_login(client, email, "lv")
    page = client.get("/mobilities?q=liepina")
    assert page.status_code == 200
    assert "Anna Liepiņa" in page.text
    assert "Jānis Bērziņš" not in page.text
    assert "nav mentora" in page.text  # what is missing, in Latvian
    download = client.get("/mobilities/results.xlsx?group=LVT-ES")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert sheet is not None
    assert sheet["B1"].value == "Izglītojamais"
    css = client.get("/static/style.css").text
    assert "@media print" in css


def test_a_second_look_reads_again_only_the_placements_that_changed(
    client: TestClient, database: Database, group
) -> None:  # type: ignore[no-untyped-def]
    m = group
    actor = Actor(m.coordinator, Role.coordinator, m.school, "Ilze", "Kalniņa")
    statements: list[str] = []

    def look() -> dict[str, OverviewRow]:
        statements.clear()
        with database.session() as session:
            rows = overview(session, actor, OverviewFilter(), TODAY)
        return {r.learner: r for r in rows}

    event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    look()
    unchanged = look()
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1  # the rows, nothing more

    base = f"{API}/mobilities/{m.id}/assessment"
    first = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]
    target = first["competences"][0]["target_id"]
    worked_on = {"worked_on": True}
    ok(client.put(f"{base}/outcomes/{first['outcome_id']}/identification", headers=m.as_["learner"], json=worked_on))
    note = {"title": "Observation", "text": "Took three bookings."}
    ok(client.post(f"{base}/outcomes/{first['outcome_id']}/notes", headers=m.as_["mentor"], json=note), 201)
    rating = {"level": 3, "justification": "Seen at work"}
    ok(client.put(f"{base}/targets/{target}/rating", headers=m.as_["mentor"], json=rating))
    rated = look()
    assert rated["Jānis Bērziņš"].missing[0].count == unchanged["Jānis Bērziņš"].missing[0].count - 1  # type: ignore[operator]
    assert rated["Anna Liepiņa"] == unchanged["Anna Liepiņa"]

    assess_and_validate(client, m)
    issued = ok(client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["validator"], json={}), 201)
    assert look()["Jānis Bērziņš"].certificate == issued["id"]
    revoke = {"reason": "Issued with a wrong date"}
    ok(client.post(f"{API}/certificates/{issued['id']}/revocation", headers=m.as_["validator"], json=revoke))
    after = look()["Jānis Bērziņš"]
    assert after.certificate is None
    assert Missing.certificate in [i.what for i in after.missing]

    corrected = END + dt.timedelta(days=3)
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json={"end_date": corrected.isoformat()}))
    assert look()["Jānis Bērziņš"].end_date == corrected
