"""What will happen to a ticket if nobody acts: the engine run forward on a copy.

The projection calls the same ``run_due`` as the live worker, jumping ``now`` from one due moment
to the next, on a copy of the ticket -- so the preview cannot disagree with what the engine will
do (assuming no person acts and the staffing stays as given).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sevflow.domain.escalation import run_due
from sevflow.domain.events import Event
from sevflow.domain.staffing import NOBODY, Staffing
from sevflow.domain.tickets import Ticket


@dataclass(frozen=True)
class Step:
    """One thing the engine would record, with the tier and owner the ticket would then have."""

    event: Event
    tier: str
    owner: str | None


def project(
    ticket: Ticket,
    now: datetime,
    *,
    horizon: timedelta = timedelta(days=30),
    max_steps: int = 50,
    staffing: Staffing = NOBODY,
) -> list[Step]:
    """Events the engine would record from ``now`` up to ``now + horizon`` if nobody touched the
    ticket, at most ``max_steps``. The ticket itself is not changed."""
    copy = Ticket.from_snapshot(ticket.policy, ticket.to_snapshot())
    steps: list[Step] = []
    end = now + horizon
    at = now
    while len(steps) < max_steps:
        decision = run_due(copy, at, staffing)
        steps += [Step(e, copy.tier, copy.owner) for e in copy.pending]
        copy.pending.clear()
        copy.outbox.clear()
        upcoming = decision.next_due_at
        if upcoming is None or upcoming > end:
            break
        at = upcoming
    return steps[:max_steps]
