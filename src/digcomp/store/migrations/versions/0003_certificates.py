"""certificates

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 05:55:22.411236
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from digcomp.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "certificates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("mobility_id", sa.Integer(), nullable=False),
        sa.Column("validation_id", sa.Integer(), nullable=False),
        sa.Column("languages", sa.String(length=16), nullable=False),
        sa.Column("issued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("credential", sa.Text(), nullable=False),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("signer_subject", sa.String(length=400), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["issued_by_id"], ["people.id"], name=op.f("fk_certificates_issued_by_id_people")),
        sa.ForeignKeyConstraint(
            ["mobility_id"], ["mobilities.id"], name=op.f("fk_certificates_mobility_id_mobilities")
        ),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["people.id"], name=op.f("fk_certificates_revoked_by_id_people")),
        sa.ForeignKeyConstraint(
            ["validation_id"], ["validations.id"], name=op.f("fk_certificates_validation_id_validations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_mobility_id"), ["mobility_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_validation_id"), ["validation_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_validation_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_mobility_id"))

    op.drop_table("certificates")
