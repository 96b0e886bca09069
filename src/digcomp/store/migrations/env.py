"""Alembic environment: migrations run on the engine digcomp hands over (see digcomp.store.db.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from digcomp.store.models import Base

engine: Engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
