"""Scale-out on PostgreSQL: two digcomp processes (as on two machines behind a load balancer) share nothing but the
database and the data directory. Sessions, mentor links, concurrent writes and the audit chains stay correct
whichever instance a request reaches; `digcomp serve --workers 2` serves as one."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx2 as httpx
import pytest

from digcomp.store.db import Database
from tests.journey import API, add_outcome, create_mobility, ok
from tests.pgserver import PostgresServer
from tests.servers import serving

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[tuple[Database, dict[str, str]]]:
    url = postgres_server.create_database()
    database = Database(url)
    database.migrate()
    env = {
        "DIGCOMP_DATABASE_URL": url,
        "DIGCOMP_DATA_DIR": str(tmp_path / "shared-data"),
        "DIGCOMP_SECRET_KEY": "one secret for every instance, from the deployment's secret store",
    }
    try:
        yield database, env
    finally:
        database.dispose()
        postgres_server.drop_database(url)


def test_two_instances_share_sessions_links_and_writes(shared: tuple[Database, dict[str, str]]) -> None:
    database, env = shared
    with ExitStack() as stack:
        first, second = (stack.enter_context(serving(env)) for _ in range(2))
        a = stack.enter_context(httpx.Client(base_url=first, timeout=30))
        b = stack.enter_context(httpx.Client(base_url=second, timeout=30))
        m = create_mobility(a, database)  # type: ignore[arg-type]  # logins made through the first instance
        assert ok(b.get(f"{API}/auth/me", headers=m.as_["learner"]))["person_id"] == m.learner

        link = ok(a.post(f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"], json={}), 201)
        as_link = {"Authorization": f"Bearer {link['token']}"}
        assert b.get(f"{API}/mobilities/{m.id}", headers=as_link).status_code == 200
        ok(a.delete(f"{API}/mobilities/{m.id}/mentor-links/{link['id']}", headers=m.as_["coordinator"]), 204)
        assert b.get(f"{API}/mobilities/{m.id}", headers=as_link).status_code == 401  # revoked everywhere at once

        base = f"{API}/mobilities/{m.id}/plan"
        ok(a.post(f"{base}/versions", headers=m.as_["coordinator"], json={}), 201)
        ok(add_outcome(a, m, 1, "Uses strong passwords", "4.1"), 201)  # type: ignore[arg-type]
        clients = [a, b]

        def confirm(turn: tuple[int, str]) -> int:
            index, role = turn
            return clients[index % 2].post(f"{base}/versions/1/confirmations", headers=m.as_[role]).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(confirm, enumerate(["coordinator", "mentor", "learner"] * 2)))
        assert sorted(statuses) == [200, 200, 200, 409, 409, 409]
        assert ok(b.get(base, headers=m.as_["learner"]))["agreed"]["number"] == 1

        assessment = f"{API}/mobilities/{m.id}/assessment"
        outcome = ok(a.get(assessment, headers=m.as_["coordinator"]))["outcomes"][0]["outcome_id"]
        ok(a.put(f"{assessment}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": True}))

        def note(number: int) -> int:
            body = {"title": f"Observation {number}", "text": f"Week {number}: locked the screen every time."}
            response = clients[number % 2].post(
                f"{assessment}/outcomes/{outcome}/notes", headers=m.as_["mentor"], json=body
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            assert set(pool.map(note, range(40))) == {201}
        evidence = ok(b.get(assessment, headers=m.as_["coordinator"]))["outcomes"][0]["evidence"]
        assert sorted(e["title"] for e in evidence) == sorted(f"Observation {n}" for n in range(40))
        report = ok(a.get(f"{API}/audit/verify", headers=m.as_["admin"]))
        assert report["valid"] is True

        # login limits are counted in the database: wrong passwords through one instance lock out through the other
        email = ok(a.get(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"]))["email"]
        for _ in range(10):
            assert a.post(f"{API}/auth/token", json={"email": email, "password": "wrong password 1"}).status_code == 401
        assert b.post(f"{API}/auth/token", json={"email": email, "password": "wrong password 1"}).status_code == 429


def test_serve_with_two_workers_answers_as_one_service(shared: tuple[Database, dict[str, str]]) -> None:
    database, env = shared
    with serving(env, "--workers", "2") as url, httpx.Client(base_url=url, timeout=30) as client:
        m = create_mobility(client, database)  # type: ignore[arg-type]
        for _ in range(10):  # whichever worker answers, the token is known
            assert ok(client.get(f"{API}/mobilities/{m.id}", headers=m.as_["learner"]))["id"] == m.id


def test_the_compose_file_runs_two_instances_on_one_database_and_volume() -> None:
    import shutil

    import yaml

    root = Path(__file__).resolve().parents[1]
    compose = yaml.safe_load((root / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    apps = [services["app1"], services["app2"]]
    assert {"postgres", "migrate", "app1", "app2", "worker", "proxy"} <= set(services)
    assert services["worker"]["command"] == ["digcomp", "worker"]
    assert services["worker"]["environment"]["DATABASE_URL"] == apps[0]["environment"]["DATABASE_URL"]
    for app in apps:
        assert app["environment"]["DATABASE_URL"].startswith("postgresql://digcomp:")
        assert app["environment"]["DATABASE_URL"].endswith("@postgres:5432/digcomp")
        assert "digcomp-data:/data" in app["volumes"]
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "DIGCOMP_SECRET_KEY" in app["environment"]  # one link secret for every instance
    assert services["migrate"]["command"] == ["digcomp", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["proxy"]["command"][-4:] == ["--to", "app1:8000", "--to", "app2:8000"]
    assert services["postgres"]["healthcheck"]["test"][-1].startswith("pg_isready")
    for app in apps:  # ready only when the database answers; the proxy waits for both
        assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert {services["proxy"]["depends_on"][name]["condition"] for name in ("app1", "app2")} == {"service_healthy"}
    assert services["worker"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["restart"] == "no"  # migrations run once, before any app or worker starts
    dockerfile = (root / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir ." in dockerfile
    assert "--workers" in dockerfile
    engine = shutil.which("docker") or shutil.which("podman")
    if engine is None or subprocess.run([engine, "info"], capture_output=True).returncode != 0:
        pytest.skip("no running container engine here to build the image")
    built = subprocess.run([engine, "build", "-q", "-t", "digcomp-engine:test", str(root)], capture_output=True)
    assert built.returncode == 0, built.stderr.decode()
