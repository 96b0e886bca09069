"""self-assessments: the answers to the short "I can" statements the level was worked out from

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("self_assessments") as batch:
        batch.add_column(sa.Column("answers", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("self_assessments") as batch:
        batch.drop_column("answers")
