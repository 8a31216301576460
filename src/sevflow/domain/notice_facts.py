"""The facts a notification carries for its templates: the ticket as it stood at the event.

JSON values only (instants as ISO 8601 UTC strings), so they are stored with the outbox row and
rendered at delivery, however much later. ``CUSTOMER_FACTS`` names what a customer may read;
everything else (reasons, actors, rules, owners, the timeline) is internal and never reaches a
customer template.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sevflow.domain.events import Event, EventKind
from sevflow.domain.policy import CLOCK_KINDS

if TYPE_CHECKING:
    from sevflow.domain.tickets import Ticket

CUSTOMER_FACTS = frozenset(
    {
        "ticket",
        "title",
        "severity",
        "severity_title",
        "status",
        "services",
        "customer",
        "users_affected",
        "opened_at",
        "due",
        "drill",
        "update",
    }
)


def customer_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Only the facts a customer may read (``CUSTOMER_FACTS``)."""
    return {k: v for k, v in facts.items() if k in CUSTOMER_FACTS}


_TIMELINE = 5
"""Latest events an executive brief lists."""


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def facts_of(t: Ticket, event: Event, recipients: tuple[str, ...]) -> dict[str, Any]:
    """The facts of ``t`` at ``event`` (see the module docstring)."""
    due: dict[str, str | None] = {}
    for kind in CLOCK_KINDS:
        clock = t.clocks.get(kind)
        due[kind.value] = None if clock is None else _iso(t.instant_at_percent(clock, 100))
    severity = t.policy.severities.get(t.severity)
    recent = [*t.pending[-_TIMELINE:]] if t.pending else []
    if event not in recent:
        recent = [*recent[-(_TIMELINE - 1) :], event]
    return {
        "ticket": t.id,
        "title": t.title,
        "severity": t.severity.value,
        "severity_title": severity.title if severity else t.severity.value,
        "status": t.status.value,
        "service_line": t.service_line,
        "services": list(t.services),
        "customer": t.customer,
        "customer_tier": t.customer_tier,
        "users_affected": t.users_affected,
        "tier": t.tier,
        "team": t.team,
        "owner": t.owner,
        "event": {
            "kind": event.kind.value,
            "at": event.at.isoformat(),
            "actor": event.actor,
            "reason": event.reason,
            "rule": event.rule,
        },
        "recipients": list(recipients),
        "opened_at": _iso(t.created_at),
        "first_responded_at": _iso(t.first_responded_at),
        "resolved_at": _iso(t.resolved_at),
        "escalations": t.escalation_count,
        "due": due,
        "gate": None if t.gate is None else {"name": t.gate.name, "due_at": t.gate.due_at.isoformat()},
        "page": None if t.page is None else _page(t),
        "timeline": [
            {"at": e.at.isoformat(), "kind": e.kind.value, "actor": e.actor, "reason": e.reason}
            for e in recent
        ],
        "drill": t.is_drill,
        "update": _public_update(event),
    }


def _page(t: Ticket) -> dict[str, Any]:
    assert t.page is not None
    p = t.page
    return {
        "number": p.number,
        "to": p.to,
        "target": p.target.value,
        "step": p.step,
        "round": p.round,
        "ack_due_at": p.ack_due_at.isoformat(),
        "paged": list(p.paged),
    }


def _public_update(event: Event) -> str | None:
    """The text of a public agent comment (the customer's status update), else ``None``:
    internal comments never become facts."""
    data = event.data
    if event.kind is EventKind.COMMENTED and data.get("public") and not data.get("from_customer"):
        return str(data.get("body", ""))
    return None
