"""The FastAPI application: REST API under /api/v1 (and, later, the web interface)."""

from __future__ import annotations

import ctypes
import gc
import logging
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from sqlalchemy import text

from digcomp import __version__, jobs, web
from digcomp.access.throttle import LoginThrottle
from digcomp.api import (
    errors,
    routes_access,
    routes_assessment,
    routes_audit,
    routes_certificates,
    routes_frameworks,
    routes_mobilities,
    routes_overview,
    routes_plans,
    routes_privacy,
    routes_recognition,
    routes_school,
    routes_templates,
)
from digcomp.api.deps import get_database
from digcomp.api.middleware import AnswerHeaders, BodyLimit, PublicAddress
from digcomp.credentials import signing
from digcomp.credentials.template import load_template
from digcomp.framework import catalog as load_catalog
from digcomp.i18n import Localizer
from digcomp.mail import service as mail
from digcomp.settings import Settings, get_settings
from digcomp.store.db import Database, connections
from digcomp.store.rate_limits import DatabaseStorage
from digcomp.web.common import labels as web_labels

API_PREFIX = "/api/v1"
# The documentation's sections, in the order of the work (the routes themselves are tried busiest first).
TAGS = [
    {"name": "access", "description": "Logging in, tokens, mentor links."},
    {"name": "people", "description": "Learners, coordinators, mentors and validators."},
    {"name": "mobilities", "description": "Placements abroad: learner, sending school, host organisation, dates."},
    {"name": "frameworks", "description": "DigComp 2.2 and 3.0: areas, competences, levels, examples."},
    {"name": "mapping", "description": "Suggested DigComp competences for a free-text learning outcome."},
    {"name": "organisations", "description": "Sending schools and host organisations."},
    {"name": "plans", "description": "Learning-outcome plans, their versions and the three parties' agreement."},
    {"name": "assessment", "description": "Identify, document, assess, validate."},
    {"name": "overview", "description": "The school's mobilities at a glance and a group's results (CSV, XLSX)."},
    {"name": "school", "description": "School administration: staff, passwords, mentor links, branding, key."},
    {"name": "audit", "description": "The hash-chained record of every decision."},
    {"name": "privacy", "description": "A person's data export and erasure, privacy notices, consents."},
    {"name": "recognition", "description": "The school's recognition of the validated result."},
    {"name": "certificates", "description": "Signed statements and credentials: issue, download, revoke."},
    {"name": "verification", "description": "Checking a statement or credential, for anyone."},
]
UPLOAD_OVERHEAD = 64 * 1024  # multipart headers and fields around a file


def body_limit(settings: Settings, path: str) -> int:
    """The largest request body each kind of address accepts (checked before the body is read)."""
    if path.endswith("/evidence"):
        return settings.max_upload_bytes + UPLOAD_OVERHEAD
    if path in ("/verify", f"{API_PREFIX}/verifications"):
        return settings.max_verify_bytes + UPLOAD_OVERHEAD
    if path in ("/import", f"{API_PREFIX}/mobilities/import"):
        return settings.max_import_bytes + UPLOAD_OVERHEAD
    return settings.max_body_bytes


class _RedactLinks(logging.Filter):
    """Mentor-link and password-link tokens are credentials: the access log shows /m/… and /password/… instead. Query
    strings (searches by a learner's name, filters by a person) are personal data: the log keeps the path alone."""

    pattern = re.compile(r"/(m|password)/[^\s?\"]+")
    query = re.compile(r"\?[^\s\"]*")

    def _redacted(self, text: str) -> str:
        return self.query.sub("?…", self.pattern.sub(r"/\1/…", text))

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._redacted(a) if isinstance(a, str) else a for a in record.args)
        return True


REDACT_LINKS = _RedactLinks()


def _warm_up(settings: Settings) -> None:
    """Load in each serving process, before it takes a request, what requests would otherwise load on first use:
    the frameworks, the pages' labels and messages, the certificate template with its fonts, the signing keys. Each
    took 0.1–0.6 s when the first overview, page or PDF asked for it, holding the interpreter lock while every other
    request in the process waited (the first minute of ``benchmarks/capacity.py`` had p99 of 1–5 s)."""
    load_catalog()
    web_labels()
    Localizer("lv").term("")  # reads the translated messages
    load_template()
    signing.loaded_signer(signing.signing_key(settings))


def _settle() -> None:
    """What a serving process has loaded by now lives as long as the process: frameworks, the mapping data, templates,
    compiled statements. Frozen out of the garbage collector's reach, a full collection no longer walks it; that walk
    took ~150 ms, and every request in flight waited for it (the tail of ``benchmarks/writes.py``)."""
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL)
    _fewer_malloc_arenas()


def _request_threads(database: Database) -> None:
    """As many request threads as the process has PostgreSQL connections: a thread beyond them only waits for one,
    holding its request's memory (with anyio's 40 a worker reached 316 MB under the mixed load's peaks)."""
    if not database.url.startswith("sqlite"):
        anyio.to_thread.current_default_thread_limiter().total_tokens = connections()


def _fewer_malloc_arenas() -> None:
    """glibc gives each of the request threads its own memory arena, up to 8 a core, and keeps what they once held:
    a worker grew to 336 MB under the mixed load. Two arenas keep it within 300 MB; allocation is not what the
    threads wait for (``benchmarks/capacity.py``)."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl): no per-thread arenas to limit
        return
    libc.mallopt(M_ARENA_MAX, 2)


M_ARENA_MAX = -8  # glibc's malloc.h


# How long a thread holding Python's interpreter lock keeps it while others wait. A request makes 10–40 round trips
# to the database, each giving the lock up; with the default 5 ms, a thread whose answer has come waits up to 5 ms
# for a thread busy in Python (an overview, a PDF) at every trip, so a 25 ms request took 150–500 ms under a mixed
# load while the processor stayed mostly idle (``benchmarks/capacity.py``).
SWITCH_INTERVAL = 0.0005


def worker_app() -> FastAPI:
    """The app of one worker process of ``digcomp serve --workers N``: settings from the environment, the schema
    already migrated by the parent process (workers must not race to migrate)."""
    settings = get_settings()
    database = Database(settings.effective_database_url, settings.database_pool_size)
    return create_app(settings, database, owns_database=True, serving=True)


# FastAPI tries routes in order, one by one: the busiest (mentors' notes and ratings) are tried first.
ROUTE_MODULES = (
    routes_assessment,
    routes_access,
    routes_frameworks,
    routes_mobilities,
    routes_overview,
    routes_plans,
    routes_templates,
    routes_audit,
    routes_privacy,
    routes_school,
    routes_recognition,
    routes_certificates,
)


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    start_services: bool = True,
    owns_database: bool = False,
    serving: bool = False,
) -> FastAPI:
    """The app. ``start_services=False`` builds it without touching a database (for the OpenAPI document);
    ``serving``: the process exists to serve it (``digcomp serve``), and keeps what it loaded out of the collector."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_services and database is None:  # a database handed in is the caller's, already migrated
            app.state.database.migrate()
        if serving:
            _warm_up(settings)
            _settle()
            _request_threads(app.state.database)
        if start_services and settings.smtp_host and not jobs.uses_queue(settings):
            async with mail.in_background(app.state.database, settings):
                yield
        else:
            yield  # PostgreSQL: the worker sends (``digcomp worker``)
        if start_services and (database is None or owns_database):
            app.state.database.dispose()

    app = FastAPI(
        title="digcomp",
        version=__version__,
        summary="DigComp competence plans, assessment and recognition for learner mobilities.",
        description=(
            "Plan which DigComp competences a learner on a mobility will gain, map free-text outcomes onto "
            "DigComp, get plans agreed by the coordinator, host mentor and learner, and keep every version. "
            "Framework texts: DigComp 2.2 and 3.0, (c) European Union, CC BY 4.0."
        ),
        lifespan=lifespan,
        openapi_tags=TAGS,
    )
    app.state.settings = settings
    app.state.catalog = load_catalog(settings.framework_dirs)
    if start_services:
        app.state.database = database or Database(settings.effective_database_url, settings.database_pool_size)
        app.state.throttle = LoginThrottle(DatabaseStorage(app.state.database))
    errors.install(app)
    app.add_middleware(BodyLimit, limit_for=lambda path: body_limit(settings, path))
    app.add_middleware(PublicAddress, configured=settings.public_url)
    app.add_middleware(AnswerHeaders)  # outermost: every answer, the refusals above included, carries them
    logging.getLogger("uvicorn.access").addFilter(REDACT_LINKS)
    for module in ROUTE_MODULES:
        app.include_router(module.router, prefix=API_PREFIX, responses=errors.ERROR_RESPONSES)

    web.install(app)

    @app.get("/healthz", tags=["service"], include_in_schema=False)
    def health() -> dict[str, str]:
        """The process answers (liveness)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["service"], include_in_schema=False)
    def ready(request: Request) -> dict[str, str]:
        """Ready for traffic: the database answers too (a proxy's or orchestrator's health check); 503 if not."""
        get_database(request).read(lambda session: session.execute(text("SELECT 1")))
        return {"status": "ready"}

    return app
