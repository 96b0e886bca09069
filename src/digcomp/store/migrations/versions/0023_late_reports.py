"""progress reports: a report filed late for a past period names it

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("progress_reports") as batch:
        batch.add_column(sa.Column("for_period", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("progress_reports") as batch:
        batch.drop_column("for_period")
