"""Alembic environment: migrations run on the engine digcomp hands over (see digcomp.store.db.migrate).

On SQLite, changing a table means rebuilding it (Alembic's batch mode); SQLite's documented procedure for that
switches foreign-key enforcement off for the rebuild and checks every key afterwards.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from digcomp.store.models import Base

engine: Engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # outside any transaction, where the pragma takes effect
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
    connection.commit()
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
