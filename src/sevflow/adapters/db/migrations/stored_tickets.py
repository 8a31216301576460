"""For migrations that fill in a read model from the tickets already stored: every ticket,
loaded from its snapshot under the policy version it runs under, a batch at a time."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from sevflow.domain.policy import Policy
from sevflow.domain.tickets import Ticket
from sevflow.policy.loader import load_policy_text

_TICKETS = sa.table(
    "tickets",
    sa.column("id", sa.Integer),
    sa.column("policy_version", sa.String),
    sa.column("state", sa.JSON),
    sa.column("is_open", sa.Boolean),
)
_POLICIES = sa.table("policies", sa.column("version", sa.String), sa.column("source_text", sa.Text))


def stored_tickets(
    conn: sa.Connection, *, closed_only: bool = False, batch: int = 1000
) -> Iterator[list[Ticket]]:
    """The stored tickets (with their ids), in id order, ``batch`` at a time; with
    ``closed_only``, only those no longer open. Each policy version is parsed once."""
    loaded: dict[str, Policy] = {}
    last = 0
    while True:
        statement = sa.select(_TICKETS.c.id, _TICKETS.c.policy_version, _TICKETS.c.state).where(
            _TICKETS.c.id > last
        )
        if closed_only:
            statement = statement.where(_TICKETS.c.is_open.is_(False))
        rows = conn.execute(statement.order_by(_TICKETS.c.id).limit(batch)).all()
        if not rows:
            return
        found = []
        for ticket_id, version, state in rows:
            policy = loaded.get(version)
            if policy is None:
                text = conn.execute(
                    sa.select(_POLICIES.c.source_text).where(_POLICIES.c.version == version)
                ).scalar_one()
                policy = loaded[version] = load_policy_text(text, f"stored policy {version}")
            ticket = Ticket.from_snapshot(policy, state)
            ticket.id = ticket_id
            found.append(ticket)
        yield found
        last = rows[-1][0]
