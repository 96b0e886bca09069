"""A school's existing data survives the upgrade to texts held per language: each outcome's text and criteria keep
their language, a mobility's texts are taken to be in its working language. On SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from digcomp.store.db import Database, alembic_config
from digcomp.store.models import Mobility, Organisation, Outcome, Validation
from tests.pgserver import PostgresServer

ROWS = [
    "INSERT INTO organisations (id, name, kind, country, address, contact_name, contact_email, contact_phone,"
    " created_at) VALUES (1, 'Rīgas tehnikums', 'school', 'LV', '', '', '', '', '2026-01-01 00:00:00+00')",
    "INSERT INTO organisations (id, registered_by_id, name, kind, country, address, contact_name, contact_email,"
    " contact_phone, created_at)"
    " VALUES (2, 1, 'Hotel Aurora', 'company', 'ES', '', '', '', '', '2026-01-01 00:00:00+00')",
    "INSERT INTO people (id, organisation_id, given_name, family_name, email, role, job_title, created_at)"
    " VALUES (1, 1, 'Jānis', 'Bērziņš', NULL, 'learner', '', '2026-01-01 00:00:00+00')",
    "INSERT INTO mobilities (id, learner_id, sending_organisation_id, host_organisation_id, start_date, end_date,"
    " programme, project_reference, qualification, working_language, objective, tasks, group_name, created_at)"
    " VALUES (1, 1, 1, 2, '2026-03-02', '2026-05-29', 'Erasmus+', '', 'Hospitality specialist', 'en', '',"
    " 'Reception work', 'G', '2026-01-01 00:00:00+00')",
    "INSERT INTO plans (id, mobility_id, revision, updated_at) VALUES (1, 1, 1, '2026-01-01 00:00:00+00')",
    "INSERT INTO plan_versions (id, plan_id, number, status, change_note, created_at)"
    " VALUES (1, 1, 1, 'draft', '', '2026-01-01 00:00:00+00')",
    "INSERT INTO outcomes (id, version_id, position, text, language, criteria, methods)"
    " VALUES (1, 1, 0, 'Sagatavo prezentāciju', 'lv', 'Prezentācija ir pabeigta', '[\"product\"]')",
    "INSERT INTO validations (id, mobility_id, plan_version, validator_id, validated_at, note)"
    " VALUES (1, 1, 1, 1, '2026-06-01 00:00:00+00', '')",
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    server: PostgresServer | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database()
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
        if server is not None:
            server.drop_database(url)


@pytest.fixture
def upgraded_database(empty_database: Database) -> Database:
    """A school's data written at revision 0003, then upgraded to the newest schema."""
    command.upgrade(alembic_config(empty_database.engine), "0003")
    with empty_database.engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))
    empty_database.migrate()
    return empty_database


def test_existing_texts_become_language_maps(upgraded_database: Database) -> None:
    with upgraded_database.session() as session:
        outcome = session.get_one(Outcome, 1)
        assert (outcome.text, outcome.criteria) == ({"lv": "Sagatavo prezentāciju"}, {"lv": "Prezentācija ir pabeigta"})
        mobility = session.get_one(Mobility, 1)
        assert (mobility.qualification, mobility.tasks, mobility.objective) == (
            {"en": "Hospitality specialist"},
            {"en": "Reception work"},
            {},
        )
        assert session.get_one(Organisation, 1).language == "lv"
        validation = session.get_one(Validation, 1)
        assert (validation.round, validation.reopened_at) == (1, None)
        # a second validation of the same mobility is now possible (after reopening)
        session.add(Validation(id=2, mobility_id=1, round=2, plan_version=1, validator_id=1))
        session.flush()


def test_mobilities_planned_before_monitoring_agreed_no_progress_reports(upgraded_database: Database) -> None:
    with upgraded_database.session() as session:
        assert session.get_one(Mobility, 1).report_every_days == 0  # nothing is reported late for an old placement
