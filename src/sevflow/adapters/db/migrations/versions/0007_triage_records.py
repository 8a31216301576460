"""How new tickets were triaged and how people corrected them (``triage_records``): the
severity model's labelled examples, its drift report and the related-incident index's source.
Tickets already stored get their record from their events (created, and any override or gate
rejection since), so an upgraded database finds related incidents among its older tickets too.

Written by hand to match ``sevflow/adapters/db/tables.py`` (a test compares the two).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
    _backfill()


def _backfill() -> None:
    # the domain's own reading of the events, so a backfilled record is what intake would
    # have written; in pages of tickets, so a large database is not held in memory at once
    from sevflow.adapters.db.repositories.triage import record_row
    from sevflow.domain.events import Event, EventKind
    from sevflow.domain.triage_record import record_from

    bind = op.get_bind()
    events = sa.table(
        "ticket_events",
        sa.column("ticket_id", sa.Integer()),
        sa.column("seq", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("at", UTCDateTime()),
        sa.column("actor", sa.Text()),
        sa.column("reason", sa.Text()),
        sa.column("data", sa.JSON()),
    )
    records = sa.table("triage_records", *(sa.column(name, kind) for name, kind in _COLUMNS.items()))
    kinds = [EventKind.CREATED.value, EventKind.SEVERITY_CHANGED.value]
    after = 0
    while True:
        ids = (
            bind.execute(
                sa.select(events.c.ticket_id)
                .where(events.c.kind == EventKind.CREATED.value, events.c.ticket_id > after)
                .order_by(events.c.ticket_id)
                .limit(_PAGE)
            )
            .scalars()
            .all()
        )
        if not ids:
            return
        rows = bind.execute(
            sa.select(events)
            .where(events.c.ticket_id.between(ids[0], ids[-1]), events.c.kind.in_(kinds))
            .order_by(events.c.ticket_id, events.c.seq)
        )
        by_ticket: dict[int, list[Event]] = {}
        for r in rows:
            event = Event(EventKind(r.kind), r.at, r.actor, r.data, reason=r.reason)
            by_ticket.setdefault(r.ticket_id, []).append(event)
        found = [record_from(ticket_id, told) for ticket_id, told in by_ticket.items()]
        batch = [record_row(r) for r in found if r is not None]
        if batch:
            bind.execute(records.insert(), batch)
        after = ids[-1]


_PAGE = 5_000
_COLUMNS: dict[str, sa.types.TypeEngine[Any]] = {
    "ticket_id": sa.Integer(),
    "opened_at": UTCDateTime(),
    "week": sa.String(10),
    "title": sa.Text(),
    "description": sa.Text(),
    "service_line": sa.Text(),
    "customer_tier": sa.Text(),
    "channel": sa.Text(),
    "services": sa.JSON(),
    "users_affected": sa.Integer(),
    "proposed": sa.String(64),
    "source": sa.String(64),
    "model_severity": sa.String(64),
    "model_version": sa.String(64),
    "corrected_to": sa.String(64),
    "corrected_at": UTCDateTime(),
    "corrected_by": sa.Text(),
    "correction_reason": sa.Text(),
}


def downgrade() -> None:
    op.drop_index("ix_triage_records_week", table_name="triage_records")
    op.drop_table("triage_records")
