"""The hash chains, as plain functions: what an entry's hash covers, and how the chains are checked.

Every mobility has its own chain (and every organisation one for the rest), so writes of different mobilities never
wait for each other. Each entry's hash covers its content and the previous entry's hash in its chain. A chain of
checkpoints anchors the others: each checkpoint records the newest (seq, hash) of the chains that grew since the last
one, so an entry removed or a chain cut short behind a checkpoint is found even if its head row was rewound.
Entries written before chains existed form one chain of their own (no chain name, ordered by id).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

GENESIS = "0" * 64
CHECKPOINTS = "checkpoints"


@dataclass(frozen=True)
class EntryContent:
    id: int | None  # covered by the hash only in the first, single chain (chain is None)
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
    chain: str | None = None
    seq: int | None = None


def entry_hash(entry: EntryContent) -> str:
    payload: dict[str, Any] = {
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
    if entry.chain is None:
        payload["id"] = entry.id
    else:
        payload["chain"], payload["seq"] = entry.chain, entry.seq
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain_of(mobility_id: int | None, organisation_id: int | None) -> str:
    if mobility_id is not None:
        return f"mobility:{mobility_id}"
    return f"organisation:{organisation_id}" if organisation_id is not None else "system"


@dataclass(frozen=True)
class ChainReport:
    valid: bool
    entries: int
    first_bad_entry: int | None = None
    problem: str | None = None


@dataclass
class _Tip:
    seq: int = 0
    hash: str = GENESIS
    hashes: dict[int, str] = field(default_factory=dict)  # seq -> hash, for the checkpoints to be checked against


def verify(
    entries: Iterable[tuple[int, EntryContent, str]],
    heads: dict[str | None, tuple[int, str]] | None = None,
) -> ChainReport:
    """Check every chain: each entry's hash, its link to the previous entry of its chain, the newest entry against
    the recorded head (``heads``: chain -> (seq, hash); None for the first, single chain) and against every
    checkpoint. ``entries`` are (id, content, stored hash) in id order."""
    tips: dict[str | None, _Tip] = {}
    count = 0
    for ident, content, stored in entries:
        count += 1
        tip = tips.setdefault(content.chain, _Tip())
        expected_seq = tip.seq + 1
        if content.prev_hash != tip.hash or (content.chain is not None and content.seq != expected_seq):
            return ChainReport(
                False, count, ident, "does not link to the previous entry (an entry was removed or reordered)"
            )
        if entry_hash(content) != stored:
            return ChainReport(False, count, ident, "its content does not match its hash (the entry was altered)")
        tip.seq, tip.hash = expected_seq, stored
        if content.chain is not None:
            tip.hashes[expected_seq] = stored
        if content.chain == CHECKPOINTS:
            for chain, (seq, digest) in (content.after or {}).get("heads", {}).items():
                if tips.get(chain, _Tip()).hashes.get(seq) != digest:
                    return ChainReport(
                        False, count, ident, f"chain {chain} no longer holds the entry a checkpoint vouched for"
                    )
    for chain, (seq, digest) in (heads or {}).items():
        tip = tips.get(chain, _Tip())
        if tip.hash != digest or (chain is not None and tip.seq != seq):
            return ChainReport(False, count, None, "the newest entries are missing (the log was truncated)")
    return ChainReport(True, count)
