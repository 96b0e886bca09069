"""What the assessment pages and answers show: the whole assessment, one competence, one outcome's stage."""

from __future__ import annotations

from digcomp.assessment import rules, self_check
from digcomp.assessment.records import Record, TargetSnapshot, facts, facts_of_outcome
from digcomp.assessment.schemas import (
    AssessmentView,
    CanDoOut,
    CombinedOut,
    CompetenceAssessment,
    EvidenceOut,
    OutcomeAssessment,
    OutcomeStatus,
    RatingOut,
    ResultOut,
    ValidationOut,
)
from digcomp.assessment.self_check import Answer
from digcomp.framework import Catalog, pick
from digcomp.store.models import (
    SelfAssessmentPhase,
)


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
        can_do=[
            CanDoOut(key=item.key, level=item.level, text=item.text, preamble=item.preamble)
            for item in self_check.can_do(catalog, target.framework, target.competence, target.target_level)
        ]
        if competence
        else [],
        self_answers={
            phase: {key: Answer(value) for key, value in s.answers.items()}
            for phase in SelfAssessmentPhase
            if (s := record.self_assessments.get((target.id, phase))) and s.answers
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
    outcome_facts = facts_of_outcome(record, catalog, outcome)
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
