"""Assessment of a mobility: identify -> document -> assess -> validate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.access.service import Caller
from digcomp.api.deps import NOT_EMPTY, ActorDep, CallerDep, CatalogDep, DatabaseDep, Ident, SettingsDep
from digcomp.assessment import evidence, queries, records, stages
from digcomp.assessment.evidence_store import ACCEPTED, EvidenceStore
from digcomp.assessment.schemas import (
    AdditionalOutcomeIn,
    AssessmentView,
    CompetenceAssessment,
    EvidenceOut,
    IdentificationIn,
    LinkEvidenceIn,
    NoteEvidenceIn,
    OutcomeStatus,
    RatingIn,
    ReopenIn,
    SelfAssessmentIn,
    ValidationIn,
    WithdrawalIn,
)
from digcomp.credentials import issuing
from digcomp.errors import NotFound, erased
from digcomp.mobility.service import mobility_for
from digcomp.settings import Settings
from digcomp.store.models import EvidenceKind, Person, SelfAssessmentPhase

router = APIRouter(tags=["assessment"])
BASE = "/mobilities/{mobility_id}/assessment"


def evidence_store(settings: Settings) -> EvidenceStore:
    return EvidenceStore(settings.data_dir / "evidence", settings.max_image_pixels)


@router.get(BASE, response_model=AssessmentView)
def get_assessment(
    mobility_id: Ident,
    db: DatabaseDep,
    catalog: CatalogDep,
    actor: ActorDep,
    lang: Annotated[str, Query(pattern="^(en|lv)$")] = "en",
) -> AssessmentView:
    return db.read(lambda s: queries.view(records.load(s, mobility_for(s, actor, mobility_id)), catalog, lang))


def _answer(model: BaseModel | None, status_code: int = 200) -> Response:
    """The answer to a change, serialised once. The service builds it valid; returned as a model, FastAPI would dump
    it, validate it against the route's response model once more, then serialise it (the route still declares the
    model, for the API's documentation)."""
    if model is None:
        return Response(status_code=204)
    return Response(model.model_dump_json(), status_code, media_type="application/json")


def _change(
    db: DatabaseDep,
    caller: Caller,
    mobility_id: Ident,
    action: Callable[[Session, Actor, records.Record], object],
    answer: Callable[[Session, records.Record], BaseModel | None],
    *,
    exclusive: bool = False,
    outcome_id: int | None = None,
    target_id: int | None = None,
    status_code: int = 200,
) -> Response:
    """Authenticate the caller, lock the mobility's record, apply one change and answer with what it changed — in one
    transaction. Additions (ratings, identification, self-assessment) share the lock and load counts, not evidence:
    their cost does not grow with the record; ``exclusive`` changes (validation, reopening, withdrawal) wait for
    them and answer with the whole record. Evidence is added through ``evidence.addition``, which reads less."""

    def work(s: Session) -> BaseModel | None:
        actor = caller.actor(s)
        mobility = mobility_for(s, actor, mobility_id, light=True)
        record = records.load(
            s,
            mobility,
            for_update=exclusive,
            for_share=not exclusive,
            with_evidence=False,
            outcome_id=outcome_id,
            target_id=target_id,
        )
        action(s, actor, record)
        return answer(s, record)

    return _answer(db.run(work), status_code)


def _whole(catalog: CatalogDep) -> Callable[[Session, records.Record], AssessmentView]:
    return lambda s, record: queries.view(records.load(s, record.mobility), catalog)


@router.put(f"{BASE}/outcomes/{{outcome_id}}/identification", response_model=OutcomeStatus)
def identify(
    mobility_id: Ident,
    outcome_id: Ident,
    data: IdentificationIn,
    db: DatabaseDep,
    catalog: CatalogDep,
    caller: CallerDep,
) -> Response:
    """Stage 1: did the learner work on this outcome? Answers with where the outcome now stands."""
    return _change(
        db,
        caller,
        mobility_id,
        lambda s, actor, r: stages.identify(s, actor, r, outcome_id, data.worked_on, data.note),
        lambda s, r: queries.outcome_status(r, catalog, outcome_id),
        outcome_id=outcome_id,
    )


@router.put(f"{BASE}/targets/{{target_id}}/self-assessment/{{phase}}", response_model=CompetenceAssessment)
def self_assess(
    mobility_id: Ident,
    target_id: Ident,
    phase: SelfAssessmentPhase,
    data: SelfAssessmentIn,
    db: DatabaseDep,
    catalog: CatalogDep,
    caller: CallerDep,
) -> Response:
    return _change(
        db,
        caller,
        mobility_id,
        lambda s, actor, r: stages.self_assess(
            s, catalog, actor, r, target_id, phase, data.level, data.note, data.answers
        ),
        lambda s, r: queries.target_view(r, catalog, target_id),
        target_id=target_id,
    )


@router.post(f"{BASE}/outcomes/{{outcome_id}}/evidence", status_code=201, response_model=EvidenceOut)
def add_file_evidence(
    mobility_id: Ident,
    outcome_id: Ident,
    db: DatabaseDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    caller: CallerDep,
    file: Annotated[
        UploadFile,
        File(description="Photo, PDF, office document or short video (max 10 MB)", json_schema_extra=NOT_EMPTY),
    ],
    title: Annotated[str, Form(max_length=200)] = "",
    example_refs: Annotated[str, Form(description="Comma-separated K/S/A example ids, e.g. LO3.1.04")] = "",
    shows_learner: Annotated[
        bool,
        Form(description="The file shows the learner (a photo or video of them): refused without their consent"),
    ] = False,
) -> Response:
    refs = [r.strip() for r in example_refs.split(",") if r.strip()]
    display = (title or file.filename or "file").strip()[:200] or "file"
    return _add_evidence(
        db,
        catalog,
        settings,
        caller,
        mobility_id,
        outcome_id,
        title=display,
        kind=EvidenceKind.file,
        upload=file.file,
        max_bytes=settings.max_upload_bytes,
        example_refs=refs,
        shows_learner=shows_learner,
    )


def _add_evidence(
    db: DatabaseDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    caller: Caller,
    mobility_id: Ident,
    outcome_id: Ident,
    **fields: Any,
) -> Response:
    """Add one piece of evidence, checking the caller in the same transaction (repeated from the file's start when
    the transaction is)."""
    store = evidence_store(settings)
    upload = fields.get("upload")

    def work(s: Session) -> EvidenceOut:
        if upload is not None:
            upload.seek(0)
        actor, where = evidence.addition(s, caller, mobility_id, outcome_id)
        return evidence.add_evidence(s, catalog, store, actor, where, **fields)

    return _answer(db.run(work), 201)


@router.post(f"{BASE}/outcomes/{{outcome_id}}/links", status_code=201, response_model=EvidenceOut)
def add_link_evidence(
    mobility_id: Ident,
    outcome_id: Ident,
    data: LinkEvidenceIn,
    db: DatabaseDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> Response:
    return _add_evidence(
        db,
        catalog,
        settings,
        caller,
        mobility_id,
        outcome_id,
        title=data.title,
        kind=EvidenceKind.link,
        url=str(data.url),
        example_refs=data.example_refs,
    )


@router.post(f"{BASE}/outcomes/{{outcome_id}}/notes", status_code=201, response_model=EvidenceOut)
def add_note_evidence(
    mobility_id: Ident,
    outcome_id: Ident,
    data: NoteEvidenceIn,
    db: DatabaseDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> Response:
    """A mentor's (or the school's) observation note."""
    return _add_evidence(
        db,
        catalog,
        settings,
        caller,
        mobility_id,
        outcome_id,
        title=data.title,
        kind=EvidenceKind.note,
        text=data.text,
        example_refs=data.example_refs,
    )


@router.get(f"{BASE}/evidence/{{evidence_id}}/file", response_class=FileResponse)
def download_evidence(
    mobility_id: Ident, evidence_id: Ident, db: DatabaseDep, settings: SettingsDep, actor: ActorDep
) -> FileResponse:
    def work(s: Session) -> tuple[str, str, str]:
        record = records.load(s, mobility_for(s, actor, mobility_id), with_evidence=False)
        item = evidence.evidence_item(s, record, evidence_id)
        if item.kind is not EvidenceKind.file:
            raise NotFound("file of evidence", evidence_id)
        if item.sha256 is None:  # the file went with its learner's data
            raise erased(s.get_one(Person, record.mobility.learner_id).erased_at)
        return item.sha256, item.media_type or "application/octet-stream", item.title

    sha256, media_type, _title = db.read(work)
    store = evidence_store(settings)
    filename = f"evidence-{evidence_id}{ACCEPTED.get(media_type, '')}"
    return FileResponse(store.path(sha256), media_type=media_type, filename=filename)


@router.put(f"{BASE}/targets/{{target_id}}/rating", response_model=CompetenceAssessment)
def rate(
    mobility_id: Ident, target_id: Ident, data: RatingIn, db: DatabaseDep, catalog: CatalogDep, caller: CallerDep
) -> Response:
    """The caller's own rating of one competence of one outcome (replaces their earlier rating); answers with the
    competence as it now stands (every assessor's rating, combined)."""

    return _change(
        db,
        caller,
        mobility_id,
        lambda s, actor, r: stages.rate(s, catalog, actor, r, target_id, data.level, data.justification),
        lambda s, r: queries.target_view(r, catalog, target_id),
        target_id=target_id,
    )


@router.post(f"{BASE}/additional-outcomes", status_code=201, response_model=AssessmentView)
def add_additional(
    mobility_id: Ident, data: AdditionalOutcomeIn, db: DatabaseDep, catalog: CatalogDep, caller: CallerDep
) -> Response:
    """The host mentor or a validator records a competence the learner acquired beyond the plan, with the level
    reached. It becomes an outcome marked ``additional`` (identified as worked on), then goes through evidence,
    rating and validation like the planned ones; the agreed plan does not change."""
    return _change(
        db,
        caller,
        mobility_id,
        lambda s, actor, r: stages.add_additional(s, catalog, actor, r, data),
        _whole(catalog),
        exclusive=True,
        status_code=201,
    )


@router.delete(f"{BASE}/additional-outcomes/{{outcome_id}}", status_code=204)
def remove_additional(
    mobility_id: Ident, outcome_id: Ident, db: DatabaseDep, catalog: CatalogDep, caller: CallerDep
) -> Response:
    """Whoever added an additional competence takes it back, before it has evidence or ratings."""
    return _change(
        db,
        caller,
        mobility_id,
        lambda s, actor, r: stages.remove_additional(s, catalog, actor, r, outcome_id),
        lambda s, r: None,
        exclusive=True,
    )


@router.post(f"{BASE}/validation", status_code=201, response_model=AssessmentView)
def validate(
    mobility_id: Ident, data: ValidationIn, db: DatabaseDep, catalog: CatalogDep, caller: CallerDep
) -> Response:
    """The sending school's validator confirms the result (deciding where assessors differ); then it is locked."""

    return _change(
        db,
        caller,
        mobility_id,
        lambda s, actor, r: stages.validate(s, catalog, actor, r, data),
        _whole(catalog),
        exclusive=True,
        status_code=201,
    )


@router.post(f"{BASE}/evidence/{{evidence_id}}/withdrawal", response_model=AssessmentView)
def withdraw_evidence(
    mobility_id: Ident, evidence_id: Ident, data: WithdrawalIn, db: DatabaseDep, catalog: CatalogDep, caller: CallerDep
) -> Response:
    """The author withdraws a note, link or file added by mistake (before validation). It leaves the assessment;
    the audit trail keeps what it said."""
    return _change(
        db,
        caller,
        mobility_id,
        lambda s, actor, r: evidence.withdraw_evidence(s, actor, r, evidence_id, data.reason),
        _whole(catalog),
        exclusive=True,
    )


@router.post(f"{BASE}/reopening", response_model=AssessmentView)
def reopen(mobility_id: Ident, data: ReopenIn, db: DatabaseDep, catalog: CatalogDep, caller: CallerDep) -> Response:
    """A validator reopens a validated result with a justification: a new assessment round starts, the earlier
    validation stays on record, and a certificate in force is revoked; the next one supersedes it."""
    return _change(
        db,
        caller,
        mobility_id,
        lambda s, actor, r: issuing.reopen(s, actor, r, data.justification),
        _whole(catalog),
        exclusive=True,
    )
