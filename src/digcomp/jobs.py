"""Background jobs on a job queue that runs on PostgreSQL itself (procrastinate): no server besides the database.
Bulk issuing is queued one certificate per job; ``digcomp worker`` processes jobs on any number of machines. A job
whose worker died mid-way (its heartbeat stopped) is retried; issuing is idempotent, so a retried job never makes a
second certificate. On SQLite there is no queue: the same work runs in the issuing process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

import procrastinate
import psycopg
from sqlalchemy.orm import Session

from digcomp.framework import catalog
from digcomp.settings import Settings, get_settings
from digcomp.store.db import Database

log = logging.getLogger("digcomp.jobs")
_T = TypeVar("_T")
CERTIFICATES = "certificates"
HEARTBEAT_SECONDS = 2.0
STALLED_AFTER_SECONDS = 6.0  # a worker silent this long has died; its jobs are retried
DATABASE_GONE = (psycopg.Error, procrastinate.exceptions.ConnectorException)
MAX_BACKOFF_SECONDS = 30.0


def uses_queue(settings: Settings) -> bool:
    return settings.effective_database_url.startswith("postgresql")


def _conninfo(settings: Settings) -> str:
    return settings.effective_database_url.replace("postgresql+psycopg://", "postgresql://", 1)


@cache
def queue_app(conninfo: str) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))

    @app.task(name="issue_certificate", queue=CERTIFICATES, retry=procrastinate.RetryStrategy(max_attempts=5, wait=10))
    def issue_certificate(mobility_id: int, languages: list[str], by: int) -> str:
        return _issue(mobility_id, languages, by)

    @app.periodic(cron="*/15 * * * *")
    @app.task(name="audit_checkpoint", queue=CERTIFICATES, queueing_lock="audit_checkpoint")
    def audit_checkpoint(timestamp: int) -> None:
        from digcomp.audit import log as audit

        _database().run(audit.checkpoint)

    @app.periodic(cron="* * * * *")
    @app.task(name="send_mail", queue=CERTIFICATES, queueing_lock="send_mail")
    def send_mail(timestamp: int) -> None:
        from digcomp.mail import service as mail

        mail.run_once(_database(), get_settings())

    return app


@cache
def _database() -> Database:
    return Database(get_settings().effective_database_url, get_settings().database_pool_size)


def _issue(mobility_id: int, languages: list[str], by: int) -> str:
    """Issue one mobility's certificate as the staff member ``by`` who queued it (or find the one already issued: a
    retried job is harmless)."""
    from digcomp.access.service import actor_of
    from digcomp.credentials import issuing
    from digcomp.store.models import Mobility, Person

    settings = get_settings()

    def work(session: Session) -> str:
        mobility = session.get_one(Mobility, mobility_id)
        actor = actor_of(session.get_one(Person, by))
        certificate, created = issuing.issue(
            session, catalog(settings.framework_dirs), settings, actor, mobility, languages
        )
        log.info("certificate %s %s", certificate.id, "issued" if created else "was already issued")
        return certificate.id

    return _database().run(work)


def until_reachable(step: Callable[[], _T]) -> _T:
    """``step``, repeated after 1, 2, 4 … up to 30 seconds while the database cannot be reached (starting,
    restarting): a worker started during an outage waits for the database instead of ending."""
    from sqlalchemy.exc import OperationalError

    backoff = 1.0
    while True:
        try:
            return step()
        except (OperationalError, *DATABASE_GONE) as exc:
            log.warning("the database cannot be reached (%s); trying again in %.0f s", exc, backoff)
            time.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


def install_schema(settings: Settings, database: Database) -> None:
    """The queue's tables and functions, once, in the application's PostgreSQL database."""
    from sqlalchemy import inspect

    if inspect(database.engine).has_table("procrastinate_jobs"):
        return
    app = queue_app(_conninfo(settings))
    with app.open():
        app.schema_manager.apply_schema()


def enqueue_issuing(settings: Settings, mobility_ids: Sequence[int], languages: list[str], by: int) -> int:
    """Queue one job per mobility, issued as the person ``by``; a mobility already queued is not queued twice
    (queueing lock)."""
    app = queue_app(_conninfo(settings))
    task = app.tasks["issue_certificate"]
    queued = 0
    with app.open():
        for mobility_id in mobility_ids:
            try:
                deferrer = task.configure(queueing_lock=f"issue:{mobility_id}")
                deferrer.defer(mobility_id=mobility_id, languages=list[Any](languages), by=by)
                queued += 1
            except procrastinate.exceptions.AlreadyEnqueued:
                pass
    return queued


STALLED_CHECK_SECONDS = 5.0  # how often every worker looks for jobs whose worker died


async def retry_stalled(app: procrastinate.App) -> int:
    """Put back in the queue the jobs whose worker stopped sending heartbeats in the middle of them."""
    stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS))
    for job in stalled:
        log.warning("retrying job %s: its worker stopped in the middle of it", job.id)
        await app.job_manager.retry_job(job)
    return len(stalled)


async def _watch_stalled(app: procrastinate.App) -> None:
    """Every few seconds, while this worker runs: a killed worker's job is taken up by the workers still alive."""
    while True:
        await asyncio.sleep(STALLED_CHECK_SECONDS)
        try:
            await retry_stalled(app)
        except DATABASE_GONE as exc:
            log.warning("could not look for stalled jobs: %s", exc)


async def _work(app: procrastinate.App, once: bool) -> None:
    async with app.open_async():
        await retry_stalled(app)
        watcher = asyncio.create_task(_watch_stalled(app))
        try:
            await app.run_worker_async(
                queues=[CERTIFICATES],
                wait=not once,
                update_heartbeat_interval=HEARTBEAT_SECONDS,
                stalled_worker_timeout=STALLED_AFTER_SECONDS,
                install_signal_handlers=False,  # ``_run`` stops it, and tells a stop from a lost database
            )
        finally:
            watcher.cancel()


async def _run(app: procrastinate.App, once: bool) -> None:
    """Work until asked to stop (SIGTERM, SIGINT) or, with ``once``, until the queue is empty. When the database goes
    away (restarted, unreachable) procrastinate's worker ends; it is started again after 1, 2, 4 … up to 30 seconds,
    instead of the process ending: jobs queued meanwhile wait in the database."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    if not once:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
    backoff = 1.0
    while True:
        started = loop.time()
        work = asyncio.create_task(_work(app, once))
        asked = asyncio.create_task(stopping.wait())
        await asyncio.wait({work, asked}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.is_set():
            work.cancel()  # procrastinate lets the job in hand finish
            with contextlib.suppress(
                asyncio.CancelledError, psycopg.Error, procrastinate.exceptions.ConnectorException
            ):
                await work
            return
        asked.cancel()
        problem = work.exception()
        if problem is None and once:
            return
        if problem is not None and not isinstance(problem, DATABASE_GONE):
            raise problem
        if loop.time() - started > MAX_BACKOFF_SECONDS:
            backoff = 1.0  # it had been working: the outage is new
        log.warning("the worker stopped (%s); connecting again in %.0f s", problem or "its database went away", backoff)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), backoff)
        if stopping.is_set():
            return
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


def run_worker(settings: Settings, *, once: bool = False) -> None:
    """Process queued jobs (``once``: until the queue is empty, then stop)."""
    asyncio.run(_run(queue_app(_conninfo(settings)), once))
