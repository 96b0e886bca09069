"""audit chains per mobility and organisation, anchored by checkpoints

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 10:30:00

The audit log table keeps its append-only triggers: columns are added (no table rebuild), and entries already
written keep their single chain (no chain, ordered by id) — nothing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("chain", sa.String(64), nullable=True))
    op.add_column("audit_log", sa.Column("seq", sa.Integer(), nullable=True))
    op.create_index("uq_audit_log_chain", "audit_log", ["chain", "seq"], unique=True)
    op.create_table(
        "audit_chains",
        sa.Column("chain", sa.String(64), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("checkpointed_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chains")),
    )


def downgrade() -> None:
    raise NotImplementedError("entries written in chains cannot be folded back into one chain")
