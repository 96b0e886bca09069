"""Privacy: a person's data export and erasure, the school's privacy notice, a person's consents."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from digcomp.api.deps import ActorDep, DatabaseDep, Ident, SettingsDep
from digcomp.api.downloads import download
from digcomp.api.routes_assessment import evidence_store
from digcomp.mobility import service as registry
from digcomp.mobility.schemas import RequiredLongTexts
from digcomp.privacy import consent, erasure, export
from digcomp.store.models import ConsentKind

router = APIRouter(tags=["privacy"])


class ErasureOut(BaseModel):
    person_id: int
    mobilities: int = Field(description="Mobilities of which the person was the learner")
    texts: int = Field(description="Records whose free texts were blanked")
    documents: int = Field(description="Signed documents whose bytes were removed (their hashes stay and verify)")
    evidence_files: int = Field(description="Evidence files deleted")
    audit_entries: int = Field(description="Audit entries whose personal part was erased (the chain still verifies)")
    audit_entries_kept: int = Field(
        description="Audit entries written before erasable entries existed; their hash covers the text itself"
    )


class NoticeIn(BaseModel):
    text: RequiredLongTexts


class NoticeOut(BaseModel):
    version: int
    text: dict[str, str]
    published_at: dt.datetime


class ConsentIn(BaseModel):
    kind: ConsentKind = Field(description="photos: photos of the learner as evidence; date_of_birth: on the statement")
    granted: bool


class ConsentOut(BaseModel):
    kind: ConsentKind
    granted: bool
    notice_version: int | None = Field(description="The privacy notice in force when the answer was given")
    recorded_at: dt.datetime


@router.get(
    "/people/{person_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The person's data and files, as a zip"}},
)
def export_person(person_id: Ident, db: DatabaseDep, actor: ActorDep, settings: SettingsDep) -> Response:
    """Everything held about the person (GDPR Art. 15, 20). The person themself, or their school's staff."""
    store = evidence_store(settings)
    data = db.read(lambda s: export.export_person(s, actor, person_id, store))
    return download(data, "application/zip", f"person-{person_id}.zip")


@router.post("/people/{person_id}/erasure", response_model=ErasureOut)
def erase_person(person_id: Ident, db: DatabaseDep, actor: ActorDep, settings: SettingsDep) -> ErasureOut:
    """Erase the person's personal data (GDPR Art. 17): the school's admin. Levels, decisions and the certificate
    register stay (without names); statements the learner kept still verify by upload."""
    report = db.run(lambda s: erasure.erase_person(s, actor, person_id))
    erasure.after_commit(db.engine, evidence_store(settings), report)
    return ErasureOut(**{**report.__dict__, "evidence_files": len(report.evidence_files)})


@router.get("/privacy-notice", response_model=NoticeOut | None)
def get_notice(db: DatabaseDep, actor: ActorDep) -> NoticeOut | None:
    """The privacy notice in force at the caller's school (or the school that registered the caller's host)."""

    def work(s: Session) -> NoticeOut | None:
        person = registry.person_for(s, actor, actor.person_id)
        notice = consent.current_notice(s, consent.school_of(person))
        return NoticeOut.model_validate(notice, from_attributes=True) if notice else None

    return db.read(work)


@router.post("/privacy-notice", response_model=NoticeOut, status_code=201)
def publish_notice(data: NoticeIn, db: DatabaseDep, actor: ActorDep) -> NoticeOut:
    """A new version of the school's notice (the school's admin); consents given later name it."""
    return db.run(lambda s: NoticeOut.model_validate(consent.publish_notice(s, actor, data.text), from_attributes=True))


@router.get("/people/{person_id}/consents", response_model=list[ConsentOut])
def list_consents(person_id: Ident, db: DatabaseDep, actor: ActorDep) -> list[ConsentOut]:
    def work(s: Session) -> list[ConsentOut]:
        person = registry.person_for(s, actor, person_id)
        return [ConsentOut.model_validate(c, from_attributes=True) for c in consent.consents_of(s, person.id).values()]

    return db.read(work)


@router.post("/people/{person_id}/consents", response_model=ConsentOut, status_code=201)
def give_consent(
    person_id: Ident, data: ConsentIn, db: DatabaseDep, actor: ActorDep, settings: SettingsDep
) -> ConsentOut:
    """The person's own answer (signed in as themself), stored with the date and the notice version. Withdrawing
    consent to photos takes the photos and videos that show the person out of their records, files included."""

    def work(s: Session) -> consent.Answer:
        return consent.record_consent(s, actor, registry.person_for(s, actor, person_id), data.kind, data.granted)

    answer = db.run(work)
    erasure.remove_files(evidence_store(settings), answer.files_to_delete)
    return ConsentOut.model_validate(answer.consent, from_attributes=True)
