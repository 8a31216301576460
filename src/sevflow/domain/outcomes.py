"""What a ticket came to, for the metrics: how long its first response and resolution took (in
business time on its SLA calendar), whether each met its target, and how it was escalated.

One ``Outcome`` per ticket that left the open states (resolved, or closed without being
resolved); a reopened ticket has none until it is closed again. ``Totals`` add outcomes up: the
metrics page reads sums per day, so its cost does not grow with the number of tickets."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sevflow.domain.policy import ClockKind
from sevflow.domain.tickets import Ticket

DIMENSIONS = ("severity", "service_line", "customer_tier")
"""What the metrics can be broken down by."""


@dataclass(frozen=True)
class Outcome:
    ticket_id: int
    closed_at: datetime
    """When it left the open states (resolved, or closed without being resolved); UTC."""
    severity: str
    service_line: str
    customer_tier: str
    first_response_seconds: int | None
    """Business seconds to the first public response; ``None``: never responded."""
    first_response_met: bool | None
    resolution_seconds: int | None
    """Business seconds to resolution (pauses excluded); ``None``: closed without one."""
    resolution_met: bool | None
    escalations: int
    escalations_on_time: int
    """Escalations made before any SLA target of the ticket was missed."""

    @property
    def day(self) -> str:
        """The UTC day it closed, ``YYYY-MM-DD`` (what the daily sums are keyed by)."""
        return self.closed_at.date().isoformat()


def outcome_of(ticket: Ticket) -> Outcome | None:
    """The outcome of a ticket that is no longer open (``None`` while it is)."""
    if ticket.status.is_open or ticket.id is None:
        return None
    closed_at = ticket.resolved_at or ticket.closed_at or ticket.updated_at
    assert closed_at is not None
    first = ticket.clocks[ClockKind.FIRST_RESPONSE]
    responded = ticket.first_responded_at is not None
    resolution = ticket.clocks[ClockKind.RESOLUTION]
    resolved = ticket.resolved_at is not None and resolution.stopped_at is not None
    return Outcome(
        ticket_id=ticket.id,
        closed_at=closed_at,
        severity=ticket.severity.value,
        service_line=ticket.service_line,
        customer_tier=ticket.customer_tier,
        first_response_seconds=first.consumed_seconds if responded else None,
        first_response_met=first.met() if responded else False,
        resolution_seconds=resolution.consumed_seconds if resolved else None,
        resolution_met=resolution.met() if resolved else None,
        escalations=ticket.escalation_count,
        escalations_on_time=ticket.escalations_on_time,
    )


@dataclass(frozen=True)
class Totals:
    """Sums over outcomes. ``*_measured`` count the outcomes that had that measure."""

    tickets: int = 0
    first_response_measured: int = 0
    first_response_met: int = 0
    first_response_seconds: int = 0
    resolution_measured: int = 0
    resolution_met: int = 0
    resolution_seconds: int = 0
    escalated: int = 0
    """Tickets escalated at least once."""
    escalations: int = 0
    escalations_on_time: int = 0

    @classmethod
    def of(cls, outcome: Outcome, sign: int = 1) -> Totals:
        """One outcome's contribution (``sign=-1``: taking it back)."""
        fr = outcome.first_response_seconds
        res = outcome.resolution_seconds
        return cls(
            tickets=sign,
            first_response_measured=sign * (fr is not None),
            first_response_met=sign * bool(outcome.first_response_met),
            first_response_seconds=sign * (fr or 0),
            resolution_measured=sign * (res is not None),
            resolution_met=sign * bool(outcome.resolution_met),
            resolution_seconds=sign * (res or 0),
            escalated=sign * (outcome.escalations > 0),
            escalations=sign * outcome.escalations,
            escalations_on_time=sign * outcome.escalations_on_time,
        )

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    # -- the measures the page shows ---------------------------------------------------------

    @property
    def first_response_mean(self) -> float | None:
        return (
            self.first_response_seconds / self.first_response_measured
            if self.first_response_measured
            else None
        )

    @property
    def resolution_mean(self) -> float | None:
        return self.resolution_seconds / self.resolution_measured if self.resolution_measured else None

    @property
    def first_response_within(self) -> float | None:
        """Share of tickets whose first response met its target, in percent (one closed with no
        response counts as missed)."""
        return 100 * self.first_response_met / self.tickets if self.tickets else None

    @property
    def resolution_within(self) -> float | None:
        return 100 * self.resolution_met / self.resolution_measured if self.resolution_measured else None

    @property
    def escalation_rate(self) -> float | None:
        """Share of tickets escalated at least once, in percent."""
        return 100 * self.escalated / self.tickets if self.tickets else None

    @property
    def on_time_escalation_rate(self) -> float | None:
        """Share of escalations made before a target was missed, in percent."""
        return 100 * self.escalations_on_time / self.escalations if self.escalations else None


TOTAL_FIELDS = tuple(f.name for f in fields(Totals))
