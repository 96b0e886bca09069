"""Import a group of learners and their mobilities from a spreadsheet saved as CSV.

All or nothing: every row is checked first; if any row is wrong the answer lists each problem with its row
number and nothing is written. Organisations and people that already exist (same name and country; same
e-mail in the organisation) are reused.

Texts held per language take one column per language: ``qualification_lv``, ``qualification_en``,
``objective_it``, ``tasks_en`` …; a column without a language suffix (``tasks``) is in the working language.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor, require_planner
from digcomp.csvtable import read_rows
from digcomp.errors import Invalid, InvalidValue, Phrase, Term, problem
from digcomp.i18n import language_code
from digcomp.mobility import service
from digcomp.mobility.schemas import (
    CountryCode,
    EqfLevel,
    LanguageCode,
    MobilityCreate,
    OrganisationCreate,
    PersonCreate,
)
from digcomp.store.models import Mobility, Organisation, OrganisationKind, Role

REQUIRED_COLUMNS = (
    "learner_given_name",
    "learner_family_name",
    "sending_organisation",
    "sending_country",
    "host_organisation",
    "host_country",
    "start_date",
    "end_date",
)
OPTIONAL_COLUMNS = (
    "learner_email",
    "learner_date_of_birth",
    "host_address",
    "mentor_given_name",
    "mentor_family_name",
    "mentor_email",
    "coordinator_email",
    "programme",
    "project_reference",
    "qualification",
    "eqf_level",
    "objective",
    "working_language",
    "group_name",
    "tasks",
)
PER_LANGUAGE = ("qualification", "objective", "tasks")


def _date(value: Any) -> Any:
    """ISO dates (2026-03-01) and the day.month.year form Latvian spreadsheets use (01.03.2026)."""
    if isinstance(value, str) and value.count(".") == 2:
        day, month, year = value.strip().split(".")
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise InvalidValue("'{value}' is not a valid date", value=value) from None
    return value


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Date = Annotated[dt.date, BeforeValidator(_date)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(_blank_to_none), BeforeValidator(_date)]
OptionalEmail = Annotated[EmailStr | None, BeforeValidator(_blank_to_none)]


class ImportRow(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    learner_given_name: str = Field(min_length=1, max_length=100)
    learner_family_name: str = Field(min_length=1, max_length=100)
    learner_email: OptionalEmail = None
    learner_date_of_birth: OptionalDate = None
    sending_organisation: str = Field(min_length=1, max_length=200)
    sending_country: CountryCode
    host_organisation: str = Field(min_length=1, max_length=200)
    host_country: CountryCode
    host_address: str = ""
    mentor_given_name: str = ""
    mentor_family_name: str = ""
    mentor_email: OptionalEmail = None
    coordinator_email: OptionalEmail = None
    start_date: Date
    end_date: Date
    programme: str = "Erasmus+"
    project_reference: str = Field(default="", max_length=100)
    qualification: dict[str, Annotated[str, Field(max_length=400)]] = {}
    eqf_level: Annotated[EqfLevel, BeforeValidator(_blank_to_none)] = None
    objective: dict[str, Annotated[str, Field(max_length=10_000)]] = {}
    working_language: Annotated[LanguageCode, BeforeValidator(lambda v: v or "en")] = "en"
    group_name: str = Field(default="", max_length=100)
    tasks: dict[str, Annotated[str, Field(max_length=10_000)]] = {}

    @model_validator(mode="after")
    def _consistent(self) -> ImportRow:
        if self.end_date <= self.start_date:
            raise InvalidValue("the end date must be after the start date")
        if bool(self.mentor_given_name) != bool(self.mentor_family_name):
            raise InvalidValue("give both mentor_given_name and mentor_family_name, or neither")
        return self


class ImportResult(BaseModel):
    created: int
    mobility_ids: list[int]


def _per_language(raw: dict[str, Any]) -> dict[str, Any]:
    """Fold ``tasks``, ``tasks_lv``, ``tasks_en`` … into one language map per text."""
    row = {k: v for k, v in raw.items() if (k and k.split("_")[0] not in PER_LANGUAGE) or k in REQUIRED_COLUMNS}
    working = (raw.get("working_language") or "en").strip().lower() or "en"
    for name in PER_LANGUAGE:
        texts: dict[str, str] = {}
        for column, value in raw.items():
            if not column or not isinstance(value, str) or not value.strip():
                continue
            if column == name:
                texts.setdefault(working, value.strip())
            elif column.startswith(f"{name}_"):
                texts[language_code(column.removeprefix(f"{name}_"))] = value.strip()
        row[name] = texts
    return row


def parse(content: bytes) -> list[ImportRow]:
    """Check the whole file; raise ``Invalid`` listing every problem with its row number (header = row 1)."""
    return read_rows(content, REQUIRED_COLUMNS, lambda raw: ImportRow.model_validate(_per_language(raw)))


def apply(session: Session, actor: Actor, rows: list[ImportRow], first_row: int = 2) -> ImportResult:
    """Create what the rows describe in the caller's transaction (rolled back as a whole on any error)."""
    require_planner(actor)
    school = session.get_one(Organisation, actor.organisation_id)
    created: list[Mobility] = []
    for offset, row in enumerate(rows):
        try:
            if row.sending_organisation.casefold() != school.name.casefold() or row.sending_country != school.country:
                raise Invalid(
                    "sending_organisation '{given}' is not your school ('{school}')",
                    given=row.sending_organisation,
                    school=school.name,
                )
            try:
                created.append(_create(session, actor, school.id, row))
            except ValidationError as exc:
                problems = [
                    problem([str(p) for p in e["loc"]], str(e["msg"]).removeprefix("Value error, "))
                    for e in exc.errors()
                ]
                raise Invalid("{problem}", problems, problem=problems[0]["msg"]) from None
        except Invalid as exc:
            details = exc.errors or [{"msg": exc.message, "template": exc.template, "params": exc.params}]
            raise Invalid(
                "row {row}: {problem}; nothing was imported",
                [{"row": first_row + offset, **d} for d in details],
                row=first_row + offset,
                problem=Phrase(exc.template, **exc.params),
            ) from None
    return ImportResult(created=len(created), mobility_ids=[m.id for m in created])


def _host(session: Session, actor: Actor, name: str, country: str, address: str = "") -> int:
    existing = service.find_organisation(session, actor.organisation_id, name, country)
    if existing:
        return existing.id
    data = OrganisationCreate(name=name, kind=OrganisationKind.company, country=country, address=address)
    return service.create_organisation(session, actor, data).id


def _person(
    session: Session,
    actor: Actor,
    organisation_id: int,
    given: str,
    family: str,
    email: str | None,
    role: Role,
    **extra: Any,
) -> int:
    if email:
        existing = service.find_person(session, organisation_id, email)
        if existing:
            if existing.role != role:
                raise Invalid(
                    "{email} is already registered as a {actual}, not a {expected}",
                    email=email,
                    actual=Term(existing.role.value),
                    expected=Term(role.value),
                )
            return existing.id
    data = PersonCreate(
        organisation_id=organisation_id, given_name=given, family_name=family, email=email, role=role, **extra
    )
    return service.create_person(session, actor, data).id


def _create(session: Session, actor: Actor, sending: int, row: ImportRow) -> Mobility:
    host = _host(session, actor, row.host_organisation, row.host_country, row.host_address)
    learner = _person(
        session,
        actor,
        sending,
        row.learner_given_name,
        row.learner_family_name,
        row.learner_email,
        Role.learner,
        date_of_birth=row.learner_date_of_birth,
    )
    mentor = (
        _person(session, actor, host, row.mentor_given_name, row.mentor_family_name, row.mentor_email, Role.mentor)
        if row.mentor_given_name
        else None
    )
    coordinator = None
    if row.coordinator_email:
        found = service.find_person(session, sending, row.coordinator_email)
        if found is None:
            raise Invalid(
                "no coordinator with e-mail {email} at {school}",
                email=row.coordinator_email,
                school=row.sending_organisation,
            )
        coordinator = found.id
    data = MobilityCreate(
        learner_id=learner,
        sending_organisation_id=sending,
        host_organisation_id=host,
        mentor_id=mentor,
        coordinator_id=coordinator,
        start_date=row.start_date,
        end_date=row.end_date,
        programme=row.programme or "Erasmus+",
        project_reference=row.project_reference,
        qualification=row.qualification,
        eqf_level=row.eqf_level,
        objective=row.objective,
        working_language=row.working_language,
        group_name=row.group_name,
        tasks=row.tasks,
    )
    return service.create_mobility(session, actor, data)
