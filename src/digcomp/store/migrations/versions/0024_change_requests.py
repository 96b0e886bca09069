"""plan change requests: the host mentor or the learner declines a version or asks for a change

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from digcomp.store.models import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_change_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("plan_versions.id"), nullable=False),
        sa.Column("role", sa.String(24), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer_version", sa.Integer(), nullable=True),
    )
    op.create_index("ix_plan_change_requests_version_id", "plan_change_requests", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_plan_change_requests_version_id", "plan_change_requests")
    op.drop_table("plan_change_requests")
