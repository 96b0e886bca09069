"""The rules of a plan's life, as plain functions: which steps are allowed and what they lead to.

draft --(confirmed by coordinator, host mentor and learner)--> agreed --(a newer version is agreed)--> superseded
draft --(the mentor or learner asks for a change; the coordinator answers with a new draft)--> replaced
An agreed version never changes; changing the plan after agreement starts a new draft version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from digcomp.access.actor import Actor, MobilityParties
from digcomp.errors import Conflict, Forbidden, Invalid, LanguageName, Phrase, Term, problem
from digcomp.framework import Catalog, UnknownCompetence, UnknownFramework
from digcomp.plans.schemas import CompetenceTarget
from digcomp.store.models import PlanStatus, Role

REQUIRED_CONFIRMATIONS: tuple[Role, ...] = (Role.coordinator, Role.mentor, Role.learner)


def resolve_targets(
    catalog: Catalog, targets: Sequence[CompetenceTarget], loc: Sequence[str | int]
) -> list[CompetenceTarget]:
    """Check every target against its framework and fill in the framework version."""
    resolved, errors = [], []
    for i, target in enumerate(targets):
        where = [*loc, i]
        try:
            framework = catalog.get(target.framework)
            catalog.competence(framework.id, target.competence)
        except UnknownFramework:
            errors.append(problem([*where, "framework"], "unknown framework '{name}'", name=target.framework))
            continue
        except UnknownCompetence:
            errors.append(
                problem(
                    [*where, "competence"],
                    "{framework} has no competence '{competence}'",
                    framework=target.framework,
                    competence=target.competence,
                )
            )
            continue
        if target.framework_version not in (None, framework.version):
            errors.append(
                problem(
                    [*where, "framework_version"],
                    "{framework} is version {version}, not {given}",
                    framework=framework.id,
                    version=framework.version,
                    given=target.framework_version,
                )
            )
        elif target.target_level > framework.max_level:
            errors.append(
                problem(
                    [*where, "target_level"],
                    "{framework} has levels 1 to {top}",
                    framework=framework.id,
                    top=framework.max_level,
                )
            )
        else:
            resolved.append(target.model_copy(update={"framework_version": framework.version}))
    keys = [(t.framework, t.competence) for t in resolved]
    if len(set(keys)) != len(keys):
        errors.append(problem(list(loc), "the same competence is listed twice"))
    if errors:
        raise Invalid("the outcome's competences are not valid", errors)
    return resolved


Texts = Mapping[str, str]


@dataclass(frozen=True)
class PlanTexts:
    """What the host mentor must be able to read before agreeing: the outcomes (text and criteria) and the
    mobility's objective and tasks where the school wrote them."""

    objective: Texts
    tasks: Texts
    outcomes: Sequence[tuple[Texts, Texts]]  # (text, criteria) per outcome, in plan order


def mentor_languages(mentor_language: str | None, working_language: str) -> list[str]:
    """Languages the host mentor reads: their own (or else the mobility's working language), and English."""
    return list(dict.fromkeys([mentor_language or working_language, "en"]))


def missing_for_mentor(texts: PlanTexts, languages: Sequence[str]) -> list[Phrase]:
    def readable(values: Texts) -> bool:
        return any(values.get(language) for language in languages)

    missing = []
    if texts.objective and not readable(texts.objective):
        missing.append(Phrase("the mobility's objective"))
    if texts.tasks and not readable(texts.tasks):
        missing.append(Phrase("the tasks at the host"))
    for number, (text, criteria) in enumerate(texts.outcomes, start=1):
        if not readable(text):
            missing.append(Phrase("outcome {number}: its text", number=number))
        if not readable(criteria):
            missing.append(Phrase("outcome {number}: its assessment criteria", number=number))
    return missing


def languages_phrase(languages: Sequence[str]) -> Phrase:
    if len(languages) == 1:
        return Phrase("{language}", language=LanguageName(languages[0]))
    return Phrase("{first} or {second}", first=LanguageName(languages[0]), second=LanguageName(languages[1]))


def content_hash(outcomes: Iterable[dict[str, Any]]) -> str:
    """A fingerprint of what is being agreed: confirmations name it, so they cannot drift from the text."""
    canonical = json.dumps(list(outcomes), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ensure_editable(status: PlanStatus, number: int) -> None:
    if status is not PlanStatus.draft:
        raise Conflict(
            "plan version {number} is {status} and cannot be changed; create a new version to change the plan",
            number=number,
            status=Term(status.value),
        )


def missing_confirmations(confirmed: Iterable[Role]) -> list[Role]:
    done = set(confirmed)
    return [role for role in REQUIRED_CONFIRMATIONS if role not in done]


def confirmation_role(actor: Actor) -> Role:
    """The party an actor confirms for: coordinators and admins for the school, the host mentor, the learner."""
    if actor.role in (Role.coordinator, Role.admin):
        return Role.coordinator
    if actor.role in (Role.mentor, Role.learner):
        return actor.role
    raise Forbidden(
        "a {role} does not confirm plans; the coordinator, host mentor and learner do", role=Term(actor.role.value)
    )


def check_confirmation(
    actor: Actor,
    mobility: MobilityParties,
    status: PlanStatus,
    number: int,
    confirmed: Iterable[Role],
    outcome_count: int,
    missing_texts: Sequence[Phrase] = (),
    mentor_reads: Sequence[str] = ("en",),
    open_requests: int = 0,
) -> Role:
    """May this actor confirm this version now? Returns the role they confirm as; raises with the reason."""
    role = confirmation_role(actor)
    if status is not PlanStatus.draft:
        raise Conflict("plan version {number} is already {status}", number=number, status=Term(status.value))
    if outcome_count == 0:
        raise Conflict("plan version {number} has no learning outcomes yet; add them before confirming", number=number)
    if missing_texts:
        raise Conflict(
            "the plan cannot be agreed yet: the host mentor reads {languages}, and these texts are missing in it: "
            "{missing}",
            languages=languages_phrase(mentor_reads),
            missing=list(missing_texts),
        )
    if role in set(confirmed):
        raise Conflict("plan version {number} is already confirmed by the {role}", number=number, role=Term(role.value))
    if open_requests:
        raise Conflict(
            "plan version {number} waits for the coordinator's answer to a requested change: a new version",
            number=number,
        )
    _check_party(actor, mobility, role)
    return role


def _check_party(actor: Actor, mobility: MobilityParties, role: Role) -> None:
    if role is Role.learner and actor.person_id != mobility.learner_id:
        raise Forbidden("only the mobility's learner can confirm as learner")
    if role is Role.mentor:
        if mobility.mentor_id is None:
            raise Conflict("the mobility has no host mentor yet; assign one first")
        if actor.person_id != mobility.mentor_id:
            raise Forbidden("only the mobility's host mentor can confirm as mentor")
    if role is Role.coordinator and actor.organisation_id != mobility.sending_organisation_id:
        raise Forbidden("only a coordinator of the sending school can confirm as coordinator")


def check_change_request(
    actor: Actor, mobility: MobilityParties, status: PlanStatus, number: int, open_roles: Iterable[Role]
) -> Role:
    """May this actor decline this version or ask for a change now? Returns the role they ask as."""
    role = confirmation_role(actor)
    if role is Role.coordinator:
        raise Forbidden("the coordinator changes the plan itself; the host mentor and the learner ask for changes")
    if status not in (PlanStatus.draft, PlanStatus.agreed):
        raise Conflict(
            "plan version {number} is {status}; comment on the newest version", number=number, status=Term(status.value)
        )
    _check_party(actor, mobility, role)
    if role in set(open_roles):
        raise Conflict(
            "you already asked for a change to plan version {number}; the coordinator answers with a new version",
            number=number,
        )
    return role
