"""certificates: why a statement in force should be issued again (its mobility's details changed after issue)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 00:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("reissue_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("reissue_reason")
