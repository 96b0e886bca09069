"""What one write costs the database: a mentor's note, counted in SQL statements, stays the same however long the
record grows, and a note to a validated (locked) record is still refused. The benchmark (benchmarks/writes.py)
measures the time; this guards the work each write does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digcomp.store.db import Database, at_commit
from digcomp.store.models import RateLimitCounter
from tests.journey import API, Mobility, add_outcome, agreed_plan, confirm_all, create_mobility, ok

NOTE = {"title": "Observation", "text": "Answered three guest e-mails politely and on time."}


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def agreed_outcome(client: TestClient, database: Database) -> tuple[Mobility, str, int]:
    """A mobility with an agreed plan: its assessment address and its first outcome."""
    m = create_mobility(client, database)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/assessment"
    return m, base, ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]["outcome_id"]


def test_a_note_costs_the_same_few_statements_on_a_long_record(client: TestClient, database: Database) -> None:
    m, base, outcome = agreed_outcome(client, database)
    identification = f"{base}/outcomes/{outcome}/identification"
    ok(client.put(identification, headers=m.as_["learner"], json={"worked_on": True}))
    notes = f"{base}/outcomes/{outcome}/notes"

    def one_note() -> list[str]:
        with statements(database) as seen:
            ok(client.post(notes, headers=m.as_["mentor"], json=NOTE), 201)
        return seen

    one_note()  # the process's first look at the agreed version reads it; later writes use the snapshot
    early = one_note()
    for _ in range(60):
        ok(client.post(notes, headers=m.as_["mentor"], json=NOTE), 201)
    late = one_note()
    # the caller, the mobility, its plan, the outcome's identification and a validation in force, in one statement
    # (1); the note (1); the audit chain's head, entry and new head (3). On PostgreSQL the first statement also
    # reserves the note's id, and the note and its audit entry (one statement) travel with the COMMIT (1).
    expected = 2 if database.engine.dialect.name == "postgresql" else 5
    assert len(early) == len(late) == expected, late
    [first, *_] = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"]
    assert len(first["evidence"]) == 63  # every note was kept


def test_the_lean_write_still_sees_an_outcome_marked_not_worked_on(client: TestClient, database: Database) -> None:
    m, base, outcome = agreed_outcome(client, database)
    notes = f"{base}/outcomes/{outcome}/notes"
    assert "has not been identified yet" in client.post(notes, headers=m.as_["mentor"], json=NOTE).json()["detail"]
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": False}))
    refused = client.post(notes, headers=m.as_["mentor"], json=NOTE)
    assert refused.status_code == 409
    assert "identified as not worked on" in refused.json()["detail"]


def test_the_one_statement_read_refuses_as_a_full_read_would(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    other = create_mobility(client, database, "Liepājas Valsts tehnikums")
    base = f"{API}/mobilities/{m.id}/assessment"

    def note(mobility_id: int, outcome: int, who: dict[str, str]) -> tuple[int, str]:
        answer = client.post(
            f"{API}/mobilities/{mobility_id}/assessment/outcomes/{outcome}/notes", headers=who, json=NOTE
        )
        return answer.status_code, answer.json()["detail"]

    assert note(m.id, 1, m.as_["mentor"]) == (409, "the plan is not agreed yet: assessment starts from an agreed plan")
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=m.as_["coordinator"], json={}), 201)
    add_outcome(client, m, 1, "Answers guests' e-mails politely and on time", "2.2")
    assert note(m.id, 1, m.as_["mentor"])[0] == 409  # a draft plan is not agreed either
    confirm_all(client, m, 1)
    outcome = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]["outcome_id"]
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": True}))
    # another school's staff and another mobility's mentor learn nothing, not even that the mobility exists
    for stranger in (other.as_["coordinator"], other.as_["mentor"]):
        status, detail = note(m.id, outcome, stranger)
        assert status == 404
        assert detail == note(999_999, outcome, stranger)[1].replace("999999", str(m.id))
    assert note(m.id, 999_999, m.as_["mentor"])[0] == 404  # an outcome the agreed plan does not have
    assert note(m.id, outcome, m.as_["learner"])[0] == 403  # learners add files and links, not observation notes
    ok(client.post(f"{base}/outcomes/{outcome}/notes", headers=m.as_["mentor"], json=NOTE), 201)


def test_a_change_checks_its_caller_inside_its_own_transaction(client: TestClient, database: Database) -> None:
    """Changes authenticate in the transaction that makes them: a logged-out token, a withdrawn mentor link or a
    forged one is refused with 401 at once, and nothing is written."""
    m, base, outcome = agreed_outcome(client, database)
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": True}))
    link = ok(client.post(f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"], json={}), 201)
    as_link = {"Authorization": f"Bearer {link['token']}"}
    ok(client.post(f"{base}/outcomes/{outcome}/notes", headers=as_link, json=NOTE), 201)
    ok(client.delete(f"{API}/mobilities/{m.id}/mentor-links/{link['id']}", headers=m.as_["coordinator"]), 204)
    forged = {"Authorization": "Bearer " + link["token"][:-3] + "abc"}
    logged_out = dict(m.as_["mentor"])
    ok(client.post(f"{API}/auth/logout", headers=logged_out), 204)
    target = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]["competences"][0]["target_id"]
    audit_before = ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=m.as_["coordinator"]))
    for headers in (as_link, forged, logged_out):
        note = client.post(f"{base}/outcomes/{outcome}/notes", headers=headers, json=NOTE)
        rating = client.put(
            f"{base}/targets/{target}/rating", headers=headers, json={"level": 3, "justification": "x" * 12}
        )
        assert (note.status_code, rating.status_code) == (401, 401), (note.text, rating.text)
    view = ok(client.get(base, headers=m.as_["coordinator"]))
    assert len(view["outcomes"][0]["evidence"]) == 1
    assert view["outcomes"][0]["competences"][0]["ratings"] == []
    assert ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=m.as_["coordinator"])) == audit_before


HOSTILE = "O'Brien said \"100% done\"; -- DROP TABLE evidence; \\x00? \\' %(title)s %s {} Ļoti labi ✓"


def test_a_note_written_with_the_commit_keeps_every_character(client: TestClient, database: Database) -> None:
    """On PostgreSQL the note and its audit entry travel with the COMMIT, their values bound by psycopg on this side:
    quotes, backslashes, percent signs and SQL stay text, stored exactly, and the audit chain still verifies."""
    m, base, outcome = agreed_outcome(client, database)
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": True}))
    body = {"title": HOSTILE[:200], "text": HOSTILE, "example_refs": ["LO2.2.01"]}
    written = ok(client.post(f"{base}/outcomes/{outcome}/notes", headers=m.as_["mentor"], json=body), 201)
    [stored] = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]["evidence"]
    assert (stored["id"], stored["title"], stored["text"], stored["example_refs"]) == (
        written["id"],
        HOSTILE[:200],
        HOSTILE,
        ["LO2.2.01"],
    )
    trail = ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=m.as_["coordinator"]))
    assert trail[-1]["after"]["title"] == HOSTILE[:200]
    assert ok(client.get(f"{API}/audit/verify", headers=m.as_["admin"]))["valid"] is True


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)  # statements travel with the COMMIT there only
def test_what_travels_with_the_commit_is_all_or_nothing(database: Database) -> None:
    insert = "INSERT INTO rate_limits (key, count, expires_at) VALUES (%(key)s, 1, 0)"

    def twice(session: Session) -> None:
        session.add(RateLimitCounter(key="kept with the rest", count=1, expires_at=0))
        at_commit(session, insert, {"key": "twice"})
        at_commit(session, insert, {"key": "twice"})  # breaks the key: the whole transaction is undone

    with pytest.raises(IntegrityError):
        database.run(twice, attempts=1)
    assert database.read(lambda s: s.scalars(select(RateLimitCounter.key)).all()) == []

    with Session(database.engine) as session:  # committed without Database.session: run just before the commit
        at_commit(session, insert, {"key": "direct"})
        session.commit()
    assert database.read(lambda s: s.scalars(select(RateLimitCounter.key)).all()) == ["direct"]
