"""One round of the mail service: queue today's reminders, then deliver what is due. On PostgreSQL the worker runs
it every minute (a periodic job); on SQLite the web process runs it in the background; ``digcomp mail-send`` runs
one round by hand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from digcomp.mail import reminders, sender
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import utcnow

log = logging.getLogger("digcomp.mail")
EVERY_SECONDS = 30.0


def run_once(database: Database, settings: Settings) -> tuple[int, sender.Delivery]:
    """Reminders are queued only where mail is sent: a reminder delivered weeks late would only confuse."""
    queued = 0
    if settings.smtp_host:
        queued = database.run(lambda s: reminders.queue_reminders(s, settings, utcnow().date()))
    return queued, sender.deliver_due(database, settings)


@contextlib.asynccontextmanager
async def in_background(database: Database, settings: Settings) -> AsyncIterator[None]:
    """The in-process sender of a single SQLite installation (runs in a thread: SMTP and SQLite block)."""

    async def loop() -> None:
        while True:
            try:
                await asyncio.to_thread(run_once, database, settings)
            except Exception:
                log.exception("mail round failed")
            await asyncio.sleep(EVERY_SECONDS)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
