"""How new tickets were triaged and how people corrected them (``triage_records``): the
severity model's labelled examples and its drift report.

Written by hand to match ``sevflow/adapters/db/tables.py`` (a test compares the two).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sevflow.adapters.db.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_records",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("service_line", sa.Text(), nullable=False),
        sa.Column("customer_tier", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("users_affected", sa.Integer(), nullable=False),
        sa.Column("proposed", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("model_severity", sa.String(64), nullable=True),
        sa.Column("model_version", sa.String(64), nullable=True),
        sa.Column("corrected_to", sa.String(64), nullable=True),
        sa.Column("corrected_at", UTCDateTime(), nullable=True),
        sa.Column("corrected_by", sa.Text(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_triage_records_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_triage_records"),
    )
    op.create_index("ix_triage_records_week", "triage_records", ["week"])


def downgrade() -> None:
    op.drop_index("ix_triage_records_week", table_name="triage_records")
    op.drop_table("triage_records")
