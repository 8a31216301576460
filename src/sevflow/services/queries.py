"""Read side: a ticket with its clocks, audit trail and scheduled due moments; ticket lists.

Customers see their own organisation's tickets only, and of a ticket's trail only what was
said to them: its opening, status changes and public comments (never internal comments, who it
was escalated to, or the rules that fired)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sevflow.domain.access import Action
from sevflow.domain.accounts import AuditEntry
from sevflow.domain.escalation import Decision, decide
from sevflow.domain.events import EventKind
from sevflow.domain.policy import ClockKind
from sevflow.domain.projection import Step, project
from sevflow.domain.sla import ClockState
from sevflow.domain.sla_marks import AT_RISK_PERCENT, SlaState, sla_marks
from sevflow.domain.tickets import Ticket
from sevflow.services.actors import Actor
from sevflow.services.changes import staffing_for
from sevflow.services.ports import DeliveryRecord, OutboxMessage, StoredEvent, TicketFilter, UnitOfWork

__all__ = [
    "AT_RISK_PERCENT",
    "ClockView",
    "SlaState",
    "TicketView",
    "list_tickets",
    "show_ticket",
    "sla_state",
]


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
    notifications: tuple[OutboxMessage, ...] = ()
    """The notifications queued about the ticket (``with_notifications``; staff only)."""


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


def sla_state(ticket: Ticket, now: datetime) -> SlaState:
    """``breached`` if any SLA clock is past its target, ``at_risk`` if a running one has used
    ``AT_RISK_PERCENT`` or more of its target, else ``ok``."""
    return sla_marks(ticket).state_at(now)


CUSTOMER_VISIBLE = frozenset({EventKind.CREATED, EventKind.STATUS_CHANGED, EventKind.COMMENTED})
INTERNAL_DATA = frozenset(
    {"severity_source", "proposed_severity", "matched_rules", "tier", "team", "policy_version"}
)
"""Fields of a ticket's opening that are about internal handling (never shown to customers)."""


def _as_told(s: StoredEvent) -> StoredEvent:
    """An event as a customer sees it: without internal handling, the rules that fired or the
    reason the opening recorded (it names the intake rules)."""
    e = s.event
    data = {k: v for k, v in e.data.items() if k not in INTERNAL_DATA}
    reason = None if e.kind is EventKind.CREATED else e.reason
    return replace(s, event=replace(e, data=data, reason=reason, rule=None))


def visible_to(actor: Actor | None, events: list[StoredEvent]) -> list[StoredEvent]:
    """The events ``actor`` may see: all of them for staff, for customers the ones said to them
    (without internal details)."""
    if actor is None or not actor.is_customer:
        return events
    return [
        _as_told(s)
        for s in events
        if s.event.kind in CUSTOMER_VISIBLE
        and (s.event.kind is not EventKind.COMMENTED or bool(s.event.data.get("public")))
    ]


def show_ticket(
    uow: UnitOfWork,
    *,
    now: datetime,
    ticket_id: int,
    actor: Actor | None = None,
    project_ahead: bool = True,
    with_notifications: bool = False,
) -> TicketView:
    """The ticket, its clocks at ``now``, its audit trail, what falls due next, and (with
    ``project_ahead``; customers never) what the engine would do if nobody acted — both computed
    by the same code the worker runs. For a customer the trail holds only what was said to them."""
    with uow:
        ticket = uow.tickets.get(ticket_id)
        if actor is not None:
            actor.require(Action.TICKET_READ, ticket_customer=ticket.customer)
        events = visible_to(actor, uow.events.for_ticket(ticket_id))
        project_ahead = project_ahead and not (actor is not None and actor.is_customer)
        staffing = staffing_for(uow, ticket.policy, ticket.service_line, now=now) if project_ahead else None
        staff = actor is None or not actor.is_customer
        notified = tuple(uow.outbox.for_ticket(ticket_id)) if with_notifications and staff else ()
    steps = tuple(project(ticket, now, staffing=staffing)) if staffing is not None else ()
    return TicketView(
        ticket, clock_views(ticket, now), tuple(events), decide(ticket, now), steps, now, notified
    )


def ticket_trail(
    uow: UnitOfWork, *, ticket_id: int, actor: Actor | None = None
) -> tuple[list[StoredEvent], list[AuditEntry]]:
    """The ticket's audit trail: its events and the attempts on it that were refused."""
    with uow:
        ticket = uow.tickets.get(ticket_id)
        if actor is not None:
            actor.require(Action.TICKET_AUDIT, ticket_customer=ticket.customer)
        return uow.events.for_ticket(ticket_id), uow.audit.for_ticket(ticket_id)


def ticket_deliveries(
    uow: UnitOfWork, *, ticket_id: int, actor: Actor | None = None
) -> tuple[list[OutboxMessage], list[DeliveryRecord]]:
    """The ticket's queued notifications and every delivery attempt at them (staff only: the
    delivery log names channels, recipients and receivers)."""
    with uow:
        ticket = uow.tickets.get(ticket_id)
        if actor is not None:
            actor.require(Action.TICKET_AUDIT, ticket_customer=ticket.customer)
        return uow.outbox.for_ticket(ticket_id), uow.outbox.deliveries(ticket_id)


def list_tickets(
    uow: UnitOfWork,
    query: TicketFilter,
    *,
    actor: Actor | None = None,
    sla: SlaState | None = None,
    now: datetime | None = None,
) -> list[Ticket]:
    """Tickets matching ``query`` in id order (``after_id`` pages on). A customer's listing is
    confined to their organisation. ``sla`` keeps only tickets in that SLA state at ``now``
    (computed, not stored: the scan continues until ``query.limit`` tickets match)."""
    if actor is not None:
        actor.require(Action.TICKET_READ)
        if actor.is_customer and actor.account is not None:
            query = replace(query, customer=actor.organisation or "")
    with uow:
        if sla is None:
            return uow.tickets.list(query)
        if now is None:
            raise ValueError("filtering by SLA state needs now")
        found: list[Ticket] = []
        page = replace(query, limit=max(query.limit, 200))
        while len(found) < query.limit:
            batch = uow.tickets.list(page)
            found += [t for t in batch if sla_state(t, now) is sla]
            if len(batch) < page.limit:
                break
            page = replace(page, after_id=batch[-1].id)
        return found[: query.limit]
