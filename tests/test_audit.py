"""The audit trail is append-only and tamper-evident."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from digcomp.audit.chain import GENESIS, EntryContent, entry_hash, verify
from digcomp.cli import main
from digcomp.store.db import Database
from tests.journey import API, agreed_plan, create_mobility, ok


def _chain(n: int) -> list[tuple[EntryContent, str]]:
    entries, previous = [], GENESIS
    for i in range(1, n + 1):
        content = EntryContent(
            i,
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            1,
            "mentor",
            "Lucía",
            "assessment.rated",
            f"mobility:1/target:{i}",
            1,
            None,
            {"level": i},
            previous,
        )
        previous = entry_hash(content)
        entries.append((content, previous))
    return entries


def test_verify_detects_alteration_removal_and_truncation() -> None:
    chain = _chain(5)
    assert verify(chain, chain[-1][1]).valid
    altered = list(chain)
    content, digest = altered[2]
    altered[2] = (EntryContent(**{**content.__dict__, "after": {"level": 8}}), digest)
    report = verify(altered)
    assert (report.valid, report.first_bad_entry) == (False, 3)
    assert "altered" in (report.problem or "")
    removed = chain[:2] + chain[3:]
    assert verify(removed).first_bad_entry == 4
    assert "truncated" in (verify(chain[:4], chain[-1][1]).problem or "")


def test_the_database_refuses_to_change_or_delete_entries(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    for statement in ("UPDATE audit_log SET action = 'nothing' WHERE id = 1", "DELETE FROM audit_log WHERE id = 1"):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
            connection.execute(text(statement))
    assert ok(client.get(f"{API}/audit/verify", headers=m.as_["admin"]))["valid"] is True


def test_tampering_behind_the_apps_back_is_detected(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    # Someone with direct database access removes the protection and rewrites a confirmation.
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
        target = connection.execute(
            text("SELECT id FROM audit_log WHERE action = 'plan.confirmed' ORDER BY id")
        ).first()
        assert target is not None
        connection.execute(text("UPDATE audit_log SET actor_label = 'someone else' WHERE id = :id"), {"id": target[0]})
    report = ok(client.get(f"{API}/audit/verify", headers=m.as_["admin"]))
    assert (report["valid"], report["first_bad_entry"]) == (False, target[0])

    monkeypatch.setenv("DIGCOMP_DATABASE_URL", database.url)
    from digcomp.settings import get_settings

    get_settings.cache_clear()
    try:
        code = main(["audit-verify"])
    finally:
        get_settings.cache_clear()
    assert code == 1
    assert f"BROKEN at entry {target[0]}" in capsys.readouterr().out
