"""The audit trail is append-only and tamper-evident."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from digcomp.audit.chain import CHECKPOINTS, GENESIS, EntryContent, entry_hash, linking_text, sealed, verify
from digcomp.cli import main
from digcomp.store.db import Database
from tests.journey import API, agreed_plan, create_mobility, ok


def _entry(ident: int, chain: str, seq: int, previous: str, after: dict[str, object]) -> tuple[int, EntryContent, str]:
    content = EntryContent(
        None,
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        1,
        "mentor",
        "Lucía",
        "assessment.rated",
        f"{chain}/target:{seq}",
        1,
        None,
        after,
        previous,
        chain,
        seq,
    )
    return ident, content, entry_hash(content)


def _chains(n: int) -> list[tuple[int, EntryContent, str]]:
    """Two mobilities' chains, interleaved in id order as concurrent writers would leave them."""
    entries: list[tuple[int, EntryContent, str]] = []
    tips = {"mobility:1": GENESIS, "mobility:2": GENESIS}
    for i in range(1, n + 1):
        chain = f"mobility:{1 + i % 2}"
        entry = _entry(i, chain, (i + 1) // 2 if chain == "mobility:2" else i // 2, tips[chain], {"level": i})
        tips[chain] = entry[2]
        entries.append(entry)
    return entries


def _heads(entries: list[tuple[int, EntryContent, str]]) -> dict[str | None, tuple[int, str]]:
    heads: dict[str | None, tuple[int, str]] = {}
    for _, content, digest in entries:
        heads[content.chain] = (content.seq or 0, digest)
    return heads


def test_verify_detects_alteration_removal_and_truncation() -> None:
    entries = _chains(6)
    assert verify(entries, _heads(entries)).valid
    altered = list(entries)
    ident, content, digest = altered[2]
    altered[2] = (ident, EntryContent(**{**content.__dict__, "after": {"level": 8}}), digest)
    report = verify(altered)
    assert (report.valid, report.first_bad_entry) == (False, 3)
    assert "altered" in (report.problem or "")
    removed = entries[:2] + entries[3:]
    assert verify(removed).first_bad_entry == 5  # the next entry of the same chain no longer links
    assert "truncated" in (verify(entries[:5], _heads(entries)).problem or "")


def test_the_text_the_database_hashes_gives_the_entrys_own_hash() -> None:
    """PostgreSQL hashes an entry onto its chain's head in SQL, from the text cut where the link goes."""
    _, content, _ = _entry(1, "mobility:7", 1, GENESIS, {"note": 'Ļoti labi — "quoted" <prev-hash>'})
    entry = sealed(content)
    previous, seq = "ab" * 32, 1234
    first, second, third = linking_text(entry)
    in_sql = hashlib.sha256(f"{first}{previous}{second}{seq}{third}".encode()).hexdigest()
    linked = EntryContent(**{**entry.__dict__, "prev_hash": previous, "seq": seq})
    assert in_sql == entry_hash(linked)
    assert in_sql != entry_hash(EntryContent(**{**linked.__dict__, "seq": seq + 1}))


def test_a_checkpoint_catches_a_chain_cut_short_with_its_head_rewound() -> None:
    entries = _chains(6)
    heads = _heads(entries)
    checkpoint = _entry(7, CHECKPOINTS, 1, GENESIS, {"heads": {c: list(h) for c, h in heads.items()}})
    assert verify([*entries, checkpoint], {**heads, CHECKPOINTS: (1, checkpoint[2])}).valid
    cut = [e for e in entries if e[0] != 6]  # the last entry of mobility:1 removed …
    rewound = {**_heads(cut), CHECKPOINTS: (1, checkpoint[2])}  # … and its head row set back to match
    report = verify([*cut, checkpoint], rewound)
    assert report.valid is False
    assert "checkpoint" in (report.problem or "")


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
            connection.execute(text("DROP TRIGGER audit_log_only_erasure"))
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


def test_checkpoints_anchor_each_mobilitys_chain_in_the_database(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = create_mobility(client, database, "Skola A"), create_mobility(client, database, "Skola B")
    agreed_plan(client, first)
    agreed_plan(client, second)
    monkeypatch.setenv("DIGCOMP_DATABASE_URL", database.url)
    from digcomp.settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["audit-checkpoint"]) == 0
        assert "vouches for" in capsys.readouterr().out
        with database.engine.begin() as connection:
            chains = dict(connection.execute(text("SELECT chain, last_seq FROM audit_chains")).all())
            assert chains[f"mobility:{first.id}"] >= 4  # the plan's steps, in the mobility's own chain
            assert chains["checkpoints"] == 1
            # Someone removes the newest entry of the first mobility and rewinds its head to match.
            if connection.dialect.name == "postgresql":
                connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
            else:
                connection.execute(text("DROP TRIGGER audit_log_no_delete"))
            chain = f"mobility:{first.id}"
            last = connection.execute(
                text("SELECT id, seq FROM audit_log WHERE chain = :c ORDER BY seq DESC"), {"c": chain}
            ).first()
            assert last is not None
            previous = connection.execute(
                text("SELECT hash FROM audit_log WHERE chain = :c AND seq = :s"), {"c": chain, "s": last[1] - 1}
            ).scalar_one()
            connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": last[0]})
            connection.execute(
                text("UPDATE audit_chains SET last_seq = :s, last_hash = :h WHERE chain = :c"),
                {"s": last[1] - 1, "h": previous, "c": chain},
            )
        assert main(["audit-verify"]) == 1
        assert "checkpoint" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


def test_every_action_the_code_records_has_a_readable_name_in_each_language() -> None:
    """The audit page names actions in words; an action recorded somewhere in the code without a name would show as
    a raw code, so the list is read from the code itself."""
    import ast
    import re

    from digcomp.audit.log import ACTIONS
    from digcomp.web.common import labels

    recorded = set()
    for path in (Path(__file__).parents[1] / "src" / "digcomp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None) and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))  # type: ignore[attr-defined]
            if isinstance(node, ast.Call) and name in ("record", "_audit"):
                recorded |= {
                    arg.value
                    for arg in node.args[:4]
                    if isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and re.fullmatch(r"[a-z_]+\.[a-z_]+", arg.value)
                }
    assert len(recorded) > 30
    assert recorded <= set(ACTIONS)
    for language in ("lv", "en"):
        assert [a for a in ACTIONS if f"audit_action_{a.replace('.', '_')}" not in labels()[language]] == []
