"""The rules of a plan's life, as plain functions: which steps are allowed and what they lead to.

draft --(confirmed by coordinator, host mentor and learner)--> agreed --(a newer version is agreed)--> superseded
An agreed version never changes; changing the plan after agreement starts a new draft version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from digcomp.access.actor import Actor, MobilityParties
from digcomp.errors import Conflict, Forbidden, Invalid
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
        except (UnknownFramework, UnknownCompetence) as exc:
            errors.append({"loc": where, "msg": str(exc)})
            continue
        if target.framework_version not in (None, framework.version):
            errors.append(
                {
                    "loc": [*where, "framework_version"],
                    "msg": f"{framework.id} is version {framework.version}, not {target.framework_version}",
                }
            )
        elif target.target_level > framework.max_level:
            errors.append(
                {"loc": [*where, "target_level"], "msg": f"{framework.id} has levels 1..{framework.max_level}"}
            )
        else:
            resolved.append(target.model_copy(update={"framework_version": framework.version}))
    keys = [(t.framework, t.competence) for t in resolved]
    if len(set(keys)) != len(keys):
        errors.append({"loc": list(loc), "msg": "the same competence is listed twice"})
    if errors:
        raise Invalid("the outcome's competences are not valid", errors)
    return resolved


def content_hash(outcomes: Iterable[dict[str, Any]]) -> str:
    """A fingerprint of what is being agreed: confirmations name it, so they cannot drift from the text."""
    canonical = json.dumps(list(outcomes), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ensure_editable(status: PlanStatus, number: int) -> None:
    if status is not PlanStatus.draft:
        raise Conflict(
            f"plan version {number} is {status.value} and cannot be changed; create a new version to change the plan"
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
    raise Forbidden(f"a {actor.role.value} does not confirm plans; the coordinator, host mentor and learner do")


def check_confirmation(
    actor: Actor,
    mobility: MobilityParties,
    status: PlanStatus,
    number: int,
    confirmed: Iterable[Role],
    outcome_count: int,
) -> Role:
    """May this actor confirm this version now? Returns the role they confirm as; raises with the reason."""
    role = confirmation_role(actor)
    if status is not PlanStatus.draft:
        raise Conflict(f"plan version {number} is already {status.value}")
    if outcome_count == 0:
        raise Conflict(f"plan version {number} has no learning outcomes yet; add them before confirming")
    if role in set(confirmed):
        raise Conflict(f"plan version {number} is already confirmed by the {role.value}")
    if role is Role.learner and actor.person_id != mobility.learner_id:
        raise Forbidden("only the mobility's learner can confirm as learner")
    if role is Role.mentor:
        if mobility.mentor_id is None:
            raise Conflict("the mobility has no host mentor yet; assign one first")
        if actor.person_id != mobility.mentor_id:
            raise Forbidden("only the mobility's host mentor can confirm as mentor")
    if role is Role.coordinator and actor.organisation_id != mobility.sending_organisation_id:
        raise Forbidden("only a coordinator of the sending school can confirm as coordinator")
    return role
