"""audit chains: each head keeps the hash it replaced

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-21 18:00:00

PostgreSQL appends an entry in one statement that moves its chain's head (an upsert); the entry's link to the
previous entry is read back from the head, which is why the head keeps the hash it replaced.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_chains") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_chains") as batch:
        batch.drop_column("prev_hash")
