"""Storage models (SQLAlchemy 2.0, typed). The shapes that cross the API boundary live in ``schemas`` modules."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy import false as sql_false
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC timestamps on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def _enum(enum: type[StrEnum], name: str) -> SAEnum:
    return SAEnum(enum, name=name, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class OrganisationKind(StrEnum):
    school = "school"
    company = "company"
    other = "other"


class Role(StrEnum):
    learner = "learner"
    coordinator = "coordinator"
    mentor = "mentor"
    validator = "validator"
    admin = "admin"


class PlanStatus(StrEnum):
    draft = "draft"
    agreed = "agreed"
    superseded = "superseded"  # was agreed; a newer version is agreed
    replaced = "replaced"  # a draft never agreed: a party asked for a change and a newer draft answers it


class ChangeRequestKind(StrEnum):
    change = "change"  # "change this, then I agree"
    decline = "decline"  # "I cannot agree to this plan"


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The school that registered this host organisation; None for a school itself. A school sees its own records.
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    country: Mapped[str] = mapped_column(String(2))
    # The language the organisation writes in (a school's plans, labels of its statements); from the country.
    language: Mapped[str] = mapped_column(String(2), default="en")
    # A school's threshold for recognition without further examination: the DigComp level that counts as at least
    # "average mastery" (vidējais apguves līmenis) in its grading.
    average_mastery_level: Mapped[int] = mapped_column(Integer, default=3)
    # The scale the school grades recognised results on (``recognition.grades``), and its "average mastery" on it.
    grade_scale: Mapped[str] = mapped_column(String(24), default="lv10", server_default="lv10")
    average_mastery_grade: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    address: Mapped[str] = mapped_column(String(400), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    # A school keeps its learners' personal data this many years after their mobility ended (``digcomp retention``).
    retention_years: Mapped[int] = mapped_column(Integer, default=10, server_default="10")
    # A school's branding on its pages: its logo (PNG or JPEG) and main colour (#rrggbb; "" = the default).
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_media_type: Mapped[str] = mapped_column(String(20), default="", server_default="")
    brand_colour: Mapped[str] = mapped_column(String(7), default="", server_default="")
    # How a school assures the quality of what it certifies (e.g. its accreditation and internal review), stated on
    # its European Digital Credentials as the EU's micro-credential elements ask.
    quality_assurance: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The DigComp version a school's new plans are written on (a plan keeps the framework of its first outcome).
    plan_framework: Mapped[str] = mapped_column(String(32), default="digcomp-2.2", server_default="digcomp-2.2")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_media_type)


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("organisation_id", "email", name="organisation_email"),
        UniqueConstraint("organisation_id", "learner_number", name="organisation_learner_number"),
        Index("uq_people_organisation_email_folded", "organisation_id", text("lower(email)"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(50), default="", server_default="")
    # The school's own number for a learner (matric. nr.): how a re-imported spreadsheet recognises them.
    learner_number: Mapped[str | None] = mapped_column(String(50))
    role: Mapped[Role] = mapped_column(_enum(Role, "person_role"))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    # The person's own consent to show their date of birth on the documents issued to them (the statement).
    date_of_birth_shown: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())
    # The language the person reads (a host mentor's texts must exist in it or in English); None = not said.
    language: Mapped[str | None] = mapped_column(String(2))
    # A named member of the school's recognition committee: may recognise results though not a validator.
    recognition_committee: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # personal data erased (GDPR Art. 17)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Mobility(Base):
    __tablename__ = "mobilities"
    __table_args__ = (CheckConstraint("end_date > start_date", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    sending_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    host_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    programme: Mapped[str] = mapped_column(String(100), default="Erasmus+")
    project_reference: Mapped[str] = mapped_column(String(100), default="")
    # The learner's VET programme (its code): its modules, and the school's shared ones, recognise the results.
    vet_programme: Mapped[str] = mapped_column(String(50), default="", server_default="")
    # Texts held per language (language code -> text): the school's language, the working language, more.
    qualification: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The qualification's EQF level: it sets the proficiency levels suggested for the plan (None: the VET default).
    eqf_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    working_language: Mapped[str] = mapped_column(String(2), default="en")
    objective: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    tasks: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    group_name: Mapped[str] = mapped_column(String(100), default="", index=True)
    # How often the learner and the host mentor each send a short progress report (days); 0 = no reports agreed.
    report_every_days: Mapped[int] = mapped_column(Integer, default=7, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    learner: Mapped[Person] = relationship(foreign_keys=[learner_id], lazy="joined")
    coordinator: Mapped[Person | None] = relationship(foreign_keys=[coordinator_id], lazy="joined")
    mentor: Mapped[Person | None] = relationship(foreign_keys=[mentor_id], lazy="joined")
    sending_organisation: Mapped[Organisation] = relationship(foreign_keys=[sending_organisation_id], lazy="joined")
    host_organisation: Mapped[Organisation] = relationship(foreign_keys=[host_organisation_id], lazy="joined")


class Plan(Base):
    """The learning-outcome plan of a mobility. ``revision`` guards concurrent changes (optimistic locking):
    every change to any version of the plan bumps it, so two concurrent writers cannot both succeed."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012 - SQLAlchemy's declarative API


class PlanVersion(Base):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="plan_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[PlanStatus] = mapped_column(_enum(PlanStatus, "plan_status"), default=PlanStatus.draft)
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[Plan] = relationship(back_populates="versions")
    # The planned outcomes: what the parties agreed. Outcomes added during assessment (``Outcome.additional``) hang
    # on the agreed version they were assessed under but are not part of it: its content hash never sees them.
    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="version",
        primaryjoin="and_(PlanVersion.id == Outcome.version_id, Outcome.additional.is_(False))",
        order_by="Outcome.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    confirmations: Mapped[list[Confirmation]] = relationship(
        back_populates="version", order_by="Confirmation.confirmed_at", cascade="all, delete-orphan", lazy="selectin"
    )
    change_requests: Mapped[list[ChangeRequest]] = relationship(
        back_populates="version", order_by="ChangeRequest.id", cascade="all, delete-orphan", lazy="selectin"
    )


class Outcome(Base):
    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[dict[str, str]] = mapped_column(JSON)  # language code -> text
    criteria: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # language code -> text
    methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The programme module the school plans to recognise the outcome in (code of a ``ProgrammeModule``); "" = none.
    module_code: Mapped[str] = mapped_column(String(50), default="", server_default="")
    # An outcome not in the plan, added by a mentor or validator during the placement ("additionally acquired").
    additional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # The outcome of the previous plan version this one continues (copied from it, maybe reworded): what was assessed
    # under that version stays with it (``plans.carry``). None: new in this version.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id"), index=True)

    version: Mapped[PlanVersion] = relationship(back_populates="outcomes")
    competences: Mapped[list[OutcomeCompetence]] = relationship(
        back_populates="outcome", order_by="OutcomeCompetence.position", cascade="all, delete-orphan", lazy="selectin"
    )


class OutcomeCompetence(Base):
    """A competence an outcome is mapped to, named with framework and version so a framework update never
    silently changes an agreed plan."""

    __tablename__ = "outcome_competences"
    __table_args__ = (CheckConstraint("target_level >= 1", name="target_level_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    framework: Mapped[str] = mapped_column(String(64))
    framework_version: Mapped[str] = mapped_column(String(20))
    competence: Mapped[str] = mapped_column(String(64))
    target_level: Mapped[int] = mapped_column(Integer)
    # The same competence at the same target in the previous version: its ratings and self-assessments carry on.
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("outcome_competences.id"), index=True)

    outcome: Mapped[Outcome] = relationship(back_populates="competences")


class Confirmation(Base):
    __tablename__ = "confirmations"
    __table_args__ = (UniqueConstraint("version_id", "role", name="version_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "confirmation_role"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[PlanVersion] = relationship(back_populates="confirmations")
    person: Mapped[Person] = relationship(lazy="joined")


class ChangeRequest(Base):
    """The host mentor or the learner declines a plan version or asks for a change, with a comment; the coordinator
    answers with a new version (``answer_version``), whose change note is the answer."""

    __tablename__ = "plan_change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "change_request_role"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[ChangeRequestKind] = mapped_column(_enum(ChangeRequestKind, "change_request_kind"))
    comment: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))  # the comment's language, marked where it is shown
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answer_version: Mapped[int | None] = mapped_column(Integer)

    version: Mapped[PlanVersion] = relationship(back_populates="change_requests")
    person: Mapped[Person] = relationship(lazy="joined")


class Agreement(Base):
    """The signed learning-agreement document of one agreed plan version: made once, on first download, and kept
    byte for byte so anyone can verify a copy against the register."""

    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    content_hash: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    signer_subject: Mapped[str] = mapped_column(String(400))


class ProgressReport(Base):
    """A short progress note during the placement, from the learner or the host mentor (see
    ``Mobility.report_every_days``)."""

    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    author_role: Mapped[Role] = mapped_column(_enum(Role, "report_role"))
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    for_period: Mapped[int | None] = mapped_column(Integer)  # a past period it was filed for (late); None: when written
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")  # the text's, "" = not known

    author: Mapped[Person] = relationship(lazy="joined")


# --- accounts and access ------------------------------------------------------------------------------------


class Account(Base):
    """A login for a person. Their role and school come from the person."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")


class TokenKind(StrEnum):
    api = "api"
    session = "session"
    password = "password"  # a one-time link to set a password (an invitation or a reset): never a login


class AccessToken(Base):
    """Bearer tokens (API) and web sessions. Only a hash of the secret is stored."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[TokenKind] = mapped_column(_enum(TokenKind, "token_kind"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(lazy="joined")


class MentorLink(Base):
    """A signed, expiring link that lets a host mentor without an account document and assess one mobility."""

    __tablename__ = "mentor_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# --- assessment ------------------------------------------------------------------------------------------------


class SelfAssessmentPhase(StrEnum):
    before = "before"
    after = "after"


class EvidenceKind(StrEnum):
    file = "file"
    link = "link"
    note = "note"


class Identification(Base):
    """Stage 1 for one agreed outcome: did the learner work on it during the mobility?"""

    __tablename__ = "identifications"
    __table_args__ = (UniqueConstraint("mobility_id", "outcome_id", name="mobility_outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    worked_on: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SelfAssessment(Base):
    __tablename__ = "self_assessments"
    __table_args__ = (UniqueConstraint("target_id", "phase", name="target_phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("outcome_competences.id"))
    phase: Mapped[SelfAssessmentPhase] = mapped_column(_enum(SelfAssessmentPhase, "self_assessment_phase"))
    level: Mapped[int]
    # the "I can" statements answered (statement key -> yes | partly | not_yet); empty when a level was chosen
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evidence(Base):
    """Stage 2: a file (stored content-addressed by SHA-256), a link, or a mentor's observation note."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind, "evidence_kind"))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    media_type: Mapped[str | None] = mapped_column(String(100))
    example_refs: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A photo or video of the learner (not only of their work): kept only with the learner's consent to photos.
    shows_learner: Mapped[bool] = mapped_column(default=False, server_default=sql_false())
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")  # a note's text's
    added_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Withdrawn by its author before validation: no longer part of the assessment; kept for the audit trail.
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    added_by: Mapped[Person] = relationship(lazy="joined")


class Rating(Base):
    """Stage 3: one assessor's judgement of the achieved level of one competence (0 = not achieved)."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("target_id", "assessor_id", name="target_assessor"),
        CheckConstraint("level >= 0", name="level_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("outcome_competences.id"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    level: Mapped[int]
    justification: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")  # the justification's
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    assessor: Mapped[Person] = relationship(lazy="joined")


class Validation(Base):
    """Stage 4: the sending school's validator confirmed the result; the mobility's record is locked.
    A validator may reopen it with a justification: the validation stays on record (``reopened_at``) and a new
    assessment round starts; at most one validation per mobility is in force (not reopened)."""

    __tablename__ = "validations"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    plan_version: Mapped[int]
    validator_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    validated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    reopened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reopen_reason: Mapped[str] = mapped_column(Text, default="")

    validator: Mapped[Person] = relationship(foreign_keys=[validator_id], lazy="joined")
    results: Mapped[list[ValidatedResult]] = relationship(
        back_populates="validation", order_by="ValidatedResult.position", cascade="all, delete-orphan", lazy="selectin"
    )


class ResultStatus(StrEnum):
    achieved = "achieved"
    not_achieved = "not_achieved"
    not_worked_on = "not_worked_on"


class Decision(StrEnum):
    unanimous = "unanimous"  # every assessor gave the same level
    validator = "validator"  # assessors differed; the validator decided
    not_worked_on = "not_worked_on"


class ValidatedResult(Base):
    """One competence of one outcome as validated: the basis of the certificate."""

    __tablename__ = "validated_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    validation_id: Mapped[int] = mapped_column(ForeignKey("validations.id"), index=True)
    position: Mapped[int]
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("outcome_competences.id"), index=True)
    framework: Mapped[str] = mapped_column(String(64))
    framework_version: Mapped[str] = mapped_column(String(20))
    competence: Mapped[str] = mapped_column(String(64))
    target_level: Mapped[int]
    achieved_level: Mapped[int | None]
    status: Mapped[ResultStatus] = mapped_column(_enum(ResultStatus, "result_status"))
    decision: Mapped[Decision] = mapped_column(_enum(Decision, "result_decision"))
    assessor_levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    justification: Mapped[str] = mapped_column(Text, default="")

    validation: Mapped[Validation] = relationship(back_populates="results")


# --- recognition in the VET programme ----------------------------------------------------------------------------


class ProgrammeModule(Base):
    """A module or unit of a school's VET programme that mobility results can be recognised for."""

    __tablename__ = "programme_modules"
    __table_args__ = (UniqueConstraint("organisation_id", "code", name="organisation_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(50))
    programme: Mapped[str] = mapped_column(String(50), default="", server_default="")  # "": every programme
    name: Mapped[dict[str, str]] = mapped_column(JSON)  # language code -> name
    hours: Mapped[int | None]
    credits: Mapped[float | None]


class Recognition(Base):
    """Step four: the sending school recognises the validated results in the learner's programme. Final: a
    recognised result is not examined again."""

    __tablename__ = "recognitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    validation_id: Mapped[int] = mapped_column(ForeignKey("validations.id"), unique=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    decided_by: Mapped[Person] = relationship(lazy="joined")
    results: Mapped[list[RecognisedResult]] = relationship(
        back_populates="recognition", order_by="RecognisedResult.id", cascade="all, delete-orphan", lazy="selectin"
    )


class RecognisedResult(Base):
    __tablename__ = "recognised_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    recognition_id: Mapped[int] = mapped_column(ForeignKey("recognitions.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("validated_results.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("programme_modules.id"))
    hours: Mapped[int | None]
    credits: Mapped[float | None]
    grade: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")  # why a result below the threshold is recognised

    recognition: Mapped[Recognition] = relationship(back_populates="results")
    module: Mapped[ProgrammeModule] = relationship(lazy="joined")


# --- audit -----------------------------------------------------------------------------------------------------


class AuditEntry(Base):
    """Append-only and hash-chained: each entry's hash covers its content and the previous entry's hash in its
    chain (one chain per mobility, per organisation for the rest). The database refuses UPDATE and DELETE on this
    table (triggers in the migration). Entries written before chains existed have no chain: they form the first,
    single chain, ordered by id."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("chain", "seq", name="chain_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str | None] = mapped_column(String(64))
    seq: Mapped[int | None]
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_role: Mapped[str] = mapped_column(String(24))
    actor_label: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(200), index=True)
    mobility_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The hash covers ``personal_digest`` = sha256(salt + actor_label, before, after); erasure blanks those and the
    # salt, the only change the database allows (triggers), so the chain still verifies (see ``audit.chain``).
    personal_salt: Mapped[str | None] = mapped_column(String(32))
    personal_digest: Mapped[str | None] = mapped_column(String(64))


class AuditHead(Base):
    """The newest entry of the first, single chain (entries written before chains existed); no longer appended."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditChain(Base):
    """The newest entry of one chain. An appender locks only its chain's row, so writes of different mobilities
    and schools never wait for each other. ``checkpointed_seq`` is how far the global checkpoint chain vouches;
    ``prev_hash`` is the hash the newest entry replaced (its link, read back by the append that moved the head)."""

    __tablename__ = "audit_chains"

    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    checkpointed_seq: Mapped[int] = mapped_column(default=0)


class RateLimitCounter(Base):
    """One fixed window of one rate limit (e.g. failed logins from one address), shared by every process."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float]


# --- privacy and e-mail -----------------------------------------------------------------------------------------


class PlanTemplate(Base):
    """A school's plan for a group, written once: outcomes (as ``OutcomeIn`` documents) applied to many mobilities.
    A change makes the next version (``version``); each application copies the outcomes into a mobility's draft."""

    __tablename__ = "plan_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PrivacyNotice(Base):
    """A version of a school's privacy notice; the newest is in force. Consents name the version they were given to."""

    __tablename__ = "privacy_notices"
    __table_args__ = (UniqueConstraint("organisation_id", "version", name="one_number_per_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    version: Mapped[int]
    text: Mapped[dict[str, str]] = mapped_column(JSON)  # language code -> text
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class ConsentKind(StrEnum):
    photos = "photos"  # photos of the learner as evidence
    date_of_birth = "date_of_birth"  # the date of birth printed on the statement


class Consent(Base):
    """One answer of a learner (or their parent, recorded by the school) to one question; the newest answer holds."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[ConsentKind] = mapped_column(_enum(ConsentKind, "consent_kind"))
    granted: Mapped[bool]
    notice_version: Mapped[int | None]
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class OutgoingMail(Base):
    """An e-mail waiting to be sent, written in the transaction of the event it tells about, so nothing is lost
    when the mail server is down; the sender retries with growing pauses. ``dedupe_key`` keeps a reminder single."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    mobility_id: Mapped[int | None] = mapped_column(ForeignKey("mobilities.id"), index=True)  # the one it is about
    to_address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


# --- certificates ----------------------------------------------------------------------------------------------


class Certificate(Base):
    """An issued, signed recognition statement. The signed PDF is stored with its row, so a certificate is either
    fully issued or not at all."""

    __tablename__ = "certificates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    mobility_id: Mapped[int] = mapped_column(ForeignKey("mobilities.id"), index=True)
    validation_id: Mapped[int] = mapped_column(ForeignKey("validations.id"), index=True)
    languages: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    credential: Mapped[str] = mapped_column(Text, deferred=True)
    # The European Digital Credential (ELM 3.2) of the statement; None for certificates issued before it existed.
    edc: Mapped[str | None] = mapped_column(Text, deferred=True)
    # Whether there is one, without loading it (in the class body ``edc`` is still the MappedColumn).
    has_edc: Mapped[bool] = column_property(edc.column.is_not(None))  # type: ignore[attr-defined]
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    signer_subject: Mapped[str] = mapped_column(String(400))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    # The mobility's details changed after issue (a corrected import): the statement should be revoked and issued
    # again; says what changed. "" = nothing pending.
    reissue_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The revoked certificate of the same mobility that this one replaces (issued after a correction).
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    # Its bit in the sending school's revocation list (``credentials.status_list``); unique across all lists.
    status_index: Mapped[int | None] = mapped_column(unique=True)
