"""Jobs and requests survive the faults a deployment meets: a worker killed with SIGKILL mid-job (the workers still
alive take its job up themselves), and PostgreSQL restarted under load (clients get 503 with Retry-After, never 500;
the workers reconnect and go on). Every wait is for a condition, with a generous deadline, so a loaded machine only
makes the tests slower."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from digcomp.api.app import create_app
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import Certificate
from tests.independent import free_port, served
from tests.journey import API, Mobility, validated_mobilities, validator_email
from tests.pgserver import PostgresServer

pytestmark = pytest.mark.postgres
DEADLINE = 120.0


def wait_for(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"not within {deadline:.0f} s: {what}")
        time.sleep(0.1)


@dataclass
class Site:
    server: PostgresServer
    url: str
    database: Database
    env: dict[str, str]
    settings: Settings
    mobilities: list[Mobility]
    client: TestClient

    def digcomp(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "digcomp", *arguments], env=self.env, capture_output=True, text=True, timeout=300
        )

    def worker(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "digcomp", "worker"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def issued(self) -> dict[int, int]:
        def count(s: object) -> dict[int, int]:
            rows = s.execute(select(Certificate.mobility_id, func.count()).group_by(Certificate.mobility_id))  # type: ignore[attr-defined]
            return dict(rows.all())

        try:
            return self.database.read(count)
        except Exception:  # the server may be restarting
            return {}

    def jobs_doing(self) -> int:
        try:
            with psycopg.connect(self.url.replace("+psycopg", ""), connect_timeout=5) as conn:
                row = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'").fetchone()
        except psycopg.Error:
            return 0
        return int(row[0]) if row else 0


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """A PostgreSQL server of its own (it is restarted), with validated mobilities ready to be issued."""
    server = PostgresServer()
    server.start()
    url = server.create_database()
    database = Database(url)
    database.migrate()
    settings = Settings(data_dir=tmp_path / "data", public_url="http://school.example", database_url=url)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DIGCOMP_PUBLIC_URL")},
        "DIGCOMP_DATABASE_URL": url,
        "DIGCOMP_DATA_DIR": str(tmp_path / "data"),
        "DIGCOMP_PUBLIC_URL": "http://school.example",
    }
    try:
        app = create_app(settings=settings, database=database)
        with TestClient(app, headers={"origin": "http://testserver"}, raise_server_exceptions=False) as client:
            mobilities = validated_mobilities(client, database, 12, "Skola")
            yield Site(server, url, database, env, settings, mobilities, client)
    finally:
        database.dispose()
        server.stop()


def test_a_worker_killed_mid_job_is_covered_by_the_worker_still_alive(site: Site) -> None:
    assert (
        "queued 12 certificate(s)"
        in site.digcomp("issue", "--by", validator_email(site.mobilities[0]), "--queue", "--languages", "en").stdout
    )
    doomed, survivor = site.worker(), site.worker()
    try:
        wait_for(lambda: site.jobs_doing() == 2, "both workers busy with a job")
        doomed.send_signal(signal.SIGKILL)  # no goodbye: its job stays "doing" until someone notices
        doomed.wait()
        started = time.monotonic()
        wait_for(lambda: len(site.issued()) == 12, "every certificate issued by the surviving worker")
        print(f"all 12 issued {time.monotonic() - started:.1f} s after the kill, by the one worker left")
        assert site.issued() == {m.id: 1 for m in site.mobilities}  # exactly once each
        assert survivor.poll() is None
    finally:
        for worker in (doomed, survivor):
            worker.kill()
            worker.wait()


def test_a_postgresql_restart_under_load_gives_no_server_error_and_the_workers_go_on(site: Site) -> None:
    port = free_port()
    app = create_app(settings=site.settings, database=site.database)
    workers = [site.worker(), site.worker()]
    statuses: Counter[int] = Counter()
    missing_retry_after = []
    stop = threading.Event()
    m = site.mobilities[0]

    def load(url: str, headers: dict[str, str]) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            while not stop.is_set():
                for request in (
                    lambda: client.get(f"{API}/mobilities/{m.id}/assessment"),
                    lambda: client.get(f"{API}/mobilities"),
                    lambda: client.post(
                        f"{API}/mobilities/{m.id}/assessment/outcomes/{outcome}/notes",
                        json={"title": "Restart", "text": "A note written while the database restarts."},
                    ),
                ):
                    try:
                        answer = request()
                    except httpx.TransportError:
                        statuses[0] += 1  # the connection itself failed
                        continue
                    statuses[answer.status_code] += 1
                    if answer.status_code == 503 and "retry-after" not in answer.headers:
                        missing_retry_after.append(answer.text)

    outcome = site.client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["coordinator"]).json()
    outcome = outcome["outcomes"][0]["outcome_id"]
    try:
        with served(app, port) as url:
            threads = [threading.Thread(target=load, args=(url, m.as_["mentor"])) for _ in range(6)]
            for thread in threads:
                thread.start()
            wait_for(lambda: statuses.total() > 50, "the load running")
            for mode in ("fast", "immediate"):
                site.server.restart(mode)
                before = statuses.total()
                wait_for(
                    lambda before=before: statuses.total() > before + 50, f"the load going on after a {mode} restart"
                )
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        print(f"answers during two restarts: {dict(statuses)}")
        assert statuses[500] == 0
        assert missing_retry_after == []
        assert statuses[200] + statuses[201] > 100

        ended = [worker.stderr.read().decode() for worker in workers if worker.poll() is not None]  # type: ignore[union-attr]
        assert ended == []  # both reconnected instead of ending
        assert (
            "queued 12 certificate(s)"
            in site.digcomp("issue", "--by", validator_email(site.mobilities[0]), "--queue", "--languages", "en").stdout
        )
        wait_for(lambda: len(site.issued()) == 12, "the workers issuing after the restarts")
        assert site.issued() == {mobility.id: 1 for mobility in site.mobilities}
    finally:
        stop.set()
        for worker in workers:
            worker.kill()
            worker.wait()


def test_readiness_says_whether_the_database_answers(settings: Settings) -> None:
    """The compose file's health check: /readyz is 503 (with Retry-After) while the database is away, so a proxy
    sends no one there; /healthz only says the process runs."""
    unreachable = Database(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/digcomp")
    with TestClient(create_app(settings, unreachable)) as client:
        assert client.get("/healthz").status_code == 200
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert "retry-after" in answer.headers


def test_readiness_with_the_database_up(site: Site) -> None:
    assert site.client.get("/readyz").json() == {"status": "ready"}
