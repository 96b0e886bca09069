"""A connection the server ends (PostgreSQL restarted, a proxy cut an idle connection) costs the user nothing: the
read or the change is repeated on a fresh connection, and a change is never applied twice."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, ok
from tests.pgserver import PostgresServer
from tests.test_write_cost import NOTE, agreed_outcome


@pytest.mark.parametrize("database", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_connections_ended_by_the_server_are_replaced_unnoticed(
    client: TestClient, database: Database, postgres_server: PostgresServer
) -> None:
    m, base, outcome = agreed_outcome(client, database)
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": True}))
    assert postgres_server.cut_connections(database.url) >= 1  # the app's pooled connections

    ok(client.get(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"]))
    postgres_server.cut_connections(database.url)
    ok(client.post(f"{base}/outcomes/{outcome}/notes", headers=m.as_["mentor"], json=NOTE), 201)
    postgres_server.cut_connections(database.url)
    rating = {"level": 3, "justification": "Meets the criteria at level 3"}
    target = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]["competences"][0]["target_id"]
    postgres_server.cut_connections(database.url)
    ok(client.put(f"{base}/targets/{target}/rating", headers=m.as_["mentor"], json=rating))

    first = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]
    assert len(first["evidence"]) == 1  # the note was written once
    assert [r["level"] for r in first["competences"][0]["ratings"]] == [3]
    assert ok(client.get(f"{API}/audit/verify", headers=m.as_["validator"]))["valid"] is True
