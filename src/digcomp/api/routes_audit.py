"""The audit trail: a mobility's entries, and verification of the whole hash chain."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from digcomp.access.permissions import Action, require_allowed
from digcomp.api.deps import ActorDep, DatabaseDep, Ident
from digcomp.audit import log as audit
from digcomp.mobility.service import mobility_for

router = APIRouter(tags=["audit"])


class ChainReportOut(BaseModel):
    valid: bool
    entries: int
    first_bad_entry: int | None
    problem: str | None


@router.get("/audit/verify", response_model=ChainReportOut)
def verify(db: DatabaseDep, actor: ActorDep) -> ChainReportOut:
    """Recompute every hash and link of the caller's school's audit chains (the operator verifies all of them with
    ``digcomp audit-verify``)."""
    require_allowed(actor, Action.read_school)
    report = db.read(lambda s: audit.verify_log(s, audit.school_chains(s, actor.organisation_id)))
    return ChainReportOut(**report.__dict__)


@router.get("/mobilities/{mobility_id}/audit", response_model=list[audit.AuditEntryOut])
def mobility_audit(mobility_id: Ident, db: DatabaseDep, actor: ActorDep) -> list[audit.AuditEntryOut]:
    require_allowed(actor, Action.read_school)
    return db.read(
        lambda s: [
            audit.AuditEntryOut.model_validate(e)
            for e in audit.entries_of_mobility(s, mobility_for(s, actor, mobility_id).id)
        ]
    )
