"""outcomes and their competence targets: which one of the previous plan version each continues

A plan version copied from the agreed one links each outcome and target to the one it was copied from; an assessment
made under an earlier version (identification, evidence, notes, ratings, self-assessments) stays with the outcome
through later versions, as far as the outcome's competences and targets are unchanged.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outcomes_carried_from_id_outcomes", "outcomes", ["carried_from_id"], ["id"])
    with op.batch_alter_table("outcome_competences") as batch:
        batch.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_outcome_competences_carried_from_id_outcome_competences",
            "outcome_competences",
            ["carried_from_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("outcome_competences") as batch:
        batch.drop_constraint("fk_outcome_competences_carried_from_id_outcome_competences", type_="foreignkey")
        batch.drop_column("carried_from_id")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_constraint("fk_outcomes_carried_from_id_outcomes", type_="foreignkey")
        batch.drop_column("carried_from_id")
