"""Tickets arriving from other systems: open a new ticket, or update the one already stored
under the same external id (a repeated or later delivery never makes a second ticket).

How an arriving ticket is placed, when the sender does not say:
- customer: the stored customer named by the payload's organisation, else the one whose e-mail
  domain the requester writes from, else a customer named after the organisation (or the
  requester's domain, or the requester) on the policy's last-listed (lowest) customer tier;
- service line: the first one whose services match a label, else one named by a label, else
  the policy's first service line;
- affected services: the labels that name a service of the policy;
- severity: the policy's severity rules, unless the sender declared one with a reason.

An update adds the comment it carries, moves the status when the other system's status has a
sevflow meaning and the move is allowed, and raises the users affected; a move the state
machine forbids is skipped and reported in ``Received.skipped`` (refusing the delivery would
only make the sender retry it). A delivery that changes nothing (a retry) writes nothing. An
update about a ticket not stored opens it (if it carries a title) with its comment and status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sevflow.domain.accounts import Customer
from sevflow.domain.errors import DomainError, InvalidInput
from sevflow.domain.incoming import IncomingTicket
from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from sevflow.services.actors import Actor
from sevflow.services.changes import (
    Before,
    Change,
    retry_once_on_conflict,
    save_changes,
    settle,
    staffing_for,
)
from sevflow.services.ports import Clock, SeverityModel, UnitOfWork
from sevflow.services.tickets import NewTicket


@dataclass(frozen=True)
class Received:
    ticket: Ticket
    created: bool
    skipped: tuple[str, ...] = field(default=())
    """What the delivery asked for that could not be applied, and why."""


def _customer(uow: UnitOfWork, policy: Policy, incoming: IncomingTicket) -> tuple[str, str]:
    found: Customer | None = None
    if incoming.organisation:
        found = uow.customers.find(incoming.organisation)
    if found is None and incoming.requester_domain:
        found = uow.customers.by_email_domain(incoming.requester_domain)
    if found is not None:
        return found.name, incoming.customer_tier or found.tier
    name = incoming.organisation or incoming.requester_domain or incoming.requester or "unknown"
    return name, incoming.customer_tier or list(policy.customer_tiers)[-1]


def _service_line(policy: Policy, incoming: IncomingTicket) -> str:
    if incoming.service_line:
        return incoming.service_line
    labels = set(incoming.labels)
    for line in policy.service_lines.values():
        if labels & set(line.services):
            return line.name
    for name in policy.service_lines:
        if name in labels:
            return name
    return next(iter(policy.service_lines))


def request_for(uow: UnitOfWork, policy: Policy, incoming: IncomingTicket) -> NewTicket:
    """The ``NewTicket`` an arriving ticket becomes under ``policy`` (see the module text)."""
    customer, tier = _customer(uow, policy, incoming)
    return NewTicket(
        title=incoming.title,
        description=incoming.description,
        service_line=_service_line(policy, incoming),
        customer=customer,
        customer_tier=tier,
        services=tuple(label for label in incoming.labels if label in policy.known_services),
        users_affected=incoming.users_affected,
        severity=Severity.parse(incoming.severity) if incoming.severity else None,
        severity_reason=incoming.severity_reason,
        channel=incoming.source,
        external_id=incoming.external_id,
    )


def _update(ticket: Ticket, incoming: IncomingTicket, actor: Actor, now: datetime) -> list[str]:
    skipped: list[str] = []
    if incoming.comment:
        ticket.comment(
            incoming.comment,
            now=now,
            author=incoming.requester or actor.name,
            public=incoming.comment_public,
            from_customer=incoming.source == "email",
        )
    if incoming.status is not None:
        target = Status.parse(incoming.status)
        if target is not ticket.status:
            try:
                ticket.change_status(target, now=now, actor=actor.name, reason=f"{incoming.source} update")
            except DomainError as refused:
                skipped.append(f"status {target.value}: {refused}")
    if incoming.users_affected > ticket.users_affected:
        ticket.update_impact(incoming.users_affected, now=now, actor=actor.name)
    return skipped


def _check_may_open(incoming: IncomingTicket) -> None:
    if not incoming.title.strip():
        known = ", ".join([incoming.external_id, *incoming.related_ids])
        raise InvalidInput(
            f"no ticket is stored under {known}, and this {incoming.kind.value} delivery has no title "
            "to open one with: send the ticket's creation first, or a title with the update"
        )


def receive(
    uow: UnitOfWork,
    *,
    clock: Clock,
    actor: Actor,
    incoming: IncomingTicket,
    model: SeverityModel | None = None,
) -> Received:
    """Open or update the ticket ``incoming`` is about, in one transaction; a new one is judged
    by the severity ``model`` too, if given."""
    now = clock.now()

    def attempt() -> Received:
        with uow:
            ids = [incoming.external_id, *incoming.related_ids]
            stored = uow.tickets.ids_by_external_id(ids)
            known = next((stored[i] for i in ids if i in stored), None)
            if known is not None:
                ticket = uow.tickets.get(known, for_update=True)
                before = Before.of(ticket)
                staffing = staffing_for(uow, ticket.policy, ticket.service_line, now=now)
                skipped = _update(ticket, incoming, actor, now)
                created = False
            else:
                _check_may_open(incoming)
                policy = uow.policies.active()
                request = request_for(uow, policy, incoming).judged_by(model)
                staffing = staffing_for(uow, policy, request.service_line, now=now)
                ticket = request.open_under(policy, now=now, actor=actor.name, staffing=staffing)
                # an update seen first (sent out of order, or about a ticket older than the
                # connection) still carries its comment and status: applied, not dropped
                before, skipped, created = (
                    Before(None, False),
                    _update(ticket, incoming, actor, now),
                    True,
                )
            decision = settle(ticket, now, staffing)
            if created or ticket.pending:
                # a repeat delivery that changes nothing is not written (the version, and
                # so the ticket's ETag, stay as they were)
                save_changes(uow, [Change(ticket, before, decision)], now=now)
                uow.commit()
        return Received(ticket, created, tuple(skipped))

    return retry_once_on_conflict(attempt)
