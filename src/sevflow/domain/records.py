"""Plain records that cross the storage ports (``sevflow.services.ports``).

They live in the domain, not next to the Protocols, so that adapters (which may import only
the domain and ``sevflow.policy``) can build them; ``sevflow.services.ports`` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sevflow.domain.delivery import Attempt
from sevflow.domain.events import Event
from sevflow.domain.notifications import Notification
from sevflow.domain.sla_marks import SlaMarks


@dataclass(frozen=True)
class TimerRow:
    """One scheduled due moment of one ticket.

    ``key`` names what falls due (``breach:resolution:0``, ``rule:sev1-stuck:tier2``,
    ``handoff:3``, ``gate:sev1-confirmation:1:0``) and is unique per ticket.
    """

    ticket_id: int
    key: str
    due_at: datetime


@dataclass(frozen=True)
class TicketFilter:
    """Filters for listing tickets; ``None`` means any. ``open_only`` excludes resolved/closed."""

    status: str | None = None
    severity: str | None = None
    service_line: str | None = None
    customer: str | None = None
    customer_tier: str | None = None
    owner: str | None = None
    tier: str | None = None
    open_only: bool = False
    limit: int = 100
    after_id: int | None = None


@dataclass(frozen=True)
class BoardQuery:
    """Which open tickets a board or queue shows; ``None`` means any."""

    service_line: str | None = None
    team: str | None = None
    tier: str | None = None
    customer: str | None = None
    customer_tier: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class TicketRow:
    """An open ticket as a board lists it: its listed fields and SLA marks, without the
    snapshot (so thousands can be read at once)."""

    id: int
    version: int
    policy_version: str
    title: str
    status: str
    severity: str
    service_line: str
    team: str
    tier: str
    customer: str
    customer_tier: str
    owner: str | None
    updated_at: datetime
    marks: SlaMarks


class MarkRow(NamedTuple):
    """An open ticket as the board groups it: the fields of its SLA marks that decide its group
    and urgency, nothing else (a board reads thousands)."""

    id: int
    severity: str
    deadline_at: datetime | None
    at_risk_at: datetime | None
    breached: bool
    paused: bool
    stalled_at: datetime | None


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored: with its ticket, sequence number (1, 2, ... per ticket) and the
    policy version the ticket ran under when it happened."""

    ticket_id: int
    seq: int
    policy_version: str
    event: Event


@dataclass(frozen=True)
class OutboxMessage:
    """A notification waiting for delivery. ``idempotency_key`` is unique and stable: a
    receiver can use it to drop duplicates of an at-least-once delivery."""

    id: int
    ticket_id: int
    event_seq: int
    idempotency_key: str
    notification: Notification
    created_at: datetime
    status: str
    """``pending`` (waiting, or claimed by a sender), ``sent`` or ``dead`` (refused for good,
    or out of attempts)."""
    attempts: int = 0


@dataclass(frozen=True)
class DeliveryRecord:
    """One attempt at delivering one queued notification, as the delivery log keeps it."""

    outbox_id: int
    ticket_id: int
    number: int
    """1 for the first attempt at this message, 2 for the next..."""
    attempt: Attempt


@dataclass(frozen=True)
class PolicyVersion:
    """A stored policy version: its content hash, name, when it was stored, whether active."""

    version: str
    name: str
    created_at: datetime
    active: bool
