"""A country on one machine: the national data set (``national.py``) on PostgreSQL (fsync on, as deployed), then
- reads at scale: a school's overview, a search and its results export, one client, no other load;
- the mixed load (``load.py``, Locust) against ``digcomp serve --workers 2`` with two ``digcomp worker``s issuing
  the statements a few schools queued: the highest step at which p95 ≤ 300 ms and p99 ≤ 1 s hold, requests a
  second per core, and where the time goes at that step (py-spy on the serve workers, pg_stat_statements);
- the same steps with one serve worker (the scaling from 1 to 2);
- each serve worker's resident memory after the load.
Locust runs on the same two cores as the service: the rates are what the service did while sharing them.

Usage: python benchmarks/capacity.py [--schools 50] [--mobilities 400] [--users 40,70,100,130,160]
                                     [--seconds 10]"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import imports  # noqa: E402
import national  # noqa: E402
from tests.pgserver import PostgresServer  # noqa: E402
from tests.servers import free_port, started_process  # noqa: E402

from digcomp.access.service import actor_of  # noqa: E402
from digcomp.mobility import importer  # noqa: E402
from digcomp.store.db import Database  # noqa: E402
from digcomp.store.models import Mobility, Outcome, OutcomeCompetence, Person, Plan, PlanStatus, PlanVersion  # noqa: E402

P95_MS, P99_MS, OVERVIEW_MS, EXPORT_S, RSS_MB = 300, 1000, 200, 2.0, 300
ACTIVE_SCHOOLS = 10  # whose coordinators, mentors and learners act during the load
PACE_S = 2.0  # each load user acts every this many seconds (load.PACE)
POSTGRES = "-c fsync=on -c max_connections=100 -c random_page_cost=1.1 -c shared_preload_libraries=pg_stat_statements"
DIGCOMP = [sys.executable, "-m", "digcomp"]


def call(url: str, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[Any, bytes]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{url}{path}", data, headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as answer:
        content = answer.read()
        kind = answer.headers.get("Content-Type", "")
        return (json.loads(content) if content and "json" in kind else None), content


def login(url: str, email: str) -> str:
    found, _ = call(url, "POST", "/api/v1/auth/token", {"email": email, "password": national.PASSWORD})
    return str(found["access_token"])


@contextmanager
def serving(env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[str, psutil.Process]]:
    port = free_port()
    command = [*DIGCOMP, "serve", "--workers", str(workers), "--port", str(port)]
    with log.open("wb") as errors, started_process(command, env, port, "/healthz", errors) as (url, process):
        yield url, psutil.Process(process.pid)


@contextmanager
def issuing_in_the_background(env: dict[str, str], schools: range) -> Iterator[list[str]]:
    """Two ``digcomp worker``s issuing the statements these schools queued, for as long as the block runs: the same
    background for every configuration compared. Yields what was queued."""
    queued = []
    for school in schools:
        finished = subprocess.run(
            [*DIGCOMP, "issue", "--queue", "--by", f"coordinator@school{school}.example.lv"],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        queued.append(finished.stdout.strip())
    workers = [subprocess.Popen([*DIGCOMP, "worker"], env=env, stdout=subprocess.DEVNULL) for _ in range(2)]
    try:
        yield queued
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)


def serve_workers(server: psutil.Process) -> list[psutil.Process]:
    """The processes answering requests: uvicorn's workers, or the server itself when it has none."""
    children = [c for c in server.children(recursive=True) if "multiprocessing" not in " ".join(c.cmdline()[:3])]
    return children or [server]


def people(database: Database, url: str, data: national.National) -> dict[str, Any]:
    """Tokens and ids for the load's users: coordinators with draft plans to edit, mentors with links to ongoing
    placements, learners logged in on theirs, and certificates for employers."""
    coordinators: list[dict[str, Any]] = []
    mentors: list[dict[str, Any]] = []
    learners: list[dict[str, Any]] = []
    with database.session() as session:
        for school in range(1, min(ACTIVE_SCHOOLS, len(data.coordinators)) + 1):
            email = f"coordinator@school{school}.example.lv"
            staff = session.scalars(select(Person).where(Person.email == email)).one()
            drafts = session.execute(
                select(Mobility.id, PlanVersion.number, Outcome.id)
                .join(Plan, Plan.mobility_id == Mobility.id)
                .join(PlanVersion, PlanVersion.plan_id == Plan.id)
                .join(Outcome, Outcome.version_id == PlanVersion.id)
                .where(Mobility.sending_organisation_id == staff.organisation_id)
                .where(PlanVersion.status == PlanStatus.draft, Outcome.position == 0)
                .limit(10)
            ).all()
            coordinators.append({"email": email, "drafts": [list(d) for d in drafts]})
            for mobility in data.ongoing[school][:6]:
                targets = session.execute(
                    select(Outcome.id, OutcomeCompetence.id)
                    .join(OutcomeCompetence, OutcomeCompetence.outcome_id == Outcome.id)
                    .join(PlanVersion, PlanVersion.id == Outcome.version_id)
                    .join(Plan, Plan.id == PlanVersion.plan_id)
                    .where(Plan.mobility_id == mobility)
                ).all()
                record: dict[str, Any] = {
                    "mobility": mobility,
                    "outcomes": [o for o, _ in targets],
                    "targets": [t for _, t in targets],
                }
                mentors.append({**record, "school": email})
                learners.append({**record, "email": session.get_one(Mobility, mobility).learner.email})
    tokens = {c["email"]: login(url, c["email"]) for c in coordinators}
    for coordinator in coordinators:
        coordinator["token"] = tokens[coordinator["email"]]
    for mentor in mentors:
        path = f"/api/v1/mobilities/{mentor['mobility']}/mentor-links"
        mentor["token"] = call(url, "POST", path, {}, tokens[mentor.pop("school")])[0]["token"]
    for person in learners:
        person["token"] = login(url, person["email"])
    return {
        "coordinators": coordinators,
        "mentors": mentors,
        "learners": learners,
        "certificates": data.certificates[:: max(1, len(data.certificates) // 500)],
        "password": national.PASSWORD,
    }


def reads_at_scale(url: str, token: str) -> dict[str, Any]:
    def timed(path: str, times: int) -> tuple[list[float], bytes]:
        took, content = [], b""
        for _ in range(times):
            started = time.perf_counter()
            _, content = call(url, "GET", path, token=token)
            took.append(time.perf_counter() - started)
        return sorted(took), content

    def p95(took: list[float]) -> float:
        return took[min(len(took) - 1, round(len(took) * 0.95))] * 1000

    overview, _ = timed("/api/v1/overview?limit=50", 40)
    search, _ = timed("/api/v1/overview?q=berz", 40)
    export, csv = timed("/api/v1/overview/results?format=csv", 10)
    return {
        "overview_p50": statistics.median(overview) * 1000,
        "overview_p95": p95(overview),
        "search_p95": p95(search),
        "export_median": statistics.median(export),
        "export_rows": csv.count(b"\n") - 1,
    }


def load(url: str, people_file: Path, users: str, seconds: float) -> list[dict[str, Any]]:
    command = [sys.executable, str(ROOT / "benchmarks" / "load.py"), url, str(people_file), "--users", users]
    command += ["--seconds", str(seconds), "--until-p95", str(P95_MS * 2)]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in finished.stdout.splitlines() if line.startswith("{")]


def warm_up(url: str, people_file: Path) -> None:
    """A short unmeasured load first, so that neither configuration pays alone for what the first requests make
    once (the learning agreements' PDFs, the workers' caches) and the order of the runs does not decide."""
    load(url, people_file, "40", 8)


def saturation(one: list[dict[str, Any]], two: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The same number of users on 1 and on 2 serve workers, the most that both runs reached."""
    common = {s["users"] for s in one} & {s["users"] for s in two}
    if not common:
        return None
    users = max(common)
    return next(s for s in one if s["users"] == users), next(s for s in two if s["users"] == users)


def machine_speed_ms() -> float:
    """A fixed amount of pure Python work, best of three: how fast this machine is right now."""
    took = []
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i % 7
        took.append((time.perf_counter() - started) * 1000)
    return min(took)


def sustainable(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    holding = [s for s in steps if s["p95"] <= P95_MS and s["p99"] <= P99_MS and not s["failures"]]
    return max(holding, key=lambda s: s["rate"]) if holding else None


CATEGORIES = [  # the first that a sampled stack contains names where its time went
    ("argon2", "password hashing (argon2)"),
    ("reportlab", "PDF (ReportLab, pyHanko)"),
    ("pyhanko", "PDF (ReportLab, pyHanko)"),
    ("psycopg", "waiting on PostgreSQL (psycopg)"),
    ("sqlalchemy", "SQLAlchemy (statements, rows to objects)"),
    ("jinja2", "page templates (Jinja2)"),
    ("pydantic", "validation and JSON (pydantic)"),
    ("starlette", "HTTP (Starlette, uvicorn)"),
    ("uvicorn", "HTTP (Starlette, uvicorn)"),
]


def where_time_goes(url: str, people_file: Path, users: int, workers: list[psutil.Process], database_url: str) -> Any:
    """One more run of the sustainable step with py-spy sampling every serve worker; the share of samples by what
    they were doing, and the statements that took the database longest."""
    engine = Database(database_url).engine
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        connection.execute(text("SELECT pg_stat_statements_reset()"))
    folder = Path(tempfile.mkdtemp(prefix="digcomp-pyspy-"))
    spy = [str(Path(sys.executable).parent / "py-spy"), "record", "--duration", "12", "--rate", "50", "--format", "raw"]
    spies = [
        subprocess.Popen(
            [*spy, "--pid", str(w.pid), "--output", str(folder / f"{w.pid}.txt"), "--nonblocking"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for w in workers
    ]
    load(url, people_file, str(users), 12)
    for sampler in spies:
        sampler.wait(timeout=60)
    shares: collections.Counter[str] = collections.Counter()
    for sampled in folder.glob("*.txt"):
        for line in sampled.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            kind = next((name for key, name in CATEGORIES if key in stack), "other Python (digcomp's own code)")
            shares[kind] += int(count)
    with engine.begin() as connection:
        statements = connection.execute(
            text(
                "SELECT round(total_exec_time::numeric, 0), calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
                "FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 5"
            )
        ).all()
    total = sum(shares.values()) or 1
    return [(kind, count / total) for kind, count in shares.most_common()], statements


def import_at_scale(database: Database, count: int = 1000) -> tuple[float, float]:
    """A year's placements imported into a school of the national set: new rows, then the same file as a dry run."""
    school = "Valsts tehnikums 01"
    data = [row.model_copy(update={"sending_organisation": school}) for row in imports.rows(count, school)]
    timings = []
    for commit in (True, False):
        with database.session() as session:
            staff = session.scalars(select(Person).where(Person.email == "coordinator@school1.example.lv")).one()
            started = time.perf_counter()
            importer.apply(session, actor_of(staff), data)
            if commit:
                session.commit()
            else:
                session.rollback()
            timings.append(time.perf_counter() - started)
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--mobilities", type=int, default=400)
    parser.add_argument("--users", default="40,70,100,130,160")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    postgres = PostgresServer()
    postgres.start(POSTGRES)
    folder = Path(tempfile.mkdtemp(prefix="digcomp-capacity-"))
    try:
        database_url = postgres.create_database()
        database = Database(database_url)
        database.migrate()
        speed = [machine_speed_ms()]
        started = time.perf_counter()
        data = national.generate(database, args.schools, args.mobilities)
        generated = time.perf_counter() - started
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))  # the statistics autovacuum gives a running system
            connection.execute(text("CHECKPOINT"))  # and the bulk load's pages on disk, not flushed during the load
        imported = import_at_scale(database)
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DIGCOMP_PUBLIC_URL")},
            "DIGCOMP_DATABASE_URL": database_url,
            "DIGCOMP_DATA_DIR": str(folder / "data"),
            "DIGCOMP_SECRET_KEY": "capacity-benchmark-secret-key-0123456789",
        }
        people_file = folder / "people.json"
        with serving(env, 2, folder / "serve-2.log") as (url, server):
            found = people(database, url, data)
            people_file.write_text(json.dumps(found))
            reads = reads_at_scale(url, found["coordinators"][0]["token"])
            mixed_started = time.perf_counter()
            with issuing_in_the_background(env, range(1, 4)) as queued_two:
                warm_up(url, people_file)
                two = load(url, people_file, args.users, args.seconds)
            mixed = time.perf_counter() - mixed_started
            best = sustainable(two)
            rss = [w.memory_info().rss / 2**20 for w in serve_workers(server)]
            profile_at = (best or two[0])["users"]  # the sustainable step, or the first if none held
            profile = where_time_goes(url, people_file, profile_at, serve_workers(server), database_url)
        with (
            serving(env, 1, folder / "serve-1.log") as (url, server),
            issuing_in_the_background(env, range(4, 7)) as queued_one,
        ):
            mixed_started = time.perf_counter()
            warm_up(url, people_file)
            one = load(url, people_file, args.users, args.seconds)
            mixed += time.perf_counter() - mixed_started
        background = {"2 serve workers": queued_two, "1 serve worker": queued_one}
        speed.append(machine_speed_ms())
        print_report(args, data, generated, imported, reads, two, one, rss, profile, speed, background, mixed)
        for log in sorted(folder.glob("serve-*.log")):
            lines = log.read_text(errors="replace").splitlines()
            failures = collections.Counter(  # the last line of each traceback
                line
                for before, line in itertools.pairwise(lines)
                if before.startswith("    ") and not line.startswith(" ") and "Error" in line.split(":")[0]
            )
            for failure, count in failures.most_common(5):
                print(f"  server error ({log.name}, {count}×): {failure[:300]}")
    finally:
        postgres.stop()


def print_report(args: Any, data: national.National, generated: float, imported: tuple[float, float],
                 reads: dict[str, Any], two: list[dict[str, Any]], one: list[dict[str, Any]], rss: list[float],
                 profile: Any, speed: list[float], background: dict[str, list[str]],
                 mixed: float) -> None:  # fmt: skip
    cores = psutil.cpu_count() or 1
    print(
        f"machine: a fixed Python loop took {speed[0]:.0f} ms before the run and {speed[-1]:.0f} ms after it (this "
        "virtual machine's speed changes by up to 2× over minutes: compare figures within one run)"
    )
    print(
        f"capacity: {args.schools} schools × {args.mobilities} = {data.mobilities} mobilities, "
        f"{data.audit_entries} audit entries, {len(data.certificates)} statements (generated in {generated:.0f} s)"
    )
    print(
        f"  import of 1,000 new rows into a school of the set: {imported[0]:.2f} s (target 3 s); the same file again "
        f"(nothing changes, dry run): {imported[1]:.2f} s (target 1 s)"
    )
    print(
        f"  a school's overview at {data.mobilities}: p50 {reads['overview_p50']:.0f} ms, p95 "
        f"{reads['overview_p95']:.0f} ms; search p95 {reads['search_p95']:.0f} ms (target {OVERVIEW_MS} ms); "
        f"results export of {reads['export_rows']} rows {reads['export_median']:.2f} s (target {EXPORT_S:.0f} s)"
    )
    for name, steps in (("2 serve workers", two), ("1 serve worker", one)):
        queued = sum(int(line.split()[1]) for line in background[name] if line.startswith("queued "))
        print(f"  mixed load, {name} (+ 2 job workers issuing the {queued} statements 3 schools queued):")
        for s in steps:
            print(
                f"    {s['users']:>4} users: {s['rate']:6.1f} req/s  p50 {s['p50']:>4.0f}  p95 {s['p95']:>5.0f}  "
                f"p99 {s['p99']:>5.0f} ms  failures {s['failures']}  slowest (p95): "
                + ", ".join(f"{name} {p95:.0f} ms" for name, p95 in s["slowest"][:2])
            )
            for error in s["errors"]:
                print(f"         error: {error}")
    print(f"  (the mixed load, both configurations with their warm-ups, took {mixed:.0f} s)")
    best2, best1 = sustainable(two), sustainable(one)
    for name, best in (("2 serve workers", best2), ("1 serve worker", best1)):
        if best is None:
            print(f"  {name}: no step held p95 ≤ {P95_MS} ms and p99 ≤ {P99_MS} ms")
    if best1:
        print(f"  sustainable with 1 serve worker: {best1['rate']:.1f} req/s ({best1['users']} users)")
    if best2:
        print(
            f"  sustainable (p95 ≤ {P95_MS} ms, p99 ≤ {P99_MS} ms): {best2['rate']:.1f} req/s with 2 workers = "
            f"{best2['rate'] / cores:.1f} req/s per core ({cores} cores, shared with Locust)"
        )
    if best1 and best2:
        print(
            f"  1 → 2 serve workers: {best1['rate']:.1f} → {best2['rate']:.1f} req/s "
            f"({best2['rate'] / best1['rate']:.2f}×)"
        )
    if busiest := saturation(one, two):
        a, b = busiest
        print(
            f"  1 → 2 serve workers at the busiest step both ran ({a['users']} users, {a['users'] / PACE_S:.0f} req/s "
            f"offered): p95 {a['p95']:.0f} → {b['p95']:.0f} ms, p99 {a['p99']:.0f} → {b['p99']:.0f} ms; throughput "
            f"{a['rate']:.1f} → {b['rate']:.1f} req/s ({b['rate'] / a['rate']:.2f}×; the same when both keep up with "
            "what is offered)"
        )
    print(f"  serve workers' memory after the load: {', '.join(f'{r:.0f}' for r in rss)} MB (target ≤ {RSS_MB} MB)")
    if profile:
        shares, statements = profile
        print("  where the serve workers' time went at that rate (py-spy samples):")
        for kind, share in shares[:6]:
            print(f"    {share:6.1%}  {kind}")
        print("  statements that took PostgreSQL longest (pg_stat_statements):")
        for total, calls, query in statements:
            print(f"    {total:>7} ms  {calls:>6} calls  {query}")


if __name__ == "__main__":
    main()
