"""the qualification's EQF level on each mobility

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing mobilities keep no level: their suggestions use the VET default, as before.
    with op.batch_alter_table("mobilities") as batch:
        batch.add_column(sa.Column("eqf_level", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mobilities") as batch:
        batch.drop_column("eqf_level")
