"""Monitoring during the placement: the learner and the mentor report progress as often as the agreement says; the
coordinator sees what came in and what is late."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from digcomp.errors import Conflict
from digcomp.mobility.monitoring import PeriodStatus, check_report, follow_up
from digcomp.store.db import Database
from tests.journey import API, create_mobility, ok, web_login

START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 29)  # four weeks, Monday to Sunday


def _statuses(
    written: list[dt.date], today: dt.date, every: int = 7, filed: dict[int, dt.date] | None = None
) -> list[str]:
    reports = [(day, None) for day in written] + [(day, period) for period, day in (filed or {}).items()]
    return [p.status.value for p in follow_up(START, END, every, reports, today)]


def test_periods_are_received_late_or_due() -> None:
    assert _statuses([], dt.date(2026, 3, 1)) == []  # not started yet
    assert _statuses([], dt.date(2026, 3, 4)) == ["due"]
    # week 1 reported on its Friday; week 2 not at all; week 3 reported two days late (still counts); week 4 now
    written = [dt.date(2026, 3, 6), dt.date(2026, 3, 24)]
    assert _statuses(written, dt.date(2026, 3, 25)) == ["received", "late", "received", "due"]
    # a report in the grace days counts once: for the period it was late for, not also for the next
    assert _statuses([dt.date(2026, 3, 10)], dt.date(2026, 3, 20)) == ["received", "late", "due"]
    # two reports in one week do not cover the next
    assert _statuses([dt.date(2026, 3, 3), dt.date(2026, 3, 4)], dt.date(2026, 3, 18)) == ["received", "late", "due"]
    # an ended period is still due during its two grace days
    assert _statuses([dt.date(2026, 3, 3)], dt.date(2026, 3, 17)) == ["received", "due", "due"]
    # the last period is cut at the end of the placement; after it, everything is settled
    periods = follow_up(START, dt.date(2026, 3, 20), 7, [], dt.date(2026, 4, 30))
    assert [(p.end, p.status) for p in periods][-1] == (dt.date(2026, 3, 20), PeriodStatus.late)
    assert follow_up(START, END, 0, [], dt.date(2026, 3, 20)) == []  # no reports agreed


def test_a_missed_week_can_be_reported_later_and_shows_as_received_late() -> None:
    today = dt.date(2026, 3, 25)
    # week 2 had no report; on 25 March the learner files one for it: received, marked late; week 4 still due
    assert _statuses([dt.date(2026, 3, 6)], today, filed={2: today}) == ["received", "received_late", "late", "due"]
    # filed for a week within its grace days it is simply received
    assert _statuses([], dt.date(2026, 3, 10), filed={1: dt.date(2026, 3, 9)}) == ["received", "due"]


def test_reports_are_accepted_only_during_the_placement() -> None:
    check_report(START, END, 7, START)
    check_report(START, END, 7, END + dt.timedelta(days=14))
    for refused, today, every in (
        ("starts on", START - dt.timedelta(days=1), 7),
        ("ended on", END + dt.timedelta(days=15), 7),
        ("no progress reports", START, 0),
    ):
        with pytest.raises(Conflict, match=refused):
            check_report(START, END, every, today)


def test_learner_and_mentor_report_and_the_coordinator_sees_what_is_late(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    today = dt.date.today()
    start = today - dt.timedelta(days=17)  # in the third weekly period: two have ended, with their grace days
    dates = {"start_date": start.isoformat(), "end_date": (today + dt.timedelta(days=40)).isoformat()}
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json=dates))
    reports = f"{API}/mobilities/{m.id}/progress-reports"

    text = {"text": "Worked at the reception all week; learnt the booking system's group bookings."}
    for role in ("coordinator", "validator"):
        assert client.post(reports, headers=m.as_[role], json=text).status_code == 403
    assert client.post(reports, headers=m.as_["learner"], json={"text": "ok"}).status_code == 422
    written = ok(client.post(reports, headers=m.as_["learner"], json=text), 201)
    assert (written["author_role"], written["author"]["given_name"]) == ("learner", "Jānis")

    view = ok(client.get(f"{API}/mobilities/{m.id}/progress", headers=m.as_["coordinator"]))
    learner, mentor = view["reporters"]
    assert (learner["role"], mentor["role"]) == ("learner", "mentor")
    assert [p["status"] for p in learner["periods"]] == ["late", "late", "received"]
    assert [p["status"] for p in mentor["periods"]] == ["late", "late", "due"]
    assert (learner["late"], mentor["late"]) == (2, 2)
    assert [r["text"] for r in view["reports"]] == [text["text"]]
    learner = view["reporters"][0]

    assert learner["missing"] == [1, 2]
    late = {"text": "Week one: learnt the check-in routine and the booking system.", "period": 1}
    filed = ok(client.post(reports, headers=m.as_["learner"], json=late), 201)
    assert filed["for_period"] == 1
    view = ok(client.get(f"{API}/mobilities/{m.id}/progress", headers=m.as_["coordinator"]))
    assert [p["status"] for p in view["reporters"][0]["periods"]] == ["received_late", "late", "received"]
    future = client.post(reports, headers=m.as_["learner"], json={**late, "period": 9})
    assert (future.status_code, future.json()["detail"]) == (422, "reporting period 9 has not begun yet")

    ok(client.post(reports, headers=m.as_["mentor"], json={"text": "Reliable and friendly with guests; on time."}), 201)
    view = ok(client.get(f"{API}/mobilities/{m.id}/progress", headers=m.as_["learner"]))
    assert view["reporters"][1]["periods"][-1]["status"] == "received"

    # a coordinator agrees no reports: nothing is late, and nobody can send one
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json={"report_every_days": 0}))
    view = ok(client.get(f"{API}/mobilities/{m.id}/progress", headers=m.as_["coordinator"]))
    assert all(r["periods"] == [] and r["late"] == 0 for r in view["reporters"])
    assert client.post(reports, headers=m.as_["learner"], json=text).status_code == 409
    other = create_mobility(client, database, "Liepājas Valsts tehnikums")
    assert client.get(f"{API}/mobilities/{m.id}/progress", headers=other.as_["coordinator"]).status_code == 404


def test_on_the_phone_the_learner_files_a_missed_week_late(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    today = dt.date.today()
    dates = {
        "start_date": (today - dt.timedelta(days=17)).isoformat(),
        "end_date": (today + dt.timedelta(40)).isoformat(),
    }
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json=dates))
    web_login(client, f"jānis.learner{m.school}@example.org", "en")
    page = client.get(f"/mobilities/{m.id}").text
    assert '<option value="2">Period 2 (filed late)</option>' in page
    text = "Week two: answered guests by e-mail and learnt the channel manager."
    sent = client.post(f"/mobilities/{m.id}/progress", data={"text": text, "period": "2"}, follow_redirects=False)
    assert sent.status_code == 303
    page = client.get(f"/mobilities/{m.id}").text
    assert "received late" in page
    assert '<option value="2">' not in page  # no longer missing
    view = ok(client.get(f"{API}/mobilities/{m.id}/progress", headers=m.as_["coordinator"]))
    assert [p["status"] for p in view["reporters"][0]["periods"]] == ["late", "received_late", "due"]
