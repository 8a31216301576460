"""Related incidents of a ticket: similar open or recent tickets, and whether one is probably
the same incident reported again (``likely_shared``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sevflow.domain.events import SYSTEM, Event, EventKind
from sevflow.domain.policy import Role

if TYPE_CHECKING:
    from sevflow.domain.tickets import Ticket


@dataclass(frozen=True)
class RelatedTicket:
    """A similar ticket as the index knows it."""

    ticket_id: int
    score: float
    """Cosine similarity of the two tickets' words, 0..1 (3 places)."""
    service_line: str
    opened_at: datetime
    open: bool
    likely_shared: bool
    """Open, on the same service line, opened within the policy's window, and a near-duplicate:
    probably one incident reported again (coordinate one escalation across the teams)."""


@dataclass(frozen=True)
class RelatedIncident:
    """A related ticket as shown: the index's facts and the ticket's own."""

    found: RelatedTicket
    title: str
    severity: str
    status: str
    owner: str | None = None


@dataclass(frozen=True)
class SharedWith:
    """An open ticket that is probably the same incident as another."""

    ticket_id: int
    score: float
    title: str
    owner: str | None


def note_likely_shared(ticket: Ticket, others: Sequence[SharedWith], *, now: datetime) -> None:
    """Record on ``ticket`` that ``others`` (open, same service line, opened within the policy's
    window, near-duplicates) are probably the same incident, once per set of tickets; its owner
    and tier lead and the others' owners are told (urgently at Sev1 and Sev2), so one escalation
    can be coordinated instead of several. Nothing is recorded for no others."""
    if not others:
        return
    ids = sorted(o.ticket_id for o in others)
    key = "shared:" + ",".join(map(str, ids))
    if key in ticket.fired:
        return
    listed = ", ".join(f'#{o.ticket_id} "{o.title}" (similarity {o.score:.2f})' for o in others)
    event = Event(
        EventKind.LIKELY_SHARED,
        now,
        SYSTEM,
        {"tickets": [{"id": o.ticket_id, "score": o.score, "title": o.title} for o in others]},
        reason=f"probably the same incident as {listed}: coordinate one escalation",
        key=key,
    )
    ticket.record(event)
    urgent = ticket.severity.rank <= 2
    ticket.notify(event, [Role.OWNER, Role.TIER_LEAD], urgent=urgent)
    owners = sorted({o.owner for o in others if o.owner and o.owner != ticket.owner})
    if owners:
        ticket.notify(event, [Role.OWNER], urgent=urgent, recipients=owners)
