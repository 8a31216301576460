"""The metrics' read model: ``ticket_outcomes`` (one row per closed ticket) and
``daily_outcomes`` (their sums per day, severity, service line and customer tier). Tickets
already closed are filled in from their snapshots.

Written by hand to match ``sevflow/adapters/db/tables.py`` (a test compares the two).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sevflow.adapters.db.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_outcomes",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
        sa.Column("severity", sa.String(64), nullable=False),
        sa.Column("service_line", sa.Text(), nullable=False),
        sa.Column("customer_tier", sa.Text(), nullable=False),
        sa.Column("first_response_seconds", sa.Integer(), nullable=True),
        sa.Column("first_response_met", sa.Boolean(), nullable=True),
        sa.Column("resolution_seconds", sa.Integer(), nullable=True),
        sa.Column("resolution_met", sa.Boolean(), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("escalations_on_time", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_ticket_outcomes_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_outcomes"),
    )
    op.create_table(
        "daily_outcomes",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("severity", sa.String(64), nullable=False),
        sa.Column("service_line", sa.Text(), nullable=False),
        sa.Column("customer_tier", sa.Text(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("first_response_measured", sa.Integer(), nullable=False),
        sa.Column("first_response_met", sa.Integer(), nullable=False),
        sa.Column("first_response_seconds", sa.BigInteger(), nullable=False),
        sa.Column("resolution_measured", sa.Integer(), nullable=False),
        sa.Column("resolution_met", sa.Integer(), nullable=False),
        sa.Column("resolution_seconds", sa.BigInteger(), nullable=False),
        sa.Column("escalated", sa.Integer(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("escalations_on_time", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "severity", "service_line", "customer_tier", name="pk_daily_outcomes"),
    )
    _fill_in(op.get_bind())


def _fill_in(conn: sa.Connection) -> None:
    # imported here: only a database with closed tickets needs the domain and the loader
    from sevflow.adapters.db.context import SqlContext
    from sevflow.adapters.db.migrations.stored_tickets import stored_tickets
    from sevflow.adapters.db.repositories.outcomes import SqlOutcomeRepository
    from sevflow.domain.outcomes import outcome_of

    repository = SqlOutcomeRepository(SqlContext.on(conn))
    for batch in stored_tickets(conn, closed_only=True):
        for ticket in batch:
            outcome = outcome_of(ticket)
            if outcome is not None:
                repository.record(outcome)


def downgrade() -> None:
    op.drop_table("daily_outcomes")
    op.drop_table("ticket_outcomes")
