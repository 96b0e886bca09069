"""The hash chains, as plain functions: what an entry's hash covers, and how the chains are checked.

Every mobility has its own chain (and every organisation one for the rest), so writes of different mobilities never
wait for each other. Each entry's hash covers its content and the previous entry's hash in its chain. A chain of
checkpoints anchors the others: each checkpoint records the newest (seq, hash) of the chains that grew since the last
one, so an entry removed or a chain cut short behind a checkpoint is found even if its head row was rewound.
Entries written before chains existed form one chain of their own (no chain name, ordered by id).

Personal data can be erased without breaking a chain: an entry's hash covers a salted digest of its personal part
(who acted, as a label, and the before/after values), not the part itself. Erasing a person blanks the part and the
salt; the digest stays, so the chain still verifies, and without the salt the digest reveals nothing. An entry that
still has its part is checked against the digest; an erased one must be blank, so erasing cannot disguise a change.
Entries written before this scheme (no digest) have their personal part hashed directly and cannot be erased.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
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
    personal_salt: str | None = None  # None once erased (or in entries written before personal digests)
    personal_digest: str | None = None

    @property
    def erased(self) -> bool:
        return self.personal_digest is not None and self.personal_salt is None


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def personal_digest(salt: str, actor_label: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    return hashlib.sha256(
        salt.encode("ascii") + _canonical({"actor_label": actor_label, "before": before, "after": after})
    ).hexdigest()


def sealed(content: EntryContent) -> EntryContent:
    """The entry with a fresh salt and the digest of its personal part."""
    salt = secrets.token_hex(16)
    digest = personal_digest(salt, content.actor_label, content.before, content.after)
    return EntryContent(**{**content.__dict__, "personal_salt": salt, "personal_digest": digest})


def _payload(entry: EntryContent) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "entity": entry.entity,
        "mobility_id": entry.mobility_id,
        "prev_hash": entry.prev_hash,
    }
    if entry.personal_digest is None:
        payload |= {"actor_label": entry.actor_label, "before": entry.before, "after": entry.after}
    else:
        payload["personal_digest"] = entry.personal_digest
    if entry.chain is None:
        payload["id"] = entry.id
    else:
        payload["chain"], payload["seq"] = entry.chain, entry.seq
    return payload


def entry_hash(entry: EntryContent) -> str:
    return hashlib.sha256(_canonical(_payload(entry))).hexdigest()


_PREV, _SEQ = "<prev-hash>", "<seq>"


def linking_text(entry: EntryContent) -> tuple[str, str, str]:
    """What the hash of a sealed chain entry covers, cut where its link goes: the entry's hash is the SHA-256 of
    ``first + prev_hash + second + str(seq) + third`` (UTF-8). So the database can hash the entry onto its chain's
    head in the statement that moves the head (``audit.log``), whatever the head is by then."""
    if entry.chain is None or entry.personal_digest is None:
        raise ValueError("only a sealed entry of a named chain is linked in the database")
    payload = _payload(entry)
    payload["prev_hash"], payload["seq"] = _PREV, _SEQ
    text = _canonical(payload).decode("utf-8")
    first, rest = text.split(_PREV)
    second, third = rest.split(f'"{_SEQ}"')
    return first, second, third


def _personal_part_intact(entry: EntryContent) -> bool:
    if entry.personal_digest is None:
        return True  # covered by the entry's hash itself
    if entry.personal_salt is None:  # erased: nothing may be left, so nothing can have been changed under cover
        return entry.actor_label == "" and entry.before is None and entry.after is None
    digest = personal_digest(entry.personal_salt, entry.actor_label, entry.before, entry.after)
    return digest == entry.personal_digest


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
        if entry_hash(content) != stored or not _personal_part_intact(content):
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
