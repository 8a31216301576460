"""Ticket events: the append-only audit trail. A ticket's state is the fold of its events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    CREATED = "created"
    ASSIGNED = "assigned"
    OWNERSHIP_ACCEPTED = "ownership_accepted"
    HANDOFF_TIMED_OUT = "handoff_timed_out"
    STATUS_CHANGED = "status_changed"
    COMMENTED = "commented"
    SEVERITY_CHANGED = "severity_changed"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    REASSIGNED = "reassigned"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    RULE_FIRED = "rule_fired"
    GATE_OPENED = "gate_opened"
    GATE_DECIDED = "gate_decided"
    GATE_TIMED_OUT = "gate_timed_out"
    IMPACT_UPDATED = "impact_updated"
    CUSTOMER_TIER_CHANGED = "customer_tier_changed"
    PAGED = "paged"
    PAGE_ACKNOWLEDGED = "page_acknowledged"
    PAGE_EXHAUSTED = "page_exhausted"
    LIKELY_SHARED = "likely_shared"


SYSTEM = "sevflow"
"""The actor name for changes sevflow makes by itself (rules, timers)."""


@dataclass(frozen=True)
class Event:
    """Who did what, when and why.

    ``at`` is an aware UTC instant. ``data`` holds JSON-compatible values only.
    ``rule`` names the policy rule that caused the event, if any. ``key`` is set on events a
    timer or rule fires: it is unique per ticket, so a firing is recorded at most once even if
    two workers race (the store enforces uniqueness).
    """

    kind: EventKind
    at: datetime
    actor: str
    data: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None
    rule: str | None = None
    key: str | None = None
