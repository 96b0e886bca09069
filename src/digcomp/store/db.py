"""Database connections, sessions and migrations. SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import psycopg
from psycopg.types.json import Json
from sqlalchemy import Engine, Table, create_engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from digcomp.settings import DATABASE_POOL_SIZE

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_T = TypeVar("_T")


class ConcurrentUpdate(Exception):
    """Another request changed the same record at the same moment; the caller may retry."""


def make_engine(url: str, pool_size: int = DATABASE_POOL_SIZE) -> Engine:
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            _private_file(Path(database))
        # Enough kept connections for every request thread (anyio's 40 and the web's): a connection beyond the pool
        # is opened, set up (WAL, foreign keys) and closed per request, which costs more than the request's query.
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=48, max_overflow=16
        )
        _serialise_sqlite_writes(engine)
        return engine
    # No ping before each checkout (a round trip per transaction): a connection found dead — the server restarted,
    # a proxy cut it — invalidates the pool, and ``Database`` repeats the work on a fresh one (see ``_lost``).
    # The pool holds what a busy process uses at once: a connection beyond it is opened and closed per transaction,
    # which starts and ends a server process each time; a few may still overflow at peaks.
    return create_engine(url, pool_size=pool_size, max_overflow=connections(pool_size) - pool_size)


def connections(pool_size: int = DATABASE_POOL_SIZE) -> int:
    """The most connections a PostgreSQL pool of ``pool_size`` opens at once (a few beyond it at peaks)."""
    return pool_size + pool_size // 4


READ_ONLY = "digcomp_read_only"


def _private_file(path: Path) -> None:
    """The database holds learners' personal data: only its owner may read it (SQLite gives its WAL and shared-memory
    files the database file's permissions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def _serialise_sqlite_writes(engine: Engine) -> None:
    """SQLite allows one writer: a writing transaction starts with BEGIN IMMEDIATE so concurrent writers queue
    (busy timeout) instead of failing half-way; a reading one (``Database.read``) starts deferred and never waits
    for the write lock — WAL gives it the committed data."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below control transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA secure_delete=ON")  # erased personal data is overwritten, not left in free pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # only where the schema is migrated: not in every serve worker

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on first run)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


AT_COMMIT = "digcomp.at_commit"


def writes_at_commit(session: Session) -> bool:
    """Can ``at_commit`` be used here (PostgreSQL)? On SQLite a statement costs no round trip: write at once."""
    return session.get_bind().dialect.name == "postgresql"


def at_commit(session: Session, sql: str, parameters: dict[str, Any]) -> None:
    """PostgreSQL only: run ``sql`` (psycopg's ``%(name)s`` parameters; dicts and lists go as JSON) as the
    transaction's last statement, sent to the server with its COMMIT — one round trip for both; its result is not
    read. For an append that locks a shared row: the row is then locked only while the server commits, never while
    this process waits for its turn to run. A session committed other than by ``Database.session`` still runs it,
    just before its commit."""
    session.info.setdefault(AT_COMMIT, []).append((sql, parameters))


def insert_at_commit(session: Session, table: Table, values: dict[str, Any]) -> None:
    """Insert one row of ``table`` with the COMMIT (``at_commit``); its key must be in ``values`` already."""
    quote = session.get_bind().dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in values)
    placeholders = ", ".join(f"%({name})s" for name in values)
    at_commit(session, f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({placeholders})", values)


def _for_driver(parameters: dict[str, Any]) -> dict[str, Any]:
    return {name: _driver_value(value) for name, value in parameters.items()}


def _driver_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return Json(value)
    return value.value if isinstance(value, Enum) else value


def _commit_with_pending(session: Session) -> None:
    """Commit, sending the statements left for the COMMIT in the same round trip: psycopg binds their parameters
    client-side, so that they and the COMMIT travel as one message. SQLAlchemy's commit that follows finds nothing
    left to commit."""
    pending = session.info.pop(AT_COMMIT, None)
    if not pending:
        return
    session.flush()  # the ORM's own changes first: they read generated keys back
    connection = session.connection()
    with psycopg.ClientCursor(cast(psycopg.Connection[Any], connection.connection.driver_connection)) as binder:
        statements = [binder.mogrify(sql, _for_driver(parameters)) for sql, parameters in pending]
    # no parameters left: sent as it is, where a percent sign is just a character
    connection.exec_driver_sql("; ".join([*statements, "COMMIT"]), execution_options={"no_parameters": True})


def run_pending(session: Session) -> None:
    """Run the statements left for the COMMIT now, one by one (every commit's last resort: none is ever lost)."""
    pending = session.info.pop(AT_COMMIT, None)
    if not pending:
        return
    connection = session.connection()
    for sql, parameters in pending:
        connection.exec_driver_sql(sql, _for_driver(parameters))


event.listen(Session, "before_commit", run_pending)


def added_unless_duplicate(session: Session, record: object) -> bool:
    """Add and flush ``record``; False (and nothing added) when a unique constraint says it exists already. The
    record joins the session inside the savepoint: added before it, it stayed pending after the savepoint's rollback
    and failed the transaction at its next flush."""
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        return False
    return True


class Database:
    def __init__(self, url: str, pool_size: int = DATABASE_POOL_SIZE) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size)
        # SQLite has one writer. Writers of this process queue on a mutex, so the next one starts the moment the
        # lock is free, instead of each polling SQLite's busy handler (which sleeps up to 100 ms between tries).
        # Other processes on the same file still queue through the busy handler.
        self._writer: AbstractContextManager[Any] = (
            threading.Lock() if url.startswith("sqlite") else contextlib.nullcontext()
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)

    def migrate(self) -> None:
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally, rolled back otherwise."""
        with self._sessions() as session, session.begin():
            yield session
            _commit_with_pending(session)

    def read(self, work: Callable[[Session], _T]) -> _T:
        """Run ``work`` that only reads: it neither waits for nor holds SQLite's write lock."""
        for attempt in range(2):  # once more on a fresh connection when the first was found dead
            try:
                with self._read_sessions() as session, session.begin():
                    return work(session)
            except DBAPIError as exc:
                if attempt or not _lost(exc):
                    raise
        raise AssertionError("unreachable")

    def run(self, work: Callable[[Session], _T], attempts: int = 5) -> _T:
        """Run ``work`` in a transaction, retrying when a concurrent writer got there first, or when the connection
        was lost before the commit (the server rolled the transaction back; a commit whose answer was lost is not
        repeated, as it may have been applied)."""
        for attempt in range(attempts):
            last = attempt == attempts - 1
            committing = False
            try:
                with self._writer, self.session() as session:
                    result = work(session)
                    committing = True
                return result
            except (StaleDataError, ConcurrentUpdate):
                if last:
                    raise ConcurrentUpdate(
                        "the record was changed by someone else at the same time; try again"
                    ) from None
            except DBAPIError as exc:
                if last or not _worth_repeating(exc, committing):
                    raise
        raise AssertionError("unreachable")

    def rehearse(self, work: Callable[[Session], _T]) -> _T:
        """Run ``work`` in a transaction that is always rolled back: what it would do, with nothing written."""
        with self._writer, self._sessions() as session, session.begin() as transaction:
            result = work(session)
            transaction.rollback()
            return result

    def dispose(self) -> None:
        self.engine.dispose()


def _lost(exc: DBAPIError) -> bool:
    """The connection was dead (SQLAlchemy has invalidated it and the pool's older connections)."""
    return exc.connection_invalidated


def _worth_repeating(exc: DBAPIError, committing: bool) -> bool:
    if _lost(exc):
        return not committing
    if isinstance(exc, OperationalError):  # SQLite: database locked beyond the busy timeout
        return "locked" in str(exc)
    # A unique constraint raced (e.g. two first confirmations); repeating re-reads the winner's data.
    return isinstance(exc, IntegrityError) and _is_unique_violation(exc)


def _is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text
