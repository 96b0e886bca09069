"""What a learning agreement says, independent of how it is rendered (PDF) or embedded (JSON): the parties, the
dates, the planned outcomes with their DigComp targets, how results will be recognised and how progress is
reported, and the three confirmations of the plan version it records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from digcomp.credentials.statement import Bilingual, Party, Person


class TargetLine(BaseModel):
    framework_name: str
    framework_version: str
    competence_id: str
    competence_title: Bilingual
    target_level: int
    target_level_name: Bilingual
    level_descriptor: Bilingual  # what the target level means for this competence, where the framework says it


class PlannedModule(BaseModel):
    code: str
    name: Bilingual
    hours: int | None
    credits: float | None


class OutcomeLine(BaseModel):
    number: int
    text: Bilingual
    criteria: Bilingual
    methods: list[str]
    targets: list[TargetLine]
    module: PlannedModule | None  # where the school plans to recognise it


class ConfirmationLine(BaseModel):
    role: str  # coordinator | mentor | learner
    person: str
    confirmed_at: dt.datetime
    content_hash: str


class LearningAgreement(BaseModel):
    agreement_id: str
    issued_at: dt.datetime
    languages: list[str]
    verification_url: str
    learner: Person
    sending: Party
    host: Party
    mentor: Person | None
    programme: str
    project_reference: str
    qualification: Bilingual
    objective: Bilingual
    tasks: Bilingual
    working_language_name: Bilingual
    start_date: dt.date
    end_date: dt.date
    plan_version: int
    content_hash: str
    outcomes: list[OutcomeLine]
    average_mastery_level: int  # results at or above it are recognised without further examination
    report_every_days: int  # 0: no progress reports agreed
    confirmations: list[ConfirmationLine]
    attribution: list[str]
    draft: bool = False  # a preview of a version not agreed yet: unsigned, marked, never registered


def agreement_document(agreement: LearningAgreement, public_url: str) -> dict[str, Any]:
    """The machine-readable copy embedded in the signed PDF: its ``id`` names the agreement in the register."""
    return {
        "id": f"{public_url.rstrip('/')}/api/v1/agreements/{agreement.agreement_id}",
        "type": "LearningAgreement",
        **agreement.model_dump(mode="json", exclude={"languages", "verification_url"}),
    }
