"""people: an e-mail address is one person's within an organisation whatever its letter case

Two people of one organisation whose addresses differ only in case would share a login address and each other's
e-mails. Existing clashes are reported and the upgrade stops, so that someone decides which record is right.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 00:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    clashes = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT organisation_id, lower(email), count(*) FROM people WHERE email IS NOT NULL "
                "GROUP BY organisation_id, lower(email) HAVING count(*) > 1"
            )
        )
        .all()
    )
    if clashes:
        listed = "; ".join(f"organisation {org}: {email} ({count} people)" for org, email, count in clashes)
        raise RuntimeError(
            "people with the same e-mail address in different letter case: "
            f"{listed}. Correct or merge them (PATCH /api/v1/people/<id>), then run the migration again."
        )
    op.create_index(
        "uq_people_organisation_email_folded", "people", ["organisation_id", sa.text("lower(email)")], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_people_organisation_email_folded", table_name="people")
