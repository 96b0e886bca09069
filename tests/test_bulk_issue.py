"""Bulk issuing: parallel across processes, idempotent, resumable after a crash with nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from digcomp.access.service import actor_of
from digcomp.cli import main
from digcomp.credentials import bulk, register
from digcomp.demo import certificate_demo
from digcomp.errors import Forbidden
from digcomp.framework import catalog
from digcomp.settings import Settings, get_settings
from digcomp.store.db import Database
from digcomp.store.models import Certificate, Person
from tests.journey import validated_mobility


class Crash(Exception):
    pass


def test_bulk_issue_is_idempotent_and_resumes_after_a_crash(
    client: TestClient, database: Database, settings: Settings
) -> None:
    schools = [validated_mobility(client, database, f"Skola {i}") for i in range(3)]
    ids = [m.id for m in schools]
    with database.session() as session:
        assert bulk.pending_mobilities(session) == ids
        validators = [actor_of(session.get_one(Person, m.validator)) for m in schools]

    done: list[int] = []

    def crash_after_first(step: int) -> None:
        done.append(step)
        if len(done) == 1:
            raise Crash

    first = validators[0]
    with pytest.raises(Crash):
        bulk.issue_many(database, catalog([]), settings, first, ids[:1], workers=2, progress=crash_after_first, chunk=1)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Certificate)) == 1  # committed whole, nothing else
        remaining = bulk.pending_mobilities(session)
    assert len(remaining) == 2
    with pytest.raises(Forbidden):  # a validator issues only her own school's certificates
        bulk.issue_many(database, catalog([]), settings, first, ids[1:2])

    issued = [
        c
        for actor, m in zip(validators, ids, strict=True)
        for c in bulk.issue_many(database, catalog([]), settings, actor, [m], workers=2)
    ]
    assert len(issued) == 2
    assert all(
        bulk.issue_many(database, catalog([]), settings, a, [m]) == [] for a, m in zip(validators, ids, strict=True)
    )
    with database.session() as session:
        certificates = list(session.scalars(select(Certificate)))
        assert sorted(c.mobility_id for c in certificates) == ids
        assert bulk.pending_mobilities(session) == []
        for certificate in certificates:
            assert register.verify_file(session, session.get_one(Certificate, certificate.id).pdf)["verdict"] == "valid"
            status = json.loads(session.get_one(Certificate, certificate.id).credential)["credentialStatus"]
            assert int(status["statusListIndex"]) == certificate.status_index  # bulk issuing names each one's bit
        assert len({c.status_index for c in certificates}) == 3


def test_issue_command_issues_pending_certificates_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIGCOMP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DIGCOMP_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        settings = get_settings()
        database = Database(settings.effective_database_url)
        database.migrate()
        with database.session() as session:
            certificate_demo(session, catalog([]), settings)  # validated, no certificate yet
        assert main(["issue", "--by", "peteris.ozols@example.lv", "--workers", "2"]) == 0
        first = capsys.readouterr()
        assert "issued 1 certificate(s)" in first.out
        assert "certificate" in first.err  # the progress bar
        assert main(["issue", "--by", "peteris.ozols@example.lv", "--quiet"]) == 0
        assert "nothing to issue" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
