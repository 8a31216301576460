"""Turning tickets, views and records into response bodies (plain dicts, checked against the
response models by FastAPI, or sent as they are by ``send`` on the hot ticket routes)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import orjson
from starlette.responses import Response

from sevflow.domain.accounts import AuditEntry, User
from sevflow.domain.paging import PageState
from sevflow.domain.related import RelatedIncident
from sevflow.domain.tickets import Ticket
from sevflow.domain.triage_record import TicketTriage
from sevflow.entrypoints.api.problems import ProblemError
from sevflow.entrypoints.views import clock_json
from sevflow.services.actors import Actor
from sevflow.services.ports import DeliveryRecord, OutboxMessage, StoredEvent
from sevflow.services.queries import TicketView, sla_state


def send(body: Any, response: Response, *, status: int = 200) -> Response:
    """``body`` as a JSON response with the headers set on ``response``. The hot ticket routes
    return this instead of a dict, which skips FastAPI's validation of the body against the
    response model (a third of a request's cost); the schemathesis test checks they still match."""
    return Response(
        orjson.dumps(body, option=orjson.OPT_UTC_Z),
        status_code=status,
        media_type="application/json",
        headers=dict(response.headers),
    )


def etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def if_match_version(header: str | None, *, required: bool) -> int | None:
    """The ticket version an ``If-Match`` header names (``"7"`` or ``W/"7"``); ``None`` for
    ``*`` or (when not ``required``) no header. 428 if required and missing, 400 if malformed."""
    if header is None:
        if required:
            raise ProblemError(
                428,
                "precondition-required",
                "If-Match required",
                "this change overwrites a field: send If-Match with the ticket's ETag (from GET) so a "
                "concurrent change is not silently overwritten",
            )
        return None
    value = header.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ProblemError(
            400,
            "bad-header",
            "Malformed If-Match",
            f'If-Match must be a ticket ETag such as "7", not {header!r}',
        )
    return int(value)


INTERNAL_FIELDS = (
    "proposed_severity",
    "tier",
    "team",
    "owner",
    "owner_accepted",
    "gate",
    "page",
    "policy_version",
)
"""About internal handling: ``null`` in a customer's view."""


def ticket_out(t: Ticket, now: datetime, actor: Actor | None) -> dict[str, Any]:
    assert t.created_at is not None
    assert t.updated_at is not None
    out: dict[str, Any] = {
        "id": t.id,
        "version": t.version,
        "title": t.title,
        "description": t.description,
        "status": t.status.value,
        "severity": t.severity.value,
        "sla_state": sla_state(t, now).value,
        "service_line": t.service_line,
        "customer": t.customer,
        "customer_tier": t.customer_tier,
        "services": list(t.services),
        "users_affected": t.users_affected,
        "channel": t.channel,
        "external_id": t.external_id,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "next_deadline_at": t.next_deadline_at(),
    }
    if actor is not None and actor.is_customer:
        out.update(dict.fromkeys(INTERNAL_FIELDS))
    else:
        out.update(
            proposed_severity=t.proposed_severity.value,
            tier=t.tier,
            team=t.team,
            owner=t.owner,
            owner_accepted=t.owner_accepted,
            gate=t.gate.name if t.gate else None,
            page=page_out(t.page) if t.page else None,
            policy_version=t.policy_version,
        )
    return out


def page_out(page: PageState) -> dict[str, Any]:
    return {
        **page.to_dict(),
        "paged_at": page.paged_at,
        "ack_due_at": page.ack_due_at,
        "opened_at": page.opened_at,
    }


def related_out(r: RelatedIncident) -> dict[str, Any]:
    f = r.found
    return {
        "ticket_id": f.ticket_id,
        "score": f.score,
        "likely_shared": f.likely_shared,
        "open": f.open,
        "title": r.title,
        "severity": r.severity,
        "status": r.status,
        "service_line": f.service_line,
        "opened_at": f.opened_at,
    }


def triage_out(found: TicketTriage) -> dict[str, Any]:
    return {
        "proposed": found.proposed.value,
        "source": found.source,
        "opened_as": found.opened_as.value,
        "reason": found.reason,
        "rules": {
            "severity": found.rules_severity.value if found.rules_severity else None,
            "matched": list(found.matched_rules),
        },
        "model": dict(found.model) if found.model else None,
        "corrections": [
            {"severity": c.severity.value, "at": c.at, "actor": c.actor, "reason": c.reason}
            for c in found.corrections
        ],
    }


def deliveries_out(messages: list[OutboxMessage], records: list[DeliveryRecord]) -> list[dict[str, Any]]:
    attempts: dict[int, list[dict[str, Any]]] = {}
    for r in records:
        a = r.attempt
        attempts.setdefault(r.outbox_id, []).append(
            {
                "number": r.number,
                "at": a.at,
                "channel": a.channel,
                "target": a.target,
                "outcome": a.outcome.value,
                "status": a.status,
                "latency_ms": round(a.latency_ms, 3),
                "error": a.error,
            }
        )
    out = []
    for m in messages:
        n = m.notification
        out.append(
            {
                "id": m.id,
                "event_seq": m.event_seq,
                "event_kind": n.event_kind,
                "idempotency_key": m.idempotency_key,
                "channel": n.channel,
                "template": n.template,
                "digest": n.digest,
                "recipients": list(n.recipients),
                "urgent": n.urgent,
                "created_at": m.created_at,
                "status": m.status,
                "attempts": sorted(attempts.get(m.id, []), key=lambda x: x["number"]),
            }
        )
    return out


def event_out(s: StoredEvent) -> dict[str, Any]:
    e = s.event
    return {
        "seq": s.seq,
        "at": e.at,
        "kind": e.kind.value,
        "actor": e.actor,
        "reason": e.reason,
        "rule": e.rule,
        "data": dict(e.data),
        "policy_version": s.policy_version,
    }


def detail_out(view: TicketView, actor: Actor | None) -> dict[str, Any]:
    customer = actor is not None and actor.is_customer
    return {
        **ticket_out(view.ticket, view.now, actor),
        "clocks": [clock_json(c) for c in view.clocks],
        "timeline": [event_out(s) for s in view.events],
        "plan": []
        if customer
        else [
            {"key": d.key, "kind": d.kind.value, "due_at": d.at, "rule": d.rule} for d in view.plan.upcoming
        ],
        "projection": [
            {
                "at": step.event.at,
                "kind": step.event.kind.value,
                "reason": step.event.reason,
                "rule": step.event.rule,
                "tier": step.tier,
                "owner": step.owner,
            }
            for step in view.projection
        ],
    }


def audit_out(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "outcome": e.outcome.value,
        "reason": e.reason,
        "ticket_id": e.ticket_id,
        "target": e.target,
    }


def user_out(u: User) -> dict[str, Any]:
    return {
        "name": u.name,
        "role": u.role.value,
        "duties": sorted(d.value for d in u.duties),
        "organisation": u.organisation,
        "active": u.active,
        "has_password": u.password_hash is not None,
        "created_at": u.created_at,
    }


def cursor_of(last_id: int | None) -> str | None:
    return (
        None
        if last_id is None
        else base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")
    )


MAX_ROW_ID = 2**31 - 1
"""Row ids are 32-bit integer columns: a cursor past this names no row (and would overflow the
database driver)."""


def after_id(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix == "after" and number.isdigit() and int(number) <= MAX_ROW_ID:
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ProblemError(
        422, "bad-cursor", "Invalid cursor", "cursor is not one this API handed out; use next_cursor as given"
    )
