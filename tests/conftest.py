"""Shared fixtures: a database on SQLite and on a real PostgreSQL server, and an API client over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from digcomp.access import credentials
from digcomp.api.app import create_app
from digcomp.settings import Settings
from digcomp.store.db import Database
from tests.pgserver import PostgresServer


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Tests log in hundreds of times; production keeps argon2's recommended cost."""
    production = credentials._hasher
    credentials._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    credentials._hasher = production


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'digcomp.sqlite3'}"
        server = None
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database()
    db = Database(url)
    db.migrate()
    try:
        yield db
    finally:
        db.dispose()
        if server is not None:
            server.drop_database(url)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", public_url="http://testserver")


@pytest.fixture
def client(database: Database, settings: Settings) -> Iterator[TestClient]:
    # A browser sends Origin with every form; the app refuses cookie-authenticated changes without it.
    with TestClient(
        create_app(settings=settings, database=database), headers={"origin": "http://testserver"}
    ) as test_client:
        yield test_client
