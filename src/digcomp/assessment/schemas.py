"""Shapes of the assessment record as they cross the API boundary."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from digcomp.assessment.rules import Stage
from digcomp.assessment.self_check import Answer
from digcomp.mobility.schemas import PersonSummary
from digcomp.plans.schemas import AssessmentMethod, CompetenceTarget, OutcomeTexts
from digcomp.store.models import Decision, EvidenceKind, ResultStatus, SelfAssessmentPhase

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class IdentificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worked_on: bool = Field(description="Did the learner work on this outcome during the mobility?")
    note: Note = ""


class SelfAssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int | None = Field(
        default=None,
        ge=0,
        le=8,
        description="0 = not yet; 1..8 the DigComp level the learner sees in themself. Omit it when answering the "
        "statements: the level is then worked out from the answers.",
    )
    answers: dict[str, Answer] = Field(
        default={},
        max_length=20,
        description='The competence\'s short "I can" statements (`can_do` in the assessment view) answered: '
        "statement key -> yes | partly | not_yet; every statement, when given",
    )
    note: Note = ""


class CanDoOut(BaseModel):
    key: str
    level: int = Field(description="The level the statement describes: one below the target, the target, one above")
    text: dict[str, str] = Field(description="The statement per language, as the framework gives it")
    preamble: dict[str, str] = Field(description="How independently, at that level (DigComp 2.2)")


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=0, le=8, description="Achieved level; 0 = not achieved")
    justification: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)] = Field(
        description="Why this level, against the agreed criteria"
    )


class LinkEvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    url: HttpUrl
    example_refs: list[str] = []


class NoteEvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=10_000)]
    example_refs: list[str] = []


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Note = ""


class ReopenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    justification: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)] = Field(
        description="Why the validated result must change (kept in the audit trail)"
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_id: int
    level: int = Field(ge=0, le=8)
    justification: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)]


class ValidationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decisions: list[DecisionIn] = Field(default=[], description="The validator's level where assessors differ")
    note: Note = ""


class EvidenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    outcome_id: int
    kind: EvidenceKind
    title: str
    text: str
    url: str
    sha256: str | None
    size: int | None
    media_type: str | None
    example_refs: list[str]
    shows_learner: bool = Field(default=False, description="A photo or video of the learner, kept with their consent")
    language: str = Field(default="", description="The language a note was written in ('' = not known)")
    added_by: PersonSummary
    created_at: dt.datetime
    plan_version: int | None = Field(
        default=None, description="Added under this plan version (an earlier one: carried on through the revision)"
    )


class RatingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    assessor: PersonSummary
    level: int
    justification: str
    language: str = Field(default="", description="The language of the justification ('' = not known)")
    updated_at: dt.datetime


class CombinedOut(BaseModel):
    level: int | None
    disagreement: bool


class ResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="The validated result (what recognition refers to)")
    status: ResultStatus
    achieved_level: int | None
    decision: Decision
    justification: str


class CompetenceAssessment(BaseModel):
    target_id: int
    framework: str
    framework_version: str
    competence: str
    title: str
    target_level: int
    self_assessment: dict[SelfAssessmentPhase, int | None]
    can_do: list[CanDoOut] = Field(default=[], description="The short self-assessment's statements")
    self_answers: dict[SelfAssessmentPhase, dict[str, Answer]] = Field(
        default={}, description="The learner's answers to the statements, per phase"
    )
    ratings: list[RatingOut]
    combined: CombinedOut
    result: ResultOut | None


class OutcomeStatus(BaseModel):
    """Where one outcome stands (the answer to an identification)."""

    outcome_id: int
    number: int
    worked_on: bool | None
    evidence_count: int
    stage: Stage


class OutcomeAssessment(BaseModel):
    outcome_id: int
    number: int
    additional: bool = Field(
        default=False, description="Acquired beyond the plan: added during the placement, not part of the agreement"
    )
    text: dict[str, str]
    criteria: dict[str, str]
    methods: list[str]
    stage: Stage
    worked_on: bool | None
    identification_note: str
    evidence: list[EvidenceOut]
    competences: list[CompetenceAssessment]
    carried_from_version: int | None = Field(
        default=None,
        description="The plan version whose outcome this one continues; what was assessed under it carries on",
    )


class ValidationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    validator: PersonSummary
    validated_at: dt.datetime
    round: int
    plan_version: int
    note: str


class AssessmentView(BaseModel):
    mobility_id: int
    plan_version: int
    round: int = Field(description="The assessment round: 1, and one more each time a validator reopens the result")
    stage: Stage = Field(description="The earliest stage any outcome is at")
    combining_rule: str
    outcomes: list[OutcomeAssessment]
    validation: ValidationOut | None


class AdditionalOutcomeIn(BaseModel):
    """A competence the learner acquired beyond the plan, as the mentor or the validator describes it."""

    model_config = ConfigDict(extra="forbid")

    text: OutcomeTexts
    competence: CompetenceTarget = Field(description="The competence and the level the learner reached in it")
    methods: list[AssessmentMethod] = Field(default=[AssessmentMethod.observation], min_length=1)
