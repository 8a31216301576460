"""Read side: a ticket with its clocks, audit trail and scheduled due moments; ticket lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sevflow.domain.escalation import Decision, decide
from sevflow.domain.policy import ClockKind
from sevflow.domain.projection import Step, project
from sevflow.domain.sla import ClockState
from sevflow.domain.tickets import Ticket
from sevflow.services.changes import staffing_for
from sevflow.services.ports import StoredEvent, TicketFilter, UnitOfWork


@dataclass(frozen=True)
class ClockView:
    kind: ClockKind
    state: ClockState
    calendar: str
    target_seconds: int
    elapsed_seconds: int
    remaining_seconds: int
    percent: float
    deadline_at: datetime | None
    breached: bool
    met: bool | None


@dataclass(frozen=True)
class TicketView:
    ticket: Ticket
    clocks: tuple[ClockView, ...]
    events: tuple[StoredEvent, ...]
    plan: Decision
    projection: tuple[Step, ...]
    """What the engine would record if nobody acted (same ``run_due`` as the worker)."""
    now: datetime


def clock_views(ticket: Ticket, now: datetime) -> tuple[ClockView, ...]:
    views = []
    for kind, clock in ticket.clocks.items():
        cal = ticket.policy.calendar(clock.calendar)
        views.append(
            ClockView(
                kind=kind,
                state=clock.state,
                calendar=clock.calendar,
                target_seconds=clock.target_seconds,
                elapsed_seconds=clock.elapsed_seconds(cal, now),
                remaining_seconds=clock.remaining_seconds(cal, now),
                percent=round(clock.percent(cal, now), 1),
                deadline_at=clock.deadline_at(cal),
                breached=ticket.breached(kind),
                met=clock.met(),
            )
        )
    return tuple(views)


def show_ticket(uow: UnitOfWork, *, now: datetime, ticket_id: int) -> TicketView:
    """The ticket, its clocks at ``now``, its audit trail, what falls due next, and what the
    engine would do if nobody acted (both computed by the same code the worker runs)."""
    with uow:
        ticket = uow.tickets.get(ticket_id)
        events = uow.events.for_ticket(ticket_id)
        staffing = staffing_for(uow, ticket.policy, ticket.service_line)
    steps = tuple(project(ticket, now, staffing=staffing))
    return TicketView(ticket, clock_views(ticket, now), tuple(events), decide(ticket, now), steps, now)


def list_tickets(uow: UnitOfWork, query: TicketFilter) -> list[Ticket]:
    with uow:
        return uow.tickets.list(query)
