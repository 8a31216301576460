"""A ticket's state as a JSON-compatible dict, so storage can load it without replaying events."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sevflow.domain.gates import GateState
from sevflow.domain.instants import iso_text
from sevflow.domain.paging import PageState
from sevflow.domain.policy import ClockKind
from sevflow.domain.severity import Severity
from sevflow.domain.sla import SlaClock
from sevflow.domain.status import Status

if TYPE_CHECKING:
    from sevflow.domain.tickets import Ticket


def to_snapshot(t: Ticket) -> dict[str, Any]:
    """Everything needed to rebuild the ticket without replaying events (JSON-compatible)."""
    iso = iso_text
    return {
        "id": t.id,
        "version": t.version,
        "policy_version": t.policy_version,
        "external_id": t.external_id,
        "channel": t.channel,
        "title": t.title,
        "description": t.description,
        "service_line": t.service_line,
        "customer": t.customer,
        "customer_tier": t.customer_tier,
        "services": list(t.services),
        "users_affected": t.users_affected,
        "severity": t.severity.value,
        "severity_source": t.severity_source,
        "proposed_severity": t.proposed_severity.value,
        "status": t.status.value,
        "tier": t.tier,
        "team": t.team,
        "owner": t.owner,
        "owner_role": t.owner_role,
        "owner_accepted": t.owner_accepted,
        "owner_assigned_at": iso(t.owner_assigned_at),
        "assignments": t.assignments,
        "tier_entered_at": iso(t.tier_entered_at),
        "tier_visits": t.tier_visits,
        "reopen_count": t.reopen_count,
        "escalation_count": t.escalation_count,
        "escalations_on_time": t.escalations_on_time,
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "first_responded_at": iso(t.first_responded_at),
        "resolved_at": iso(t.resolved_at),
        "closed_at": iso(t.closed_at),
        "clocks": {k.value: c.to_dict() for k, c in t.clocks.items()},
        "tier_clock": t.tier_clock.to_dict(),
        "fired": sorted(t.fired),
        "gate": t.gate.to_dict() if t.gate else None,
        "gates_opened": t.gates_opened,
        "page": t.page.to_dict() if t.page else None,
        "pages_opened": t.pages_opened,
    }


def load_snapshot(t: Ticket, data: Mapping[str, Any]) -> None:
    for name in [
        "id",
        "version",
        "policy_version",
        "external_id",
        "channel",
        "title",
        "description",
        "service_line",
        "customer",
        "customer_tier",
        "users_affected",
        "severity_source",
        "owner",
        "owner_role",
        "owner_accepted",
        "assignments",
        "tier",
        "team",
        "tier_visits",
        "reopen_count",
        "escalation_count",
        "gates_opened",
    ]:
        setattr(t, name, data[name])
    t.services = tuple(data["services"])
    t.severity = Severity(data["severity"])
    t.proposed_severity = Severity(data["proposed_severity"])
    t.status = Status(data["status"])
    for name in [
        "owner_assigned_at",
        "tier_entered_at",
        "created_at",
        "updated_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
    ]:
        setattr(t, name, _parse(data[name]))
    t.clocks = {ClockKind(k): SlaClock.from_dict(v) for k, v in data["clocks"].items()}
    if "tier_clock" in data:
        t.tier_clock = SlaClock.from_dict(data["tier_clock"])
    elif t.tier_entered_at is not None:  # written before the tier stopwatch existed
        calendar = t.policy.target(t.severity, t.customer_tier).calendar
        t.tier_clock = SlaClock.stopwatch(calendar, t.tier_entered_at, paused=False)
    t.fired = set(data["fired"])
    t.escalations_on_time = data.get("escalations_on_time", 0)  # written before it was counted
    t.gate = GateState.from_dict(data["gate"]) if data["gate"] else None
    page = data.get("page")  # written before paging existed: none
    t.page = PageState.from_dict(page) if page else None
    t.pages_opened = data.get("pages_opened", 0)


def _parse(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))
