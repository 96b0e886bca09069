"""Shapes of organisations, people and mobilities as they cross the API boundary."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.config import JsonDict, JsonValue
from pydantic.json_schema import SkipJsonSchema

from digcomp.errors import InvalidValue
from digcomp.i18n import clean_texts, country_code, language_code, language_codes, territory_codes
from digcomp.names import PersonName
from digcomp.recognition.grades import GradeScale
from digcomp.store.models import OrganisationKind, Role

T = TypeVar("T")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=400)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]  # a contact's name, a job title


LANGUAGE_CODES: JsonDict = {"enum": list[JsonValue](language_codes())}
CountryCode = Annotated[
    str, AfterValidator(country_code), Field(json_schema_extra={"enum": list[JsonValue](territory_codes())})
]
LanguageCode = Annotated[str, AfterValidator(language_code), Field(json_schema_extra=LANGUAGE_CODES)]
# A map of texts per language: its keys are language codes (any letter case; blank texts are dropped).
LANGUAGE_KEYS: JsonDict = {"propertyNames": LANGUAGE_CODES}
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^[0-9+()./ -]*$")]
EqfLevel = Annotated[
    Annotated[int, Field(ge=1, le=8)] | None,
    Field(
        description="EQF level of the qualification (1-8); it sets the proficiency levels suggested for the plan. "
        "Not given: the usual VET band (EQF 4)",
        examples=[4],
    ),
]
LearnerNumber = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None,
    Field(description="The school's own number for the learner; unique within the school", examples=["LVT-2024-117"]),
]


def require_text(texts: dict[str, str]) -> dict[str, str]:
    if not texts:
        raise InvalidValue("write the text in at least one language")
    return texts


TEXTS_EXAMPLE = {"lv": "Viesnīcas reģistratūras darbs", "en": "Hotel reception work"}
# A text held per language: {"lv": "…", "en": "…"} (ISO 639-1 codes; blank entries are dropped).
ShortTexts = Annotated[
    dict[str, Annotated[str, StringConstraints(max_length=400)]],
    BeforeValidator(clean_texts),
    Field(
        description="Per language: language code -> text (up to 400 characters each)",
        examples=[TEXTS_EXAMPLE],
        json_schema_extra=LANGUAGE_KEYS,
    ),
]
LongTexts = Annotated[
    dict[str, Annotated[str, StringConstraints(max_length=10_000)]],
    BeforeValidator(clean_texts),
    Field(
        description="Per language: language code -> text (up to 10,000 characters each)",
        examples=[TEXTS_EXAMPLE],
        json_schema_extra=LANGUAGE_KEYS,
    ),
]
# A text that must be written in at least one language (a blank one does not count)
RequiredShortTexts = Annotated[
    dict[str, Annotated[str, StringConstraints(max_length=400, pattern=r"\S")]],
    BeforeValidator(clean_texts),
    AfterValidator(require_text),
    Field(
        description="Per language: language code -> text (up to 400 characters each)",
        examples=[TEXTS_EXAMPLE],
        json_schema_extra={"minProperties": 1, **LANGUAGE_KEYS},
    ),
]
RequiredLongTexts = Annotated[
    dict[str, Annotated[str, StringConstraints(max_length=10_000, pattern=r"\S")]],
    BeforeValidator(clean_texts),
    AfterValidator(require_text),
    Field(
        description="Per language: language code -> text (up to 10,000 characters each)",
        json_schema_extra={"minProperties": 1, **LANGUAGE_KEYS},
    ),
]


# A field of a change that may be left out but not set to null (the schema says so: no "null" in it).
Omitted = SkipJsonSchema[None]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class OrganisationCreate(_In):
    name: Name
    kind: OrganisationKind
    country: CountryCode
    language: LanguageCode | None = Field(default=None, description="Its working language; default: the country's")
    address: ShortText = ""
    contact_name: Label = ""
    contact_email: EmailStr | None = None
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""


class OrganisationUpdate(_In):
    name: Name | Omitted = None
    country: CountryCode | Omitted = None
    language: LanguageCode | Omitted = None
    average_mastery_level: Annotated[int, Field(ge=1, le=8)] | Omitted = Field(
        default=None, description="A school's DigComp level of 'average mastery' for recognition"
    )
    grade_scale: GradeScale | Omitted = Field(default=None, description="The scale recognised results are graded on")
    average_mastery_grade: Annotated[int, Field(ge=1, le=10)] | Omitted = Field(
        default=None, description="On the lv10 scale: the lowest grade of 'average mastery' (4 by default)"
    )
    address: ShortText | Omitted = None
    contact_name: Label | Omitted = None
    contact_email: EmailStr | None = None
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | Omitted = None
    retention_years: Annotated[int, Field(ge=1, le=50)] | Omitted = Field(
        default=None, description="A school keeps learners' personal data this long after a mobility ends"
    )
    brand_colour: Annotated[str, StringConstraints(pattern=r"^(#[0-9a-fA-F]{6})?$")] | Omitted = Field(
        default=None,
        description="The school's main colour on its pages, #rrggbb ('' = the default)",
        examples=["#1f4e79"],
    )
    quality_assurance: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | Omitted = Field(
        default=None,
        description="How the school assures the quality of what it certifies (accreditation, internal review); "
        "stated on its European Digital Credentials",
    )
    plan_framework: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{0,31}$")] | Omitted = Field(
        default=None,
        description="The DigComp version the school's new plans are written on (a framework's id)",
        examples=["digcomp-3.0"],
    )


class OrganisationOut(_Out):
    id: int
    name: str
    kind: OrganisationKind
    country: str
    language: str
    average_mastery_level: int
    grade_scale: GradeScale
    average_mastery_grade: int
    address: str
    contact_name: str
    contact_email: str
    contact_phone: str
    retention_years: int
    brand_colour: str = ""
    has_logo: bool = False
    quality_assurance: str = ""
    plan_framework: str = "digcomp-2.2"


class PersonCreate(_In):
    organisation_id: int
    given_name: PersonName
    family_name: PersonName
    email: EmailStr | None = None
    learner_number: LearnerNumber = None
    role: Role
    job_title: Label = ""
    date_of_birth: dt.date | None = None
    language: LanguageCode | None = Field(default=None, description="The language the person reads")


class PersonUpdate(_In):
    given_name: PersonName | Omitted = None
    family_name: PersonName | Omitted = None
    email: EmailStr | None = None
    phone: Phone | Omitted = None
    learner_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | Omitted = (
        Field(default=None, description="The school's own number for the learner; unique within the school")
    )
    job_title: Label | Omitted = None
    date_of_birth: dt.date | None = None
    language: LanguageCode | None = None
    recognition_committee: bool | None = Field(
        default=None, description="A member of the school's recognition committee (named by an admin; school staff)"
    )
    date_of_birth_shown: bool | None = Field(
        default=None, description="The person's own consent to show their date of birth on their statements"
    )


class PersonOut(_Out):
    id: int
    organisation_id: int
    given_name: str
    family_name: str
    email: str | None
    phone: str = ""
    learner_number: str | None = None
    role: Role
    job_title: str
    date_of_birth: dt.date | None = None
    language: str | None = None
    recognition_committee: bool = False
    date_of_birth_shown: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class PersonSummary(_Out):
    id: int
    given_name: str
    family_name: str
    role: Role


class OrganisationSummary(_Out):
    id: int
    name: str
    country: str


class _MobilityFields(_In):
    start_date: dt.date
    end_date: dt.date
    programme: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = "Erasmus+"
    project_reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = Field(
        default="", examples=["2026-1-LV01-KA121-VET-000123456"]
    )
    qualification: ShortTexts = {}
    vet_programme: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = Field(
        default="", description="The learner's VET programme (its code): its modules recognise the results"
    )
    eqf_level: EqfLevel = None
    working_language: LanguageCode = "en"
    objective: LongTexts = {}
    tasks: LongTexts = {}
    group_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    report_every_days: int = Field(
        default=7, ge=0, le=60, description="How often the learner and the mentor each report progress (0 = never)"
    )


class MobilityCreate(_MobilityFields):
    learner_id: int
    sending_organisation_id: int
    host_organisation_id: int
    coordinator_id: int | None = None
    mentor_id: int | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> MobilityCreate:
        if self.end_date <= self.start_date:
            raise InvalidValue("the end date must be after the start date")
        if self.sending_organisation_id == self.host_organisation_id:
            raise InvalidValue("the host organisation must differ from the sending organisation")
        return self


class MobilityUpdate(_In):
    start_date: dt.date | Omitted = None
    end_date: dt.date | Omitted = None
    host_organisation_id: int | Omitted = Field(default=None, description="A new host also needs its mentor")
    mentor_id: int | None = None
    coordinator_id: int | None = None
    programme: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | Omitted = None
    project_reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | Omitted = None
    qualification: ShortTexts | Omitted = None
    vet_programme: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | Omitted = None
    eqf_level: EqfLevel = None
    working_language: LanguageCode | Omitted = None
    objective: LongTexts | Omitted = None
    tasks: LongTexts | Omitted = None
    group_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | Omitted = None
    report_every_days: Annotated[int, Field(ge=0, le=60)] | Omitted = None


class MobilityOut(_Out):
    id: int
    learner: PersonSummary
    sending_organisation: OrganisationSummary
    host_organisation: OrganisationSummary
    coordinator: PersonSummary | None
    mentor: PersonSummary | None
    start_date: dt.date
    end_date: dt.date
    programme: str
    project_reference: str
    qualification: dict[str, str]
    vet_programme: str
    eqf_level: int | None
    working_language: str
    objective: dict[str, str]
    tasks: dict[str, str]
    group_name: str
    report_every_days: int


class ProgressReportIn(_In):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)] = Field(
        description="What was done since the last report, what went well, what was difficult"
    )
    period: Annotated[int, Field(ge=1, le=1000)] | Omitted = Field(
        default=None,
        description="A past reporting period this report is filed for (it counts for it, marked late); "
        "default: the period it is written in",
    )


class ProgressReportOut(_Out):
    id: int
    author: PersonSummary
    author_role: Role
    text: str
    written_at: dt.datetime
    for_period: int | None = Field(default=None, description="The past period it was filed for, late")
    language: str = Field(default="", description="The language the text was written in ('' = not known)")


class PeriodOut(BaseModel):
    number: int
    start: dt.date
    end: dt.date
    status: str = Field(
        description="received, received_late (filed later for this period), late, or due (the current period)"
    )
    reports: int


class ReporterOut(BaseModel):
    role: Role = Field(description="learner or mentor")
    person: PersonSummary | None
    periods: list[PeriodOut]
    late: int
    missing: list[int] = Field(default=[], description="The past periods without a report: each can still be filed")


class ProgressOut(BaseModel):
    mobility_id: int
    report_every_days: int
    reporters: list[ReporterOut]
    reports: list[ProgressReportOut] = Field(description="Newest first")
