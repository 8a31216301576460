"""What people do to a ticket. Each route names its use case; the service checks the role, the
policy and the version. Writes that overwrite a field (status, severity, customer tier, impact)
need ``If-Match`` with the ticket's ETag; the others honour it when sent.

The routes are ``async def`` on purpose: their work is a few short queries on one ticket, which
costs less than a crossing into the thread pool, so they run on the event loop (see the API's
README)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from sevflow.entrypoints.api import render
from sevflow.entrypoints.api.auth import Box, CallerOf
from sevflow.entrypoints.api.routes.tickets import IdempotencyKey, TicketId
from sevflow.entrypoints.api.schemas import (
    CommentCreate,
    CustomerTierChange,
    GateDecision,
    ImpactUpdate,
    PageAcknowledgement,
    SeverityOverride,
    StatusChange,
    TicketOut,
    TierMove,
)
from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from sevflow.services.idempotency import Idempotency

router = APIRouter(prefix="/api/tickets/{ticket_id}", tags=["ticket actions"])

IfMatch = Annotated[str | None, Header(alias="If-Match", description='The ticket\'s ETag, e.g. "7".')]


def _done(ticket: Ticket, box: Box, actor: Actor, response: Response, *, status: int = 200) -> Response:
    response.headers["ETag"] = render.etag(ticket)
    return render.send(render.ticket_out(ticket, box.clock.now(), actor), response, status=status)


@router.post("/comments", response_model=TicketOut, status_code=201)
async def comment(
    ticket_id: TicketId,
    body: CommentCreate,
    caller: CallerOf,
    box: Box,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Add a comment; ``public: false`` makes it internal (never shown to customers)."""
    actor = caller.actor()
    ticket = service.add_comment(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        body=body.body,
        public=body.public,
        expected_version=render.if_match_version(if_match, required=False),
    )
    return _done(ticket, box, actor, response, status=201)


@router.post("/status", response_model=TicketOut)
async def change_status(
    ticket_id: TicketId,
    body: StatusChange,
    caller: CallerOf,
    box: Box,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    actor = caller.actor()
    ticket = service.change_status(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        status=Status(body.status),
        reason=body.reason,
        expected_version=render.if_match_version(if_match, required=True),
    )
    return _done(ticket, box, actor, response)


@router.post("/severity", response_model=TicketOut)
async def override_severity(
    ticket_id: TicketId,
    body: SeverityOverride,
    caller: CallerOf,
    box: Box,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Override the severity; the reason is recorded."""
    actor = caller.actor()
    ticket = service.override_severity(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        severity=Severity(body.severity),
        reason=body.reason,
        expected_version=render.if_match_version(if_match, required=True),
    )
    return _done(ticket, box, actor, response)


@router.post("/escalate", response_model=TicketOut)
async def escalate(
    ticket_id: TicketId,
    body: TierMove,
    caller: CallerOf,
    box: Box,
    response: Response,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
) -> Response:
    """Escalate to the next tier (or ``to_tier``), as the policy's ``manual_escalation`` allows
    (customers: after their tier's waiting time). Idempotent with ``Idempotency-Key``."""
    actor = caller.actor()
    idempotency = (
        Idempotency.of(key, "ticket.escalate", {"ticket": ticket_id, **body.model_dump()})
        if key is not None
        else None
    )
    outcome = service.escalate(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        reason=body.reason,
        to_tier=body.to_tier,
        expected_version=render.if_match_version(if_match, required=False),
        idempotency=idempotency,
    )
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return _done(outcome.ticket, box, actor, response)


@router.post("/deescalate", response_model=TicketOut)
async def deescalate(
    ticket_id: TicketId,
    body: TierMove,
    caller: CallerOf,
    box: Box,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    actor = caller.actor()
    ticket = service.deescalate(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        reason=body.reason,
        to_tier=body.to_tier,
        expected_version=render.if_match_version(if_match, required=False),
    )
    return _done(ticket, box, actor, response)


@router.post("/acknowledge", response_model=TicketOut)
async def acknowledge(
    ticket_id: TicketId, caller: CallerOf, box: Box, response: Response, if_match: IfMatch = None
) -> Response:
    """The assigned owner acknowledges the ticket: the hand-off to the next in line stops."""
    actor = caller.actor()
    ticket = service.accept_ownership(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        expected_version=render.if_match_version(if_match, required=False),
    )
    return _done(ticket, box, actor, response)


@router.post("/take", response_model=TicketOut)
async def take(
    ticket_id: TicketId, caller: CallerOf, box: Box, response: Response, if_match: IfMatch = None
) -> Response:
    """Accept ownership: become the ticket's owner (and acknowledge it) at once."""
    actor = caller.actor()
    ticket = service.take_ownership(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        expected_version=render.if_match_version(if_match, required=False),
    )
    return _done(ticket, box, actor, response)


@router.post("/gate", response_model=TicketOut)
async def decide_gate(
    ticket_id: TicketId,
    body: GateDecision,
    caller: CallerOf,
    box: Box,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Approve or reject the pending decision gate (rejecting needs a note). The gate's
    approver roles decide who may; nobody approves a gate on a ticket they own."""
    actor = caller.actor()
    ticket = service.decide_gate(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        approved=body.decision == "approve",
        note=body.note,
        severity_if_rejected=Severity(body.severity_if_rejected) if body.severity_if_rejected else None,
        expected_version=render.if_match_version(if_match, required=False),
    )
    return _done(ticket, box, actor, response)


@router.post("/page/ack", response_model=TicketOut)
async def acknowledge_page(
    ticket_id: TicketId,
    body: PageAcknowledgement,
    caller: CallerOf,
    box: Box,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Acknowledge the ticket's open page: the paging chain stops (``ticket.page`` becomes
    ``null``) and the acknowledgement is on the timeline. Naming a ``page`` that is already
    over changes nothing (a retry is harmless); without one, a ticket with no open page is a
    409."""
    actor = caller.actor()
    ticket = service.acknowledge_page(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        via="api",
        page=body.page,
        note=body.note,
        expected_version=render.if_match_version(if_match, required=False),
    )
    return _done(ticket, box, actor, response)


@router.post("/customer-tier", response_model=TicketOut)
async def change_customer_tier(
    ticket_id: TicketId,
    body: CustomerTierChange,
    caller: CallerOf,
    box: Box,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    actor = caller.actor()
    ticket = service.change_customer_tier(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        tier=body.customer_tier,
        reason=body.reason,
        expected_version=render.if_match_version(if_match, required=True),
    )
    return _done(ticket, box, actor, response)


@router.post("/impact", response_model=TicketOut)
async def update_impact(
    ticket_id: TicketId,
    body: ImpactUpdate,
    caller: CallerOf,
    box: Box,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    actor = caller.actor()
    ticket = service.update_impact(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        ticket_id=ticket_id,
        users_affected=body.users_affected,
        expected_version=render.if_match_version(if_match, required=True),
    )
    return _done(ticket, box, actor, response)
