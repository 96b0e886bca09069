"""Demo data: a Latvian VET school, a host hotel in Spain, their people, and a mobility with an agreed plan.

Names are invented. Seeded once into an empty database by ``digcomp serve --demo``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digcomp.access import service as access
from digcomp.access.actor import Actor
from digcomp.assessment import evidence, records, stages
from digcomp.assessment.evidence_store import EvidenceStore
from digcomp.assessment.schemas import AdditionalOutcomeIn, DecisionIn, ValidationIn
from digcomp.framework import Catalog
from digcomp.mobility import progress
from digcomp.mobility import service as registry
from digcomp.mobility.schemas import MobilityCreate, OrganisationCreate, OrganisationUpdate, PersonCreate
from digcomp.plans import service as plans
from digcomp.plans.schemas import AssessmentMethod, CompetenceTarget, OutcomeIn
from digcomp.recognition import service as recognition
from digcomp.recognition.schemas import ModuleIn, RecognisedIn, RecognitionIn
from digcomp.settings import Settings
from digcomp.store.models import EvidenceKind, Mobility, Organisation, OrganisationKind, Person, Role

SCHOOL = "Rīgas Digitālo prasmju tehnikums"
DEMO_PASSWORD = "demo-parole-2026"
DEMO_LOGINS = {
    Role.admin: "admin@example.lv",
    Role.coordinator: "ilze.kalnina@example.lv",
    Role.validator: "peteris.ozols@example.lv",
    Role.learner: "janis.berzins@example.lv",
    Role.mentor: "lucia.garcia@example.es",
}
HOST = "Hotel Aurora Valencia"

# (outcome per language, competence, target level, criteria per language, methods)
DEMO_OUTCOMES = [
    (
        {
            "lv": "Izglītojamais patstāvīgi sagatavo viesnīcas pakalpojumu prezentāciju viesiem, izmantojot digitālos "
            "rīkus",
            "en": "Independently prepares a presentation of the hotel's services for guests, using digital tools",
            "es": "Prepara de forma autónoma una presentación de los servicios del hotel para los huéspedes, con "
            "herramientas digitales",
        },
        "3.1",
        3,
        {
            "lv": "Prezentācija ir pabeigta, saprotama viesiem un atbilst viesnīcas vizuālajam stilam",
            "en": "The presentation is complete, clear to guests and follows the hotel's visual style",
            "es": "La presentación está completa, es clara para los huéspedes y sigue el estilo visual del hotel",
        },
        [AssessmentMethod.product, AssessmentMethod.observation],
    ),
    (
        {
            "lv": "Apstrādā viesu personas datus rezervāciju sistēmā atbilstoši VDAR un viesnīcas noteikumiem",
            "en": "Handles guests' personal data in the booking system in line with GDPR and the hotel's rules",
            "es": "Trata los datos personales de los huéspedes en el sistema de reservas conforme al RGPD y a las "
            "normas del hotel",
        },
        "4.2",
        4,
        {
            "lv": "Personas dati netiek nodoti ārpus rezervāciju sistēmas; izglītojamais izskaidro viesnīcas privātuma "
            "noteikumus",
            "en": "No personal data is shared outside the booking system; the learner explains the hotel's privacy "
            "rules",
            "es": "Ningún dato personal sale del sistema de reservas; el estudiante explica las normas de privacidad "
            "del hotel",
        },
        [AssessmentMethod.observation, AssessmentMethod.interview],
    ),
    (
        {
            "lv": "Pieklājīgi un skaidri atbild uz viesu jautājumiem e-pastā un tērzētavā, pielāgojot toni katram "
            "viesim",
            "en": "Answers guest questions by e-mail and chat politely and clearly, adapting the tone to each guest",
            "es": "Responde a las preguntas de los huéspedes por correo electrónico y chat con cortesía y claridad, "
            "adaptando el tono a cada huésped",
        },
        "2.1",
        4,
        {
            "lv": "Atbildes ir savlaicīgas, pareizas un pieklājīgas; mentors pārskata desmit atbildes",
            "en": "Replies are timely, correct and polite; the mentor reviews ten replies",
            "es": "Las respuestas son puntuales, correctas y corteses; la tutora revisa diez respuestas",
        },
        [AssessmentMethod.observation, AssessmentMethod.product],
    ),
]
QUALIFICATION = {
    "lv": "Viesmīlības pakalpojumu speciālists",
    "en": "Hospitality services specialist",
    "es": "Especialista en servicios de hostelería",
}
OBJECTIVE = {
    "lv": "Darba vidē balstītas mācības viesnīcas reģistratūrā: digitālā saziņa ar viesiem un rezervācijas.",
    "en": "Work-based learning at a hotel front office: digital guest communication and bookings.",
    "es": "Aprendizaje en el puesto de trabajo en la recepción de un hotel: comunicación digital con los huéspedes y "
    "reservas.",
}
TASKS = {
    "lv": "Viesu reģistrācija rezervāciju sistēmā; atbildes viesiem e-pastā un tērzētavā; viesnīcas pakalpojumu "
    "prezentāciju sagatavošana; ieraksti sociālajos tīklos.",
    "en": "Reception and check-in in the booking system; answering guests by e-mail and chat; preparing "
    "presentations of the hotel's services; social media posts.",
    "es": "Recepción y registro de huéspedes en el sistema de reservas; respuestas a los huéspedes por correo "
    "electrónico y chat; preparación de presentaciones de los servicios del hotel; publicaciones en redes sociales.",
}


def placement_dates(around: dt.date) -> tuple[dt.date, dt.date]:
    """Thirteen weeks of placement, from the Monday of ``around``'s week to the Friday twelve weeks later."""
    start = around - dt.timedelta(days=around.weekday())
    return start, start + dt.timedelta(weeks=12, days=4)


def demo_outcome(
    text: dict[str, str], competence: str, level: int, criteria: dict[str, str], methods: list[AssessmentMethod]
) -> OutcomeIn:
    return OutcomeIn(
        text=text,
        competences=[CompetenceTarget(competence=competence, target_level=level)],
        criteria=criteria,
        methods=methods,
        module_code=next((code for c, code, *_ in DEMO_MODULES if c == competence), ""),
    )


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Organisation))


def seed(session: Session, catalog: Catalog, *, agree: bool = False) -> Mobility:
    """The demo school (with an admin login), host, people with logins, and a mobility with a draft plan
    (agreed by all three parties when ``agree``) for a placement starting in four weeks."""
    start, end = placement_dates(dt.date.today() + dt.timedelta(weeks=4))
    school = access.create_school(
        session, SCHOOL, "LV", "Admin", "Administrators", DEMO_LOGINS[Role.admin], DEMO_PASSWORD
    ).organisation_id
    admin = access.actor_of(_person(session, DEMO_LOGINS[Role.admin]))
    registry.update_organisation(
        session,
        admin,
        session.get_one(Organisation, school),
        OrganisationUpdate(
            address="Krišjāņa Valdemāra iela 1, Rīga, LV-1010",
            contact_name="Ilze Kalniņa",
            contact_email="ilze.kalnina@example.lv",
        ),
    )
    host = registry.create_organisation(
        session,
        admin,
        OrganisationCreate(
            name=HOST,
            kind=OrganisationKind.company,
            country="ES",
            address="Calle de la Paz 12, 46003 Valencia",
            contact_name="Lucía García",
            contact_email="lucia.garcia@example.es",
        ),
    )

    def person(org: int, given: str, family: str, role: Role, title: str = "", reads: str | None = None) -> Person:
        data = PersonCreate(
            organisation_id=org,
            given_name=given,
            family_name=family,
            role=role,
            email=DEMO_LOGINS[role],
            job_title=title,
            language=reads,
        )
        created = registry.create_person(session, admin, data)
        access.create_account(session, admin, created, access.AccountCreate(password=DEMO_PASSWORD))
        return created

    learner = person(school, "Jānis", "Bērziņš", Role.learner)
    coordinator = person(school, "Ilze", "Kalniņa", Role.coordinator, "Erasmus+ coordinator")
    person(school, "Pēteris", "Ozols", Role.validator, "Deputy director for studies")
    mentor = person(host.id, "Lucía", "García", Role.mentor, "Front office manager", reads="es")
    mobility = registry.create_mobility(
        session,
        admin,
        MobilityCreate(
            learner_id=learner.id,
            sending_organisation_id=school,
            host_organisation_id=host.id,
            coordinator_id=coordinator.id,
            mentor_id=mentor.id,
            start_date=start,
            end_date=end,
            programme="Erasmus+ KA121-VET",
            project_reference="2026-1-LV01-KA121-VET-000000001",
            qualification=QUALIFICATION,
            eqf_level=4,
            working_language="en",
            objective=OBJECTIVE,
            tasks=TASKS,
            group_name="RDPT-2026-ES",
        ),
    )
    coordinator_actor = access.actor_of(coordinator)
    programme_modules(session, coordinator_actor)
    version = plans.create_version(session, coordinator_actor, mobility, "Plan agreed before departure")
    for outcome in DEMO_OUTCOMES:
        plans.add_outcome(session, coordinator_actor, catalog, mobility, version, demo_outcome(*outcome))
    if agree:
        for party in (coordinator, mentor, learner):
            plans.confirm(session, access.actor_of(party), mobility, version)
    return mobility


def _person(session: Session, email: str) -> Person:
    return session.scalars(select(Person).where(Person.email == email)).one()


def actor_for(session: Session, role: Role) -> Actor:
    return access.actor_of(_person(session, DEMO_LOGINS[role]))


CERTIFICATE_GROUP = "RDPT-2025-ES-DEMO"


def _png(text: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 270), "#e8eef5")
    ImageDraw.Draw(image).text((20, 120), text, fill="#1f4e79")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def certificate_demo(session: Session, catalog: Catalog, settings: Settings) -> Mobility:
    """A second mobility of Jānis Bērziņš taken through every stage: agreed plan, identification, evidence
    (a photo and the mentor's notes), two assessors who disagree once, the validator's decision. Created once."""
    existing = session.scalars(select(Mobility).where(Mobility.group_name == CERTIFICATE_GROUP)).first()
    if existing is not None:
        return existing
    if is_empty(session):
        seed(session, catalog)
    coordinator, mentor = actor_for(session, Role.coordinator), actor_for(session, Role.mentor)
    learner, validator = actor_for(session, Role.learner), actor_for(session, Role.validator)
    template = session.scalars(select(Mobility).order_by(Mobility.id)).first()
    assert template is not None
    mobility = registry.create_mobility(
        session,
        coordinator,
        MobilityCreate(
            learner_id=learner.person_id,
            sending_organisation_id=template.sending_organisation_id,
            host_organisation_id=template.host_organisation_id,
            coordinator_id=coordinator.person_id,
            mentor_id=mentor.person_id,
            start_date=dt.date(2025, 9, 1),
            end_date=dt.date(2025, 11, 28),
            programme=template.programme,
            project_reference="2025-1-LV01-KA121-VET-000000002",
            qualification=dict(template.qualification),
            eqf_level=template.eqf_level,
            working_language="en",
            objective=dict(template.objective),
            tasks=dict(template.tasks),
            group_name=CERTIFICATE_GROUP,
        ),
    )
    version = plans.create_version(session, coordinator, mobility, "Plan agreed before departure")
    for outcome in DEMO_OUTCOMES:
        plans.add_outcome(session, coordinator, catalog, mobility, version, demo_outcome(*outcome))
    for party in (coordinator, mentor, learner):
        plans.confirm(session, party, mobility, version)

    weekly_reports(session, learner, mentor, mobility)
    store = EvidenceStore(Path(settings.data_dir) / "evidence")
    record = records.load(session, mobility)
    for agreed in record.version.outcomes:
        stages.identify(session, learner, record, agreed.id, True, "Worked on it every week at the front office")
    record = records.load(session, mobility, for_update=True)
    stages.add_additional(  # noticed by the mentor: not in the plan
        session,
        catalog,
        mentor,
        record,
        AdditionalOutcomeIn(
            text={"en": "Set up the hotel's new online check-in form and showed two colleagues how to use it"},
            competence=CompetenceTarget(competence="5.2", target_level=3),
        ),
    )
    record = records.load(session, mobility)
    first = record.version.outcomes[0]
    evidence.add_evidence(
        session,
        catalog,
        store,
        learner,
        evidence.addition_in(record, first.id),
        title="Presentation of the hotel's services",
        kind=EvidenceKind.file,
        upload=io.BytesIO(_png("Hotel Aurora: services for guests")),
        max_bytes=settings.max_upload_bytes,
    )
    notes = [
        "Prepared the presentation alone from the hotel's template and presented it to two guest groups.",
        "Used the booking system's privacy functions correctly for six weeks; explained the rules to a new colleague.",
        "Answered about 40 guest e-mails and chats politely; adapted the tone to business and family guests.",
        "Not in the plan: chose the check-in form's settings alone and wrote a one-page guide for the desk.",
    ]
    for agreed, note in zip(record.version.outcomes, notes, strict=True):
        evidence.add_evidence(
            session,
            catalog,
            store,
            mentor,
            evidence.addition_in(record, agreed.id),
            title="Mentor's observation",
            kind=EvidenceKind.note,
            text=note,
        )
    record = records.load(session, mobility)
    planned = "Observed daily at the front office; meets the agreed criteria at this level"
    ratings = [(4, planned), (4, planned), (4, planned), (3, "Solved a routine set-up need on their own: level 3")]
    for agreed, (level, justification) in zip(record.version.outcomes, ratings, strict=True):
        stages.rate(session, catalog, mentor, record, agreed.competences[0].id, level, justification)
    record = records.load(session, mobility)
    stages.rate(
        session,
        catalog,
        coordinator,
        record,
        record.version.outcomes[0].competences[0].id,
        3,
        "The slides follow the hotel template closely; little own design",
    )
    record = records.load(session, mobility)
    decision = DecisionIn(
        target_id=record.version.outcomes[0].competences[0].id,
        level=4,
        justification="The mentor saw the work daily; presenting to guest groups independently meets level 4",
    )
    validation = stages.validate(session, catalog, validator, record, ValidationIn(decisions=[decision]))
    recognise(session, coordinator, validator, mobility, validation)
    return mobility


WEEKLY = {
    Role.learner: [
        "Learnt the booking system and checked in guests with my mentor beside me.",
        "Answered guest e-mails on my own; my mentor read them before they were sent.",
        "Prepared the first slides of the presentation of the hotel's services.",
        "Handled two group check-ins alone; asked about the privacy rules for passports.",
    ],
    Role.mentor: [
        "Punctual and friendly with guests; needs more confidence on the phone.",
        "Good progress with the booking system; mistakes corrected without help.",
        "Presented the hotel's services to a guest group; well prepared.",
        "Works independently at the front desk now; follows the privacy rules.",
    ],
}


def weekly_reports(session: Session, learner: Actor, mentor: Actor, mobility: Mobility) -> None:
    """Progress reports of a placement that is over: one a week from each, except one week the mentor missed."""
    weeks = -(-((mobility.end_date - mobility.start_date).days + 1) // 7)
    for week in range(weeks):
        day = min(mobility.start_date + dt.timedelta(days=7 * week + 4), mobility.end_date)
        for actor in (learner, mentor):
            if actor is mentor and week == 5:
                continue
            report = progress.add_report(session, actor, mobility, WEEKLY[actor.role][week % 4], day)
            report.written_at = dt.datetime.combine(day, dt.time(15, 30), tzinfo=dt.UTC)


DEMO_MODULES = [
    ("3.1", "VPS-07", {"lv": "Viesnīcas pakalpojumu prezentēšana", "en": "Presenting the hotel's services"}, 40, 2.0),
    ("4.2", "VPS-04", {"lv": "Viesu datu aizsardzība", "en": "Protecting guests' data"}, 20, 1.0),
    ("2.1", "VPS-05", {"lv": "Digitālā saziņa ar viesiem", "en": "Digital communication with guests"}, 40, 2.0),
]


def programme_modules(session: Session, planner: Actor) -> dict[str, int]:
    """The school's programme modules (kept by the coordinator), created once: competence -> module id."""
    existing = {m.code: m for m in recognition.modules(session, planner.organisation_id)}
    by_competence = {}
    for competence, code, name, hours, credits in DEMO_MODULES:
        module = existing.get(code) or recognition.add_module(
            session, planner, ModuleIn(code=code, name=name, hours=hours, credits=credits)
        )
        by_competence[competence] = module.id
    return by_competence


def recognise(session: Session, planner: Actor, actor: Actor, mobility: Mobility, validation: Any) -> None:
    """The validated results recognised by the validator in the modules planned for them (grade 9 of 10)."""
    by_competence = programme_modules(session, planner)
    proposals = [
        RecognisedIn(result_id=r.id, module_id=by_competence[r.competence], grade="9")
        for r in validation.results
        if r.competence in by_competence and r.achieved_level
    ]
    recognition.recognise(
        session, actor, mobility, RecognitionIn(results=proposals, note="Recognised without further examination")
    )
