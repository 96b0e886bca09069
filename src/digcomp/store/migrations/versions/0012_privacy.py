"""privacy: erasable personal parts of audit entries, erasure mark, consents, privacy notices, retention, outbox

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 10:00:00

The audit log stays append-only except for one change: blanking an entry's personal part (label, before, after)
and its salt, keeping everything its hash covers. Entries already written have no personal digest and stay as
they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from digcomp.store.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SEALED = ("id", "chain", "seq", "at", "actor_id", "actor_role", "action", "entity", "mobility_id", "prev_hash", "hash")
ERASED = (
    "NEW.personal_digest IS NULL OR NEW.personal_salt IS NOT NULL OR NEW.actor_label <> '' "
    'OR NEW."before" IS NOT NULL OR NEW."after" IS NOT NULL'
)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("personal_salt", sa.String(32), nullable=True))
    op.add_column("audit_log", sa.Column("personal_digest", sa.String(64), nullable=True))
    _allow_only_erasure()
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("erased_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("retention_years", sa.Integer(), nullable=False, server_default="10"))
    op.create_table(
        "privacy_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.UniqueConstraint("organisation_id", "version", name="one_number_per_version"),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True, index=True),
        sa.Column("mobility_id", sa.Integer(), sa.ForeignKey("mobilities.id"), nullable=True, index=True),
        sa.Column("to_address", sa.String(254), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=True, unique=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True, index=True),
        sa.Column("last_error", sa.Text(), nullable=False),
    )


def _allow_only_erasure() -> None:
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f'NEW."{c}" IS DISTINCT FROM OLD."{c}"' for c in (*SEALED, "personal_digest"))
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'audit log is append-only'; END IF; "
            f"IF {changed} OR {ERASED} THEN "
            "RAISE EXCEPTION 'audit log is append-only (only personal data may be erased)'; END IF; "
            "RETURN NEW; END $$"
        )
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        columns = ", ".join(f'"{c}"' for c in (*SEALED, "personal_digest"))
        op.execute(
            f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE OF {columns} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_log_only_erasure BEFORE UPDATE ON audit_log "
            f"WHEN {ERASED} "
            "BEGIN SELECT RAISE(ABORT, 'audit log is append-only (only personal data may be erased)'); END"
        )


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("consents")
    op.drop_table("privacy_notices")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("retention_years")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("erased_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$"
        )
    else:
        op.execute("DROP TRIGGER audit_log_only_erasure")
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END"
        )
    op.drop_column("audit_log", "personal_digest")
    op.drop_column("audit_log", "personal_salt")
