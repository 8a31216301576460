"""Related incidents of a ticket: similar open or recent tickets, and whether one is probably
the same incident reported again (``likely_shared``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
