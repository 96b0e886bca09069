"""The signed learning agreement of an agreed plan version: made once, when one of the three parties first asks for
it, stored byte for byte, and verified like a statement (signature, register)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from digcomp.access.actor import Actor
from digcomp.access.permissions import Action, require_allowed
from digcomp.agreement.document import (
    ConfirmationLine,
    LearningAgreement,
    OutcomeLine,
    PlannedModule,
    TargetLine,
    agreement_document,
)
from digcomp.agreement.pdf import render_agreement
from digcomp.credentials import languages as document_languages
from digcomp.credentials.parties import party_of, person_of, register_parties
from digcomp.credentials.signing import (
    Attachment,
    SigningKey,
    key_fingerprint,
    key_subject,
    sign_pdf,
    signing_key,
)
from digcomp.credentials.template import load_template
from digcomp.credentials.verify import AGREEMENT_FILE, RegisterEntry, new_document_id, stated_competence
from digcomp.errors import Conflict, Term, erased
from digcomp.framework import Catalog
from digcomp.i18n import language_name
from digcomp.mobility.service import parties
from digcomp.plans.service import mentor_reads, version_hash, version_of
from digcomp.recognition.service import modules
from digcomp.settings import Settings
from digcomp.store.db import added_unless_duplicate
from digcomp.store.models import Agreement, Mobility, Plan, PlanStatus, PlanVersion, utcnow

CONFIRMATION_ORDER = ("coordinator", "mentor", "learner")
ID_PREFIX = "LA-"  # statements are DC-…: the register an id belongs to is read from it


def new_agreement_id(year: int) -> str:
    return new_document_id(ID_PREFIX, year)


def agreement_languages(mobility: Mobility, version: PlanVersion) -> list[str]:
    """The school's language and the host mentor's where the plan is written in it, else English."""
    written = [(o.text, o.criteria) for o in version.outcomes]
    return document_languages.default(mobility.sending_organisation.language, mentor_reads(mobility), written)


def build_agreement(
    session: Session,
    catalog: Catalog,
    base_url: str,
    mobility: Mobility,
    version: PlanVersion,
    agreement_id: str,
    languages: list[str] | None = None,
) -> LearningAgreement:
    school = mobility.sending_organisation
    languages = languages or agreement_languages(mobility, version)
    document_languages.check_written([(o.text, o.criteria) for o in version.outcomes], languages)
    programme = {m.code: m for m in modules(session, school.id)}
    outcomes = []
    for number, outcome in enumerate(version.outcomes, start=1):
        targets = []
        for target in outcome.competences:
            framework = catalog.get(target.framework)
            competence = framework.competence_by_id[target.competence]
            targets.append(
                TargetLine(
                    framework_name=framework.name,
                    framework_version=framework.version,
                    competence_id=competence.id,
                    competence_title=dict(competence.title),
                    target_level=target.target_level,
                    target_level_name=dict(framework.level_by_number[target.target_level].name),
                    level_descriptor=framework.descriptor_text(competence.id, target.target_level),
                )
            )
        module = programme.get(outcome.module_code)
        planned = (
            PlannedModule(code=module.code, name=dict(module.name), hours=module.hours, credits=module.credits)
            if module
            else None
        )
        outcomes.append(
            OutcomeLine(
                number=number,
                text=dict(outcome.text),
                criteria=dict(outcome.criteria),
                methods=list(outcome.methods),
                targets=targets,
                module=planned,
            )
        )
    confirmations = sorted(version.confirmations, key=lambda c: CONFIRMATION_ORDER.index(c.role.value))
    frameworks = {t.framework for o in version.outcomes for t in o.competences}
    attribution = sorted({a for f in frameworks for a in catalog.get(f).source.attribution})
    return LearningAgreement(
        agreement_id=agreement_id,
        issued_at=utcnow().replace(microsecond=0),
        languages=languages,
        verification_url=f"{base_url}/verify",
        learner=person_of(mobility.learner),
        sending=party_of(school, base_url, mobility.coordinator),
        host=party_of(mobility.host_organisation, base_url, mobility.mentor),
        mentor=person_of(mobility.mentor) if mobility.mentor else None,
        programme=mobility.programme,
        project_reference=mobility.project_reference,
        qualification=dict(mobility.qualification),
        objective=dict(mobility.objective),
        tasks=dict(mobility.tasks),
        working_language_name={lang: language_name(mobility.working_language, lang) for lang in languages},
        start_date=mobility.start_date,
        end_date=mobility.end_date,
        plan_version=version.number,
        content_hash=version_hash(version),
        outcomes=outcomes,
        average_mastery_level=school.average_mastery_level,
        report_every_days=mobility.report_every_days,
        confirmations=[
            ConfirmationLine(
                role=c.role.value,
                person=f"{c.person.given_name} {c.person.family_name}",
                confirmed_at=c.confirmed_at,
                content_hash=c.content_hash,
            )
            for c in confirmations
        ],
        attribution=[*attribution, "© European Union, CC BY 4.0."],
    )


def draft_preview(
    session: Session, catalog: Catalog, settings: Settings, actor: Actor, mobility: Mobility, number: int
) -> bytes:
    """What the parties are asked to agree to: the draft version laid out as its agreement will be, marked as a
    draft on every language line — unsigned, not stored, not registered."""
    require_allowed(actor, Action.view, parties(mobility), "only the three parties see the learning agreement")
    if mobility.learner.erased_at is not None:
        raise erased(mobility.learner.erased_at)
    version = version_of(session, mobility, number)
    if version.status is not PlanStatus.draft:
        raise Conflict(
            "plan version {number} is {status}: only a draft has a preview",
            number=number,
            status=Term(version.status.value),
        )
    content = build_agreement(session, catalog, settings.offline_base_url.rstrip("/"), mobility, version, "—")
    return render_agreement(load_template(), content.model_copy(update={"draft": True}), "")


def sign_agreement(agreement: LearningAgreement, key: SigningKey, public_url: str) -> bytes:
    fingerprint = key_fingerprint(key)
    document = json.dumps(agreement_document(agreement, public_url), ensure_ascii=False, indent=2)
    return sign_pdf(
        render_agreement(load_template(), agreement, fingerprint),
        key,
        attachments=[
            Attachment(
                AGREEMENT_FILE,
                document.encode("utf-8"),
                "application/json",
                "The learning agreement's content (machine-readable)",
            )
        ],
        reason=f"Learning agreement {agreement.agreement_id}",
        location=agreement.sending.name,
        languages=agreement.languages,
    )


def agreement_for(
    session: Session,
    catalog: Catalog,
    settings: Settings,
    actor: Actor,
    mobility: Mobility,
    number: int,
    base_url: str | None = None,
    languages: list[str] | None = None,
) -> Agreement:
    """The signed agreement of an agreed (or since superseded) plan version, made on first request: in
    ``languages`` (default: the school's language and English)."""
    require_allowed(actor, Action.view, parties(mobility), "only the three parties see the learning agreement")
    if mobility.learner.erased_at is not None:  # an agreement names the learner: none is made or kept after erasure
        raise erased(mobility.learner.erased_at)
    version = version_of(session, mobility, number)
    if version.status in (PlanStatus.draft, PlanStatus.replaced):
        raise Conflict(
            "plan version {number} is not agreed yet: the agreement exists once all three confirm it", number=number
        )
    existing = stored_agreement(session, version.id)
    if existing is not None:
        return existing
    base = (base_url or settings.offline_base_url).rstrip("/")
    content = build_agreement(session, catalog, base, mobility, version, new_agreement_id(utcnow().year), languages)
    key = signing_key(settings)
    pdf = sign_agreement(content, key, base)
    agreement = Agreement(
        id=content.agreement_id,
        mobility_id=mobility.id,
        version_id=version.id,
        issued_at=content.issued_at,
        content_hash=content.content_hash,
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        signer_fingerprint=key_fingerprint(key),
        signer_subject=key_subject(key),
    )
    if not added_unless_duplicate(session, agreement):  # another request made it first: theirs is the agreement
        made = stored_agreement(session, version.id)
        assert made is not None
        return made
    return agreement


def agreed_version_number(session: Session, mobility: Mobility) -> int | None:
    """The number of the mobility's plan version in force (the newest agreed one)."""
    query = (
        select(PlanVersion.number)
        .join(Plan, Plan.id == PlanVersion.plan_id)
        .where(Plan.mobility_id == mobility.id, PlanVersion.status == PlanStatus.agreed)
        .order_by(PlanVersion.number.desc())
    )
    return session.scalars(query).first()


def stored_agreement(session: Session, version_id: int) -> Agreement | None:
    query = select(Agreement).where(Agreement.version_id == version_id).options(undefer(Agreement.pdf))
    return session.scalars(query).first()


def register_entry(session: Session, agreement_id: str, catalog: Catalog | None = None) -> RegisterEntry | None:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        return None
    mobility = session.get_one(Mobility, agreement.mobility_id)
    version = session.get_one(PlanVersion, agreement.version_id)
    newer = session.scalars(
        select(PlanVersion.number).where(
            PlanVersion.plan_id == version.plan_id,
            PlanVersion.status == PlanStatus.agreed,
            PlanVersion.number > version.number,
        )
    ).first()
    return RegisterEntry(
        certificate_id=agreement.id,
        signer_fingerprint=agreement.signer_fingerprint,
        **register_parties(mobility),
        issued_at=agreement.issued_at,
        pdf_sha256=agreement.pdf_sha256,
        revoked_at=None,
        document="agreement",
        replaced_by_version=newer,
        competences=[
            stated_competence(catalog.get(t.framework), t.competence, "planned", None, t.target_level)
            for o in version.outcomes
            for t in o.competences
        ]
        if catalog is not None
        else [],
    )
