"""indexes a national data set showed missing: a mentor's and a coordinator's mobilities, the statement that
replaces a revoked one (looked up on every verification), and the references PostgreSQL checks when a draft's
outcome or competence is removed (each removal scanned every school's validated results)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 08:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None
INDEXES = (
    ("ix_mobilities_mentor_id", "mobilities", "mentor_id"),
    ("ix_mobilities_coordinator_id", "mobilities", "coordinator_id"),
    ("ix_certificates_supersedes_id", "certificates", "supersedes_id"),
    ("ix_outcomes_carried_from_id", "outcomes", "carried_from_id"),
    ("ix_outcome_competences_carried_from_id", "outcome_competences", "carried_from_id"),
    ("ix_identifications_outcome_id", "identifications", "outcome_id"),
    ("ix_validated_results_outcome_id", "validated_results", "outcome_id"),
    ("ix_validated_results_target_id", "validated_results", "target_id"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
