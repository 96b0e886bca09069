"""Appending to and reading the audit log in the database."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Table, bindparam, func, or_, select
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.audit.chain import (
    CHECKPOINTS,
    GENESIS,
    ChainReport,
    EntryContent,
    chain_of,
    entry_hash,
    linking_text,
    sealed,
    verify,
)
from digcomp.store.db import at_commit, run_pending, writes_at_commit
from digcomp.store.models import AuditChain, AuditEntry, AuditHead, Mobility, Person, utcnow

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


# Built once, on the tables rather than the ORM classes: every change appends, and building a statement or passing
# it through the ORM costs more than running it.
_CHAINS = cast(Table, AuditChain.__table__)
_HEAD = select(_CHAINS.c.last_seq, _CHAINS.c.last_hash).where(_CHAINS.c.chain == bindparam("chain")).with_for_update()
_NEW_HEAD = _CHAINS.insert().values(last_seq=0, last_hash=GENESIS, checkpointed_seq=0)
_ENTRIES = cast(Table, AuditEntry.__table__)
_ENTRY = _ENTRIES.insert()
_MOVE_HEAD = (
    _CHAINS.update()
    .where(_CHAINS.c.chain == bindparam("head"))
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"), prev_hash=bindparam("prev_hash"))
)
_LINKED = ("prev_hash", "seq", "hash")  # filled in by the database
_GIVEN = [c for c in _ENTRIES.c if c.name != "id" and c.name not in _LINKED]
# PostgreSQL appends in one statement, in psycopg's parameter style: an upsert moves the chain's head (created by the
# chain's first entry), hashing the entry onto it (``linking_text``), and the entry is inserted with the link the head
# kept. ON CONFLICT DO UPDATE locks the head and works on its newest committed version, so concurrent appends to one
# chain queue there and nowhere else. The statement is sent with the transaction's COMMIT (``at_commit``): the head
# stays locked only while the database commits, never while this process waits for its turn to run.
_APPEND_LINKED = f"""
WITH moved AS (
    INSERT INTO audit_chains AS head (chain, last_seq, last_hash, prev_hash, checkpointed_seq)
    VALUES (
        %(chain)s, 1,
        encode(sha256(convert_to(%(first)s || %(genesis)s || %(second)s || '1' || %(third)s, 'UTF8')), 'hex'),
        %(genesis)s, 0)
    ON CONFLICT (chain) DO UPDATE SET
        prev_hash = head.last_hash,
        last_seq = head.last_seq + 1,
        last_hash = encode(sha256(convert_to(
            %(first)s || head.last_hash || %(second)s || (head.last_seq + 1)::text || %(third)s, 'UTF8')), 'hex')
    RETURNING prev_hash, last_seq, last_hash
)
INSERT INTO audit_log ({", ".join(c.name for c in _GIVEN)}, {", ".join(_LINKED)})
SELECT {", ".join(f"%({c.name})s" for c in _GIVEN)}, prev_hash, last_seq, last_hash FROM moved
"""


_LINKED_HEAD = select(_CHAINS.c.last_seq, _CHAINS.c.prev_hash).where(_CHAINS.c.chain == bindparam("chain"))


def _heads(session: Session, chains: set[str]) -> dict[str, tuple[int, str]]:
    """``_head`` of many chains: read (and locked) in one statement, the new ones inserted in another."""
    connection = session.connection()
    found = {
        chain: (int(seq), str(last))
        for chain, seq, last in connection.execute(
            select(_CHAINS.c.chain, _CHAINS.c.last_seq, _CHAINS.c.last_hash)
            .where(_CHAINS.c.chain.in_(sorted(chains)))
            .with_for_update()
        )
    }
    new = sorted(chains - found.keys())
    if new:
        connection.execute(_NEW_HEAD, [{"chain": chain} for chain in new])
    return {**found, **dict.fromkeys(new, (0, GENESIS))}


def _head(session: Session, chain: str) -> tuple[int, str]:
    """The chain's newest (seq, hash), its head row locked: appends to one chain are serialised, other chains are
    not touched. A chain's first append inserts the row; two first appends at once collide on its key and one is
    retried (``Database.run``)."""
    connection = session.connection()
    head = connection.execute(_HEAD, {"chain": chain}).first()
    if head is None:
        connection.execute(_NEW_HEAD, {"chain": chain})
        return 0, GENESIS
    return int(head[0]), str(head[1])


def _entry(
    chain: str,
    actor: Actor | None,
    action: str,
    entity: str,
    mobility_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> EntryContent:
    """A new entry, sealed, not yet linked to its chain."""
    return sealed(
        EntryContent(
            id=None,
            at=utcnow(),
            actor_id=actor.person_id if actor else None,
            actor_role=actor.role.value if actor else "system",
            actor_label=actor.label if actor else "digcomp",
            action=action,
            entity=entity,
            mobility_id=mobility_id,
            before=before,
            after=after,
            prev_hash=GENESIS,
            chain=chain,
        )
    )


def _link_here(session: Session, content: EntryContent) -> EntryContent:
    """Link and write the entry now, returning it as linked (the embedded database, and checkpoints)."""
    connection = session.connection()
    if writes_at_commit(session):
        at_commit(session, _APPEND_LINKED, _linking_parameters(content))
        run_pending(session)
        seq, prev_hash = connection.execute(_LINKED_HEAD, {"chain": content.chain}).one()
        return replace(content, seq=seq, prev_hash=prev_hash)
    seq, prev_hash = _head(session, content.chain or "")
    content = replace(content, seq=seq + 1, prev_hash=prev_hash)
    digest = entry_hash(content)
    connection.execute(_ENTRY, {**_fields(content), "seq": content.seq, "prev_hash": prev_hash, "hash": digest})
    connection.execute(_MOVE_HEAD, {"head": content.chain, "seq": content.seq, "hash": digest, "prev_hash": prev_hash})
    return content


def _fields(content: EntryContent) -> dict[str, Any]:
    return {c.name: getattr(content, c.name) for c in _GIVEN}


def _linking_parameters(content: EntryContent) -> dict[str, Any]:
    first, second, third = linking_text(content)
    return {**_fields(content), "first": first, "second": second, "third": third, "genesis": GENESIS}


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    *,
    mobility_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction, to the mobility's chain (or the actor's organisation's). On
    PostgreSQL it is written with the transaction's COMMIT (entries appended in one transaction keep their order)."""
    chain = chain_of(mobility_id, actor.organisation_id if actor else None)
    content = _entry(chain, actor, action, entity, mobility_id, before, after)
    if writes_at_commit(session):
        at_commit(session, _APPEND_LINKED, _linking_parameters(content))
    else:
        _link_here(session, content)


@dataclass(frozen=True)
class Change:
    """One entry of ``record_many``."""

    action: str
    entity: str
    mobility_id: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def record_many(session: Session, actor: Actor | None, changes: list[Change]) -> None:
    """``record`` for many entries at once (an import, a generated data set): each chain's head is read (and locked)
    and moved once and the entries are inserted in one batched statement, instead of a statement or three an entry.
    On PostgreSQL the chains' heads stay locked until the transaction commits."""
    organisation = actor.organisation_id if actor else None
    contents = [
        _entry(chain_of(c.mobility_id, organisation), actor, c.action, c.entity, c.mobility_id, c.before, c.after)
        for c in changes
    ]
    if not contents:
        return
    run_pending(session)  # entries left for the COMMIT come first in their chains
    linked: list[dict[str, Any]] = []
    heads: list[dict[str, Any]] = []
    known = _heads(session, {c.chain or "" for c in contents})
    for chain, entries in itertools.groupby(sorted(contents, key=lambda c: c.chain or ""), lambda c: c.chain or ""):
        seq, head_hash = known[chain]
        for content in entries:
            previous = head_hash
            seq += 1
            head_hash = entry_hash(replace(content, seq=seq, prev_hash=previous))
            linked.append({**_fields(content), "seq": seq, "prev_hash": previous, "hash": head_hash})
        heads.append({"head": chain, "seq": seq, "hash": head_hash, "prev_hash": previous})
    connection = session.connection()
    connection.execute(_ENTRY, linked)
    connection.execute(_MOVE_HEAD, heads)


def checkpoint(session: Session) -> EntryContent | None:
    """Vouch for the newest entry of every chain that grew since the last checkpoint (``digcomp audit-checkpoint``,
    run periodically, e.g. by the worker). None when nothing changed."""
    grown = list(
        session.scalars(
            select(AuditChain)
            .where(AuditChain.last_seq > AuditChain.checkpointed_seq, AuditChain.chain != CHECKPOINTS)
            .order_by(AuditChain.chain)
            .with_for_update()
        )
    )
    if not grown:
        return None
    heads = {head.chain: [head.last_seq, head.last_hash] for head in grown}
    entry = _link_here(
        session, _entry(CHECKPOINTS, None, "audit.checkpoint", CHECKPOINTS, None, None, {"heads": heads})
    )
    for head in grown:
        head.checkpointed_seq = head.last_seq
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
        chain=entry.chain,
        seq=entry.seq,
        personal_salt=entry.personal_salt,
        personal_digest=entry.personal_digest,
    )


def verify_log(session: Session, chains: set[str] | None = None) -> ChainReport:
    """Verify every chain (the operator's ``digcomp audit-verify``), or only the given ones (a school's own)."""
    legacy = session.get(AuditHead, 1)
    heads: dict[str | None, tuple[int, str]] = {
        head.chain: (head.last_seq, head.last_hash)
        for head in session.scalars(select(AuditChain))
        if chains is None or head.chain in chains
    }
    if chains is None:
        heads[None] = (legacy.last_id if legacy else 0, legacy.last_hash if legacy else GENESIS)

    def entries() -> Iterator[tuple[int, EntryContent, str]]:
        last = 0
        while True:
            query = select(AuditEntry).where(AuditEntry.id > last)
            if chains is not None:
                query = query.where(AuditEntry.chain.in_(chains))
            batch = list(session.scalars(query.order_by(AuditEntry.id).limit(BATCH)))
            if not batch:
                return
            for entry in batch:
                yield entry.id, _content(entry), entry.hash
            last = batch[-1].id
            session.expunge_all()

    return verify(entries(), heads)


def school_chains(session: Session, school_id: int) -> set[str]:
    """The chains of one school: its own, and one per mobility it sends."""
    mobilities = session.scalars(select(Mobility.id).where(Mobility.sending_organisation_id == school_id))
    return {chain_of(None, school_id), *(chain_of(m, None) for m in mobilities)}


def entries_of_mobility(session: Session, mobility_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.mobility_id == mobility_id).order_by(AuditEntry.id))
    )


class AuditFilter(BaseModel):
    action: str | None = Field(default=None, max_length=100, description="An action, or its start: 'staff.'")
    actor_id: int | None = Field(default=None, description="Entries of this person")
    mobility_id: int | None = None
    entity: str | None = Field(default=None, max_length=100, description="A record, e.g. 'person:12'")
    since: dt.date | None = None
    until: dt.date | None = Field(default=None, description="Up to and including this day (UTC)")


def school_entries(
    session: Session, school_id: int, filters: AuditFilter, offset: int, limit: int
) -> tuple[list[AuditEntry], int]:
    """The entries of one school's chains, newest first."""
    sent = select(Mobility.id).where(Mobility.sending_organisation_id == school_id)
    query = select(AuditEntry).where(
        or_(AuditEntry.chain == chain_of(None, school_id), AuditEntry.mobility_id.in_(sent))
    )
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.mobility_id is not None:
        query = query.where(AuditEntry.mobility_id == filters.mobility_id)
    if filters.entity:
        query = query.where(AuditEntry.entity == filters.entity)
    if filters.since:
        query = query.where(AuditEntry.at >= dt.datetime.combine(filters.since, dt.time(), dt.UTC))
    if filters.until:
        query = query.where(
            AuditEntry.at < dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    entries = session.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit))
    return list(entries), total


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


# Every action the code records (a test keeps the list whole), for the audit page's filter and readable names.
ACTIONS = (
    "account.created",
    "account.password_reset_requested",
    "account.password_reset_sent",
    "account.password_set",
    "assessment.additional_added",
    "assessment.additional_removed",
    "assessment.evidence_added",
    "assessment.evidence_withdrawn",
    "assessment.identified",
    "assessment.rated",
    "assessment.reopened",
    "assessment.self_assessed",
    "assessment.validated",
    "audit.checkpoint",
    "certificate.issued",
    "certificate.reissue_requested",
    "certificate.revoked",
    "account.invited",
    "consent.recorded",
    "mentor_link.created",
    "mentor_link.revoked",
    "mobility.created",
    "mobility.updated",
    "organisation.created",
    "organisation.logo_removed",
    "organisation.logo_set",
    "organisation.updated",
    "person.created",
    "person.erased",
    "person.updated",
    "plan.agreed",
    "plan.change_answered",
    "plan.change_requested",
    "plan.confirmations_voided",
    "plan.copied",
    "plan.confirmed",
    "plan.outcome_added",
    "plan.outcome_changed",
    "plan.outcome_removed",
    "plan.version_created",
    "plan_template.applied",
    "plan_template.changed",
    "plan_template.created",
    "privacy_notice.published",
    "programme_module.added",
    "programme_module.imported",
    "progress.reported",
    "recognition.decided",
    "school.registered",
    "staff.invited",
    "staff.updated",
)


def school_actors(session: Session, school_id: int) -> list[tuple[int, str]]:
    """The people who appear as actors in the school's entries, by name, for the page's filter."""
    sent = select(Mobility.id).where(Mobility.sending_organisation_id == school_id)
    acting = (
        select(AuditEntry.actor_id)
        .where(or_(AuditEntry.chain == chain_of(None, school_id), AuditEntry.mobility_id.in_(sent)))
        .where(AuditEntry.actor_id.is_not(None))
        .distinct()
    )
    people = session.execute(
        select(Person.id, Person.given_name, Person.family_name)
        .where(Person.id.in_(acting))
        .order_by(Person.family_name, Person.given_name)
    )
    return [(row[0], f"{row[1]} {row[2]}") for row in people]


def changed_values(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """What an entry changed, field by field: (field, before, after); the fields it sets first."""
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    return [
        (key, old.get(key), new.get(key))
        for key in sorted({*old, *new}, key=lambda k: (k not in new, k))
        if old.get(key) != new.get(key)
    ]
