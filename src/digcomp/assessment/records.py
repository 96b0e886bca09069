"""One mobility's assessment record as the rules see it: the agreed plan version (with what earlier versions
carried on), its identifications, evidence counts, ratings, self-assessments and validation, loaded once per request."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, lazyload, selectinload

from digcomp.access.actor import Actor, MobilityParties
from digcomp.assessment import rules
from digcomp.audit import log as audit
from digcomp.errors import Conflict, NotFound
from digcomp.framework import Catalog
from digcomp.mobility.service import parties
from digcomp.plans import carry
from digcomp.plans.service import additional_outcomes, plan_of
from digcomp.store.models import (
    Evidence,
    Identification,
    Mobility,
    Outcome,
    OutcomeCompetence,
    Plan,
    PlanStatus,
    PlanVersion,
    Rating,
    SelfAssessment,
    SelfAssessmentPhase,
    Validation,
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

    def framework(self, default: str) -> str:
        """The framework the plan is written on (an outcome added beyond it is assessed on the same)."""
        return next((t.framework for o in self.outcomes for t in o.competences), default)

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


def max_level(catalog: Catalog, target: TargetSnapshot) -> int:
    return catalog.get(target.framework).max_level


def facts(record: Record, catalog: Catalog) -> list[rules.OutcomeFacts]:
    result = []
    for number, outcome in enumerate(record.version.outcomes, start=1):
        identification = record.identifications.get(outcome.id)
        result.append(
            rules.OutcomeFacts(
                number=number,
                targets=[
                    rules.Target(t.id, t.competence, t.target_level, max_level(catalog, t)) for t in outcome.competences
                ],
                worked_on=identification.worked_on if identification else None,
                evidence_count=record.evidence_counts.get(outcome.id, 0),
                ratings={
                    t.id: {r.assessor_id: r.level for r in record.ratings.get(t.id, [])} for t in outcome.competences
                },
            )
        )
    return result


def facts_of_outcome(record: Record, catalog: Catalog, outcome: OutcomeSnapshot) -> rules.OutcomeFacts:
    index = [o.id for o in record.version.outcomes].index(outcome.id)
    return facts(record, catalog)[index]


def audit_step(
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
