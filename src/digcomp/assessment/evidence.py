"""Evidence of the outcomes — files, links and notes — added, withdrawn and read; adding a note is the busiest write,
so its facts and the caller are read in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from sqlalchemy import Select, Sequence, Table, and_, bindparam, exists, select
from sqlalchemy.orm import Session

from digcomp.access import service as access
from digcomp.access.actor import Actor, MobilityParties
from digcomp.access.permissions import Action, allowed, require_allowed
from digcomp.access.service import Caller
from digcomp.assessment import rules
from digcomp.assessment.evidence_store import EvidenceStore
from digcomp.assessment.records import OutcomeSnapshot, Record, agreed_version, audit_step
from digcomp.assessment.schemas import (
    EvidenceOut,
)
from digcomp.errors import Conflict, Invalid, NotFound
from digcomp.framework import Catalog
from digcomp.mobility.schemas import PersonSummary
from digcomp.mobility.service import mobility_for
from digcomp.privacy import consent
from digcomp.store.db import insert_at_commit, writes_at_commit
from digcomp.store.models import (
    ConsentKind,
    Evidence,
    EvidenceKind,
    Identification,
    Mobility,
    Plan,
    Validation,
    utcnow,
)


def check_example_refs(catalog: Catalog, refs: list[str]) -> None:
    if not refs:
        return
    known = {e.id for fw in catalog.frameworks.values() for e in fw.examples}
    unknown = [r for r in refs if r not in known]
    if unknown:
        raise Invalid("unknown knowledge/skill/attitude example(s): {examples}", examples=", ".join(unknown))


@dataclass(frozen=True)
class Addition:
    """Where evidence is added — one outcome of a mobility's agreed plan — with the facts the rules for adding look at.
    Evidence only adds to a record, so an addition reads these few facts, not the record (see ``addition``)."""

    mobility: MobilityParties
    outcome: OutcomeSnapshot
    number: int  # the outcome's position in the plan, for messages
    worked_on: bool | None
    validated: bool
    evidence_id: int | None = None  # reserved for the new evidence by the statement that read these facts


def addition_in(record: Record, outcome_id: int) -> Addition:
    """The addition to one outcome of a record already loaded."""
    outcome = record.outcome(outcome_id)
    identification = record.identifications.get(outcome.id)
    return Addition(
        mobility=record.mobility,
        outcome=outcome,
        number=record.version.outcomes.index(outcome) + 1,
        worked_on=identification.worked_on if identification else None,
        validated=record.validated,
    )


_MOBILITIES = cast(Table, Mobility.__table__)

_PLANS = cast(Table, Plan.__table__)

_IDENTIFICATIONS = cast(Table, Identification.__table__)

_VALIDATIONS = cast(Table, Validation.__table__)

_EVIDENCE = cast(Table, Evidence.__table__)

# One statement, built once: the mobility's parties, its plan (shared lock: validation and plan changes wait for
# additions in progress, additions do not wait for each other), the outcome's identification, a validation in force.
_ADDITION_FACTS = (
    select(
        _MOBILITIES.c.id,
        _MOBILITIES.c.sending_organisation_id,
        _MOBILITIES.c.learner_id,
        _MOBILITIES.c.mentor_id,
        _MOBILITIES.c.host_organisation_id,
        _PLANS.c.id,
        _PLANS.c.revision,
        _IDENTIFICATIONS.c.worked_on,
        exists().where(_VALIDATIONS.c.mobility_id == _MOBILITIES.c.id, _VALIDATIONS.c.reopened_at.is_(None)),
    )
    .select_from(
        _MOBILITIES.join(_PLANS, _PLANS.c.mobility_id == _MOBILITIES.c.id).outerjoin(
            _IDENTIFICATIONS,
            and_(
                _IDENTIFICATIONS.c.mobility_id == _MOBILITIES.c.id,
                _IDENTIFICATIONS.c.outcome_id == bindparam("outcome"),
            ),
        )
    )
    .where(_MOBILITIES.c.id == bindparam("mobility"))
    .with_for_update(read=True, of=_PLANS)
)


# The same statement also reads the caller when they come with an API token or a web session (``with_caller``), and
# on PostgreSQL reserves the new evidence's id, so that the evidence and its audit entry are both written with the
# COMMIT (``at_commit``): a note is then two round trips, as many as a bare INSERT in its own transaction.
def _facts_statement(with_caller: bool, reserving: bool) -> Select[Any]:
    statement = _ADDITION_FACTS
    if reserving:
        statement = statement.add_columns(Sequence("evidence_id_seq").next_value().label("evidence_id"))
    return access.with_caller(statement) if with_caller else statement


_FACTS = {
    (caller, reserving): _facts_statement(caller, reserving) for caller in (False, True) for reserving in (False, True)
}

_NEW_EVIDENCE = _EVIDENCE.insert().returning(_EVIDENCE.c.id)


def addition(session: Session, caller: Caller, mobility_id: int, outcome_id: int) -> tuple[Actor, Addition]:
    """The caller, and the addition to one outcome, read in one statement: 401 for a caller who is not logged in, 404
    when they may not see the mobility (as if it did not exist), 409 when its plan is not agreed. A mentor link is
    checked on its own first."""
    token_hash = caller.token_hash
    actor = caller.actor(session) if token_hash is None else None
    reserving = writes_at_commit(session)
    row = (
        session.connection()
        .execute(
            _FACTS[actor is None, reserving],
            {"mobility": mobility_id, "outcome": outcome_id, "secret_hash": token_hash},
        )
        .first()
    )
    if actor is None:
        actor = access.caller_from(row) if row is not None else caller.actor(session)
    if row is None:  # no such mobility, or no plan yet: say which, as a full read would
        mobility_for(session, actor, mobility_id, light=True)
        raise Conflict("the plan is not agreed yet: assessment starts from an agreed plan")
    mobility = MobilityParties(*row[:5])
    if not allowed(actor, Action.view, mobility):
        raise NotFound("mobility", mobility_id)
    version = agreed_version(session, row[5], row[6])
    if version is None:
        raise Conflict("the plan is not agreed yet: assessment starts from an agreed plan")
    outcome = version.outcome(outcome_id)
    number = version.outcomes.index(outcome) + 1
    reserved = row._mapping["evidence_id"] if reserving else None
    worked_on = row[7]
    if worked_on is None and len(outcome.ids) > 1:  # identified under an earlier plan version (``plans.carry``)
        worked_on = session.scalar(
            select(Identification.worked_on)
            .where(Identification.mobility_id == mobility.id, Identification.outcome_id.in_(outcome.ids))
            .order_by(Identification.id.desc())
            .limit(1)
        )
    return actor, Addition(mobility, outcome, number, worked_on, bool(row[8]), reserved)


def add_evidence(
    session: Session,
    catalog: Catalog,
    store: EvidenceStore,
    actor: Actor,
    where: Addition,
    *,
    title: str,
    kind: EvidenceKind,
    text: str = "",
    url: str = "",
    upload: BinaryIO | None = None,
    max_bytes: int = 0,
    example_refs: list[str] | None = None,
    shows_learner: bool = False,
    language: str | None = None,
) -> EvidenceOut:
    """Add a file, link or note to an outcome; the answer names the actor as its author (not read again). A file
    that shows the learner (a photo or video of them, not only of their work) needs their consent to photos."""
    require_allowed(actor, Action.add_evidence, where.mobility)
    if kind is EvidenceKind.note:
        require_allowed(actor, Action.write_note, where.mobility)
    rules.check_evidence(where.number, where.worked_on, where.validated)
    check_example_refs(catalog, example_refs or [])
    if shows_learner:
        if kind is not EvidenceKind.file:
            raise Invalid("only a photo or a video can show the learner")
        if not consent.has_consented(session, where.mobility.learner_id, ConsentKind.photos):
            raise Conflict(
                "the learner has not agreed to photos of themself being kept as evidence: add a photo of the work "
                "only, or ask the learner to give their consent on their Privacy page"
            )
    sha256, size, media_type = None, None, None
    if kind is EvidenceKind.file:
        assert upload is not None
        stored = store.save(upload, max_bytes)
        sha256, size, media_type = stored.sha256, stored.size, stored.media_type
    fields = {
        "outcome_id": where.outcome.id,
        "kind": kind,
        "title": title,
        "text": text,
        "url": url,
        "sha256": sha256,
        "size": size,
        "media_type": media_type,
        "example_refs": example_refs or [],
        "shows_learner": shows_learner,
        "language": language or actor.language or "",  # the writer's page language, else the one they read
        "created_at": utcnow(),
    }
    values = {**fields, "mobility_id": where.mobility.id, "added_by_id": actor.person_id}
    if where.evidence_id is None:
        ident = session.connection().execute(_NEW_EVIDENCE, values).scalar_one()
    else:
        ident = where.evidence_id
        insert_at_commit(session, _EVIDENCE, {"id": ident, **values})
    audit_step(
        session,
        actor,
        where.mobility,
        "assessment.evidence_added",
        f"evidence:{ident}",
        after={"outcome": where.outcome.id, "kind": kind.value, "title": title, "sha256": sha256, "url": url},
    )
    author = PersonSummary(
        id=actor.person_id, given_name=actor.given_name, family_name=actor.family_name, role=actor.role
    )
    return EvidenceOut(id=ident, added_by=author, **fields)


def withdraw_evidence(session: Session, actor: Actor, record: Record, evidence_id: int, reason: str = "") -> None:
    """The author takes back a note or file added by mistake: it leaves the assessment, the audit trail keeps it."""
    item = evidence_item(session, record, evidence_id)
    rules.check_withdrawal(item.added_by_id, actor.person_id, item.withdrawn_at is not None, record.validated)
    item.withdrawn_at = utcnow()
    item.withdrawal_reason = reason.strip()
    session.flush()
    record.evidence_counts[record.version.outcome_of()[item.outcome_id]] -= 1
    audit_step(
        session,
        actor,
        record.mobility,
        "assessment.evidence_withdrawn",
        f"evidence:{item.id}",
        before={
            "outcome": item.outcome_id,
            "kind": item.kind.value,
            "title": item.title,
            "text": item.text,
            "sha256": item.sha256,
            "url": item.url,
        },
        after={"withdrawn": True, "reason": item.withdrawal_reason},
    )


def evidence_item(session: Session, record: Record, evidence_id: int) -> Evidence:
    """One piece of evidence of the record's agreed outcomes that has not been withdrawn."""
    item = session.get(Evidence, evidence_id)
    outcomes = {i for o in record.version.outcomes for i in o.ids}  # made under this version or an earlier one
    if item is None or item.mobility_id != record.mobility.id or item.outcome_id not in outcomes or item.withdrawn_at:
        raise NotFound("evidence", evidence_id)
    return item
