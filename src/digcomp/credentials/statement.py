"""What a recognition statement says, independent of how it is rendered (PDF) or encoded (Open Badges)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from digcomp.credentials.status_list import StatusEntry

Bilingual = dict[str, str]  # language -> text (any number of languages, despite the name)


class Party(BaseModel):
    url: str  # a stable identifier of the organisation
    name: str
    country_code: str
    country: Bilingual
    address: str = ""
    reference_person: str = ""
    reference_title: str = ""
    contact_email: str = ""
    contact_phone: str = ""


class Person(BaseModel):
    given_name: str
    family_name: str
    title: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class CompetenceLine(BaseModel):
    framework: str
    framework_name: str
    framework_version: str
    framework_url: str | None
    area_id: str
    area_title: Bilingual
    competence_id: str
    competence_title: Bilingual
    status: str  # achieved | not_achieved | not_worked_on
    achieved_level: int | None
    achieved_level_name: Bilingual
    level_descriptor: Bilingual  # statements joined; a language missing where no official translation exists
    target_level: int
    target_level_name: Bilingual
    methods: list[str]
    outcome_text: Bilingual  # the outcome as the school wrote it, per language
    levels: list[tuple[int, Bilingual]]  # the framework's scale, for the credential's rubric
    additional: bool = False  # acquired beyond the plan (no agreed target: the target is the level first observed)


class RecognitionLine(BaseModel):
    """One validated competence as recognised in the learner's VET programme."""

    competence_id: str
    module_code: str
    module_name: Bilingual
    hours: int | None
    credits: float | None
    grade: str


class Statement(BaseModel):
    certificate_id: str
    issued_at: dt.datetime
    languages: list[str]  # ["lv", "en"] for a bilingual statement, or one language
    verification_url: str
    holder: Person
    holder_date_of_birth: dt.date | None
    holder_identity_hash: str  # sha256 of the learner's e-mail (salted), for the credential
    issuer: Party
    host: Party
    mentor: Person | None
    validator: Person
    assessors: list[Person]
    programme: str
    project_reference: str
    qualification: Bilingual
    objective: Bilingual
    tasks: Bilingual
    working_language: str  # ISO 639-1 code; shown by name in each language
    working_language_name: Bilingual
    start_date: dt.date
    end_date: dt.date
    competences: list[CompetenceLine]
    other_skills: str = ""
    attribution: list[str]
    supersedes: str | None = None  # the revoked certificate this one replaces
    status: StatusEntry | None = None  # its bit in the school's revocation list
    recognition: list[RecognitionLine] = []
    recognised_by: Person | None = None
    recognised_on: dt.date | None = None
    eqf_level: int | None = None  # of the qualification the learner's programme leads to
    quality_assurance: str = ""  # the issuing school's statement of how it assures quality
    mentor_assessed_on: dt.date | None = None  # the day the host mentor last rated a result
    plan_version: int | None = None  # the agreed plan version the results were assessed and validated against

    def recognised_workload(self) -> tuple[int | None, float | None]:
        """Hours and credit points of the modules that recognise results, each module counted once."""
        modules = {line.module_code: line for line in self.recognition}.values()
        hours = [line.hours for line in modules if line.hours is not None]
        credits = [line.credits for line in modules if line.credits is not None]
        return (sum(hours) if hours else None, sum(credits) if credits else None)
