"""plans: organisations, people, mobilities, plan versions

Revision ID: 0001
Revises:
Create Date: 2026-11-21 05:26:38.975308
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from digcomp.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("school", "company", "other", name="organisation_kind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=50), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "learner",
                "coordinator",
                "mentor",
                "validator",
                "admin",
                name="person_role",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_people_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("organisation_id", "email", name="organisation_email"),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "mobilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("sending_organisation_id", sa.Integer(), nullable=False),
        sa.Column("host_organisation_id", sa.Integer(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("programme", sa.String(length=100), nullable=False),
        sa.Column("project_reference", sa.String(length=100), nullable=False),
        sa.Column("qualification", sa.String(length=300), nullable=False),
        sa.Column("working_language", sa.String(length=2), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("tasks", sa.Text(), nullable=False),
        sa.Column("group_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_date > start_date", name=op.f("ck_mobilities_dates_in_order")),
        sa.ForeignKeyConstraint(["coordinator_id"], ["people.id"], name=op.f("fk_mobilities_coordinator_id_people")),
        sa.ForeignKeyConstraint(
            ["host_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mobilities_host_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["learner_id"], ["people.id"], name=op.f("fk_mobilities_learner_id_people")),
        sa.ForeignKeyConstraint(["mentor_id"], ["people.id"], name=op.f("fk_mobilities_mentor_id_people")),
        sa.ForeignKeyConstraint(
            ["sending_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mobilities_sending_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mobilities")),
    )
    with op.batch_alter_table("mobilities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mobilities_group_name"), ["group_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_mobilities_host_organisation_id"), ["host_organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mobilities_learner_id"), ["learner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_mobilities_sending_organisation_id"), ["sending_organisation_id"], unique=False
        )

    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mobility_id"], ["mobilities.id"], name=op.f("fk_plans_mobility_id_mobilities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("mobility_id", name=op.f("uq_plans_mobility_id")),
    )
    op.create_table(
        "plan_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "agreed", "superseded", name="plan_status", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("agreed_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_versions_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_versions")),
        sa.UniqueConstraint("plan_id", "number", name="plan_number"),
    )
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_versions_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "learner",
                "coordinator",
                "mentor",
                "validator",
                "admin",
                name="confirmation_role",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_confirmations_person_id_people")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["plan_versions.id"], name=op.f("fk_confirmations_version_id_plan_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confirmations")),
        sa.UniqueConstraint("version_id", "role", name="version_role"),
    )
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_confirmations_version_id"), ["version_id"], unique=False)

    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("methods", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["plan_versions.id"], name=op.f("fk_outcomes_version_id_plan_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
    )
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcomes_version_id"), ["version_id"], unique=False)

    op.create_table(
        "outcome_competences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("framework", sa.String(length=64), nullable=False),
        sa.Column("framework_version", sa.String(length=20), nullable=False),
        sa.Column("competence", sa.String(length=64), nullable=False),
        sa.Column("target_level", sa.Integer(), nullable=False),
        sa.CheckConstraint("target_level >= 1", name=op.f("ck_outcome_competences_target_level_positive")),
        sa.ForeignKeyConstraint(
            ["outcome_id"], ["outcomes.id"], name=op.f("fk_outcome_competences_outcome_id_outcomes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_competences")),
    )
    with op.batch_alter_table("outcome_competences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcome_competences_outcome_id"), ["outcome_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("outcome_competences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcome_competences_outcome_id"))

    op.drop_table("outcome_competences")
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcomes_version_id"))

    op.drop_table("outcomes")
    with op.batch_alter_table("confirmations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confirmations_version_id"))

    op.drop_table("confirmations")
    with op.batch_alter_table("plan_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_versions_plan_id"))

    op.drop_table("plan_versions")
    op.drop_table("plans")
    with op.batch_alter_table("mobilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mobilities_sending_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_mobilities_learner_id"))
        batch_op.drop_index(batch_op.f("ix_mobilities_host_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_mobilities_group_name"))

    op.drop_table("mobilities")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_organisation_id"))

    op.drop_table("people")
    op.drop_table("organisations")
