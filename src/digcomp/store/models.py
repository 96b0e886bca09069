"""Storage models (SQLAlchemy 2.0, typed). The shapes that cross the API boundary live in ``schemas`` modules."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


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
    superseded = "superseded"


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
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    country: Mapped[str] = mapped_column(String(2))
    address: Mapped[str] = mapped_column(String(400), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("organisation_id", "email", name="organisation_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(_enum(Role, "person_role"))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Mobility(Base):
    __tablename__ = "mobilities"
    __table_args__ = (CheckConstraint("end_date > start_date", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    sending_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    host_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    programme: Mapped[str] = mapped_column(String(100), default="Erasmus+")
    project_reference: Mapped[str] = mapped_column(String(100), default="")
    qualification: Mapped[str] = mapped_column(String(300), default="")
    working_language: Mapped[str] = mapped_column(String(2), default="en")
    objective: Mapped[str] = mapped_column(Text, default="")
    tasks: Mapped[str] = mapped_column(Text, default="")
    group_name: Mapped[str] = mapped_column(String(100), default="", index=True)
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
    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="version", order_by="Outcome.position", cascade="all, delete-orphan", lazy="selectin"
    )
    confirmations: Mapped[list[Confirmation]] = relationship(
        back_populates="version", order_by="Confirmation.confirmed_at", cascade="all, delete-orphan", lazy="selectin"
    )


class Outcome(Base):
    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    criteria: Mapped[str] = mapped_column(Text, default="")
    methods: Mapped[list[str]] = mapped_column(JSON, default=list)

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
