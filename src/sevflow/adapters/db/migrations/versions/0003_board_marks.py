"""The board's read model on tickets: the title, the SLA marks and the pending gate
(``domain.sla_marks``), and an
index to list open tickets by their nearest deadline. Existing tickets are filled in from their
snapshots, under the policy version each was opened with.

Written by hand to match ``sevflow/adapters/db/tables.py`` (a test compares the two).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from sevflow.adapters.db.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FILLED: dict[str, Any] = {
    "title": sa.Text,
    "deadline_at": UTCDateTime,
    "deadline_clock": sa.String,
    "at_risk_at": UTCDateTime,
    "stalled_at": UTCDateTime,
    "sla_breached": sa.Boolean,
    "sla_paused": sa.Boolean,
    "gate": sa.Text,
    "gate_due_at": UTCDateTime,
}
"""The columns filled in, with their types (instants stored as every save stores them)."""


def upgrade() -> None:
    op.add_column("tickets", sa.Column("title", sa.Text(), nullable=False, server_default=sa.text("''")))
    op.add_column("tickets", sa.Column("deadline_at", UTCDateTime(), nullable=True))
    op.add_column("tickets", sa.Column("deadline_clock", sa.String(64), nullable=True))
    op.add_column("tickets", sa.Column("at_risk_at", UTCDateTime(), nullable=True))
    op.add_column("tickets", sa.Column("stalled_at", UTCDateTime(), nullable=True))
    op.add_column(
        "tickets", sa.Column("sla_breached", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("tickets", sa.Column("sla_paused", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("tickets", sa.Column("gate", sa.Text(), nullable=True))
    op.add_column("tickets", sa.Column("gate_due_at", UTCDateTime(), nullable=True))
    op.create_index("ix_tickets_is_open_deadline_at", "tickets", ["is_open", "deadline_at"])
    _fill_in(op.get_bind())


def _fill_in(conn: sa.Connection) -> None:
    # imported here: only a database with tickets to fill in needs the domain and the loader
    from sevflow.adapters.db.migrations.stored_tickets import stored_tickets
    from sevflow.adapters.db.repositories.tickets import ticket_columns

    tickets = sa.table(
        "tickets", sa.column("id", sa.Integer), *(sa.column(name, kind) for name, kind in _FILLED.items())
    )
    update = (
        tickets.update()
        .where(tickets.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(name, type_=kind) for name, kind in _FILLED.items()})
    )
    for batch in stored_tickets(conn):
        rows = []
        for ticket in batch:
            columns = ticket_columns(ticket)  # the row every save writes
            rows.append({"b_id": ticket.id, **{name: columns[name] for name in _FILLED}})
        conn.execute(update, rows)


_ADDED = (
    "gate_due_at",
    "gate",
    "sla_paused",
    "sla_breached",
    "stalled_at",
    "at_risk_at",
    "deadline_clock",
    "deadline_at",
    "title",
)


def downgrade() -> None:
    op.drop_index("ix_tickets_is_open_deadline_at", table_name="tickets")
    for name in _ADDED:
        # SQLite 3.35+ drops a column in place; a batch copy of the table would trip its
        # foreign keys (events, timers and the outbox refer to tickets)
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE tickets DROP COLUMN {name}")
        else:
            op.drop_column("tickets", name)
