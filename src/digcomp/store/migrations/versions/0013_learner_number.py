"""the school's own learner number on each person, unique within the school

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-21 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("learner_number", sa.String(50), nullable=True))
        batch.create_unique_constraint("organisation_learner_number", ["organisation_id", "learner_number"])


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint("organisation_learner_number", type_="unique")
        batch.drop_column("learner_number")
