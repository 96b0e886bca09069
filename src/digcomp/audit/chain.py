"""The hash chain, as plain functions: what an entry's hash covers, and how a chain is checked."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class EntryContent:
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
    prev_hash: str


def entry_hash(entry: EntryContent) -> str:
    payload = {
        "id": entry.id,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "entity": entry.entity,
        "mobility_id": entry.mobility_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    valid: bool
    entries: int
    first_bad_entry: int | None = None
    problem: str | None = None


def verify(entries: Iterable[tuple[EntryContent, str]], head_hash: str | None = None) -> ChainReport:
    """Check each entry's hash and its link to the previous one; ``head_hash`` is the recorded newest hash."""
    previous = GENESIS
    count = 0
    for content, stored_hash in entries:
        count += 1
        if content.prev_hash != previous:
            return ChainReport(
                False, count, content.id, "does not link to the previous entry (an entry was removed or reordered)"
            )
        if entry_hash(content) != stored_hash:
            return ChainReport(False, count, content.id, "its content does not match its hash (the entry was altered)")
        previous = stored_hash
    if head_hash is not None and head_hash != previous:
        return ChainReport(False, count, None, "the newest entries are missing (the log was truncated)")
    return ChainReport(True, count)
