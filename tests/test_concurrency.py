"""No lost writes: concurrent confirmations and revisions of one plan, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from tests.journey import API, agreed_plan, create_mobility, ok


def test_three_parties_confirming_at_once_give_one_agreed_version(client: TestClient) -> None:
    m = create_mobility(client)
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", json={}), 201)
    outcome = {
        "text": "Uses strong passwords",
        "language": "en",
        "criteria": "mentor checks",
        "methods": ["observation"],
        "competences": [{"competence": "4.1", "target_level": 3}],
    }
    ok(client.post(f"{base}/versions/1/outcomes", json=outcome), 201)
    parties = [("coordinator", m.coordinator), ("mentor", m.mentor), ("learner", m.learner)]

    def confirm(party: tuple[str, int]) -> int:
        role, person = party
        return client.post(f"{base}/versions/1/confirmations", json={"role": role, "person_id": person}).status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        statuses = list(pool.map(confirm, parties * 2))  # each party twice: one wins, the repeat is refused
    assert sorted(statuses) == [200, 200, 200, 409, 409, 409]
    plan = ok(client.get(base))
    assert [(v["number"], v["status"]) for v in plan["versions"]] == [(1, "agreed")]
    assert sorted(c["role"] for c in plan["agreed"]["confirmations"]) == ["coordinator", "learner", "mentor"]


def test_concurrent_revisions_create_exactly_one_new_version(client: TestClient) -> None:
    m = create_mobility(client)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/plan"
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: client.post(f"{base}/versions", json={}).status_code, range(4)))
    assert sorted(statuses) == [201, 409, 409, 409]
    assert [v["number"] for v in ok(client.get(base))["versions"]] == [1, 2]
