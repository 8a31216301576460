"""Tickets: create (idempotent with ``Idempotency-Key``), list with filters and cursor paging,
show with clocks, timeline and plan, and the ticket's audit trail.

Creating, showing and the trail are ``async def``: a few short queries on one ticket, run on the
event loop (see the API's README). Listing can scan (the SLA-state filter), so it is a plain
``def`` and runs in the thread pool."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Header, Path, Query, Response

from sevflow.domain.records import TicketFilter
from sevflow.domain.severity import Severity
from sevflow.entrypoints.api import render
from sevflow.entrypoints.api.auth import Box, CallerOf
from sevflow.entrypoints.api.schemas import (
    DeliveriesOut,
    RelatedPage,
    TicketCreate,
    TicketDetail,
    TicketOut,
    TicketPage,
    TrailOut,
    TriageOut,
)
from sevflow.entrypoints.api.shared_incidents import look_for_shared_incident
from sevflow.services import directory, queries, related, triage
from sevflow.services import tickets as service
from sevflow.services.idempotency import Idempotency
from sevflow.services.tickets import NewTicket

router = APIRouter(prefix="/api/tickets", tags=["tickets"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Makes a retry of this request return the first result instead of acting twice.",
    ),
]
TicketId = Annotated[int, Path(ge=1, le=render.MAX_ROW_ID)]
"""A larger number names no ticket, and would overflow the database driver if it reached a query."""


@router.post("", status_code=201, response_model=TicketOut)
async def create_ticket(
    body: TicketCreate,
    caller: CallerOf,
    box: Box,
    response: Response,
    background: BackgroundTasks,
    key: IdempotencyKey = None,
) -> Response:
    """Open a ticket. Left out, ``severity`` is set by the policy's severity rules; a declared
    one needs ``severity_reason``. Customers open tickets for their own organisation only."""
    actor = caller.actor()
    customer = directory.ticket_customer(actor=actor, customer=body.customer, tier=body.customer_tier)
    request = NewTicket(
        title=body.title,
        service_line=body.service_line,
        customer=customer,
        customer_tier=body.customer_tier,
        description=body.description,
        services=tuple(body.services),
        users_affected=body.users_affected,
        severity=Severity(body.severity) if body.severity else None,
        severity_reason=body.severity_reason,
        channel="portal" if actor.is_customer else "api",
        external_id=body.external_id,
    )
    idempotency = Idempotency.of(key, "ticket.create", body.model_dump()) if key is not None else None
    outcome = service.create_ticket(
        box.uow_factory(),
        clock=box.clock,
        actor=actor,
        request=request,
        idempotency=idempotency,
        read_uow=box.read_before_write(),
        model=box.severity_model,
    )
    ticket = outcome.ticket
    response.headers["Location"] = f"/api/tickets/{ticket.id}"
    response.headers["ETag"] = render.etag(ticket)
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    elif ticket.id is not None:
        look_for_shared_incident(background, box, ticket.id)
    return render.send(render.ticket_out(ticket, box.clock.now(), actor), response, status=201)


@router.get("", response_model=TicketPage)
def list_tickets(
    caller: CallerOf,
    box: Box,
    status: Annotated[
        Literal["new", "triaged", "in_progress", "waiting_on_customer", "resolved", "closed"] | None, Query()
    ] = None,
    severity: Annotated[Literal["Sev1", "Sev2", "Sev3", "Sev4"] | None, Query()] = None,
    tier: Annotated[str | None, Query(max_length=200)] = None,
    service_line: Annotated[str | None, Query(max_length=200)] = None,
    customer: Annotated[str | None, Query(max_length=200)] = None,
    customer_tier: Annotated[str | None, Query(max_length=200)] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    sla: Annotated[Literal["ok", "at_risk", "breached"] | None, Query(description="SLA state now.")] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Tickets in id order, ``limit`` per page; follow ``next_cursor`` for the next page.
    Customers see their own organisation's tickets only."""
    actor = caller.actor()
    query = TicketFilter(
        status=status,
        severity=severity,
        service_line=service_line,
        customer=customer,
        customer_tier=customer_tier,
        owner=owner,
        tier=tier,
        open_only=open_only,
        limit=limit + 1,
        after_id=render.after_id(cursor),
    )
    now = box.clock.now()
    found = queries.list_tickets(
        box.read_uow_factory(),
        query,
        actor=actor,
        sla=queries.SlaState(sla) if sla else None,
        now=now,
    )
    page, more = found[:limit], len(found) > limit
    return {
        "items": [render.ticket_out(t, now, actor) for t in page],
        "next_cursor": render.cursor_of(page[-1].id) if more and page else None,
    }


@router.get("/{ticket_id}", response_model=TicketDetail)
async def show_ticket(
    ticket_id: TicketId,
    caller: CallerOf,
    box: Box,
    response: Response,
    projection: Annotated[
        bool, Query(description="Also show what the engine would record over 30 days if nobody acted.")
    ] = False,
) -> Response:
    """The ticket with its SLA clocks now, its timeline (customers: what was said to them) and
    what falls due next."""
    actor = caller.actor()
    view = queries.show_ticket(
        box.read_uow_factory(),
        now=box.clock.now(),
        ticket_id=ticket_id,
        actor=actor,
        project_ahead=projection,
    )
    response.headers["ETag"] = render.etag(view.ticket)
    return render.send(render.detail_out(view, actor), response)


@router.get("/{ticket_id}/deliveries", response_model=DeliveriesOut)
async def ticket_deliveries(ticket_id: TicketId, caller: CallerOf, box: Box) -> dict[str, Any]:
    """The delivery log: every notification queued about the ticket (which channel, template,
    recipients, status) with each attempt at it (when, where, outcome, the receiver's status,
    latency, error). Staff only."""
    actor = caller.actor()
    messages, records = queries.ticket_deliveries(box.read_uow_factory(), ticket_id=ticket_id, actor=actor)
    return {"items": render.deliveries_out(messages, records)}


@router.get("/{ticket_id}/triage", response_model=TriageOut)
async def ticket_triage(ticket_id: TicketId, caller: CallerOf, box: Box) -> dict[str, Any]:
    """How the ticket's severity was decided at intake: the intake rules' floor, the severity
    model's proposal with its probabilities and the words and fields that pushed it, the
    severity it opened with and why, and every correction people made since. Staff only."""
    found = triage.triage_of(box.read_uow_factory(), ticket_id=ticket_id, actor=caller.actor())
    return render.triage_out(found)


@router.get("/{ticket_id}/related", response_model=RelatedPage)
async def ticket_related(ticket_id: TicketId, caller: CallerOf, box: Box) -> dict[str, Any]:
    """The open and recent tickets most like this one (title and description), with their
    similarity; open near-duplicates on its service line opened within the policy's window are
    flagged ``likely_shared``. Staff only."""
    found = related.related_incidents(
        box.read_uow_factory(), box.incidents, ticket_id=ticket_id, actor=caller.actor(), now=box.clock.now()
    )
    return {"items": [render.related_out(r) for r in found]}


@router.get("/{ticket_id}/audit", response_model=TrailOut)
async def ticket_audit(ticket_id: TicketId, caller: CallerOf, box: Box) -> dict[str, Any]:
    """Everything that happened to the ticket, and every refused attempt on it."""
    actor = caller.actor()
    events, refused = queries.ticket_trail(box.read_uow_factory(), ticket_id=ticket_id, actor=actor)
    return {
        "events": [render.event_out(e) for e in events],
        "refused": [render.audit_out(a) for a in refused],
    }
