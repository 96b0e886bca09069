"""recognition of validated results in the school's VET programme

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from digcomp.store.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisations", sa.Column("average_mastery_level", sa.Integer(), nullable=False, server_default="3"))
    op.create_table(
        "programme_modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("credits", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_programme_modules_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_modules")),
        sa.UniqueConstraint("organisation_id", "code", name=op.f("uq_programme_modules_organisation_id")),
    )
    op.create_index(op.f("ix_programme_modules_organisation_id"), "programme_modules", ["organisation_id"])
    op.create_table(
        "recognitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("validation_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mobility_id"], ["mobilities.id"], name=op.f("fk_recognitions_mobility_id_mobilities")
        ),
        sa.ForeignKeyConstraint(
            ["validation_id"], ["validations.id"], name=op.f("fk_recognitions_validation_id_validations")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["people.id"], name=op.f("fk_recognitions_decided_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognitions")),
        sa.UniqueConstraint("validation_id", name=op.f("uq_recognitions_validation_id")),
    )
    op.create_index(op.f("ix_recognitions_mobility_id"), "recognitions", ["mobility_id"])
    op.create_table(
        "recognised_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recognition_id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("credits", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recognition_id"], ["recognitions.id"], name=op.f("fk_recognised_results_recognition_id_recognitions")
        ),
        sa.ForeignKeyConstraint(
            ["result_id"], ["validated_results.id"], name=op.f("fk_recognised_results_result_id_validated_results")
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["programme_modules.id"], name=op.f("fk_recognised_results_module_id_programme_modules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognised_results")),
    )
    op.create_index(op.f("ix_recognised_results_recognition_id"), "recognised_results", ["recognition_id"])


def downgrade() -> None:
    op.drop_table("recognised_results")
    op.drop_table("recognitions")
    op.drop_table("programme_modules")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("average_mastery_level")
