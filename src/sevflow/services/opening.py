"""Opening tickets: one (``create_ticket``, idempotent with a key), many in one transaction
(``open_tickets``), and checking a list before importing it (``plan_import``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sevflow.domain.access import Action
from sevflow.domain.errors import InvalidInput, NotPermitted
from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity
from sevflow.domain.staffing import Staffing
from sevflow.domain.ticket_intake import check_intake
from sevflow.domain.tickets import Ticket
from sevflow.domain.triage_policy import ModelOpinion
from sevflow.services.actors import Actor
from sevflow.services.changes import (
    Before,
    Change,
    retry_once_on_conflict,
    save_changes,
    settle,
    staffing_for,
)
from sevflow.services.idempotency import Idempotency, recorded_ticket, remember
from sevflow.services.ports import Clock, SeverityModel, UnitOfWork


@dataclass(frozen=True)
class NewTicket:
    """A request to open a ticket. ``severity`` left empty lets the policy's intake rules decide."""

    title: str
    service_line: str
    customer: str
    customer_tier: str | None
    """``None``: the registered customer's tier, read when the ticket is opened."""
    description: str = ""
    services: tuple[str, ...] = ()
    users_affected: int = 0
    severity: Severity | None = None
    severity_reason: str | None = None
    channel: str = "api"
    external_id: str | None = None
    opinion: ModelOpinion | None = None
    """The severity model's opinion of it (``judged_by``), if a model was consulted."""

    def judged_by(self, model: SeverityModel | None) -> NewTicket:
        """This request with the model's opinion of it (unchanged without a model, or if it
        already has one). CPU work: call it outside a transaction where you can."""
        if model is None or self.opinion is not None:
            return self
        opinion = model.opinion(
            title=self.title,
            description=self.description,
            service_line=self.service_line,
            customer_tier=self.customer_tier or "",
            channel=self.channel,
            services=self.services,
            users_affected=self.users_affected,
        )
        return replace(self, opinion=opinion)

    def open_under(self, policy: Policy, *, now: datetime, actor: str, staffing: Staffing) -> Ticket:
        """The new ticket this request opens under ``policy`` (not yet stored)."""
        return Ticket.open(
            policy,
            now=now,
            actor=actor,
            **self.intake_fields(),
            staffing=staffing,
            channel=self.channel,
            external_id=self.external_id,
            opinion=self.opinion,
        )

    def with_registered_tier(self, uow: UnitOfWork) -> NewTicket:
        """This request with its customer tier given: as it is, or the registered customer's
        (read with ``uow``, inside its transaction)."""
        if self.customer_tier is not None:
            return self
        found = uow.customers.find(self.customer)
        if found is None:
            raise InvalidInput(
                f"customer_tier is required: customer {self.customer!r} is not registered "
                "(register it with PUT /api/customers/{name}, or give customer_tier)"
            )
        return replace(self, customer_tier=found.tier)

    def intake_fields(self) -> dict[str, Any]:
        """The fields the policy checks at intake, as keyword arguments of ``check_intake``
        and ``Ticket.open`` (the tier given: see ``with_registered_tier``)."""
        if self.customer_tier is None:
            raise RuntimeError("open a request for a registered customer's tier with_registered_tier() first")
        return {
            "title": self.title,
            "service_line": self.service_line,
            "customer": self.customer,
            "customer_tier": self.customer_tier,
            "description": self.description,
            "services": self.services,
            "users_affected": self.users_affected,
            "severity": self.severity,
            "severity_reason": self.severity_reason,
        }


@dataclass(frozen=True)
class Outcome:
    """A ticket after an idempotent use case; ``replayed`` if an earlier request with the same
    ``Idempotency-Key`` already did the work (nothing was done this time)."""

    ticket: Ticket
    replayed: bool = False


def _check_may_open(actor: Actor, request: NewTicket) -> None:
    actor.require(Action.TICKET_CREATE)
    if actor.is_customer and actor.account is not None and request.customer != actor.organisation:
        raise NotPermitted(
            f"{actor.name} may open tickets only for their own organisation "
            f"({actor.organisation or 'none set'}), not {request.customer!r}",
            action=Action.TICKET_CREATE.value,
        )


@dataclass
class _StaffingBook:
    """Staffing per service line, kept current as a bulk batch assigns owners."""

    lines: dict[str, Staffing] = field(default_factory=dict)

    def took(self, line: str, owner: str | None) -> None:
        if owner is None:
            return
        current = self.lines[line]
        loads = dict(current.load)
        loads[owner] = loads.get(owner, 0) + 1
        self.lines[line] = Staffing(loads, current.away)


def open_tickets(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    requests: Sequence[NewTicket],
    read_uow: UnitOfWork | None = None,
    model: SeverityModel | None = None,
) -> list[Ticket]:
    """Open many tickets in one write transaction (all or none). Returns them with ids assigned.
    With a severity ``model``, each request is judged by it first, outside the transaction.

    ``read_uow`` (a read-only unit of work), if given, first reads the active policy, the
    staffing and registered customers' tiers in a short transaction of its own, ended before
    the tickets are worked out: on SQLite the domain work, most of the cost, then runs without
    holding the database's one write lock, so other writers (another bulk load, the timer
    worker) proceed meanwhile, and the read does not queue for that lock at all. Loads are
    written as deltas, so nothing is lost if they changed in between; an owner may be chosen on
    loads a moment old, as with any two concurrent openings. Without it everything happens in
    the write transaction (on PostgreSQL, where reads block no writer, one transaction fewer).
    """
    now = clock.now()
    for r in requests:
        _check_may_open(actor, r)
    requests = [r.judged_by(model) for r in requests]
    if read_uow is not None:
        with read_uow:
            complete, policy, book = _read_for_opening(read_uow, requests, now)
        # the read ended with its block: no lock is held while the domain works
    with uow:
        if read_uow is None:
            complete, policy, book = _read_for_opening(uow, requests, now)
        changes = []
        for r in complete:
            staffing = book.lines[r.service_line]
            ticket = r.open_under(policy, now=now, actor=actor.name, staffing=staffing)
            decision = settle(ticket, now, staffing)
            book.took(r.service_line, ticket.owner)
            changes.append(Change(ticket, Before(None, False), decision))
        save_changes(uow, changes, now=now)
        uow.commit()
    return [c.ticket for c in changes]


def _read_for_opening(
    uow: UnitOfWork, requests: Sequence[NewTicket], now: datetime
) -> tuple[list[NewTicket], Policy, _StaffingBook]:
    """The requests with their tiers given, the active policy, and the staffing of their lines."""
    complete = [r.with_registered_tier(uow) for r in requests]
    policy = uow.policies.active()
    book = _StaffingBook()
    for line in dict.fromkeys(r.service_line for r in complete):
        book.lines[line] = staffing_for(uow, policy, line, now=now)
    return complete, policy, book


@dataclass(frozen=True)
class ImportPlan:
    """What importing a list of new tickets would do, by position in the list."""

    to_open: list[int]
    already_stored: dict[int, int]
    """Position -> id of the stored ticket with the same external id (skipped)."""
    problems: list[tuple[int, str]]
    """Position -> why opening it would be refused (nothing is imported while there are any)."""


def plan_import(uow: UnitOfWork, requests: Sequence[NewTicket]) -> ImportPlan:
    """Check every request against the active policy exactly as opening it would (fields,
    service line, customer tier, services, a declared severity's reason) and find those whose
    external id is already stored. Writes nothing."""
    with uow:
        requests = [r.with_registered_tier(uow) for r in requests]
        policy = uow.policies.active()
        stored = uow.tickets.ids_by_external_id([r.external_id for r in requests if r.external_id])
    to_open: list[int] = []
    already: dict[int, int] = {}
    problems: list[tuple[int, str]] = []
    for n, r in enumerate(requests):
        if r.external_id is not None and r.external_id in stored:
            already[n] = stored[r.external_id]
            continue
        try:
            check_intake(policy, **r.intake_fields())
        except InvalidInput as error:
            problems.append((n, str(error)))
            continue
        to_open.append(n)
    return ImportPlan(to_open, already, problems)


def open_ticket(
    uow: UnitOfWork, *, clock: Clock, actor: Actor, request: NewTicket, model: SeverityModel | None = None
) -> Ticket:
    return open_tickets(uow, clock=clock, actor=actor, requests=[request], model=model)[0]


def create_ticket(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    request: NewTicket,
    idempotency: Idempotency | None = None,
    read_uow: UnitOfWork | None = None,
    model: SeverityModel | None = None,
) -> Outcome:
    """Open one ticket; with ``idempotency``, a retry of the same request returns the ticket the
    first one opened (``replayed``) instead of opening another. ``read_uow`` (read-only) reads
    the policy and staffing of a ticket without a key, as in ``open_tickets``; ``model`` judges
    its severity first."""
    if idempotency is None:
        opened = open_tickets(
            uow, clock=clock, actor=actor, requests=[request], read_uow=read_uow, model=model
        )
        return Outcome(opened[0])
    now = clock.now()
    _check_may_open(actor, request)
    request = request.judged_by(model)

    def attempt() -> Outcome:
        with uow:
            done = recorded_ticket(uow, actor.name, idempotency, now=now)
            if done is not None:
                return Outcome(uow.tickets.get(done), replayed=True)
            [complete], policy, book = _read_for_opening(uow, [request], now)
            staffing = book.lines[complete.service_line]
            ticket = complete.open_under(policy, now=now, actor=actor.name, staffing=staffing)
            decision = settle(ticket, now, staffing)
            save_changes(uow, [Change(ticket, Before(None, False), decision)], now=now)
            assert ticket.id is not None
            remember(uow, actor.name, idempotency, ticket_id=ticket.id, status_code=201, now=now)
            uow.commit()
            return Outcome(ticket)

    return retry_once_on_conflict(attempt)
