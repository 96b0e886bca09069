"""assessment, accounts, audit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 05:38:02.128002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from digcomp.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_accounts_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
        sa.UniqueConstraint("person_id", name=op.f("uq_accounts_person_id")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=24), nullable=False),
        sa.Column("actor_label", sa.String(length=300), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=200), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"], name=op.f("fk_audit_log_actor_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_entity"), ["entity"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_mobility_id"), ["mobility_id"], unique=False)

    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("api", "session", name="token_kind", native_enum=False, length=24), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_access_tokens_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_access_tokens_secret_hash")),
    )
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_tokens_account_id"), ["account_id"], unique=False)

    op.create_table(
        "mentor_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], name=op.f("fk_mentor_links_created_by_id_people")),
        sa.ForeignKeyConstraint(["mentor_id"], ["people.id"], name=op.f("fk_mentor_links_mentor_id_people")),
        sa.ForeignKeyConstraint(
            ["mobility_id"], ["mobilities.id"], name=op.f("fk_mentor_links_mobility_id_mobilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_links")),
    )
    with op.batch_alter_table("mentor_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentor_links_mobility_id"), ["mobility_id"], unique=False)

    op.create_table(
        "validations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("validator_id", sa.Integer(), nullable=False),
        sa.Column("validated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["mobility_id"], ["mobilities.id"], name=op.f("fk_validations_mobility_id_mobilities")),
        sa.ForeignKeyConstraint(["validator_id"], ["people.id"], name=op.f("fk_validations_validator_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validations")),
        sa.UniqueConstraint("mobility_id", name=op.f("uq_validations_mobility_id")),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("file", "link", "note", name="evidence_kind", native_enum=False, length=24), nullable=False
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("example_refs", sa.JSON(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["people.id"], name=op.f("fk_evidence_added_by_id_people")),
        sa.ForeignKeyConstraint(["mobility_id"], ["mobilities.id"], name=op.f("fk_evidence_mobility_id_mobilities")),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcomes.id"], name=op.f("fk_evidence_outcome_id_outcomes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_mobility_id"), ["mobility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_outcome_id"), ["outcome_id"], unique=False)

    op.create_table(
        "identifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("worked_on", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mobility_id"], ["mobilities.id"], name=op.f("fk_identifications_mobility_id_mobilities")
        ),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcomes.id"], name=op.f("fk_identifications_outcome_id_outcomes")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_identifications_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifications")),
        sa.UniqueConstraint("mobility_id", "outcome_id", name="mobility_outcome"),
    )
    with op.batch_alter_table("identifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identifications_mobility_id"), ["mobility_id"], unique=False)

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level >= 0", name=op.f("ck_ratings_level_not_negative")),
        sa.ForeignKeyConstraint(["assessor_id"], ["people.id"], name=op.f("fk_ratings_assessor_id_people")),
        sa.ForeignKeyConstraint(["mobility_id"], ["mobilities.id"], name=op.f("fk_ratings_mobility_id_mobilities")),
        sa.ForeignKeyConstraint(
            ["target_id"], ["outcome_competences.id"], name=op.f("fk_ratings_target_id_outcome_competences")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("target_id", "assessor_id", name="target_assessor"),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_mobility_id"), ["mobility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ratings_target_id"), ["target_id"], unique=False)

    op.create_table(
        "self_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column(
            "phase",
            sa.Enum("before", "after", name="self_assessment_phase", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mobility_id"], ["mobilities.id"], name=op.f("fk_self_assessments_mobility_id_mobilities")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["outcome_competences.id"], name=op.f("fk_self_assessments_target_id_outcome_competences")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_assessments")),
        sa.UniqueConstraint("target_id", "phase", name="target_phase"),
    )
    with op.batch_alter_table("self_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_self_assessments_mobility_id"), ["mobility_id"], unique=False)

    op.create_table(
        "validated_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("validation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("framework", sa.String(length=64), nullable=False),
        sa.Column("framework_version", sa.String(length=20), nullable=False),
        sa.Column("competence", sa.String(length=64), nullable=False),
        sa.Column("target_level", sa.Integer(), nullable=False),
        sa.Column("achieved_level", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("achieved", "not_achieved", "not_worked_on", name="result_status", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column(
            "decision",
            sa.Enum("unanimous", "validator", "not_worked_on", name="result_decision", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("assessor_levels", sa.JSON(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["outcome_id"], ["outcomes.id"], name=op.f("fk_validated_results_outcome_id_outcomes")),
        sa.ForeignKeyConstraint(
            ["target_id"], ["outcome_competences.id"], name=op.f("fk_validated_results_target_id_outcome_competences")
        ),
        sa.ForeignKeyConstraint(
            ["validation_id"], ["validations.id"], name=op.f("fk_validated_results_validation_id_validations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validated_results")),
    )
    with op.batch_alter_table("validated_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_validated_results_validation_id"), ["validation_id"], unique=False)

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registered_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_organisations_registered_by_id"), ["registered_by_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_organisations_registered_by_id_organisations"), "organisations", ["registered_by_id"], ["id"]
        )

    op.execute(sa.text(f"INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '{GENESIS}')"))
    _forbid_changes_to_audit_log()


GENESIS = "0" * 64


def _forbid_changes_to_audit_log() -> None:
    """The audit log is append-only in the database itself, not only in the code."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_is_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_organisations_registered_by_id_organisations"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_organisations_registered_by_id"))
        batch_op.drop_column("registered_by_id")

    with op.batch_alter_table("validated_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_validated_results_validation_id"))

    op.drop_table("validated_results")
    with op.batch_alter_table("self_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_assessments_mobility_id"))

    op.drop_table("self_assessments")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_target_id"))
        batch_op.drop_index(batch_op.f("ix_ratings_mobility_id"))

    op.drop_table("ratings")
    with op.batch_alter_table("identifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identifications_mobility_id"))

    op.drop_table("identifications")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_outcome_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_mobility_id"))

    op.drop_table("evidence")
    op.drop_table("validations")
    with op.batch_alter_table("mentor_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_links_mobility_id"))

    op.drop_table("mentor_links")
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_tokens_account_id"))

    op.drop_table("access_tokens")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_mobility_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_entity"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    op.drop_table("accounts")
    op.drop_table("audit_head")
