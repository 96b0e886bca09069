"""The floor for write throughput: the same libraries doing the same work with nothing else — FastAPI, SQLAlchemy,
one INSERT per POST of an observation note, the same database settings as digcomp (SQLite in WAL mode with the same
synchronous level and busy timeout, or PostgreSQL). Started by benchmarks/writes.py beside digcomp, in the same run:
``FLOOR_DATABASE_URL=… uvicorn benchmarks.floor_app:app``."""

from __future__ import annotations

import datetime as dt
import gc
import os
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, event, insert, select

metadata = MetaData()
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mobility_id", Integer, nullable=False, index=True),
    Column("outcome_id", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

url = os.environ["FLOOR_DATABASE_URL"]
if url.startswith("sqlite"):
    # A connection kept for every request thread, as digcomp keeps them: beyond the pool, each request would open a
    # connection and set up WAL again, which would slow the floor and flatter the ratio.
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=48, max_overflow=16)

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={os.environ.get('FLOOR_SQLITE_SYNCHRONOUS', 'FULL')}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
else:
    # As many kept connections as it uses at once: a connection beyond the pool is opened and closed per request
    # (a new server process each time), which costs more than the INSERT. 16 was its fastest here (8, 16, 32 tried).
    engine = create_engine(url, pool_size=16, max_overflow=0)
metadata.create_all(engine)
app = FastAPI()
# Like ``digcomp serve``: what is loaded at start is kept out of the garbage collector's full walks.
gc.collect()
gc.freeze()


class NoteIn(BaseModel):
    title: str
    text: str


@app.post("/mobilities/{mobility_id}/outcomes/{outcome_id}/notes", status_code=201)
def add_note(mobility_id: int, outcome_id: int, note: NoteIn) -> dict[str, int]:
    with engine.begin() as connection:
        ident = connection.execute(
            insert(notes)
            .values(
                mobility_id=mobility_id,
                outcome_id=outcome_id,
                title=note.title,
                text=note.text,
                created_at=dt.datetime.now(dt.UTC),
            )
            .returning(notes.c.id)
        ).scalar_one()
    return {"id": ident}


@app.get("/mobilities/{mobility_id}/notes/count")
def count(mobility_id: int) -> dict[str, int]:
    with engine.connect() as connection:
        total = connection.execute(select(notes.c.id).where(notes.c.mobility_id == mobility_id)).all()
    return {"count": len(total)}
