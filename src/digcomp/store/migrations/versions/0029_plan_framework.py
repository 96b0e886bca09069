"""the DigComp version a school writes its new plans on

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("plan_framework", sa.String(32), nullable=False, server_default="digcomp-2.2"))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("plan_framework")
