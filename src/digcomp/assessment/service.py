"""Assessment operations in the database: identification, self-assessment, evidence, ratings, validation.
The rules (what is allowed when) are in ``rules``; this module gathers the facts and records the decisions."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

from sqlalchemy import Select, Sequence, Table, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session, lazyload, selectinload

from digcomp.access import service as access
from digcomp.access.actor import Actor, MobilityParties, can_view, may_assess, may_validate, require
from digcomp.access.service import Caller
from digcomp.assessment import rules
from digcomp.assessment.evidence_store import EvidenceStore
from digcomp.assessment.schemas import (
    AdditionalOutcomeIn,
    AssessmentView,
    CombinedOut,
    CompetenceAssessment,
    EvidenceOut,
    OutcomeAssessment,
    OutcomeStatus,
    RatingOut,
    ResultOut,
    ValidationIn,
    ValidationOut,
)
from digcomp.audit import log as audit
from digcomp.errors import Conflict, Forbidden, Invalid, NotFound
from digcomp.framework import Catalog, pick
from digcomp.mobility.schemas import PersonSummary
from digcomp.mobility.service import mobility_for, parties
from digcomp.plans import carry
from digcomp.plans.rules import resolve_targets
from digcomp.plans.service import additional_outcomes, plan_of, touch
from digcomp.privacy import consent
from digcomp.store.db import insert_at_commit, writes_at_commit
from digcomp.store.models import (
    ConsentKind,
    Evidence,
    EvidenceKind,
    Identification,
    Mobility,
    Outcome,
    OutcomeCompetence,
    Plan,
    PlanStatus,
    PlanVersion,
    Rating,
    Role,
    SelfAssessment,
    SelfAssessmentPhase,
    ValidatedResult,
    Validation,
    utcnow,
)


@dataclass(frozen=True)
class TargetSnapshot:
    id: int
    framework: str
    framework_version: str
    competence: str
    target_level: int
    lineage: tuple[int, ...] = ()  # this target and those of earlier versions it continues (``plans.carry``)

    @property
    def ids(self) -> tuple[int, ...]:
        return self.lineage or (self.id,)


@dataclass(frozen=True)
class OutcomeSnapshot:
    id: int
    position: int
    text: dict[str, str]
    criteria: dict[str, str]
    methods: tuple[str, ...]
    competences: tuple[TargetSnapshot, ...]
    additional: bool = False  # acquired beyond the plan (see ``add_additional``)
    added_by_id: int | None = None
    lineage: tuple[int, ...] = ()  # this outcome and those of earlier versions it continues (``plans.carry``)

    @property
    def ids(self) -> tuple[int, ...]:
        return self.lineage or (self.id,)


@dataclass(frozen=True)
class AgreedVersion:
    """An agreed plan version, as assessment sees it, with the outcomes added beyond it. Agreed versions never
    change (a change makes a new version) and adding an outcome bumps the plan's revision, so a snapshot is kept per
    process under (plan, revision) and a write does not read the plan's outcomes again."""

    id: int
    number: int
    outcomes: tuple[OutcomeSnapshot, ...]
    made_under: dict[int, int] = field(default_factory=dict)  # an outcome of the lineages -> its plan version number

    def outcome_of(self) -> dict[int, int]:
        """Every outcome id of the lineages -> the current outcome it is read under."""
        return carry.current_of(o.ids for o in self.outcomes)

    def target_of(self) -> dict[int, int]:
        return carry.current_of(t.ids for o in self.outcomes for t in o.competences)

    def outcome(self, outcome_id: int) -> OutcomeSnapshot:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise NotFound("outcome of the agreed plan", outcome_id)


_AGREED: OrderedDict[tuple[str, int, int], AgreedVersion] = OrderedDict()
_AGREED_KEPT = 4096
_agreed_lock = threading.Lock()


def _snapshot(outcome: Outcome, links: Links) -> OutcomeSnapshot:
    return OutcomeSnapshot(
        id=outcome.id,
        position=outcome.position,
        text=dict(outcome.text),
        criteria=dict(outcome.criteria),
        methods=tuple(outcome.methods),
        competences=tuple(
            TargetSnapshot(
                c.id,
                c.framework,
                c.framework_version,
                c.competence,
                c.target_level,
                carry.lineage(c.id, links.targets),
            )
            for c in outcome.competences
        ),
        additional=outcome.additional,
        added_by_id=outcome.added_by_id,
        lineage=carry.lineage(outcome.id, links.outcomes),
    )


@dataclass(frozen=True)
class Links:
    """A plan's outcomes and targets with the one each continues, and the version number of each outcome."""

    outcomes: dict[int, int | None]
    targets: dict[int, int | None]
    numbers: dict[int, int]


def _links(session: Session, plan_id: int) -> Links:
    of_plan = (
        select(Outcome.id, Outcome.carried_from_id, PlanVersion.number)
        .join(PlanVersion, PlanVersion.id == Outcome.version_id)
        .where(PlanVersion.plan_id == plan_id)
    )
    outcomes = session.execute(of_plan).all()
    targets = session.execute(
        select(OutcomeCompetence.id, OutcomeCompetence.carried_from_id).where(
            OutcomeCompetence.outcome_id.in_([row[0] for row in outcomes])
        )
    ).all()
    return Links(
        outcomes={row[0]: row[1] for row in outcomes},
        targets={row[0]: row[1] for row in targets},
        numbers={row[0]: row[2] for row in outcomes},
    )


def agreed_version(session: Session, plan_id: int, revision: int) -> AgreedVersion | None:
    """The plan's newest agreed version. Every change of a plan bumps its revision, so (plan, revision) names one
    agreed version: a process that saw it before reads no plan version again."""
    key = (str(session.get_bind().engine.url), plan_id, revision)
    with _agreed_lock:
        if (cached := _AGREED.get(key)) is not None:
            _AGREED.move_to_end(key)
            return cached
    newest = session.execute(
        select(PlanVersion.id, PlanVersion.number)
        .where(PlanVersion.plan_id == plan_id, PlanVersion.status == PlanStatus.agreed)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    ).first()
    if newest is None:
        return None
    version = session.get_one(
        PlanVersion,
        newest[0],
        options=[
            selectinload(PlanVersion.outcomes).selectinload(Outcome.competences),
            lazyload(PlanVersion.confirmations),
        ],
    )
    outcomes = [*version.outcomes, *additional_outcomes(session, version.id)]
    links = _links(session, plan_id) if version.number > 1 else Links({}, {}, {})
    snapshot = AgreedVersion(
        id=version.id,
        number=version.number,
        outcomes=tuple(_snapshot(o, links) for o in outcomes),
        made_under=links.numbers,
    )
    with _agreed_lock:
        _AGREED[key] = snapshot
        if len(_AGREED) > _AGREED_KEPT:
            _AGREED.popitem(last=False)
    return snapshot


@dataclass
class Record:
    """Everything about one mobility's assessment, loaded once per request (for a change, only the part of it the
    change's rules look at: see ``load``)."""

    mobility: MobilityParties
    plan: Plan  # read under the lock the change asked for
    version: AgreedVersion
    validation: Validation | None
    identifications: dict[int, Identification]
    evidence_counts: dict[int, int]  # outcome id -> evidence in the assessment (not withdrawn)
    evidence: dict[int, list[Evidence]]  # loaded for views only (``load(..., with_evidence=True)``)
    ratings: dict[int, list[Rating]]
    self_assessments: dict[tuple[int, SelfAssessmentPhase], SelfAssessment]
    rounds: int = 0  # validations so far, reopened ones included

    @property
    def validated(self) -> bool:
        return self.validation is not None

    def outcome(self, outcome_id: int) -> OutcomeSnapshot:
        return self.version.outcome(outcome_id)

    def target(self, target_id: int) -> tuple[OutcomeSnapshot, TargetSnapshot]:
        for outcome in self.version.outcomes:
            for target in outcome.competences:
                if target.id == target_id:
                    return outcome, target
        raise NotFound("competence target of the agreed plan", target_id)


def in_force(mobility_id: int) -> Select[Validation]:
    """The query for the mobility's validation that has not been reopened: there is at most one."""
    return select(Validation).where(Validation.mobility_id == mobility_id, Validation.reopened_at.is_(None))


def mentor_assessed_on(session: Session, mobility: Mobility) -> dt.date | None:
    """The day the host mentor last rated a result of the mobility (her attestation's date)."""
    if mobility.mentor_id is None:
        return None
    last = session.scalar(
        select(func.max(Rating.updated_at)).where(
            Rating.mobility_id == mobility.id, Rating.assessor_id == mobility.mentor_id
        )
    )
    return last.date() if last else None


def validation_in_force(session: Session, mobility: Mobility) -> Validation | None:
    return session.scalars(in_force(mobility.id)).first()


def load(
    session: Session,
    mobility: Mobility | MobilityParties,
    *,
    for_update: bool = False,
    for_share: bool = False,
    with_evidence: bool = True,
    outcome_id: int | None = None,
    target_id: int | None = None,
) -> Record:
    """The record of the mobility's agreed plan. A change takes a lock on the plan (see ``plan_of``) and loads only
    what its rules look at: counts of evidence, not the evidence; with ``outcome_id`` or ``target_id`` only that
    outcome's facts — so a write costs the same with 2 or 2,000 notes."""
    plan = plan_of(session, mobility, for_update=for_update, for_share=for_share)
    version = agreed_version(session, plan.id, plan.revision) if plan is not None else None
    if plan is None or version is None:
        raise Conflict("the plan is not agreed yet: assessment starts from an agreed plan")
    scope = [
        o
        for o in version.outcomes
        if (outcome_id is None or o.id == outcome_id)
        and (target_id is None or any(t.id == target_id for t in o.competences))
    ]
    # what was assessed under earlier versions is read through the links (``plans.carry``), newest last
    outcome_of, target_of = version.outcome_of(), version.target_of()
    outcome_ids = [i for o in scope for i in o.ids]
    target_ids = [i for o in scope for t in o.competences for i in t.ids]
    identifications = session.scalars(
        select(Identification)
        .where(Identification.mobility_id == mobility.id, Identification.outcome_id.in_(outcome_ids))
        .order_by(Identification.id)
    )
    in_assessment = (
        Evidence.mobility_id == mobility.id,
        Evidence.outcome_id.in_(outcome_ids),
        Evidence.withdrawn_at.is_(None),
    )
    evidence: dict[int, list[Evidence]] = {}
    counts: dict[int, int] = {}
    if with_evidence:
        for item in session.scalars(select(Evidence).where(*in_assessment).order_by(Evidence.id)):
            evidence.setdefault(outcome_of[item.outcome_id], []).append(item)
        counts = {outcome: len(items) for outcome, items in evidence.items()}
    else:
        grouped = select(Evidence.outcome_id, func.count()).where(*in_assessment).group_by(Evidence.outcome_id)
        for row in session.execute(grouped):
            counts[outcome_of[int(row[0])]] = counts.get(outcome_of[int(row[0])], 0) + int(row[1])
    ratings: dict[int, list[Rating]] = {}
    for rating in session.scalars(
        select(Rating).where(Rating.target_id.in_(target_ids)).order_by(Rating.updated_at, Rating.id)
    ):
        others = [r for r in ratings.get(target_of[rating.target_id], []) if r.assessor_id != rating.assessor_id]
        ratings[target_of[rating.target_id]] = [*others, rating]  # an assessor's newest judgement counts
    self_assessments = {
        (target_of[s.target_id], s.phase): s
        for s in session.scalars(
            select(SelfAssessment).where(SelfAssessment.target_id.in_(target_ids)).order_by(SelfAssessment.id)
        )
    }
    current = in_force(mobility.id)
    if not with_evidence:
        current = current.options(lazyload(Validation.results))
    validation = session.scalars(current).first()
    rounds = (
        session.scalar(select(func.count()).select_from(Validation).where(Validation.mobility_id == mobility.id))
        if with_evidence or for_update
        else None
    )
    return Record(
        plan=plan,
        rounds=rounds or 0,
        mobility=mobility if isinstance(mobility, MobilityParties) else parties(mobility),
        version=version,
        validation=validation,
        identifications={outcome_of[i.outcome_id]: i for i in identifications},
        evidence_counts=counts,
        evidence=evidence,
        ratings=ratings,
        self_assessments=self_assessments,
    )


def _max_level(catalog: Catalog, target: TargetSnapshot) -> int:
    return catalog.get(target.framework).max_level


def facts(record: Record, catalog: Catalog) -> list[rules.OutcomeFacts]:
    result = []
    for number, outcome in enumerate(record.version.outcomes, start=1):
        identification = record.identifications.get(outcome.id)
        result.append(
            rules.OutcomeFacts(
                number=number,
                targets=[
                    rules.Target(t.id, t.competence, t.target_level, _max_level(catalog, t))
                    for t in outcome.competences
                ],
                worked_on=identification.worked_on if identification else None,
                evidence_count=record.evidence_counts.get(outcome.id, 0),
                ratings={
                    t.id: {r.assessor_id: r.level for r in record.ratings.get(t.id, [])} for t in outcome.competences
                },
            )
        )
    return result


def _facts_of(record: Record, catalog: Catalog, outcome: OutcomeSnapshot) -> rules.OutcomeFacts:
    index = [o.id for o in record.version.outcomes].index(outcome.id)
    return facts(record, catalog)[index]


def _target_view(
    record: Record, catalog: Catalog, target: TargetSnapshot, levels: dict[int, int], language: str
) -> CompetenceAssessment:
    results = {r.target_id: r for r in record.validation.results} if record.validation else {}
    combined = rules.combine(levels)
    competence = catalog.get(target.framework).competence_by_id.get(target.competence)
    result = results.get(target.id)
    return CompetenceAssessment(
        target_id=target.id,
        framework=target.framework,
        framework_version=target.framework_version,
        competence=target.competence,
        title=pick(competence.title, language) if competence else target.competence,
        target_level=target.target_level,
        self_assessment={
            phase: (s.level if (s := record.self_assessments.get((target.id, phase))) else None)
            for phase in SelfAssessmentPhase
        },
        ratings=[RatingOut.model_validate(r) for r in record.ratings.get(target.id, [])],
        combined=CombinedOut(level=combined.level, disagreement=combined.disagreement),
        result=ResultOut.model_validate(result) if result else None,
    )


def target_view(record: Record, catalog: Catalog, target_id: int, language: str = "en") -> CompetenceAssessment:
    """One competence target as it now stands (the answer to a rating or a self-assessment)."""
    _, target = record.target(target_id)
    levels = {r.assessor_id: r.level for r in record.ratings.get(target.id, [])}
    return _target_view(record, catalog, target, levels, language)


def outcome_status(record: Record, catalog: Catalog, outcome_id: int) -> OutcomeStatus:
    outcome = record.outcome(outcome_id)
    outcome_facts = _facts_of(record, catalog, outcome)
    return OutcomeStatus(
        outcome_id=outcome.id,
        number=outcome_facts.number,
        worked_on=outcome_facts.worked_on,
        evidence_count=outcome_facts.evidence_count,
        stage=rules.outcome_stage(outcome_facts, record.validated),
    )


def view(record: Record, catalog: Catalog, language: str = "en") -> AssessmentView:
    all_facts = facts(record, catalog)

    def made_under(outcome_id: int) -> int:
        return record.version.made_under.get(outcome_id, record.version.number)

    outcomes = []
    for outcome, outcome_facts in zip(record.version.outcomes, all_facts, strict=True):
        identification = record.identifications.get(outcome.id)
        competences = [
            _target_view(record, catalog, target, outcome_facts.ratings.get(target.id, {}), language)
            for target in outcome.competences
        ]
        outcomes.append(
            OutcomeAssessment(
                outcome_id=outcome.id,
                number=outcome_facts.number,
                additional=outcome.additional,
                text=dict(outcome.text),
                criteria=dict(outcome.criteria),
                methods=list(outcome.methods),
                stage=rules.outcome_stage(outcome_facts, record.validated),
                worked_on=identification.worked_on if identification else None,
                identification_note=identification.note if identification else "",
                evidence=[
                    EvidenceOut.model_validate(e).model_copy(update={"plan_version": made_under(e.outcome_id)})
                    for e in record.evidence.get(outcome.id, [])
                ],
                competences=competences,
                carried_from_version=made_under(outcome.lineage[1]) if len(outcome.ids) > 1 else None,
            )
        )
    order = list(rules.Stage)
    stage = min((o.stage for o in outcomes), key=order.index, default=rules.Stage.planned)
    return AssessmentView(
        mobility_id=record.mobility.id,
        plan_version=record.version.number,
        round=record.rounds + (0 if record.validated else 1),
        stage=stage,
        combining_rule=rules.COMBINING_RULE,
        outcomes=outcomes,
        validation=ValidationOut.model_validate(record.validation) if record.validation else None,
    )


def _audit(
    session: Session,
    actor: Actor,
    mobility: MobilityParties,
    action: str,
    subject: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """One entry in the mobility's audit chain about ``subject`` (``outcome:7``, ``evidence:12``, …) of its record."""
    audit.record(
        session,
        actor,
        action,
        f"mobility:{mobility.id}/{subject}",
        mobility_id=mobility.id,
        before=before,
        after=after,
    )


def identify(session: Session, actor: Actor, record: Record, outcome_id: int, worked_on: bool, note: str) -> None:
    mobility = record.mobility
    require(
        can_view(actor, mobility) and (actor.role in (Role.learner, Role.mentor, Role.coordinator, Role.admin)),
        "the learner, the host mentor or the coordinator identifies outcomes",
    )
    rules.ensure_open(record.validated)
    outcome = record.outcome(outcome_id)
    current = record.identifications.get(outcome.id)
    if current and not worked_on and any(record.ratings.get(t.id) for t in outcome.competences):
        raise Conflict("this outcome has already been assessed; it cannot be marked as not worked on")
    before = {"worked_on": current.worked_on, "note": current.note} if current else None
    existing = current if current is not None and current.outcome_id == outcome.id else None  # see ``rate``
    if existing is None:
        existing = Identification(
            mobility_id=record.mobility.id, outcome_id=outcome.id, worked_on=worked_on, person_id=actor.person_id
        )
        session.add(existing)
        record.identifications[outcome.id] = existing
    existing.worked_on, existing.note, existing.person_id = worked_on, note, actor.person_id
    session.flush()
    _audit(
        session,
        actor,
        record.mobility,
        "assessment.identified",
        f"outcome:{outcome.id}",
        before=before,
        after={"worked_on": worked_on, "note": note},
    )


def self_assess(
    session: Session,
    catalog: Catalog,
    actor: Actor,
    record: Record,
    target_id: int,
    phase: SelfAssessmentPhase,
    level: int,
    note: str,
) -> None:
    require(
        actor.role is Role.learner and actor.person_id == record.mobility.learner_id,
        "only the learner assesses themself",
    )
    rules.ensure_open(record.validated)
    _, target = record.target(target_id)
    if level > _max_level(catalog, target):
        raise Invalid("the level must be 0 to {top}", top=_max_level(catalog, target))
    current = record.self_assessments.get((target.id, phase))
    before = {"level": current.level} if current else None
    existing = current if current is not None and current.target_id == target.id else None  # see ``rate``
    if existing is None:
        existing = SelfAssessment(mobility_id=record.mobility.id, target_id=target.id, phase=phase, level=level)
        session.add(existing)
        record.self_assessments[(target.id, phase)] = existing
    existing.level, existing.note = level, note
    session.flush()
    _audit(
        session,
        actor,
        record.mobility,
        "assessment.self_assessed",
        f"target:{target.id}/{phase.value}",
        before=before,
        after={"level": level},
    )


def _check_example_refs(catalog: Catalog, refs: list[str]) -> None:
    if not refs:
        return
    known = {e.id for fw in catalog.frameworks.values() for e in fw.examples}
    unknown = [r for r in refs if r not in known]
    if unknown:
        raise Invalid("unknown knowledge/skill/attitude example(s): {examples}", examples=", ".join(unknown))


@dataclass(frozen=True)
class Addition:
    """Where evidence is added — one outcome of a mobility's agreed plan — with the facts the rules for adding look at.
    Evidence only adds to a record, so an addition reads these few facts, not the record (see ``addition``)."""

    mobility: MobilityParties
    outcome: OutcomeSnapshot
    number: int  # the outcome's position in the plan, for messages
    worked_on: bool | None
    validated: bool
    evidence_id: int | None = None  # reserved for the new evidence by the statement that read these facts


def addition_in(record: Record, outcome_id: int) -> Addition:
    """The addition to one outcome of a record already loaded."""
    outcome = record.outcome(outcome_id)
    identification = record.identifications.get(outcome.id)
    return Addition(
        mobility=record.mobility,
        outcome=outcome,
        number=record.version.outcomes.index(outcome) + 1,
        worked_on=identification.worked_on if identification else None,
        validated=record.validated,
    )


_MOBILITIES = cast(Table, Mobility.__table__)
_PLANS = cast(Table, Plan.__table__)
_IDENTIFICATIONS = cast(Table, Identification.__table__)
_VALIDATIONS = cast(Table, Validation.__table__)
_EVIDENCE = cast(Table, Evidence.__table__)
# One statement, built once: the mobility's parties, its plan (shared lock: validation and plan changes wait for
# additions in progress, additions do not wait for each other), the outcome's identification, a validation in force.
_ADDITION_FACTS = (
    select(
        _MOBILITIES.c.id,
        _MOBILITIES.c.sending_organisation_id,
        _MOBILITIES.c.learner_id,
        _MOBILITIES.c.mentor_id,
        _MOBILITIES.c.host_organisation_id,
        _PLANS.c.id,
        _PLANS.c.revision,
        _IDENTIFICATIONS.c.worked_on,
        exists().where(_VALIDATIONS.c.mobility_id == _MOBILITIES.c.id, _VALIDATIONS.c.reopened_at.is_(None)),
    )
    .select_from(
        _MOBILITIES.join(_PLANS, _PLANS.c.mobility_id == _MOBILITIES.c.id).outerjoin(
            _IDENTIFICATIONS,
            and_(
                _IDENTIFICATIONS.c.mobility_id == _MOBILITIES.c.id,
                _IDENTIFICATIONS.c.outcome_id == bindparam("outcome"),
            ),
        )
    )
    .where(_MOBILITIES.c.id == bindparam("mobility"))
    .with_for_update(read=True, of=_PLANS)
)


# The same statement also reads the caller when they come with an API token or a web session (``with_caller``), and
# on PostgreSQL reserves the new evidence's id, so that the evidence and its audit entry are both written with the
# COMMIT (``at_commit``): a note is then two round trips, as many as a bare INSERT in its own transaction.
def _facts_statement(with_caller: bool, reserving: bool) -> Select[Any]:
    statement = _ADDITION_FACTS
    if reserving:
        statement = statement.add_columns(Sequence("evidence_id_seq").next_value().label("evidence_id"))
    return access.with_caller(statement) if with_caller else statement


_FACTS = {
    (caller, reserving): _facts_statement(caller, reserving) for caller in (False, True) for reserving in (False, True)
}
_NEW_EVIDENCE = _EVIDENCE.insert().returning(_EVIDENCE.c.id)


def addition(session: Session, caller: Caller, mobility_id: int, outcome_id: int) -> tuple[Actor, Addition]:
    """The caller, and the addition to one outcome, read in one statement: 401 for a caller who is not logged in, 404
    when they may not see the mobility (as if it did not exist), 409 when its plan is not agreed. A mentor link is
    checked on its own first."""
    token_hash = caller.token_hash
    actor = caller.actor(session) if token_hash is None else None
    reserving = writes_at_commit(session)
    row = (
        session.connection()
        .execute(
            _FACTS[actor is None, reserving],
            {"mobility": mobility_id, "outcome": outcome_id, "secret_hash": token_hash},
        )
        .first()
    )
    if actor is None:
        actor = access.caller_from(row) if row is not None else caller.actor(session)
    if row is None:  # no such mobility, or no plan yet: say which, as a full read would
        mobility_for(session, actor, mobility_id, light=True)
        raise Conflict("the plan is not agreed yet: assessment starts from an agreed plan")
    mobility = MobilityParties(*row[:5])
    if not can_view(actor, mobility):
        raise NotFound("mobility", mobility_id)
    version = agreed_version(session, row[5], row[6])
    if version is None:
        raise Conflict("the plan is not agreed yet: assessment starts from an agreed plan")
    outcome = version.outcome(outcome_id)
    number = version.outcomes.index(outcome) + 1
    reserved = row._mapping["evidence_id"] if reserving else None
    worked_on = row[7]
    if worked_on is None and len(outcome.ids) > 1:  # identified under an earlier plan version (``plans.carry``)
        worked_on = session.scalar(
            select(Identification.worked_on)
            .where(Identification.mobility_id == mobility.id, Identification.outcome_id.in_(outcome.ids))
            .order_by(Identification.id.desc())
            .limit(1)
        )
    return actor, Addition(mobility, outcome, number, worked_on, bool(row[8]), reserved)


def add_evidence(
    session: Session,
    catalog: Catalog,
    store: EvidenceStore,
    actor: Actor,
    where: Addition,
    *,
    title: str,
    kind: EvidenceKind,
    text: str = "",
    url: str = "",
    upload: BinaryIO | None = None,
    max_bytes: int = 0,
    example_refs: list[str] | None = None,
    shows_learner: bool = False,
) -> EvidenceOut:
    """Add a file, link or note to an outcome; the answer names the actor as its author (not read again). A file
    that shows the learner (a photo or video of them, not only of their work) needs their consent to photos."""
    require(
        can_view(actor, where.mobility)
        and actor.role in (Role.learner, Role.mentor, Role.coordinator, Role.validator, Role.admin),
        "you cannot add evidence to this mobility",
    )
    if kind is EvidenceKind.note and actor.role is Role.learner:
        raise Forbidden("observation notes are written by the mentor or the school; learners add files and links")
    rules.check_evidence(where.number, where.worked_on, where.validated)
    _check_example_refs(catalog, example_refs or [])
    if shows_learner:
        if kind is not EvidenceKind.file:
            raise Invalid("only a photo or a video can show the learner")
        if not consent.has_consented(session, where.mobility.learner_id, ConsentKind.photos):
            raise Conflict(
                "the learner has not agreed to photos of themself being kept as evidence: add a photo of the work "
                "only, or ask the learner to give their consent on their Privacy page"
            )
    sha256, size, media_type = None, None, None
    if kind is EvidenceKind.file:
        assert upload is not None
        stored = store.save(upload, max_bytes)
        sha256, size, media_type = stored.sha256, stored.size, stored.media_type
    fields = {
        "outcome_id": where.outcome.id,
        "kind": kind,
        "title": title,
        "text": text,
        "url": url,
        "sha256": sha256,
        "size": size,
        "media_type": media_type,
        "example_refs": example_refs or [],
        "shows_learner": shows_learner,
        "created_at": utcnow(),
    }
    values = {**fields, "mobility_id": where.mobility.id, "added_by_id": actor.person_id}
    if where.evidence_id is None:
        ident = session.connection().execute(_NEW_EVIDENCE, values).scalar_one()
    else:
        ident = where.evidence_id
        insert_at_commit(session, _EVIDENCE, {"id": ident, **values})
    _audit(
        session,
        actor,
        where.mobility,
        "assessment.evidence_added",
        f"evidence:{ident}",
        after={"outcome": where.outcome.id, "kind": kind.value, "title": title, "sha256": sha256, "url": url},
    )
    author = PersonSummary(
        id=actor.person_id, given_name=actor.given_name, family_name=actor.family_name, role=actor.role
    )
    return EvidenceOut(id=ident, added_by=author, **fields)


def rate(
    session: Session, catalog: Catalog, actor: Actor, record: Record, target_id: int, level: int, justification: str
) -> None:
    require(may_assess(actor, record.mobility), "only the host mentor or the school's assessors rate competences")
    outcome, target = record.target(target_id)
    outcome_facts = _facts_of(record, catalog, outcome)
    rules.check_rating(
        outcome_facts,
        rules.Target(target.id, target.competence, target.target_level, _max_level(catalog, target)),
        level,
        record.validated,
    )
    current = next((r for r in record.ratings.get(target.id, []) if r.assessor_id == actor.person_id), None)
    before = {"level": current.level, "justification": current.justification} if current else None
    # a judgement made under an earlier plan version stays as it was; a new one is made under this version
    existing = current if current is not None and current.target_id == target.id else None
    if existing is None:
        existing = Rating(
            mobility_id=record.mobility.id,
            target_id=target.id,
            assessor_id=actor.person_id,
            level=level,
            justification=justification,
        )
        session.add(existing)
        others = [r for r in record.ratings.get(target.id, []) if r.assessor_id != actor.person_id]
        record.ratings[target.id] = [*others, existing]
    existing.level, existing.justification = level, justification
    session.flush()
    _audit(
        session,
        actor,
        record.mobility,
        "assessment.rated",
        f"target:{target.id}",
        before=before,
        after={"level": level, "justification": justification, "assessor": actor.person_id},
    )


def validate(session: Session, catalog: Catalog, actor: Actor, record: Record, data: ValidationIn) -> Validation:
    require(may_validate(actor, record.mobility), "only a validator of the sending school validates")
    results = rules.validate(
        facts(record, catalog),
        [rules.ValidatorDecision(d.target_id, d.level, d.justification) for d in data.decisions],
        validator_id=actor.person_id,
        validated=record.validated,
    )
    targets = {t.id: t for o in record.version.outcomes for t in o.competences}
    outcome_of = {t.id: o.id for o in record.version.outcomes for t in o.competences}
    validation = Validation(
        mobility_id=record.mobility.id,
        round=record.rounds + 1,
        plan_version=record.version.number,
        validator_id=actor.person_id,
        note=data.note,
    )
    for position, result in enumerate(results):
        stored = targets[result.target.id]
        validation.results.append(
            ValidatedResult(
                position=position,
                outcome_id=outcome_of[stored.id],
                target_id=stored.id,
                framework=stored.framework,
                framework_version=stored.framework_version,
                competence=stored.competence,
                target_level=stored.target_level,
                achieved_level=result.achieved_level,
                status=result.status,
                decision=result.decision,
                assessor_levels={str(k): v for k, v in result.assessor_levels.items()},
                justification=result.justification,
            )
        )
    session.add(validation)
    session.flush()
    _audit(
        session,
        actor,
        record.mobility,
        "assessment.validated",
        "validation",
        after={
            "plan_version": record.version.number,
            "round": record.rounds + 1,
            "results": [
                {
                    "target": r.target.id,
                    "competence": r.target.competence,
                    "status": r.status.value,
                    "level": r.achieved_level,
                    "decision": r.decision.value,
                }
                for r in results
            ],
        },
    )
    return validation


def add_additional(session: Session, catalog: Catalog, actor: Actor, record: Record, data: AdditionalOutcomeIn) -> int:
    """A competence the learner acquired beyond the plan: an outcome of its own, marked additional, identified as
    worked on by whoever adds it, then documented, rated and validated like the planned ones. The agreed plan and
    its content hash stay as they were. Returns the new outcome's id. ``record`` is loaded ``for_update``."""
    mobility = record.mobility
    require(
        (actor.role is Role.mentor and can_view(actor, mobility)) or may_validate(actor, mobility),
        "only the host mentor or a validator of the sending school adds a competence acquired beyond the plan",
    )
    [target] = resolve_targets(catalog, [data.competence], ["body", "competence"])
    planned = {t.competence for o in record.version.outcomes if not o.additional for t in o.competences}
    added = {t.competence for o in record.version.outcomes if o.additional for t in o.competences}
    rules.check_additional(target.competence, planned, added, record.validated)
    outcome = Outcome(
        version_id=record.version.id,
        position=max((o.position for o in record.version.outcomes), default=-1) + 1,
        text=dict(data.text),
        criteria={},
        methods=[m.value for m in data.methods],
        additional=True,
        added_by_id=actor.person_id,
        competences=[
            OutcomeCompetence(
                position=0,
                framework=target.framework,
                framework_version=target.framework_version or "",
                competence=target.competence,
                target_level=target.target_level,
            )
        ],
    )
    session.add(outcome)
    touch(record.plan)  # a new revision: every process takes a fresh snapshot of the agreed version
    session.flush()
    session.add(
        Identification(mobility_id=record.mobility.id, outcome_id=outcome.id, worked_on=True, person_id=actor.person_id)
    )
    session.flush()
    _audit(
        session,
        actor,
        record.mobility,
        "assessment.additional_added",
        f"outcome:{outcome.id}",
        after={
            "text": dict(data.text),
            "competence": [target.framework, target.competence, target.target_level],
            "methods": outcome.methods,
        },
    )
    return outcome.id


def remove_additional(session: Session, catalog: Catalog, actor: Actor, record: Record, outcome_id: int) -> None:
    """Take back an additional competence added by mistake (before any evidence or rating)."""
    snapshot = record.outcome(outcome_id)
    if not snapshot.additional:
        raise NotFound("additional outcome", outcome_id)
    evidence_ever = session.scalar(select(func.count()).select_from(Evidence).where(Evidence.outcome_id == outcome_id))
    rules.check_additional_removal(
        snapshot.added_by_id,
        actor.person_id,
        _facts_of(record, catalog, snapshot),
        evidence_ever or 0,
        record.validated,
    )
    outcome = session.get_one(Outcome, outcome_id)
    before = {"text": dict(outcome.text), "competence": [t.competence for t in snapshot.competences]}
    for identification in session.scalars(select(Identification).where(Identification.outcome_id == outcome_id)):
        session.delete(identification)
    for self_assessment in session.scalars(
        select(SelfAssessment).where(SelfAssessment.target_id.in_([t.id for t in snapshot.competences]))
    ):
        session.delete(self_assessment)
    session.flush()
    session.delete(outcome)
    touch(record.plan)
    session.flush()
    _audit(
        session,
        actor,
        record.mobility,
        "assessment.additional_removed",
        f"outcome:{outcome_id}",
        before=before,
    )


def withdraw_evidence(session: Session, actor: Actor, record: Record, evidence_id: int, reason: str = "") -> None:
    """The author takes back a note or file added by mistake: it leaves the assessment, the audit trail keeps it."""
    item = evidence_item(session, record, evidence_id)
    rules.check_withdrawal(item.added_by_id, actor.person_id, item.withdrawn_at is not None, record.validated)
    item.withdrawn_at = utcnow()
    item.withdrawal_reason = reason.strip()
    session.flush()
    record.evidence_counts[record.version.outcome_of()[item.outcome_id]] -= 1
    _audit(
        session,
        actor,
        record.mobility,
        "assessment.evidence_withdrawn",
        f"evidence:{item.id}",
        before={
            "outcome": item.outcome_id,
            "kind": item.kind.value,
            "title": item.title,
            "text": item.text,
            "sha256": item.sha256,
            "url": item.url,
        },
        after={"withdrawn": True, "reason": item.withdrawal_reason},
    )


def reopen(session: Session, actor: Actor, record: Record, reason: str) -> Validation:
    """A validator reopens a validated result with a written justification: a new assessment round starts and the
    earlier validation stays on record. (``credentials.reopen`` also revokes the certificate in force.)"""
    require(may_validate(actor, record.mobility), "only a validator of the sending school reopens a result")
    rules.check_reopen(record.validated, reason)
    assert record.validation is not None
    validation = record.validation
    validation.reopened_at = utcnow()
    validation.reopened_by_id = actor.person_id
    validation.reopen_reason = reason.strip()
    session.flush()
    _audit(
        session,
        actor,
        record.mobility,
        "assessment.reopened",
        "validation",
        before={"validated": True, "round": validation.round},
        after={"validated": False, "reason": validation.reopen_reason, "next_round": validation.round + 1},
    )
    session.flush()
    return validation


def evidence_item(session: Session, record: Record, evidence_id: int) -> Evidence:
    """One piece of evidence of the record's agreed outcomes that has not been withdrawn."""
    item = session.get(Evidence, evidence_id)
    outcomes = {i for o in record.version.outcomes for i in o.ids}  # made under this version or an earlier one
    if item is None or item.mobility_id != record.mobility.id or item.outcome_id not in outcomes or item.withdrawn_at:
        raise NotFound("evidence", evidence_id)
    return item
