"""No lost writes: concurrent confirmations and revisions of one plan, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from digcomp.store.db import Database
from tests.journey import API, add_outcome, agreed_plan, create_mobility, ok


def test_three_parties_confirming_at_once_give_one_agreed_version(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", headers=m.as_["coordinator"], json={}), 201)
    ok(add_outcome(client, m, 1, "Uses strong passwords", "4.1"), 201)

    def confirm(role: str) -> int:
        return client.post(f"{base}/versions/1/confirmations", headers=m.as_[role]).status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        # each party twice: one wins, the repeat is refused
        statuses = list(pool.map(confirm, ["coordinator", "mentor", "learner"] * 2))
    assert sorted(statuses) == [200, 200, 200, 409, 409, 409]
    plan = ok(client.get(base, headers=m.as_["coordinator"]))
    assert [(v["number"], v["status"]) for v in plan["versions"]] == [(1, "agreed")]
    assert sorted(c["role"] for c in plan["agreed"]["confirmations"]) == ["coordinator", "learner", "mentor"]


def test_concurrent_revisions_create_exactly_one_new_version(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/plan"
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(
            pool.map(
                lambda _: client.post(f"{base}/versions", headers=m.as_["coordinator"], json={}).status_code, range(4)
            )
        )
    assert sorted(statuses) == [201, 409, 409, 409]
    assert [v["number"] for v in ok(client.get(base, headers=m.as_["coordinator"]))["versions"]] == [1, 2]
