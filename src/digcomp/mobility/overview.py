"""A coordinator's view of the school's mobilities: for each learner the plan, assessment, recognition and
certificate, what is missing and how many days are left; filtered, searched and sorted; and the results of a group,
one line per planned competence, for the school's report.

``status_of`` derives a row's state from plain facts; ``overview`` gathers the facts of many mobilities in one
query per kind of record, whatever the number of mobilities."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import weakref
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Engine, Select, String, cast, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from digcomp.access.actor import Actor
from digcomp.mail.reminders import missing_ratings
from digcomp.mobility.service import visible_mobilities
from digcomp.plans.rules import missing_confirmations
from digcomp.store.models import (
    AuditChain,
    Certificate,
    ChangeRequest,
    Confirmation,
    Mobility,
    Organisation,
    Outcome,
    OutcomeCompetence,
    Person,
    Plan,
    PlanStatus,
    PlanVersion,
    Rating,
    Recognition,
    ResultStatus,
    Role,
    SelfAssessment,
    Validation,
)

ENDING_SOON_DAYS = 14
Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


class PlanState(StrEnum):
    none = "none"
    draft = "draft"  # written, not yet confirmed by everyone
    agreed = "agreed"


class AssessmentState(StrEnum):
    not_started = "not_started"  # no agreed plan yet
    in_progress = "in_progress"
    validated = "validated"


class RecognitionState(StrEnum):
    not_due = "not_due"  # nothing validated yet
    pending = "pending"
    recognised = "recognised"


class Missing(StrEnum):
    mentor = "mentor"
    change_request = "change_request"  # the mentor or the learner asked for a change: the coordinator answers
    plan = "plan"
    confirmations = "confirmations"
    ratings = "ratings"
    validation = "validation"
    recognition = "recognition"
    certificate = "certificate"


class MissingItem(BaseModel):
    what: Missing
    count: int | None = Field(default=None, description="For ratings: competences nobody has rated yet")
    roles: list[Role] = Field(
        default=[],
        description="For confirmations: who has not confirmed the plan; for a change request: who asked for it",
    )


class Show(StrEnum):
    all = "all"
    missing = "missing"  # something is missing
    overdue = "overdue"  # ended, not validated
    ending = "ending"  # ends within two weeks, not validated
    done = "done"  # certificate in force


class SortKey(StrEnum):
    learner = "learner"
    group = "group"
    host = "host"
    end_date = "end_date"
    plan = "plan"
    assessment = "assessment"
    certificate = "certificate"
    missing = "missing"


class OverviewFilter(BaseModel):
    group: str | None = Field(default=None, max_length=100, description="Only this group")
    coordinator_id: int | None = Field(default=None, description="Only this coordinator's learners")
    q: str | None = Field(
        default=None,
        max_length=200,
        description="Search: learner, learner number, group, host, mentor or certificate id (accents optional)",
    )
    show: Show = Show.all
    sort: SortKey = SortKey.end_date
    descending: bool = False


@dataclass(frozen=True)
class Facts:
    """What is stored about one mobility's progress."""

    end_date: dt.date
    has_mentor: bool
    versions: Sequence[PlanStatus] = ()  # oldest first
    draft_outcomes: int = 0  # outcomes in the newest version, if it is a draft
    confirmed: frozenset[Role] = frozenset()  # who confirmed the newest version
    change_requested: frozenset[Role] = frozenset()  # who asked for a change not answered yet
    unrated: int = 0
    validated: bool = False
    recognised: bool = False
    certificate: str | None = None

    @property
    def own(self) -> tuple[dt.date, bool]:
        """The facts read from the mobility's own row."""
        return self.end_date, self.has_mentor


@dataclass(frozen=True)
class State:
    plan: PlanState
    assessment: AssessmentState
    recognition: RecognitionState
    missing: list[MissingItem] = field(default_factory=list)
    overdue: bool = False
    days_to_end: int = 0


def status_of(facts: Facts, today: dt.date) -> State:
    """Where a mobility stands and what it still needs, in the order the stages come."""
    agreed = PlanStatus.agreed in facts.versions or PlanStatus.superseded in facts.versions
    plan = PlanState.agreed if agreed else (PlanState.draft if facts.versions else PlanState.none)
    missing: list[MissingItem] = []
    if not facts.has_mentor:
        missing.append(MissingItem(what=Missing.mentor))
    newest_is_draft = bool(facts.versions) and facts.versions[-1] is PlanStatus.draft
    if facts.change_requested:
        missing.append(MissingItem(what=Missing.change_request, roles=sorted(facts.change_requested)))
    if plan is PlanState.none or (plan is PlanState.draft and not facts.draft_outcomes):
        missing.append(MissingItem(what=Missing.plan))
    elif newest_is_draft and facts.draft_outcomes and not facts.change_requested:  # a first plan, or a revision
        missing.append(MissingItem(what=Missing.confirmations, roles=missing_confirmations(facts.confirmed)))
    if facts.validated:
        assessment = AssessmentState.validated
        recognition = RecognitionState.recognised if facts.recognised else RecognitionState.pending
        if not facts.recognised:
            missing.append(MissingItem(what=Missing.recognition))
        if facts.certificate is None:
            missing.append(MissingItem(what=Missing.certificate))
    else:
        assessment = AssessmentState.in_progress if agreed else AssessmentState.not_started
        recognition = RecognitionState.not_due
        if agreed and facts.unrated:
            missing.append(MissingItem(what=Missing.ratings, count=facts.unrated))
        elif agreed:
            missing.append(MissingItem(what=Missing.validation))
    days = (facts.end_date - today).days
    return State(plan, assessment, recognition, missing, overdue=days < 0 and not facts.validated, days_to_end=days)


class OverviewRow(BaseModel):
    mobility_id: int
    learner_id: int
    learner: str
    learner_number: str | None
    group_name: str
    coordinator_id: int | None
    coordinator: str | None
    host: str
    host_country: str
    mentor: str | None
    start_date: dt.date
    end_date: dt.date
    days_to_end: int = Field(description="Days until the placement ends; negative once it has ended")
    overdue: bool = Field(description="Ended and not validated")
    plan: PlanState
    assessment: AssessmentState
    recognition: RecognitionState
    certificate: str | None = Field(description="The certificate in force")
    missing: list[MissingItem]


_ACCENTS = re.compile(r"[\u0300-\u036f]")  # the combining diacritical marks a decomposed Latin letter carries


def _folded(text: str) -> str:
    """Lower case without accents: 'berzins' finds 'Bērziņš'."""
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text.casefold()))


def _matches(row: OverviewRow, needle: str) -> bool:
    haystack = [
        row.learner,
        row.learner_number or "",
        row.group_name,
        row.host,
        row.mentor or "",
        row.certificate or "",
    ]
    return any(needle in _folded(text) for text in haystack)


def _shown(row: OverviewRow, show: Show) -> bool:
    if show is Show.missing:
        return bool(row.missing)
    if show is Show.overdue:
        return row.overdue
    if show is Show.ending:
        return 0 <= row.days_to_end <= ENDING_SOON_DAYS and row.assessment is not AssessmentState.validated
    if show is Show.done:
        return row.certificate is not None
    return True


STAGE_ORDER = {state: n for n, state in enumerate([*PlanState, *AssessmentState])}


_SORT_VALUES: dict[SortKey, Callable[[OverviewRow], object]] = {
    SortKey.learner: lambda row: "",  # the learner is the tie-breaker of every order
    SortKey.group: lambda row: _folded(row.group_name),
    SortKey.host: lambda row: _folded(row.host),
    SortKey.end_date: lambda row: row.end_date,
    SortKey.plan: lambda row: STAGE_ORDER[row.plan],
    SortKey.assessment: lambda row: STAGE_ORDER[row.assessment],
    SortKey.certificate: lambda row: row.certificate or "",
    SortKey.missing: lambda row: len(row.missing),
}


def _sort_key(row: OverviewRow, key: SortKey) -> tuple[object, ...]:
    return (_SORT_VALUES[key](row), _folded(row.learner), row.mobility_id)


def _conditions(actor: Actor, filters: OverviewFilter) -> list[ColumnElement[bool]]:
    """Which mobilities the overview shows, as conditions on ``Mobility`` (the queries join it: at national scale
    ``IN (subquery)`` made PostgreSQL scan every school's rows)."""
    conditions = [visible_mobilities(actor)]
    if filters.group:
        conditions.append(Mobility.group_name == filters.group)
    if filters.coordinator_id is not None:
        conditions.append(Mobility.coordinator_id == filters.coordinator_id)
    return conditions


def _joined(query: Query, column: InstrumentedAttribute[int], conditions: list[ColumnElement[bool]]) -> Query:
    """``query`` limited to the overview's mobilities, ``column`` holding the mobility's id."""
    return query.join(Mobility, Mobility.id == column).where(*conditions)


def _name(given: str | None, family: str | None) -> str | None:
    return f"{given} {family}" if given is not None else None


# Made once: an alias of a wide table costs ~2 ms to build, and each overview needed four.
_LEARNER, _COORDINATOR, _MENTOR = (aliased(Person, name=name) for name in ("learner", "coordinator", "mentor"))
_HOST = aliased(Organisation, name="host")


def overview(session: Session, actor: Actor, filters: OverviewFilter, today: dt.date) -> list[OverviewRow]:
    """The rows, read as columns (not records with their people and organisations): at national scale the
    records cost more to build than the database takes to find them."""
    conditions = _conditions(actor, filters)
    learner, coordinator, mentor, host = _LEARNER, _COORDINATOR, _MENTOR, _HOST
    found = session.execute(
        select(
            AuditChain.last_seq,
            Mobility.id,
            Mobility.learner_id,
            Mobility.group_name,
            Mobility.coordinator_id,
            Mobility.mentor_id,
            Mobility.start_date,
            Mobility.end_date,
            learner.given_name.label("learner_given"),
            learner.family_name.label("learner_family"),
            learner.learner_number,
            coordinator.given_name.label("coordinator_given"),
            coordinator.family_name.label("coordinator_family"),
            mentor.given_name.label("mentor_given"),
            mentor.family_name.label("mentor_family"),
            host.name.label("host"),
            host.country.label("host_country"),
        )
        .join(learner, learner.id == Mobility.learner_id)
        .join(host, host.id == Mobility.host_organisation_id)
        .outerjoin(coordinator, coordinator.id == Mobility.coordinator_id)
        .outerjoin(mentor, mentor.id == Mobility.mentor_id)
        .outerjoin(AuditChain, AuditChain.chain == literal("mobility:") + cast(Mobility.id, String))
        .where(*conditions)
    ).all()
    facts = _known_facts(session, conditions, found)
    rows = []
    for m in found:
        state = status_of(facts[m.id], today)
        rows.append(
            OverviewRow(
                mobility_id=m.id,
                learner_id=m.learner_id,
                learner=_name(m.learner_given, m.learner_family) or "",
                learner_number=m.learner_number,
                group_name=m.group_name,
                coordinator_id=m.coordinator_id,
                coordinator=_name(m.coordinator_given, m.coordinator_family),
                host=m.host,
                host_country=m.host_country,
                mentor=_name(m.mentor_given, m.mentor_family),
                start_date=m.start_date,
                end_date=m.end_date,
                days_to_end=state.days_to_end,
                overdue=state.overdue,
                plan=state.plan,
                assessment=state.assessment,
                recognition=state.recognition,
                certificate=facts[m.id].certificate,
                missing=state.missing,
            )
        )
    needle = _folded(filters.q.strip()) if filters.q else ""
    rows = [r for r in rows if _shown(r, filters.show) and (not needle or _matches(r, needle))]
    return sorted(rows, key=lambda r: _sort_key(r, filters.sort), reverse=filters.descending)


# Per process and database: each mobility's facts, with the sequence number its audit chain's head had when they were
# read. Every change to a mobility's plan, assessment, validation, recognition or certificate appends to that chain in
# the change's own transaction, so an unmoved head means unchanged facts: an overview reads again only the mobilities
# whose head moved (at national scale the facts cost most of an overview, and most of a school's rows do not change
# between two looks). The head is read before the facts: a change committed in between makes the facts newer than
# the number kept, and they are read again next time, never the other way round.
_KNOWN: weakref.WeakKeyDictionary[Engine, dict[int, tuple[int | None, Facts]]] = weakref.WeakKeyDictionary()
KNOWN_LIMIT = 50_000  # mobilities kept per process (a few MB); past it the cache starts again


def _known_facts(session: Session, conditions: list[ColumnElement[bool]], found: Sequence[Any]) -> dict[int, Facts]:
    bind = session.get_bind()
    known = _KNOWN.setdefault(bind if isinstance(bind, Engine) else bind.engine, {})
    if len(known) > KNOWN_LIMIT:
        known.clear()
    facts: dict[int, Facts] = {}
    stale: dict[int, tuple[dt.date, bool]] = {}
    for m in found:
        kept = known.get(m.id)
        own = (m.end_date, m.mentor_id is not None)  # read with the row: a correction shows at once
        if kept is not None and m.last_seq is not None and kept[0] == m.last_seq and kept[1].own == own:
            facts[m.id] = kept[1]
        else:
            stale[m.id] = own
    if stale:
        some: list[ColumnElement[bool]] = [Mobility.id.in_(list(stale))]
        read_again = conditions if len(stale) == len(found) else some
        fresh = _facts(session, read_again, stale)
        heads = {m.id: m.last_seq for m in found}
        for mobility_id, fact in fresh.items():
            known[mobility_id] = (heads[mobility_id], fact)
        facts |= fresh
    return facts


def _facts(
    session: Session, conditions: list[ColumnElement[bool]], mobilities: dict[int, tuple[dt.date, bool]]
) -> dict[int, Facts]:
    """The progress facts of each mobility (its end date and whether it has a mentor given), read with one query
    per kind of record; ``conditions`` select the mobilities in the database."""
    versions: dict[int, list[tuple[int, PlanStatus]]] = defaultdict(list)
    for mobility_id, version_id, status in session.execute(
        _joined(
            select(Plan.mobility_id, PlanVersion.id, PlanVersion.status).join(
                PlanVersion, PlanVersion.plan_id == Plan.id
            ),
            Plan.mobility_id,
            conditions,
        ).order_by(PlanVersion.number)
    ):
        versions[mobility_id].append((version_id, status))
    newest = {mobility_id: found[-1][0] for mobility_id, found in versions.items()}
    version_ids = _joined(
        select(PlanVersion.id).join(Plan, Plan.id == PlanVersion.plan_id), Plan.mobility_id, conditions
    )
    outcomes: dict[int, int] = defaultdict(int)
    for version_id, count in session.execute(
        select(Outcome.version_id, func.count()).where(Outcome.version_id.in_(version_ids)).group_by(Outcome.version_id)
    ):
        outcomes[version_id] = count
    confirmed: dict[int, set[Role]] = defaultdict(set)
    for version_id, role in session.execute(
        select(Confirmation.version_id, Confirmation.role).where(Confirmation.version_id.in_(version_ids))
    ):
        confirmed[version_id].add(role)
    requested: dict[int, set[Role]] = defaultdict(set)
    for version_id, role in session.execute(
        select(ChangeRequest.version_id, ChangeRequest.role).where(
            ChangeRequest.version_id.in_(version_ids), ChangeRequest.answered_at.is_(None)
        )
    ):
        requested[version_id].add(role)
    in_force = Validation.reopened_at.is_(None)
    validations = dict(
        session.execute(
            _joined(select(Validation.mobility_id, Validation.id), Validation.mobility_id, conditions).where(in_force)
        ).all()
    )
    recognised = set(
        session.scalars(
            _joined(
                select(Recognition.validation_id).join(Validation, Validation.id == Recognition.validation_id),
                Validation.mobility_id,
                conditions,
            ).where(in_force)
        )
    )
    certificates = dict(
        session.execute(
            _joined(select(Certificate.mobility_id, Certificate.id), Certificate.mobility_id, conditions).where(
                Certificate.revoked_at.is_(None)
            )
        ).all()
    )
    unrated = missing_ratings(session, conditions)
    facts = {}
    for mobility_id, (end_date, has_mentor) in mobilities.items():
        version = newest.get(mobility_id)
        statuses = [status for _, status in versions.get(mobility_id, [])]
        draft = bool(statuses) and statuses[-1] is PlanStatus.draft
        facts[mobility_id] = Facts(
            end_date=end_date,
            has_mentor=has_mentor,
            versions=statuses,
            draft_outcomes=outcomes[version] if draft and version is not None else 0,
            confirmed=frozenset(confirmed[version]) if version is not None else frozenset(),
            change_requested=frozenset(requested[version]) if version is not None else frozenset(),
            unrated=unrated.get(mobility_id, 0),
            validated=mobility_id in validations,
            recognised=validations.get(mobility_id) in recognised,
            certificate=certificates.get(mobility_id),
        )
    return facts


# --- the group's results ------------------------------------------------------------------------------------------


class ResultLine(BaseModel):
    """One planned competence of one learner: the target, the growth the learner and the mentor saw, what was
    validated, and how it was recognised."""

    group_name: str
    learner: str
    learner_number: str | None
    host: str
    start_date: dt.date
    end_date: dt.date
    framework: str
    competence: str
    target_level: int
    self_before: int | None = Field(default=None, description="The learner's self-assessment before the placement")
    self_after: int | None = Field(default=None, description="… and after it")
    mentor_level: int | None = Field(default=None, description="The host mentor's rating")
    achieved_level: int | None
    result: ResultStatus | None = Field(description="None until the results are validated")
    target_reached: bool | None = Field(
        default=None, description="Validated at or above the target level (None until validated)"
    )
    module: str = Field(default="", description="The programme module that recognises the result (its code)")
    grade: str = ""
    hours: int | None = Field(default=None, description="The module's hours: counted once per mobility per module")
    credits: float | None = None
    recognised_on: dt.date | None = None
    certificate: str | None


@dataclass
class _Line:
    target_id: int
    framework: str
    competence: str
    target_level: int
    achieved_level: int | None = None
    result: ResultStatus | None = None
    result_id: int | None = None


def _targets(session: Session, ids: list[int]) -> dict[int, list[_Line]]:
    """Each mobility's competences: the validated results, else the targets of the agreed plan."""
    validated: dict[int, list[_Line]] = defaultdict(list)
    for validation in session.scalars(
        select(Validation).where(Validation.mobility_id.in_(ids), Validation.reopened_at.is_(None))
    ):
        for r in sorted(validation.results, key=lambda r: r.position):
            validated[validation.mobility_id].append(
                _Line(r.target_id, r.framework, r.competence, r.target_level, r.achieved_level, r.status, r.id)
            )
    planned: dict[int, list[_Line]] = defaultdict(list)
    latest_agreed = (
        select(Plan.mobility_id, PlanVersion.id.label("version_id"))
        .join(PlanVersion, PlanVersion.plan_id == Plan.id)
        .where(Plan.mobility_id.in_(ids), PlanVersion.status == PlanStatus.agreed)
        .subquery()
    )
    targets = session.execute(
        select(latest_agreed.c.mobility_id, OutcomeCompetence)
        .join(Outcome, Outcome.version_id == latest_agreed.c.version_id)
        .join(OutcomeCompetence, OutcomeCompetence.outcome_id == Outcome.id)
        .order_by(Outcome.position, OutcomeCompetence.position)
    )
    for mobility_id, target in targets:
        planned[mobility_id].append(_Line(target.id, target.framework, target.competence, target.target_level))
    return {mobility_id: validated.get(mobility_id) or planned.get(mobility_id, []) for mobility_id in ids}


def result_lines(session: Session, actor: Actor, filters: OverviewFilter, today: dt.date) -> list[ResultLine]:
    """The results of the mobilities the overview shows with these filters, in its order; a module's hours and
    credits are given on the first result it recognises only, so that a column sum counts each module once."""
    rows = overview(session, actor, filters, today)
    ids = [r.mobility_id for r in rows]
    by_mobility = _targets(session, ids)
    target_ids = [line.target_id for lines in by_mobility.values() for line in lines]
    selves = {
        (s.target_id, s.phase.value): s.level
        for s in session.scalars(select(SelfAssessment).where(SelfAssessment.target_id.in_(target_ids)))
    }
    mentors = dict(
        session.execute(
            select(Rating.target_id, Rating.level)
            .join(Mobility, Mobility.id == Rating.mobility_id)
            .where(Rating.target_id.in_(target_ids), Rating.assessor_id == Mobility.mentor_id)
        ).all()
    )
    recognised = {
        r.result_id: (r, recognition.decided_at.date())
        for recognition in session.scalars(select(Recognition).where(Recognition.mobility_id.in_(ids)))
        for r in recognition.results
    }
    lines = []
    for row in rows:
        counted: set[int] = set()
        for line in by_mobility.get(row.mobility_id, []):
            found = recognised.get(line.result_id) if line.result_id else None
            module = found[0] if found else None
            first_of_module = module is not None and module.module_id not in counted
            if module is not None:
                counted.add(module.module_id)
            lines.append(
                ResultLine(
                    group_name=row.group_name,
                    learner=row.learner,
                    learner_number=row.learner_number,
                    host=row.host,
                    start_date=row.start_date,
                    end_date=row.end_date,
                    framework=line.framework,
                    competence=line.competence,
                    target_level=line.target_level,
                    self_before=selves.get((line.target_id, "before")),
                    self_after=selves.get((line.target_id, "after")),
                    mentor_level=mentors.get(line.target_id),
                    achieved_level=line.achieved_level,
                    result=line.result,
                    target_reached=None if line.result is None else (line.achieved_level or 0) >= line.target_level,
                    module=module.module.code if module else "",
                    grade=module.grade if module else "",
                    hours=module.hours if module and first_of_module else None,
                    credits=module.credits if module and first_of_module else None,
                    recognised_on=found[1] if found else None,
                    certificate=row.certificate,
                )
            )
    return lines


RESULT_COLUMNS = list(ResultLine.model_fields)
