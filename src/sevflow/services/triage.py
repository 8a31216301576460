"""The severity model's feedback: people's corrections as labelled examples (for
``sevflow triage retrain``), and drift: how often intake's proposals were overridden, by week
and by proposed severity (``sevflow triage report``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sevflow.domain.access import Action
from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity
from sevflow.domain.triage_record import DriftRow, TicketTriage, TriageRecord, ticket_triage, week_of
from sevflow.services.actors import Actor
from sevflow.services.ports import UnitOfWork


@dataclass(frozen=True)
class Rate:
    triaged: int
    overridden: int

    @property
    def share(self) -> float | None:
        return self.overridden / self.triaged if self.triaged else None

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.triaged + other.triaged, self.overridden + other.overridden)


@dataclass(frozen=True)
class DriftReport:
    since: str
    """The first week (its Monday, ``YYYY-MM-DD``)."""
    weeks: list[tuple[str, Rate]]
    """Every week from ``since`` to this week, in order (weeks without tickets at zero)."""
    by_severity: dict[Severity, Rate]
    """Per proposed severity, over the whole period."""
    cells: dict[tuple[str, Severity], Rate]
    total: Rate


def drift_report(uow: UnitOfWork, *, now: datetime, actor: Actor, weeks: int = 12) -> DriftReport:
    """Override rates over the last ``weeks`` weeks (this one included)."""
    actor.require(Action.METRICS_READ)
    if not 1 <= weeks <= 520:
        raise InvalidInput(f"weeks must be between 1 and 520, got {weeks}")
    first = now - timedelta(weeks=weeks - 1)
    with uow:
        rows: list[DriftRow] = uow.triage.drift(first)
    since, this = week_of(first), week_of(now)
    every = []
    day = datetime.fromisoformat(since)
    while day.date().isoformat() <= this:
        every.append(day.date().isoformat())
        day += timedelta(weeks=1)
    cells = {(r.week, r.proposed): Rate(r.triaged, r.overridden) for r in rows}
    per_week = {w: Rate(0, 0) for w in every}
    by_severity: dict[Severity, Rate] = {}
    for (week, severity), rate in cells.items():
        per_week[week] = per_week.get(week, Rate(0, 0)) + rate
        by_severity[severity] = by_severity.get(severity, Rate(0, 0)) + rate
    total = sum(per_week.values(), Rate(0, 0))
    return DriftReport(
        since,
        sorted(per_week.items()),
        dict(sorted(by_severity.items(), key=lambda kv: kv[0].rank)),
        cells,
        total,
    )


def corrections(uow: UnitOfWork, *, actor: Actor, since: datetime | None = None) -> list[TriageRecord]:
    """Tickets whose severity a person set against intake's proposal, with what they set."""
    actor.require(Action.METRICS_READ)
    with uow:
        return uow.triage.overridden(since)


def triage_of(uow: UnitOfWork, *, ticket_id: int, actor: Actor) -> TicketTriage:
    """How the ticket was triaged and corrected (staff: the model's internals are not for
    customers)."""
    with uow:
        ticket = uow.tickets.get(ticket_id)
        actor.require(Action.TICKET_AUDIT, ticket_customer=ticket.customer)
        events = [stored.event for stored in uow.events.for_ticket(ticket_id)]
    return ticket_triage(events)
