"""recognition that adds up: modules belong to a VET programme, a mobility names the learner's, grades on a scale

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programme_modules") as batch:
        batch.add_column(sa.Column("programme", sa.String(50), nullable=False, server_default=""))
    with op.batch_alter_table("mobilities") as batch:
        batch.add_column(sa.Column("vet_programme", sa.String(50), nullable=False, server_default=""))
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("grade_scale", sa.String(24), nullable=False, server_default="lv10"))
        batch.add_column(sa.Column("average_mastery_grade", sa.Integer(), nullable=False, server_default="4"))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("average_mastery_grade")
        batch.drop_column("grade_scale")
    with op.batch_alter_table("mobilities") as batch:
        batch.drop_column("vet_programme")
    with op.batch_alter_table("programme_modules") as batch:
        batch.drop_column("programme")
