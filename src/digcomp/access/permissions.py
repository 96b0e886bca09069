"""Who may do what, in one table: the actions of digcomp, the roles allowed each, and the relation to the mobility an
action needs. Services and web pages alike ask ``allowed`` (a page, to show a button) or ``require_allowed`` (a
service, before it changes anything). Plain Python, no I/O.

A role allows an action only where the person stands in that role to the mobility (``can_view``): the sending
school's staff for its own mobilities, the mentor for the mobilities she mentors (through a link: that one only),
the learner for their own. Actions without a mobility (school-level) are checked against the actor's own school by
the service.
"""

from __future__ import annotations

from enum import StrEnum

from digcomp.access.actor import Actor, MobilityParties, can_view, require
from digcomp.store.models import Role


class Action(StrEnum):
    view = "view"  # a mobility: its plan, assessment, progress, learning agreement
    plan = "plan"  # mobilities, plans, hosts and their people, mentor links, imports, the programme's modules
    identify = "identify"  # say whether an outcome was worked on
    add_evidence = "add_evidence"  # files and links
    write_note = "write_note"  # an observation note
    rate = "rate"  # an assessor's level for a competence
    self_assess = "self_assess"
    report_progress = "report_progress"
    add_additional = "add_additional"  # a competence acquired beyond the plan
    validate = "validate"  # validate a result, or reopen it
    issue = "issue"  # the signed statement
    revoke = "revoke"
    download_certificate = "download_certificate"
    recognise = "recognise"  # the results in the school's programme
    read_school = "read_school"  # the school's overview, audit trail, links, recognition pages
    administer = "administer"  # the school's staff, settings, privacy notice, committee, erasure


_STAFF = {Role.admin, Role.coordinator, Role.validator}
ALLOWED: dict[Action, frozenset[Role]] = {
    action: frozenset(roles)
    for action, roles in {
        Action.view: {*_STAFF, Role.mentor, Role.learner},
        Action.plan: {Role.admin, Role.coordinator},
        Action.identify: {Role.admin, Role.coordinator, Role.mentor, Role.learner},
        Action.add_evidence: {*_STAFF, Role.mentor, Role.learner},
        Action.write_note: {*_STAFF, Role.mentor},
        Action.rate: {Role.coordinator, Role.validator, Role.mentor},  # co-assessors then cannot validate
        Action.self_assess: {Role.learner},
        Action.report_progress: {Role.mentor, Role.learner},
        Action.add_additional: {Role.admin, Role.validator, Role.mentor},
        Action.validate: {Role.admin, Role.validator},
        Action.issue: set(_STAFF),
        Action.revoke: {Role.admin, Role.validator},
        Action.download_certificate: {*_STAFF, Role.learner},
        Action.recognise: {Role.admin, Role.validator},  # and any staff member named to the recognition committee
        Action.read_school: set(_STAFF),
        Action.administer: {Role.admin},
    }.items()
}

REFUSALS = {
    Action.view: "you cannot see this mobility",
    Action.plan: "only a coordinator or admin of the school can do this",
    Action.identify: "the learner, the host mentor or the coordinator identifies outcomes",
    Action.add_evidence: "you cannot add evidence to this mobility",
    Action.write_note: "observation notes are written by the mentor or the school; learners add files and links",
    Action.rate: "only the host mentor or the school's assessors rate competences",
    Action.self_assess: "only the learner assesses themself",
    Action.report_progress: "only the learner and the host mentor of this mobility send progress reports",
    Action.add_additional: "only the host mentor or a validator of the sending school adds a competence acquired "
    "beyond the plan",
    Action.validate: "only a validator of the sending school validates",
    Action.issue: "only the sending school's staff issue certificates",
    Action.revoke: "only a validator or admin of the issuing school can revoke a certificate",
    Action.download_certificate: "certificates are downloaded by the learner and the sending school",
    Action.recognise: "only the school's validators, admins and recognition committee recognise results",
    Action.read_school: "only the sending school's staff can do this",
    Action.administer: "only the school's admin can do this",
}


def allowed(actor: Actor, action: Action, mobility: MobilityParties | None = None) -> bool:
    """May ``actor`` do ``action`` (to ``mobility``, when the action concerns one)?"""
    role_allows = actor.role in ALLOWED[action] or (
        action is Action.recognise and actor.is_staff and actor.recognition_committee
    )
    if not role_allows or (actor.via_link is not None and actor.role is not Role.mentor):
        return False  # a link is a mentor's, never a way into the school's rights
    return mobility is None or can_view(actor, mobility)


def require_allowed(
    actor: Actor, action: Action, mobility: MobilityParties | None = None, message: str | None = None
) -> None:
    require(allowed(actor, action, mobility), message or REFUSALS[action])
