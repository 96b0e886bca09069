"""learning-agreement documents, progress reports, additionally acquired outcomes, planned recognition modules,
recognition committee members, consent to show the date of birth

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from digcomp.store.models import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("module_code", sa.String(50), nullable=False, server_default=""))
        batch.add_column(sa.Column("additional", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("added_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_outcomes_added_by_id_people"), "people", ["added_by_id"], ["id"])
    # Mobilities planned before monitoring existed agreed no progress reports (0); new ones default to weekly (7).
    op.add_column("mobilities", sa.Column("report_every_days", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("people", sa.Column("recognition_committee", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("people", sa.Column("date_of_birth_shown", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sha256", sa.String(64), nullable=False),
        sa.Column("signer_fingerprint", sa.String(64), nullable=False),
        sa.Column("signer_subject", sa.String(400), nullable=False),
        sa.ForeignKeyConstraint(["mobility_id"], ["mobilities.id"], name=op.f("fk_agreements_mobility_id_mobilities")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["plan_versions.id"], name=op.f("fk_agreements_version_id_plan_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("version_id", name=op.f("uq_agreements_version_id")),
    )
    op.create_index(op.f("ix_agreements_mobility_id"), "agreements", ["mobility_id"])
    op.create_table(
        "progress_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "author_role",
            sa.Enum(
                "learner",
                "coordinator",
                "mentor",
                "validator",
                "admin",
                name="report_role",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mobility_id"], ["mobilities.id"], name=op.f("fk_progress_reports_mobility_id_mobilities")
        ),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"], name=op.f("fk_progress_reports_author_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_reports")),
    )
    op.create_index(op.f("ix_progress_reports_mobility_id"), "progress_reports", ["mobility_id"])


def downgrade() -> None:
    op.drop_table("progress_reports")
    op.drop_table("agreements")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("date_of_birth_shown")
        batch.drop_column("recognition_committee")
    with op.batch_alter_table("mobilities") as batch:
        batch.drop_column("report_every_days")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_constraint(op.f("fk_outcomes_added_by_id_people"), type_="foreignkey")
        batch.drop_column("added_by_id")
        batch.drop_column("additional")
        batch.drop_column("module_code")
