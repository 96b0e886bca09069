"""school administration: the school's logo and colour

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-21 14:00:00

Password links are access tokens of a new kind (the kind column is a plain string): no change there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("logo", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("logo_media_type", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("brand_colour", sa.String(7), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("brand_colour")
        batch.drop_column("logo_media_type")
        batch.drop_column("logo")
