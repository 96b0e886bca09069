"""Import a group of learners and their mobilities from a spreadsheet: CSV (comma, semicolon or tab) or XLSX, with
column names or headers in words (Latvian or English, ``import_columns.yaml``), countries by code or name.

All or nothing: every row is checked first; if any row is wrong the answer lists each problem with its row
number and nothing is written. Importing the same file again changes nothing: what is stored already is
recognised and only what the file changes is updated (a blank cell never clears a stored value).

- A learner is the school's learner with the row's learner number, else with its e-mail, else the one learner
  of that name (and date of birth) who has no other number or e-mail.
- A host is the school's host organisation of that name and country; its mentor is the person there with the
  row's mentor e-mail, else the one mentor of that name: an existing mentor account is linked, not copied.
- A mobility is the learner's mobility from this school whose dates overlap the row's (a learner is on one
  placement at a time).

A dry run does all of it in a transaction that is rolled back, and answers what would be created, updated or
left unchanged.

Texts held per language take one column per language: ``qualification_lv``, ``qualification_en``,
``objective_it``, ``tasks_en`` …; a column without a language suffix (``tasks``) is in the working language.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    ValidationError,
    model_validator,
)
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.access.permissions import Action as Permission
from digcomp.access.permissions import require_allowed
from digcomp.audit import log as audit
from digcomp.errors import Conflict, Invalid, InvalidValue, Phrase, Term, problem
from digcomp.i18n import EU_LANGUAGES, country_from_name, language_code
from digcomp.mobility import service
from digcomp.mobility.schemas import (
    CountryCode,
    EqfLevel,
    LanguageCode,
    MobilityCreate,
    MobilityUpdate,
    OrganisationCreate,
    OrganisationUpdate,
    PersonCreate,
    PersonUpdate,
)
from digcomp.mobility.service import snapshot
from digcomp.names import PersonName, clean_name
from digcomp.resources import read_yaml
from digcomp.store.models import Certificate, Mobility, Organisation, OrganisationKind, Person, Role
from digcomp.tables import header_key, read_rows

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
    "learner_number",
    "learner_date_of_birth",
    "host_address",
    "mentor_given_name",
    "mentor_family_name",
    "mentor_email",
    "coordinator_email",
    "programme",
    "project_reference",
    "vet_programme",
    "qualification",
    "eqf_level",
    "objective",
    "working_language",
    "group_name",
    "tasks",
)
PER_LANGUAGE = ("qualification", "objective", "tasks")
LANGUAGE_SUFFIXES = EU_LANGUAGES  # "tasks it", "Tasks (IT)" …


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

    learner_given_name: PersonName
    learner_family_name: PersonName
    learner_email: OptionalEmail = None
    learner_number: Annotated[str | None, BeforeValidator(_blank_to_none), Field(max_length=50)] = None
    learner_date_of_birth: OptionalDate = None
    sending_organisation: str = Field(min_length=1, max_length=200)
    sending_country: Annotated[CountryCode, BeforeValidator(country_from_name)]
    host_organisation: str = Field(min_length=1, max_length=200)
    host_country: Annotated[CountryCode, BeforeValidator(country_from_name)]
    host_address: str = ""
    mentor_given_name: Annotated[str, AfterValidator(clean_name)] = ""
    mentor_family_name: Annotated[str, AfterValidator(clean_name)] = ""
    mentor_email: OptionalEmail = None
    coordinator_email: OptionalEmail = None
    start_date: Date
    end_date: Date
    programme: str = ""
    project_reference: str = Field(default="", max_length=100)
    vet_programme: str = Field(default="", max_length=50)
    qualification: dict[str, Annotated[str, Field(max_length=400)]] = {}
    eqf_level: Annotated[EqfLevel, BeforeValidator(_blank_to_none)] = None
    objective: dict[str, Annotated[str, Field(max_length=10_000)]] = {}
    working_language: Annotated[LanguageCode | None, BeforeValidator(_blank_to_none)] = None
    group_name: str = Field(default="", max_length=100)
    tasks: dict[str, Annotated[str, Field(max_length=10_000)]] = {}

    @model_validator(mode="after")
    def _consistent(self) -> ImportRow:
        if self.end_date <= self.start_date:
            raise InvalidValue("the end date must be after the start date")
        if bool(self.mentor_given_name) != bool(self.mentor_family_name):
            raise InvalidValue("give both mentor_given_name and mentor_family_name, or neither")
        return self


class Action(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"


class RowOutcome(BaseModel):
    """What one row did (or, in a dry run, would do) to each record it describes."""

    row: int
    learner: str
    learner_action: Action
    host_action: Action
    mentor_action: Action | None = None
    mobility_action: Action
    mobility_id: int | None = Field(description="None in a dry run for a mobility that would be created")
    changes: list[str] = Field(
        description="The fields an update changes, as record.field", examples=[["mobility.end_date"]]
    )
    reissue: str | None = Field(
        default=None, description="The issued statement the change marks to be issued again (confirmed imports only)"
    )


class ImportResult(BaseModel):
    dry_run: bool = False
    created: int = Field(description="Mobilities created")
    updated: int = Field(description="Mobilities (or their learner, host or mentor) updated")
    unchanged: int = Field(description="Rows that matched what is stored already")
    mobility_ids: list[int]
    rows: list[RowOutcome]


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


TEMPLATE_EXAMPLE = {
    "learner_given_name": "Anna",
    "learner_family_name": "Ozola",
    "learner_email": "anna.ozola@example.lv",
    "learner_number": "2026-017",
    "learner_date_of_birth": "2007-05-14",
    "host_organisation": 'SIA "Kurzemes Viesnīca"',
    "host_country": "LV",
    "host_address": "Lielā iela 1, Kuldīga",
    "mentor_given_name": "Ilze",
    "mentor_family_name": "Kalniņa",
    "mentor_email": "ilze@kurzemes-viesnica.example",
    "start_date": "2026-03-02",
    "end_date": "2026-05-29",
    "programme": "Erasmus+",
    "project_reference": "2026-1-LV01-KA121-VET-000000001",
    "eqf_level": "4",
    "working_language": "en",
    "group_name": "V-23",
    "qualification_lv": "Viesmīlības pakalpojumu speciālists",
    "qualification_en": "Hospitality services specialist",
    "tasks_lv": "Viesu reģistrācija; atbildes viesiem, e-pasti, rezervācijas",
    "tasks_en": "Guest check-in; answering guests, e-mails, bookings",
}


def template(school: Organisation, kind: str) -> bytes:
    """A file to fill in, with every column and one example row (the school's own name and country in it): CSV
    (comma, UTF-8 with a byte order mark so spreadsheet programs read the letters) or XLSX."""
    example = {"sending_organisation": school.name, "sending_country": school.country, **TEMPLATE_EXAMPLE}
    columns = [*REQUIRED_COLUMNS[:2], *OPTIONAL_COLUMNS[:3], *REQUIRED_COLUMNS[2:]] + [
        c for c in TEMPLATE_EXAMPLE if c not in REQUIRED_COLUMNS and c not in OPTIONAL_COLUMNS[:3]
    ]
    columns = list(dict.fromkeys(columns))
    row = [str(example.get(column, "")) for column in columns]
    if kind == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "mobilities"
        sheet.append(columns)
        sheet.append(row)
        for cell in sheet[2]:
            cell.number_format = "@"  # text, so dates and numbers stay as typed
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerows([columns, row])
    return ("\ufeff" + text.getvalue()).encode("utf-8")


@cache
def header_aliases() -> dict[str, str]:
    """Header keys (``tables.header_key``) of the words schools write, to column names; a per-language text column
    keeps its language suffix ("Uzdevumi (lv)" → "tasks_lv")."""
    words = read_yaml(Path(__file__).with_name("import_columns.yaml"))
    aliases = {header_key(column): column for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    for column, languages in words.items():
        for word in (w for ws in languages.values() for w in ws):
            aliases[header_key(word)] = column
            if column in PER_LANGUAGE:
                for language in LANGUAGE_SUFFIXES:
                    aliases[header_key(f"{word} {language}")] = f"{column}_{language}"
    return aliases


def parse(content: bytes, delimiter: str | None = None) -> list[ImportRow]:
    """Check the whole file (CSV or XLSX); raise ``Invalid`` listing every problem with its row number (header =
    row 1). ``delimiter``: comma, semicolon or tab, when the user names it; else decided from the whole file."""
    return read_rows(
        content,
        REQUIRED_COLUMNS,
        lambda raw: ImportRow.model_validate(_per_language(raw)),
        aliases=header_aliases(),
        delimiter=delimiter,
    )


def apply(
    session: Session, actor: Actor, rows: list[ImportRow], first_row: int = 2, *, confirm_issued: bool = False
) -> ImportResult:
    """Create or update what the rows describe in the caller's transaction (rolled back as a whole on any error)."""
    require_allowed(actor, Permission.plan)
    school = session.get_one(Organisation, actor.organisation_id)
    directory = _Directory(session, school.id)
    imports: list[_RowImport] = []
    for number, row in enumerate(rows, start=first_row):
        with _row_errors(number):
            if row.sending_organisation.casefold() != school.name.casefold() or row.sending_country != school.country:
                raise Invalid(
                    "sending_organisation '{given}' is not your school ('{school}')",
                    given=row.sending_organisation,
                    school=school.name,
                )
            imports.append(_RowImport(session, actor, school.id, row, directory, confirm_issued))
            imports[-1].people()
    # People first, all together: their mobilities need their ids, then the mobilities, all together.
    _write_created(session, actor, directory)
    for number, row_import in enumerate(imports, start=first_row):
        with _row_errors(number):
            row_import.mobility()
    _write_created(session, actor, directory)
    return _summary([row_import.outcome(number) for number, row_import in enumerate(imports, start=first_row)])


@contextlib.contextmanager
def _row_errors(number: int) -> Iterator[None]:
    """A row's problems, said with its number; the import is rolled back as a whole."""
    try:
        try:
            yield
        except ValidationError as exc:
            problems = [
                problem([str(p) for p in e["loc"]], str(e["msg"]).removeprefix("Value error, ")) for e in exc.errors()
            ]
            raise Invalid("{problem}", problems, problem=problems[0]["msg"]) from None
    except Invalid as exc:
        details = exc.errors or [{"msg": exc.message, "template": exc.template, "params": exc.params}]
        raise Invalid(
            "row {row}: {problem}; nothing was imported",
            [{"row": number, **d} for d in details],
            row=number,
            problem=Phrase(exc.template, **exc.params),
        ) from None


def _write_created(session: Session, actor: Actor, directory: _Directory) -> None:
    """Insert the records the rows added in one flush (batched statements) and audit each."""
    created, directory.created = directory.created, []
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            "someone added the same people or mobilities while the file was imported; import it again"
        ) from None
    audit.record_many(
        session,
        actor,
        [
            audit.Change("person.created", f"person:{record.id}", after=snapshot(record))
            if isinstance(record, Person)
            else audit.Change(
                "mobility.created", f"mobility:{record.id}", mobility_id=record.id, after=snapshot(record)
            )
            for record in created
        ],
    )


def _summary(outcomes: list[RowOutcome], dry_run: bool = False) -> ImportResult:
    def touched(o: RowOutcome) -> bool:
        return Action.updated in (o.learner_action, o.host_action, o.mentor_action, o.mobility_action)

    created = [o for o in outcomes if o.mobility_action is Action.created]
    updated = [o for o in outcomes if o.mobility_action is not Action.created and touched(o)]
    return ImportResult(
        dry_run=dry_run,
        created=len(created),
        updated=len(updated),
        unchanged=len(outcomes) - len(created) - len(updated),
        mobility_ids=list(dict.fromkeys(o.mobility_id for o in outcomes if o.mobility_id is not None)),
        rows=outcomes,
    )


def as_dry_run(result: ImportResult) -> ImportResult:
    """The answer of a rehearsal: ids of records that were rolled back mean nothing."""
    rows = [
        o.model_copy(update={"mobility_id": None}) if o.mobility_action is Action.created else o for o in result.rows
    ]
    return _summary(rows, dry_run=True)


def _changed(stored: object, values: dict[str, Any]) -> dict[str, Any]:
    """The given values that differ from the stored record's."""
    return {name: value for name, value in values.items() if getattr(stored, name) != value}


class _Directory:
    """What rows are matched against, read once per import (one query per kind) and kept up to date as rows add
    people, hosts and mobilities: looking each row up in the database cost the import 26 ms a row, growing with the
    school. Names are compared case aside in Python (SQLite's lower() folds only ASCII)."""

    def __init__(self, session: Session, school_id: int) -> None:
        hosts = select(Organisation.id).where(Organisation.registered_by_id == school_id)
        self.organisations: dict[tuple[str, str], Organisation] = {}
        for organisation in session.scalars(
            select(Organisation)
            .where(or_(Organisation.registered_by_id == school_id, Organisation.id == school_id))
            .order_by(Organisation.id)
        ):
            self.add_organisation(organisation)
        self.by_email: dict[tuple[int, str], Person] = {}
        self.by_number: dict[tuple[int, str], Person] = {}
        self.by_name: dict[tuple[int, Role, str, str], list[Person]] = {}
        self.host_emails: dict[str, Person] = {}
        self.school_id = school_id
        for person in session.scalars(
            select(Person)
            .where(or_(Person.organisation_id == school_id, Person.organisation_id.in_(hosts)))
            .order_by(Person.id)
        ):
            self.add_person(person)
        self.mobilities: dict[Person, list[Mobility]] = {}
        for mobility in session.scalars(select(Mobility).where(Mobility.sending_organisation_id == school_id)):
            self.mobilities.setdefault(mobility.learner, []).append(mobility)
        self.created: list[Person | Mobility] = []  # added to the session, written together at the end

    def add_organisation(self, organisation: Organisation) -> None:
        self.organisations.setdefault((organisation.country, organisation.name.casefold()), organisation)

    def add_person(self, person: Person) -> None:
        if person.email:
            self.by_email.setdefault((person.organisation_id, person.email.lower()), person)
            if person.organisation_id != self.school_id:
                self.host_emails.setdefault(person.email.lower(), person)
        if person.learner_number:
            self.by_number.setdefault((person.organisation_id, person.learner_number), person)
        if person.erased_at is None:
            key = (person.organisation_id, person.role, person.given_name.casefold(), person.family_name.casefold())
            self.by_name.setdefault(key, []).append(person)

    def person(self, organisation_id: int, email: str) -> Person | None:
        return self.by_email.get((organisation_id, email.lower()))

    def organisation(self, name: str, country: str) -> Organisation | None:
        return self.organisations.get((country, name.casefold()))


class _RowImport:
    """One row: find or create its learner, host, mentor and mobility, and update what the row changes."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        school_id: int,
        row: ImportRow,
        directory: _Directory,
        confirm_issued: bool = False,
    ) -> None:
        self.session, self.actor, self.school_id, self.row = session, actor, school_id, row
        self.directory = directory
        self.confirm_issued = confirm_issued
        self.changes: list[str] = []

    def people(self) -> None:
        """Find or add the row's learner, host and mentor."""
        with self.session.no_autoflush:
            self.learner, self.learner_action = self._learner()
            self.host, self.host_action = self._host()
            self.mentor: Person | None = None
            self.mentor_action: Action | None = None
            if self.row.mentor_given_name:
                self.mentor, self.mentor_action = self._mentor(self.host)

    def mobility(self) -> None:
        """Find or add the row's mobility, once its people are written."""
        with self.session.no_autoflush:
            self.found, self.mobility_action = self._mobility(self.learner, self.host, self.mentor)
            changed = self.changes and self.mobility_action is not Action.created
            self.reissue = self._mark_for_reissue(self.found) if changed else None

    def outcome(self, number: int) -> RowOutcome:
        """What the row did, once the records it added are written (and have their ids)."""
        return RowOutcome(
            row=number,
            learner=f"{self.row.learner_given_name} {self.row.learner_family_name}",
            learner_action=self.learner_action,
            host_action=self.host_action,
            mentor_action=self.mentor_action,
            mobility_action=self.mobility_action,
            mobility_id=self.found.id,
            changes=self.changes,
            reissue=self.reissue,
        )

    def _new_person(self, data: PersonCreate) -> Person:
        """A person the file adds (the row's checks stand for ``service.create_person``'s: a learner of the school,
        a mentor of the host, an e-mail nobody in the organisation has), written with the others at the end."""
        person = Person(**data.model_dump())
        self.session.add(person)
        self.directory.add_person(person)
        self.directory.created.append(person)
        return person

    def _update_person(self, person: Person, values: dict[str, Any], record: str) -> Action:
        changes = _changed(person, values)
        if not changes:
            return Action.unchanged
        service.update_person(self.session, self.actor, person, PersonUpdate(**changes))
        self.changes += [f"{record}.{name}" for name in changes]
        return Action.updated

    # --- learner

    def _mark_for_reissue(self, mobility: Mobility) -> str | None:
        """A statement in force says what the row changed: refused unless the user confirmed; then the statement is
        marked to be issued again (its id returned)."""
        issued = self.session.scalars(
            select(Certificate).where(Certificate.mobility_id == mobility.id, Certificate.revoked_at.is_(None))
        ).first()
        if issued is None:
            return None
        if not self.confirm_issued:
            raise Invalid(
                "the statement {ident} of this mobility is already issued and the row changes it ({changes}); "
                "confirm the import to change it, and the statement is marked to be issued again",
                ident=issued.id,
                changes=", ".join(self.changes),
            )
        issued.reissue_reason = f"changed by an import: {', '.join(self.changes)}"
        audit.record(
            self.session,
            self.actor,
            "certificate.reissue_requested",
            f"certificate:{issued.id}",
            mobility_id=mobility.id,
            after={"reissue_reason": issued.reissue_reason},
        )
        return issued.id

    def _learner(self) -> tuple[Person, Action]:
        row = self.row
        person, identified = self._known_learner()
        if person is None:
            data = PersonCreate(
                organisation_id=self.school_id,
                given_name=row.learner_given_name,
                family_name=row.learner_family_name,
                email=row.learner_email,
                learner_number=row.learner_number,
                role=Role.learner,
                date_of_birth=row.learner_date_of_birth,
            )
            return self._new_person(data), Action.created
        values: dict[str, Any] = {
            "email": row.learner_email,
            "learner_number": row.learner_number,
            "date_of_birth": row.learner_date_of_birth,
        }
        if identified:  # found by number or e-mail: the file may correct the spelling of the name
            values |= {"given_name": row.learner_given_name, "family_name": row.learner_family_name}
        given = {name: value for name, value in values.items() if value is not None}
        return person, self._update_person(person, given, "learner")

    def _known_learner(self) -> tuple[Person | None, bool]:
        """The stored learner the row is about, and whether a number or e-mail identified them."""
        row, school = self.row, self.school_id
        by_number = self.directory.by_number.get((school, row.learner_number)) if row.learner_number else None
        by_email = self.directory.person(school, row.learner_email) if row.learner_email else None
        if by_number and by_email and by_number.id != by_email.id:
            raise Invalid(
                "learner number {number} is {first}'s, but {email} is {second}'s",
                number=row.learner_number,
                first=_name(by_number),
                email=row.learner_email,
                second=_name(by_email),
            )
        found = by_number or by_email
        if found is not None:
            _expect_role(found, Role.learner, row.learner_email or row.learner_number or "")
            return found, True
        return self._one_by_name(
            school,
            Role.learner,
            row.learner_given_name,
            row.learner_family_name,
            compatible=lambda p: (
                (p.email is None or row.learner_email is None)
                and (p.learner_number is None or row.learner_number is None)
                and (p.date_of_birth is None or row.learner_date_of_birth in (None, p.date_of_birth))
            ),
            tell_apart="learner_number",
        ), False

    def _one_by_name(
        self,
        organisation_id: int,
        role: Role,
        given: str,
        family: str,
        compatible: Callable[[Person], bool],
        tell_apart: str,
    ) -> Person | None:
        """The one person of this role and name (case aside) that nothing tells apart from the row; None if there
        is none. Two such people are an error: the file must say which one it means."""
        named = self.directory.by_name.get((organisation_id, role, given.casefold(), family.casefold()), [])
        same = [p for p in named if p.erased_at is None and compatible(p)]
        if len(same) > 1:
            raise Invalid(
                "there are {count} people named {name}: add a {column} to say which one",
                count=len(same),
                name=f"{given} {family}",
                column=tell_apart,
            )
        return same[0] if same else None

    # --- host and mentor

    def _host(self) -> tuple[Organisation, Action]:
        row = self.row
        host = self.directory.organisation(row.host_organisation, row.host_country)
        if host is None:
            data = OrganisationCreate(
                name=row.host_organisation,
                kind=OrganisationKind.company,
                country=row.host_country,
                address=row.host_address,
            )
            created = service.create_organisation(self.session, self.actor, data)
            self.directory.add_organisation(created)
            return created, Action.created
        if host.kind is OrganisationKind.school:
            raise Invalid("'{name}' is a school, not a host organisation", name=host.name)
        changes = _changed(host, {"address": row.host_address} if row.host_address else {})
        if not changes:
            return host, Action.unchanged
        service.update_organisation(self.session, self.actor, host, OrganisationUpdate(**changes))
        self.changes += [f"host.{name}" for name in changes]
        return host, Action.updated

    def _mentor(self, host: Organisation) -> tuple[Person, Action]:
        row = self.row
        found = self.directory.person(host.id, row.mentor_email) if row.mentor_email else None
        if found is None and row.mentor_email:
            elsewhere = self.directory.host_emails.get(row.mentor_email.lower())
            if elsewhere is not None:
                raise Invalid(
                    "{email} is registered at {organisation}, not at {host}",
                    email=row.mentor_email,
                    organisation=elsewhere.organisation.name,
                    host=host.name,
                )
        if found is not None:
            _expect_role(found, Role.mentor, row.mentor_email or "")
            values = {"given_name": row.mentor_given_name, "family_name": row.mentor_family_name}
            return found, self._update_person(found, values, "mentor")
        same_name = self._one_by_name(
            host.id,
            Role.mentor,
            row.mentor_given_name,
            row.mentor_family_name,
            compatible=lambda p: p.email is None or row.mentor_email is None,
            tell_apart="mentor_email",
        )
        if same_name is not None:
            given = {"email": row.mentor_email} if row.mentor_email else {}
            return same_name, self._update_person(same_name, given, "mentor")
        data = PersonCreate(
            organisation_id=host.id,
            given_name=row.mentor_given_name,
            family_name=row.mentor_family_name,
            email=row.mentor_email,
            role=Role.mentor,
        )
        return self._new_person(data), Action.created

    # --- mobility

    def _coordinator(self) -> int | None:
        row = self.row
        if not row.coordinator_email:
            return None
        found = self.directory.person(self.school_id, row.coordinator_email)
        if found is None:
            raise Invalid(
                "no coordinator with e-mail {email} at {school}",
                email=row.coordinator_email,
                school=row.sending_organisation,
            )
        return found.id

    def _mobility(self, learner: Person, host: Organisation, mentor: Person | None) -> tuple[Mobility, Action]:
        row = self.row
        coordinator = self._coordinator()
        overlapping = [
            m
            for m in self.directory.mobilities.get(learner, [])
            if m.start_date < row.end_date and m.end_date > row.start_date
        ]
        if len(overlapping) > 1:
            raise Invalid(
                "{name} has {count} mobilities between {start} and {end}; correct them one by one",
                name=_name(learner),
                count=len(overlapping),
                start=row.start_date,
                end=row.end_date,
            )
        if not overlapping:
            data = MobilityCreate(
                learner_id=learner.id,
                sending_organisation_id=self.school_id,
                host_organisation_id=host.id,
                mentor_id=mentor.id if mentor else None,
                coordinator_id=coordinator,
                start_date=row.start_date,
                end_date=row.end_date,
                programme=row.programme or "Erasmus+",
                project_reference=row.project_reference,
                vet_programme=row.vet_programme,
                qualification=row.qualification,
                eqf_level=row.eqf_level,
                objective=row.objective,
                working_language=row.working_language or "en",
                group_name=row.group_name,
                tasks=row.tasks,
            )
            created = Mobility(**data.model_dump())  # the row's checks stand for ``service.create_mobility``'s
            self.session.add(created)
            self.directory.mobilities.setdefault(learner, []).append(created)
            self.directory.created.append(created)
            return created, Action.created
        mobility = overlapping[0]
        given: dict[str, Any] = {
            "start_date": row.start_date,
            "end_date": row.end_date,
            "host_organisation_id": host.id,
            "mentor_id": mentor.id if mentor else None,
            "coordinator_id": coordinator,
            "programme": row.programme,
            "project_reference": row.project_reference,
            "vet_programme": row.vet_programme,
            "eqf_level": row.eqf_level,
            "working_language": row.working_language,
            "group_name": row.group_name,
        }
        given = {name: value for name, value in given.items() if value not in (None, "")}
        for name in PER_LANGUAGE:
            given[name] = {**getattr(mobility, name), **getattr(row, name)}  # languages the file lacks are kept
        changes = _changed(mobility, given)
        if not changes:
            return mobility, Action.unchanged
        service.update_mobility(self.session, self.actor, mobility, MobilityUpdate(**changes))
        self.changes += [f"mobility.{name}" for name in changes]
        return mobility, Action.updated


def _name(person: Person) -> str:
    return f"{person.given_name} {person.family_name}"


def _expect_role(person: Person, role: Role, identifier: str) -> None:
    if person.role != role:
        raise Invalid(
            "{email} is already registered as a {actual}, not a {expected}",
            email=identifier,
            actual=Term(person.role.value),
            expected=Term(role.value),
        )
