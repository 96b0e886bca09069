"""evidence: whether a file shows the learner (a photo or video of them), which needs their consent

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-21 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("shows_learner", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("shows_learner")
