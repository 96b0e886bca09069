"""Shapes of programme modules and recognition decisions as they cross the API boundary."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from digcomp.mobility.schemas import PersonSummary, RequiredShortTexts
from digcomp.recognition.grades import GradeScale


class ModuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    programme: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = Field(
        default="", description="The VET programme (its code) the module belongs to; '' = offered to every programme"
    )
    name: RequiredShortTexts
    hours: int | None = Field(default=None, ge=0, le=10_000)
    credits: float | None = Field(default=None, ge=0, le=1_000)


class ModuleImportResult(BaseModel):
    created: list[str] = Field(description="Codes of the modules added")
    updated: list[str] = Field(description="Codes of existing modules whose name, hours or credits were replaced")


class ModuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    programme: str
    name: dict[str, str]
    hours: int | None
    credits: float | None


class RecognisedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result_id: int = Field(ge=1, le=2**31 - 1, description="A validated result (see the assessment's results)")
    module_id: int = Field(ge=1, le=2**31 - 1)
    hours: int | None = Field(default=None, ge=0, le=10_000, description="Default: the module's hours")
    credits: float | None = Field(default=None, ge=0, le=1_000, description="Default: the module's credits")
    grade: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = Field(
        description="The grade on the school's scale: 1–10 (lv10) or passed / not_passed (pass_fail)"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = Field(
        default="", description="Needed when the achieved level is below the school's average mastery level"
    )


class RecognitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[RecognisedIn] = Field(max_length=100)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


class RecognisedOut(BaseModel):
    result_id: int
    competence: str
    achieved_level: int | None
    module: ModuleOut
    hours: int | None
    credits: float | None
    grade: str
    reason: str


class RecognisedModule(BaseModel):
    """A module as the recognition counts it: its hours and credits once, however many results it recognises."""

    module: ModuleOut
    competences: list[str]
    hours: int | None
    credits: float | None
    grades: list[str]


class RecognitionOut(BaseModel):
    mobility_id: int
    decided_by: PersonSummary
    decided_at: dt.datetime
    note: str
    average_mastery_level: int
    grade_scale: GradeScale
    average_mastery_grade: int
    results: list[RecognisedOut]
    modules: list[RecognisedModule] = Field(description="Per module: what it recognises, its workload counted once")
    total_hours: int | None
    total_credits: float | None
