"""Appending to and reading the audit log in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.audit.chain import ChainReport, EntryContent, entry_hash, verify
from digcomp.store.models import AuditEntry, AuditHead, utcnow

BATCH = 1000


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    actor_id: int | None
    actor_role: str
    actor_label: str
    action: str
    entity: str
    mobility_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    hash: str


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    *,
    mobility_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction. The head row is locked first: appends are serialised."""
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    content = EntryContent(
        id=head.last_id + 1,
        at=utcnow(),
        actor_id=actor.person_id if actor else None,
        actor_role=actor.role.value if actor else "system",
        actor_label=actor.label if actor else "digcomp",
        action=action,
        entity=entity,
        mobility_id=mobility_id,
        before=before,
        after=after,
        prev_hash=head.last_hash,
    )
    entry = AuditEntry(**content.__dict__, hash=entry_hash(content))
    session.add(entry)
    head.last_id = content.id
    head.last_hash = entry.hash
    session.flush()
    return entry


def _content(entry: AuditEntry) -> EntryContent:
    return EntryContent(
        id=entry.id,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_role=entry.actor_role,
        actor_label=entry.actor_label,
        action=entry.action,
        entity=entry.entity,
        mobility_id=entry.mobility_id,
        before=entry.before,
        after=entry.after,
        prev_hash=entry.prev_hash,
    )


def verify_log(session: Session) -> ChainReport:
    head = session.get(AuditHead, 1)

    def entries() -> Iterator[tuple[EntryContent, str]]:
        last = 0
        while True:
            batch = list(
                session.scalars(select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(BATCH))
            )
            if not batch:
                return
            for entry in batch:
                yield _content(entry), entry.hash
            last = batch[-1].id
            session.expunge_all()

    return verify(entries(), head.last_hash if head else None)


def entries_of_mobility(session: Session, mobility_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.mobility_id == mobility_id).order_by(AuditEntry.id))
    )
