"""texts per language, corrections (withdrawn evidence, reopened validations, superseding certificates)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 10:10:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from digcomp.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Official language of the countries a school is likely in; others default to English (changeable later).
_SCHOOL_LANGUAGES = {
    "LV": "lv",
    "LT": "lt",
    "EE": "et",
    "DE": "de",
    "AT": "de",
    "FR": "fr",
    "IT": "it",
    "ES": "es",
    "PL": "pl",
    "FI": "fi",
    "SE": "sv",
    "PT": "pt",
    "NL": "nl",
    "CZ": "cs",
    "SK": "sk",
    "HU": "hu",
}


def _as_map(language: str, text: str | None) -> str:
    return json.dumps({language: text} if text else {}, ensure_ascii=False)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("language", sa.String(2), nullable=False, server_default="en"))
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("language", sa.String(2), nullable=True))
    for code, language in _SCHOOL_LANGUAGES.items():
        bind.execute(sa.text("UPDATE organisations SET language = :l WHERE country = :c"), {"l": language, "c": code})

    # Outcomes: text and criteria become language maps (the outcome's single language until now).
    outcomes: Any = bind.execute(sa.text("SELECT id, text, language, criteria FROM outcomes")).fetchall()
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("text_map", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("criteria_map", sa.JSON(), nullable=True))
    for ident, text, language, criteria in outcomes:
        bind.execute(
            sa.text("UPDATE outcomes SET text_map = :t, criteria_map = :c WHERE id = :i"),
            {"t": _as_map(language, text), "c": _as_map(language, criteria), "i": ident},
        )
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("text")
        batch.drop_column("criteria")
        batch.drop_column("language")
    with op.batch_alter_table("outcomes") as batch:
        batch.alter_column("text_map", new_column_name="text", nullable=False)
        batch.alter_column("criteria_map", new_column_name="criteria", nullable=False)

    # Mobilities: qualification, objective and tasks become language maps (written in the working language).
    fields = ("qualification", "objective", "tasks")
    mobilities: Any = bind.execute(
        sa.text("SELECT id, working_language, qualification, objective, tasks FROM mobilities")
    ).fetchall()
    with op.batch_alter_table("mobilities") as batch:
        for name in fields:
            batch.add_column(sa.Column(f"{name}_map", sa.JSON(), nullable=True))
    for ident, language, *values in mobilities:
        bind.execute(
            sa.text("UPDATE mobilities SET qualification_map = :q, objective_map = :o, tasks_map = :t WHERE id = :i"),
            {
                "q": _as_map(language, values[0]),
                "o": _as_map(language, values[1]),
                "t": _as_map(language, values[2]),
                "i": ident,
            },
        )
    with op.batch_alter_table("mobilities") as batch:
        for name in fields:
            batch.drop_column(name)
    with op.batch_alter_table("mobilities") as batch:
        for name in fields:
            batch.alter_column(f"{name}_map", new_column_name=name, nullable=False)

    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("withdrawn_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=False, server_default=""))

    with op.batch_alter_table("validations") as batch:
        batch.drop_constraint("uq_validations_mobility_id", type_="unique")
        batch.create_index("ix_validations_mobility_id", ["mobility_id"], unique=False)
        batch.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("reopened_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reopened_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reopen_reason", sa.Text(), nullable=False, server_default=""))
        batch.create_foreign_key("fk_validations_reopened_by_id_people", "people", ["reopened_by_id"], ["id"])

    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("supersedes_id", sa.String(32), nullable=True))
        batch.create_foreign_key(
            "fk_certificates_supersedes_id_certificates", "certificates", ["supersedes_id"], ["id"]
        )


def downgrade() -> None:
    raise NotImplementedError("texts held per language cannot be folded back into one language without loss")
