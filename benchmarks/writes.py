"""Writes under concurrency, and reads during a login flood — digcomp beside its floor, in the same run.

* Writes: 32 clients post observation notes for a while, then again after thousands of notes exist on the mobility.
  The floor (benchmarks/floor_app.py) is bare FastAPI + SQLAlchemy doing one INSERT per POST on the same database
  settings; digcomp does the real work (bearer token, access rules, stage rules, the note, the audit entry).
  On SQLite, and on a throwaway PostgreSQL server when its binaries are installed.
* Reads during a login flood: 8 clients send wrong passwords as fast as they can while another user's
  authenticated GET is timed.

Each server runs as one process (uvicorn, like ``digcomp serve``); the load comes from this process through a small
keep-alive HTTP client, so both sides pay the same client cost. Usage:
python benchmarks/writes.py [--seconds 10] [--clients 32] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.servers import free_port, serving, started  # noqa: E402 - the shared helper lives with the tests

DEMO_PASSWORD = "demo-parole-2026"
NOTE = {"title": "Observation", "text": "Answered three guest e-mails politely and on time; checked the booking."}


def call(url: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{url}{path}", data, headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as answer:
        content = answer.read()
        return json.loads(content) if content else None


def login(url: str, email: str) -> str:
    return str(call(url, "POST", "/api/v1/auth/token", {"email": email, "password": DEMO_PASSWORD})["access_token"])


def prepare_demo(url: str) -> tuple[str, int]:
    """The demo mobility's plan agreed by all three parties and its first outcome identified; the mentor's token."""
    tokens = {
        role: login(url, email)
        for role, email in (
            ("coordinator", "ilze.kalnina@example.lv"),
            ("mentor", "lucia.garcia@example.es"),
            ("learner", "janis.berzins@example.lv"),
        )
    }
    for role in ("coordinator", "mentor", "learner"):
        call(url, "POST", "/api/v1/mobilities/1/plan/versions/1/confirmations", None, tokens[role])
    view = call(url, "GET", "/api/v1/mobilities/1/assessment", None, tokens["coordinator"])
    outcome = int(view["outcomes"][0]["outcome_id"])
    call(
        url,
        "PUT",
        f"/api/v1/mobilities/1/assessment/outcomes/{outcome}/identification",
        {"worked_on": True},
        tokens["learner"],
    )
    return tokens["mentor"], outcome


class Connection:
    """One keep-alive HTTP/1.1 connection: requests one after another, like a browser tab or an app."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"", token: str | None = None) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        if body:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and "close" in value.lower():
                close = True
        await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return int(status_line.split()[1])


@dataclass
class Figures:
    count: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else float("nan")


async def load(
    url: str, path: str, body: dict[str, Any], token: str | None, clients: int, seconds: float, most: int = 10**9
) -> Figures:
    host, port = url.removeprefix("http://").split(":")
    payload = json.dumps(body).encode()
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        connection = Connection(host, int(port))
        while time.perf_counter() < stop and len(latencies) < most:
            started = time.perf_counter()
            status = await connection.request("POST", path, payload, token)
            latencies.append(time.perf_counter() - started)
            if status >= 300:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Figures(len(latencies), time.perf_counter() - started, latencies, errors)


async def reads_during_flood(url: str, token: str, flooders: int, seconds: float) -> tuple[Figures, Figures]:
    host, port = url.removeprefix("http://").split(":")
    stop = time.perf_counter() + seconds
    flood = Figures(0, seconds, [], 0)
    reads = Figures(0, seconds, [], 0)
    wrong = json.dumps({"email": "lucia.garcia@example.es", "password": "wrong password 1"}).encode()

    async def flooder() -> None:
        connection = Connection(host, int(port))
        while time.perf_counter() < stop:
            started = time.perf_counter()
            status = await connection.request("POST", "/api/v1/auth/token", wrong)
            flood.latencies.append(time.perf_counter() - started)
            flood.count += 1
            flood.errors += status == 429

    async def reader() -> None:
        connection = Connection(host, int(port))
        await asyncio.sleep(0.5)  # the flood is under way
        while time.perf_counter() < stop:
            started = time.perf_counter()
            status = await connection.request("GET", "/api/v1/mobilities/1", b"", token)
            reads.latencies.append(time.perf_counter() - started)
            reads.count += 1
            reads.errors += status != 200
            await asyncio.sleep(0.02)

    await asyncio.gather(reader(), *(flooder() for _ in range(flooders)))
    return reads, flood


def digcomp_server(data: Path, database_url: str | None, port: int) -> Any:
    env = {"DIGCOMP_DATA_DIR": str(data)}
    if database_url:
        env["DIGCOMP_DATABASE_URL"] = database_url
    return serving(env, "--demo", port=port)


def floor_server(database_url: str, port: int) -> Any:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.floor_app:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "FLOOR_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    return started(command, env, port, "/openapi.json")


def fresh_and_full(url: str, path: str, token: str | None, args: argparse.Namespace) -> tuple[Figures, Figures]:
    """Writes on a fresh mobility, then again once at least ``--existing`` notes are on it (topped up unmeasured)."""
    fresh = asyncio.run(load(url, path, NOTE, token, args.clients, args.seconds))
    if fresh.count < args.existing:
        asyncio.run(load(url, path, NOTE, token, args.clients, 600, most=args.existing - fresh.count))
    return fresh, asyncio.run(load(url, path, NOTE, token, args.clients, args.seconds))


def measure_writes(name: str, floor_url: str, ours_url: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        floor_db = floor_url or f"sqlite:///{folder}/floor.sqlite3"
        with floor_server(floor_db, free_port()) as floor:
            floor_figures = fresh_and_full(floor, "/mobilities/1/outcomes/1/notes", None, args)
        with digcomp_server(Path(folder) / "data", ours_url, free_port()) as ours:
            token, outcome = prepare_demo(ours)
            path = f"/api/v1/mobilities/1/assessment/outcomes/{outcome}/notes"
            ours_figures = fresh_and_full(ours, path, token, args)
    labels = ("fresh", f"after {args.existing:,}+ notes")
    for label, floor, mine in zip(labels, floor_figures, ours_figures, strict=True):
        print(
            f"writes {name:10s} {label:20s} floor {floor.rate:7.0f}/s p99 {floor.percentile(0.99):6.0f} ms | "
            f"digcomp {mine.rate:6.0f}/s p99 {mine.percentile(0.99):6.0f} ms (errors {mine.errors}) | "
            f"ratio {mine.rate / floor.rate:5.0%}"
        )


def measure_flood(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder, digcomp_server(Path(folder) / "data", None, free_port()) as ours:
        token = login(ours, "ilze.kalnina@example.lv")
        quiet = asyncio.run(reads_during_flood(ours, token, 0, 3))[0]
        reads, flood = asyncio.run(reads_during_flood(ours, token, args.flooders, args.seconds))
    print(
        f"reads during a wrong-password flood from {args.flooders} clients: GET p50 "
        f"{statistics.median(reads.latencies) * 1000:.0f} ms, p99 {reads.percentile(0.99):.0f} ms "
        f"(unloaded p99 {quiet.percentile(0.99):.0f} ms; {flood.count} login attempts, {flood.errors} answered 429)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--flooders", type=int, default=8)
    parser.add_argument("--existing", type=int, default=2000, help="notes on the mobility for the second phase")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    measure_writes("SQLite", "", "", args)
    if not args.skip_postgres:
        from tests.pgserver import PostgresServer

        postgres = PostgresServer()
        try:
            postgres.start()
        except RuntimeError as exc:
            print(f"writes PostgreSQL: skipped ({exc})")
        else:
            try:
                measure_writes("PostgreSQL", postgres.create_database(), postgres.create_database(), args)
            finally:
                postgres.stop()
    measure_flood(args)


if __name__ == "__main__":
    main()
