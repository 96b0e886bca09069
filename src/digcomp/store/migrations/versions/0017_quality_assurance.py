"""organisations: a school's quality assurance statement, stated on its European Digital Credentials

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("quality_assurance", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("quality_assurance")
