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

_BATCH = 1000


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
    from sevflow.domain.sla_marks import sla_marks
    from sevflow.domain.tickets import Ticket
    from sevflow.policy.loader import load_policy_text

    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer),
        sa.column("policy_version", sa.String),
        sa.column("state", sa.JSON),
        sa.column("title", sa.Text),
        sa.column("deadline_at", UTCDateTime),
        sa.column("deadline_clock", sa.String),
        sa.column("at_risk_at", UTCDateTime),
        sa.column("stalled_at", UTCDateTime),
        sa.column("sla_breached", sa.Boolean),
        sa.column("sla_paused", sa.Boolean),
        sa.column("gate", sa.Text),
        sa.column("gate_due_at", UTCDateTime),
    )
    policies = sa.table("policies", sa.column("version", sa.String), sa.column("source_text", sa.Text))
    loaded: dict[str, Any] = {}
    update = (
        tickets.update()
        .where(tickets.c.id == sa.bindparam("b_id"))
        .values(
            title=sa.bindparam("title"),
            deadline_at=sa.bindparam("deadline_at"),
            deadline_clock=sa.bindparam("deadline_clock"),
            at_risk_at=sa.bindparam("at_risk_at"),
            stalled_at=sa.bindparam("stalled_at"),
            sla_breached=sa.bindparam("sla_breached"),
            sla_paused=sa.bindparam("sla_paused"),
            gate=sa.bindparam("gate"),
            gate_due_at=sa.bindparam("gate_due_at"),
        )
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(tickets.c.id, tickets.c.policy_version, tickets.c.state)
            .where(tickets.c.id > last)
            .order_by(tickets.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        params = []
        for ticket_id, version, state in rows:
            policy = loaded.get(version)
            if policy is None:
                text = conn.execute(
                    sa.select(policies.c.source_text).where(policies.c.version == version)
                ).scalar_one()
                policy = loaded[version] = load_policy_text(text, f"stored policy {version}")
            ticket = Ticket.from_snapshot(policy, state)
            marks = sla_marks(ticket)
            params.append(
                {
                    "b_id": ticket_id,
                    "title": ticket.title,
                    "deadline_at": marks.deadline_at,
                    "deadline_clock": marks.deadline_clock.value if marks.deadline_clock else None,
                    "at_risk_at": marks.at_risk_at,
                    "stalled_at": marks.stalled_at,
                    "sla_breached": marks.breached,
                    "sla_paused": marks.paused,
                    "gate": marks.gate,
                    "gate_due_at": marks.gate_due_at,
                }
            )
        conn.execute(update, params)
        last = rows[-1][0]


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
