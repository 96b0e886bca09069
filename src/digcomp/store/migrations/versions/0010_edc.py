"""each certificate's European Digital Credential (Europass, ELM 3.2)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Certificates issued before have none; issuing a new one (after a correction) gives it one.
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("edc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("edc")
