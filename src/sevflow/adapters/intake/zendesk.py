"""Zendesk webhooks: the event-subscription format and a placeholder-built trigger body.

1. Event subscriptions (``"type": "zen:event-type:ticket.created"``, ``detail`` = the ticket,
   ``event`` = what changed). ``ticket.created`` opens; every other ``ticket.*`` event
   (``status_changed``, ``priority_changed``, ``comment_added``, ``tags_changed``, ...) updates.
   ``detail`` names the requester and organisation by id only, so those stay ``None``.
2. A trigger or automation action "Notify by webhook" whose JSON body is the one documented in
   README.md (``{"event": "created"|"updated", "ticket": {"id": "{{ticket.id}}", ...}}``).
   Placeholders render as strings; an empty one means "not set". Extra keys are ignored.

The ticket is ``zendesk:<ticket id>``. Zendesk's priority is not a severity (sevflow's severity
rules decide); it is kept as the label ``priority:<value>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sevflow.adapters.intake.generic import (
    Problems,
    instant,
    labels_of,
    optional_text,
    person,
    shown,
    text_list,
)
from sevflow.domain.incoming import IncomingKind, IncomingTicket
from sevflow.domain.status import Status

EVENT_PREFIX = "zen:event-type:"
NO_SUBJECT = "(no subject)"
_OPEN = "open"
# Zendesk status -> sevflow status. ``open`` is special: see ``zendesk_status``.
_STATUSES: dict[str, str | None] = {
    "new": None,
    _OPEN: None,
    "pending": Status.WAITING_ON_CUSTOMER.value,
    # sevflow has no "on hold": the team still owns the ticket and its clock keeps running
    "hold": Status.IN_PROGRESS.value,
    "on-hold": Status.IN_PROGRESS.value,
    "solved": Status.RESOLVED.value,
    "closed": Status.CLOSED.value,
    "deleted": None,
    "archived": None,
    "scrubbed": None,
}
_TRIGGER_EVENTS = {"created": IncomingKind.CREATED, "updated": IncomingKind.UPDATED}


def zendesk_status(value: str, kind: IncomingKind) -> str | None:
    """The sevflow status for a Zendesk status (any case), ``None`` if it has no sevflow meaning.

    ``open`` on an update means the ball is back with the team (the customer answered a pending
    ticket, or a solved one was reopened), so it is ``in_progress``; on a new ticket it is
    ``None`` (the ticket starts as sevflow's ``new``). Raises ``KeyError`` for an unknown status.
    """
    key = value.strip().lower().replace(" ", "-").replace("_", "-")
    if key == _OPEN and kind is IncomingKind.UPDATED:
        return Status.IN_PROGRESS.value
    return _STATUSES[key]


def parse_zendesk(payload: Mapping[str, Any]) -> IncomingTicket:
    """Translate a Zendesk webhook body (parsed JSON) into an ``IncomingTicket`` (source
    ``zendesk``, external id ``zendesk:<ticket id>``).

    Accepts an event-subscription ticket event (``type`` ``zen:event-type:ticket.*``) or the
    trigger body documented in README.md (``event`` + ``ticket``). Raises ``InvalidInput``
    listing every problem: another event type, a missing or non-numeric ticket id, a missing
    subject on creation, an unknown status, values of the wrong type.
    """
    problems = Problems("Zendesk payload")
    if not isinstance(payload, Mapping):
        problems.fail(f"the payload must be a JSON object, got {shown(payload)}")
    if "type" in payload:
        return _from_event(payload, problems)
    if "ticket" not in payload:
        problems.fail(
            'expected an event subscription payload ("type": "zen:event-type:ticket.created" with '
            '"detail" and "event") or a trigger body ("event" and "ticket", see the intake README)'
        )
    return _from_trigger(payload, problems)


def _from_event(payload: Mapping[str, Any], problems: Problems) -> IncomingTicket:
    event_type = payload.get("type")
    if not isinstance(event_type, str) or not event_type.startswith(EVENT_PREFIX + "ticket."):
        problems.fail(
            f"type must be a ticket event, {EVENT_PREFIX}ticket.<event> (ticket.created, "
            f"ticket.status_changed, ticket.comment_added, ...), got {shown(event_type)}"
        )
    name = event_type.removeprefix(EVENT_PREFIX)
    kind = IncomingKind.CREATED if name == "ticket.created" else IncomingKind.UPDATED
    detail = _object(payload.get("detail"), "detail", problems, required=True)
    event = _object(payload.get("event"), "event", problems, required=False)
    ticket_id = _ticket_id(detail.get("id"), "detail.id", problems)
    raw_status = detail.get("status") if detail.get("status") is not None else event.get("current")
    comment, public = None, True
    if name == "ticket.comment_added":
        added = _object(event.get("comment"), "event.comment", problems, required=True)
        comment = optional_text(added.get("body"), "event.comment.body", problems)
        public = _flag(added.get("is_public"), "event.comment.is_public", problems)
    ticket = IncomingTicket(
        source="zendesk",
        external_id=f"zendesk:{ticket_id}",
        kind=kind,
        title=_title(detail.get("subject"), "detail.subject", kind, problems),
        description=optional_text(detail.get("description"), "detail.description", problems) or "",
        labels=_labels(
            text_list(detail.get("tags"), "detail.tags", problems),
            optional_text(detail.get("priority"), "detail.priority", problems),
        ),
        status=_status(raw_status, "detail.status", kind, problems),
        comment=comment,
        comment_public=public,
        occurred_at=instant(payload.get("time"), "time", problems),
    )
    problems.raise_if_any()
    return ticket


def _from_trigger(payload: Mapping[str, Any], problems: Problems) -> IncomingTicket:
    raw_event = payload.get("event")
    kind = IncomingKind.UPDATED
    if isinstance(raw_event, str) and raw_event.strip().lower() in _TRIGGER_EVENTS:
        kind = _TRIGGER_EVENTS[raw_event.strip().lower()]
    else:
        problems.add(f"event must be one of: {', '.join(_TRIGGER_EVENTS)}, got {shown(raw_event)}")
    ticket = _object(payload.get("ticket"), "ticket", problems, required=True)
    requester = _object(ticket.get("requester"), "ticket.requester", problems, required=False)
    organization = _object(ticket.get("organization"), "ticket.organization", problems, required=False)
    comment, public = None, True
    if kind is IncomingKind.UPDATED:  # on creation the latest comment is the description
        latest = optional_text(ticket.get("latest_comment"), "ticket.latest_comment", problems)
        latest_public = optional_text(
            ticket.get("latest_public_comment"), "ticket.latest_public_comment", problems
        )
        # no placeholder tells whether the latest comment is an internal note: unless it is also
        # the latest public one, it is kept internal
        comment, public = (latest, latest == latest_public) if latest else (latest_public, True)
    email = optional_text(requester.get("email"), "ticket.requester.email", problems)
    priority = optional_text(ticket.get("priority"), "ticket.priority", problems)
    incoming = IncomingTicket(
        source="zendesk",
        external_id=f"zendesk:{_ticket_id(ticket.get('id'), 'ticket.id', problems)}",
        kind=kind,
        title=_title(ticket.get("title"), "ticket.title", kind, problems),
        description=optional_text(ticket.get("description"), "ticket.description", problems) or "",
        requester=person(email or optional_text(requester.get("name"), "ticket.requester.name", problems)),
        organisation=optional_text(organization.get("name"), "ticket.organization.name", problems),
        labels=_labels(_tags(ticket.get("tags"), problems), None if priority == "-" else priority),
        status=_status(ticket.get("status"), "ticket.status", kind, problems),
        comment=comment,
        comment_public=public,
        occurred_at=instant(ticket.get("updated_at"), "ticket.updated_at", problems),
    )
    problems.raise_if_any()
    return incoming


def _object(value: object, path: str, problems: Problems, *, required: bool) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if value is not None or required:
        problems.add(f"{path} must be a JSON object, got {shown(value)}")
    return {}


def _ticket_id(value: object, path: str, problems: Problems) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return value.strip()
    problems.add(f"{path} must be the Zendesk ticket id (digits), got {shown(value)}")
    return ""


def _title(value: object, path: str, kind: IncomingKind, problems: Problems) -> str:
    title = optional_text(value, path, problems)
    # an update without a subject leaves the title alone ("")
    return title or (NO_SUBJECT if kind is IncomingKind.CREATED else "")


def _status(value: object, path: str, kind: IncomingKind, problems: Problems) -> str | None:
    text = optional_text(value, path, problems)
    if text is None:
        return None
    try:
        return zendesk_status(text, kind)
    except KeyError:
        allowed = ", ".join(s for s in _STATUSES if s != "on-hold")
        problems.add(f"{path}: unknown Zendesk status {text!r}, allowed: {allowed}")
        return None


def _tags(value: object, problems: Problems) -> list[str]:
    # {{ticket.tags}} renders as one space-separated string; a JSON list is accepted too
    if isinstance(value, str):
        return value.split()
    return text_list(value, "ticket.tags", problems)


def _labels(tags: list[str], priority: str | None) -> tuple[str, ...]:
    return labels_of([*tags, *([f"priority:{priority}"] if priority else [])])


def _flag(value: object, path: str, problems: Problems) -> bool:
    if value is None or isinstance(value, bool):
        return value is not False
    problems.add(f"{path} must be true or false, got {shown(value)}")
    return True
