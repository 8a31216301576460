"""Ticket use cases that change an open ticket. Each reads the clock once, works in one unit
of work, checks the actor's role and the caller's version, calls the domain, lets the escalation
engine settle whatever became due, and saves everything in one commit. Opening tickets is in
``sevflow.services.opening`` (re-exported here)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sevflow.domain.access import Action
from sevflow.domain.errors import NotPermitted
from sevflow.domain.permissions import check_may_deescalate, check_may_escalate
from sevflow.domain.severity import Severity
from sevflow.domain.staffing import Staffing
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from sevflow.services.actors import Actor
from sevflow.services.changes import (
    Before,
    Change,
    StaleVersion,
    retry_once_on_conflict,
    save_changes,
    settle,
    staffing_for,
)
from sevflow.services.idempotency import Idempotency, recorded_ticket, remember
from sevflow.services.opening import (
    ImportPlan,
    NewTicket,
    Outcome,
    create_ticket,
    open_ticket,
    open_tickets,
    plan_import,
)
from sevflow.services.ports import Clock, UnitOfWork

__all__ = [
    "ImportPlan",
    "NewTicket",
    "Outcome",
    "StaleVersion",
    "accept_ownership",
    "acknowledge_page",
    "add_comment",
    "change_customer_tier",
    "change_status",
    "create_ticket",
    "decide_gate",
    "deescalate",
    "escalate",
    "open_ticket",
    "open_tickets",
    "override_severity",
    "plan_import",
    "take_ownership",
    "update_impact",
]


def _change(
    uow: UnitOfWork,
    *,
    now: datetime,
    actor: Actor,
    action: Action,
    ticket_id: int,
    expected_version: int | None,
    act: Callable[[Ticket, Staffing], None],
    idempotency: Idempotency | None = None,
) -> Outcome:
    """Load, check the actor's role for ``action`` and the caller's version (optimistic
    locking), act, settle, save, commit. ``now`` is the instant the use case read from its clock
    (once). With ``idempotency``, a retry of an earlier request with the same key does nothing
    and returns the ticket as it is (``replayed``)."""

    def attempt() -> Outcome:
        with uow:
            if idempotency is not None and recorded_ticket(uow, actor.name, idempotency, now=now) is not None:
                return Outcome(uow.tickets.get(ticket_id), replayed=True)
            ticket = uow.tickets.get(ticket_id, for_update=True)
            actor.require(action, ticket_customer=ticket.customer)
            if expected_version is not None and ticket.version != expected_version:
                raise StaleVersion(
                    f"ticket {ticket_id} is at version {ticket.version}, not {expected_version}: "
                    "somebody changed it meanwhile; reload it and try again"
                )
            before = Before.of(ticket)
            staffing = staffing_for(uow, ticket.policy, ticket.service_line, now=now)
            try:
                act(ticket, staffing)
            except NotPermitted as refused:
                # the policy's own refusals are audited under the use case's action too
                refused.action = refused.action or action.value
                raise
            decision = settle(ticket, now, staffing)
            if not ticket.pending and idempotency is None:
                return Outcome(ticket)  # nothing happened: no new version, nothing to write
            save_changes(uow, [Change(ticket, before, decision)], now=now)
            if idempotency is not None:
                remember(uow, actor.name, idempotency, ticket_id=ticket_id, status_code=200, now=now)
            uow.commit()
        return Outcome(ticket)

    return retry_once_on_conflict(attempt, retry=idempotency is not None)


def change_status(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    status: Status,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    now = clock.now()
    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_STATUS,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=lambda t, s: t.change_status(status, now=now, actor=actor.name, reason=reason),
    ).ticket


def add_comment(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    body: str,
    public: bool = True,
    expected_version: int | None = None,
) -> Ticket:
    """A comment; ``public=False`` makes it internal (never shown to customers, who may only
    write public ones)."""
    now = clock.now()
    from_customer = actor.is_customer
    if from_customer and not public:
        raise NotPermitted(
            f"{actor.name} is a customer; customers write public comments only",
            action=Action.TICKET_COMMENT_INTERNAL.value,
        )
    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_COMMENT if public else Action.TICKET_COMMENT_INTERNAL,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=lambda t, s: t.comment(
            body, now=now, author=actor.name, public=public, from_customer=from_customer
        ),
    ).ticket


def escalate(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    reason: str | None,
    to_tier: str | None = None,
    expected_version: int | None = None,
    idempotency: Idempotency | None = None,
) -> Outcome:
    """Escalate by hand, as the policy's ``manual_escalation`` allows the actor's roles (a
    customer only after the tier's waiting time). With ``idempotency`` a retry escalates once."""
    now = clock.now()

    def act(t: Ticket, staffing: Staffing) -> None:
        check_may_escalate(t.policy, t, roles=actor.roles, now=now)
        t.escalate(now=now, actor=actor.name, reason=reason, to_tier=to_tier, staffing=staffing)

    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_ESCALATE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=act,
        idempotency=idempotency,
    )


def deescalate(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    reason: str | None,
    to_tier: str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    now = clock.now()

    def act(t: Ticket, staffing: Staffing) -> None:
        check_may_deescalate(t.policy, roles=actor.roles)
        t.deescalate(now=now, actor=actor.name, reason=reason, to_tier=to_tier, staffing=staffing)

    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_DEESCALATE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=act,
    ).ticket


def override_severity(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    severity: Severity,
    reason: str | None,
    expected_version: int | None = None,
) -> Ticket:
    now = clock.now()
    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_SEVERITY,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=lambda t, s: t.override_severity(severity, now=now, actor=actor.name, reason=reason),
    ).ticket


def accept_ownership(
    uow: UnitOfWork, *, clock: Clock, actor: Actor, ticket_id: int, expected_version: int | None = None
) -> Ticket:
    """The assigned owner acknowledges the ticket (stops the hand-off to the next in line)."""
    now = clock.now()
    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_ACKNOWLEDGE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=lambda t, s: t.accept_ownership(now=now, agent=actor.name),
    ).ticket


def take_ownership(
    uow: UnitOfWork, *, clock: Clock, actor: Actor, ticket_id: int, expected_version: int | None = None
) -> Ticket:
    """The actor becomes the ticket's owner and accepts it at once (taking it from the queue or
    from a colleague). Taking a ticket one already owns just acknowledges it."""
    now = clock.now()

    def act(t: Ticket, staffing: Staffing) -> None:
        if t.owner != actor.name:
            t.assign(actor.name, now=now, actor=actor.name, reason="took ownership")
        t.accept_ownership(now=now, agent=actor.name)

    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_TAKE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=act,
    ).ticket


def decide_gate(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    approved: bool,
    note: str | None = None,
    severity_if_rejected: Severity | None = None,
    expected_version: int | None = None,
) -> Ticket:
    now = clock.now()
    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_GATE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=lambda t, s: t.decide_gate(
            approved=approved,
            now=now,
            actor=actor.name,
            actor_roles=actor.roles,
            note=note,
            severity_if_rejected=severity_if_rejected,
        ),
    ).ticket


def acknowledge_page(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    via: str,
    page: int | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """``actor`` acknowledges the ticket's open page (``via`` api, dashboard, link or cli):
    the paging chain stops. A ``page`` that is already over changes nothing."""
    now = clock.now()

    def act(t: Ticket, staffing: Staffing) -> None:
        t.acknowledge_page(now=now, actor=actor.name, via=via, page=page, note=note)

    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_ACKNOWLEDGE,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=act,
    ).ticket


def change_customer_tier(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    tier: str,
    reason: str | None,
    expected_version: int | None = None,
) -> Ticket:
    now = clock.now()
    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_CUSTOMER_TIER,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=lambda t, s: t.change_customer_tier(tier, now=now, actor=actor.name, reason=reason),
    ).ticket


def update_impact(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    users_affected: int,
    expected_version: int | None = None,
) -> Ticket:
    now = clock.now()
    return _change(
        uow,
        now=now,
        actor=actor,
        action=Action.TICKET_IMPACT,
        ticket_id=ticket_id,
        expected_version=expected_version,
        act=lambda t, s: t.update_impact(users_affected, now=now, actor=actor.name),
    ).ticket
