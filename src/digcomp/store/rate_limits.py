"""A storage for the ``limits`` rate-limiting library in digcomp's own database, so every worker process and every
instance of the service counts against the same limits — no separate server needed."""

from __future__ import annotations

import random
import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from digcomp.store.db import Database
from digcomp.store.models import RateLimitCounter


class DatabaseStorage(Storage):
    """Fixed-window counters in the ``rate_limits`` table (one row per limited key)."""

    STORAGE_SCHEME = ["digcomp-database"]  # noqa: RUF012 - the library's declarative registry

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return (OSError,)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        dialect = self.database.engine.dialect.name
        insert = postgres_insert if dialect == "postgresql" else sqlite_insert
        counter = RateLimitCounter
        fresh = counter.expires_at <= now
        statement: Any = (
            insert(counter)
            .values(key=key, count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[counter.key],
                set_={
                    "count": case((fresh, amount), else_=counter.count + amount),
                    "expires_at": case((fresh, now + expiry), else_=counter.expires_at),
                },
            )
            .returning(counter.count)
        )

        def work(session: Session) -> int:
            count = int(session.execute(statement).scalar_one())
            if random.random() < 0.01:  # now and then, forget windows long over
                session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now - 3600))
            return count

        return self.database.run(work)

    def _row(self, key: str) -> tuple[int, float] | None:
        row = self.database.read(
            lambda s: s.execute(
                select(RateLimitCounter.count, RateLimitCounter.expires_at).where(RateLimitCounter.key == key)
            ).first()
        )
        if row is None or row[1] <= time.time():
            return None
        return int(row[0]), float(row[1])

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        return self.database.run(lambda s: s.execute(delete(RateLimitCounter)).rowcount)  # type: ignore[attr-defined,no-any-return]

    def clear(self, key: str) -> None:
        self.database.run(lambda s: s.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key)))
