"""Shapes of learning-outcome plans as they cross the API boundary."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from digcomp.errors import InvalidValue
from digcomp.i18n import clean_texts
from digcomp.mobility.schemas import LANGUAGE_KEYS, PersonSummary, require_text
from digcomp.store.models import ChangeRequestKind, PlanStatus, Role


class AssessmentMethod(StrEnum):
    observation = "observation"
    product = "product"
    interview = "interview"
    test = "test"
    presentation = "presentation"
    portfolio = "portfolio"
    simulation = "simulation"
    self_assessment = "self_assessment"


# a text of at least three characters once the spaces around it are taken away (so the pattern, for the contract)
WORDS = r"\S[\s\S]+\S"
OutcomeTexts = Annotated[
    dict[str, Annotated[str, StringConstraints(min_length=3, max_length=2000, pattern=WORDS)]],
    BeforeValidator(clean_texts),
    AfterValidator(require_text),
    Field(
        description="The outcome per language: language code -> what the learner will be able to do",
        json_schema_extra={"minProperties": 1, **LANGUAGE_KEYS},
    ),
]
CriteriaTexts = Annotated[
    dict[str, Annotated[str, StringConstraints(min_length=3, max_length=4000, pattern=WORDS)]],
    BeforeValidator(clean_texts),
    AfterValidator(require_text),
    Field(
        description="The assessment criteria per language: language code -> text",
        json_schema_extra={"minProperties": 1, **LANGUAGE_KEYS},
    ),
]


class CompetenceTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    framework: str = Field(default="digcomp-2.2", examples=["digcomp-2.2"])
    framework_version: str | None = Field(
        default=None, description="Checked against the framework; filled in when omitted.", examples=["2.2"]
    )
    competence: str = Field(examples=["3.1"])
    target_level: int = Field(ge=1, le=8, examples=[4])


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: OutcomeTexts
    competences: list[CompetenceTarget] = Field(min_length=1, max_length=5)
    criteria: CriteriaTexts
    methods: list[AssessmentMethod] = Field(min_length=1)
    module_code: str = Field(
        default="",
        max_length=50,
        description="The module of the school's VET programme the outcome is planned to be recognised in (its code)",
    )


class OutcomeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    text: dict[str, str]
    competences: list[CompetenceTarget]
    criteria: dict[str, str]
    methods: list[AssessmentMethod]
    module_code: str


class ConfirmationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: Role
    person: PersonSummary
    confirmed_at: dt.datetime
    content_hash: str


class ChangeRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ChangeRequestKind = Field(description="change: change this, then I agree; decline: I cannot agree to it")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000, pattern=WORDS)] = (
        Field(description="What should change, or why the plan cannot be agreed")
    )
    language: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}$",
        description="The comment's language (ISO 639-1); the writer's language when omitted",
    )


class ChangeRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: ChangeRequestKind
    role: Role
    person: PersonSummary
    comment: str
    language: str
    created_at: dt.datetime
    answered_at: dt.datetime | None
    answer_version: int | None = Field(description="The version that answers the request")


class ChangedPart(BaseModel):
    name: str = Field(description="text, criteria, targets, methods or module", examples=["text"])
    language: str = Field(default="", description="For a text or criteria: the language changed")
    before: Any
    after: Any


class OutcomeChange(BaseModel):
    kind: str = Field(description="added, removed or changed", examples=["changed"])
    number: int = Field(description="The outcome's number (a removed one: in the version before)")
    text: dict[str, str]
    parts: list[ChangedPart] = []


class PlanVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    status: PlanStatus
    change_note: str
    created_at: dt.datetime
    agreed_at: dt.datetime | None
    outcomes: list[OutcomeOut]
    confirmations: list[ConfirmationOut]
    missing_confirmations: list[Role]
    missing_texts: list[str] = Field(
        description="Texts the host mentor must be able to read that are missing in their language or English; "
        "the plan cannot be agreed until they are written"
    )
    content_hash: str
    change_requests: list[ChangeRequestOut] = Field(
        default=[], description="Declines and requested changes by the host mentor or the learner, with answers"
    )
    changes: list[OutcomeChange] = Field(
        default=[], description="What this version changes from the version before it (none for the first)"
    )


class PlanVersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    status: PlanStatus
    created_at: dt.datetime
    agreed_at: dt.datetime | None


class PlanOut(BaseModel):
    mobility_id: int
    current: PlanVersionOut | None = Field(description="The newest version (draft or agreed)")
    agreed: PlanVersionOut | None = Field(description="The version in force: the newest agreed one")
    versions: list[PlanVersionSummary]


class VersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    change_note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class PlanTemplateIn(BaseModel):
    """A plan for a group: the outcomes every mobility it is applied to starts from."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["Hotel front office, Valencia 2027"])
    outcomes: list[OutcomeIn] = Field(min_length=1, max_length=50)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise InvalidValue("the template needs a name")
        return value.strip()


class PlanTemplateOut(BaseModel):
    id: int
    name: str
    version: int = Field(description="Raised by every change of the outcomes")
    outcomes: list[OutcomeIn]
    created_at: dt.datetime
    updated_at: dt.datetime


class TemplateApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mobility_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(min_length=1, max_length=500)


class SkippedMobility(BaseModel):
    mobility_id: int
    reason: str


class TemplateApplicationOut(BaseModel):
    applied: list[int] = Field(description="Mobilities whose draft plan now holds the template's outcomes")
    skipped: list[SkippedMobility] = Field(description="Mobilities left as they were, each with the reason")
