"""each certificate's bit in its school's revocation list (W3C Bitstring Status List)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Certificates issued before hold no bit: their credentials name no status list.
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        batch.create_unique_constraint(op.f("uq_certificates_status_index"), ["status_index"])


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_constraint(op.f("uq_certificates_status_index"), type_="unique")
        batch.drop_column("status_index")
