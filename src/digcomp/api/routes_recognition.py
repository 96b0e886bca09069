"""Recognition of validated results in the school's VET programme, and the programme's modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from sqlalchemy.orm import Session

from digcomp.access.permissions import Action, require_allowed
from digcomp.api.deps import NOT_EMPTY, ActorDep, DatabaseDep, Ident, SettingsDep
from digcomp.mobility.service import mobility_for
from digcomp.recognition import service
from digcomp.recognition.schemas import ModuleImportResult, ModuleIn, ModuleOut, RecognitionIn, RecognitionOut
from digcomp.tables import read_upload

router = APIRouter(tags=["recognition"])


@router.get("/programme-modules", response_model=list[ModuleOut])
def list_modules(db: DatabaseDep, actor: ActorDep) -> list[ModuleOut]:
    """The modules and units of the caller's school's VET programme."""
    require_allowed(actor, Action.read_school)
    return db.read(lambda s: [ModuleOut.model_validate(m) for m in service.modules(s, actor.organisation_id)])


@router.post("/programme-modules", status_code=201, response_model=ModuleOut)
def add_module(data: ModuleIn, db: DatabaseDep, actor: ActorDep) -> ModuleOut:
    return db.run(lambda s: ModuleOut.model_validate(service.add_module(s, actor, data)))


@router.post("/programme-modules/import", response_model=ModuleImportResult)
def import_modules(
    db: DatabaseDep,
    actor: ActorDep,
    settings: SettingsDep,
    file: Annotated[
        UploadFile,
        File(description="CSV (UTF-8): code, name_lv, name_en …, hours, credits", json_schema_extra=NOT_EMPTY),
    ],
) -> ModuleImportResult:
    """The programme's modules from a spreadsheet: new codes are added, known codes updated; all or nothing, with
    every problem listed by row."""
    content = read_upload(file.file, settings.max_import_bytes)
    return db.run(lambda s: service.import_modules(s, actor, content))


@router.get("/mobilities/{mobility_id}/recognition", response_model=RecognitionOut)
def get_recognition(mobility_id: Ident, db: DatabaseDep, actor: ActorDep) -> RecognitionOut:
    """How the school recognised the mobility's validated results: module, credit and grade for each."""
    return db.read(lambda s: service.view(s, mobility_for(s, actor, mobility_id)))


@router.put("/mobilities/{mobility_id}/recognition", response_model=RecognitionOut)
def recognise(mobility_id: Ident, data: RecognitionIn, db: DatabaseDep, actor: ActorDep) -> RecognitionOut:
    """The school's validators and admins recognise validated results: each for a programme module, with credit and
    grade; a result below the school's average mastery level needs a reason. Final: recognised results are not
    examined again (and the assessment can no longer be reopened)."""

    def work(s: Session) -> RecognitionOut:
        mobility = mobility_for(s, actor, mobility_id)
        service.recognise(s, actor, mobility, data)
        return service.view(s, mobility)

    return db.run(work)
