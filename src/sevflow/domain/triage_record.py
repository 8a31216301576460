"""How each new ticket was triaged, and the severity a person gave it instead: the labelled
examples ``sevflow triage retrain`` learns from, and the rows of the drift report.

A correction is a severity set by a person against intake's proposal: declared at intake with a
reason, an agent's override (with its reason), or an approver's rejection at a decision gate.
Escalation rules changing the severity later are not corrections: the ticket changed, not the
judgement of it. The latest correction counts; one back to the proposal undoes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sevflow.domain.events import Event, EventKind
from sevflow.domain.severity import Severity
from sevflow.domain.tickets import Ticket

NOT_TRIAGED_CHANNELS = frozenset({"history"})
"""Tickets imported as history were never triaged here."""


@dataclass(frozen=True)
class Correction:
    severity: Severity
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True)
class TriageRecord:
    ticket_id: int
    opened_at: datetime
    title: str
    description: str
    service_line: str
    customer_tier: str
    channel: str
    services: tuple[str, ...]
    users_affected: int
    proposed: Severity
    """What intake proposed (rules and model together)."""
    source: str
    """Where the proposal came from: ``rules``, ``forced``, ``model`` or ``default``."""
    model_severity: Severity | None = None
    model_version: str | None = None
    correction: Correction | None = None

    @property
    def week(self) -> str:
        """The Monday (UTC) of the week it was opened, ``YYYY-MM-DD``."""
        return week_of(self.opened_at)

    @property
    def overridden(self) -> bool:
        return self.correction is not None and self.correction.severity is not self.proposed


def week_of(at: datetime) -> str:
    day = at.date()  # instants are UTC
    return (day - timedelta(days=day.weekday())).isoformat()


def record_of(ticket: Ticket) -> TriageRecord | None:
    """The triage record of a ticket just opened (its created event still pending), with the
    correction of a severity declared at intake against the proposal; ``None`` if it was not
    opened here (imported history) or is already stored."""
    if ticket.id is None:
        return None
    return record_from(ticket.id, ticket.pending)


def record_from(ticket_id: int, events: Sequence[Event]) -> TriageRecord | None:
    """The triage record told by a ticket's ``events`` (its created event first), with its
    latest correction; ``None`` without a created event or for imported history."""
    created = next((e for e in events if e.kind is EventKind.CREATED), None)
    if created is None:
        return None
    data = created.data
    if data.get("channel") in NOT_TRIAGED_CHANNELS:
        return None
    proposed = Severity(data["proposed_severity"])
    model = data.get("model")
    later = _corrections(events)
    correction = _declared(created)
    return TriageRecord(
        ticket_id=ticket_id,
        opened_at=created.at,
        title=str(data["title"]),
        description=str(data.get("description") or ""),
        service_line=str(data["service_line"]),
        customer_tier=str(data["customer_tier"]),
        channel=str(data.get("channel") or ""),
        services=tuple(data.get("services") or ()),
        users_affected=int(data.get("users_affected") or 0),
        proposed=proposed,
        source=str(data.get("triage_source") or _source_before_models(data)),
        model_severity=Severity(model["severity"]) if model else None,
        model_version=str(model["version"]) if model else None,
        correction=later[-1] if later else correction,
    )


def _source_before_models(data: Mapping[str, Any]) -> str:
    if data.get("severity_source") == "declared":
        return "rules" if data.get("matched_rules") else "default"
    return str(data.get("severity_source") or "default")


def corrections_of(ticket: Ticket) -> list[Correction]:
    """Corrections among a stored ticket's pending events: overrides and gate rejections."""
    return _corrections(ticket.pending)


def _declared(created: Event) -> Correction | None:
    """The correction of a severity declared at intake against the proposal, if it was."""
    data = created.data
    declared = Severity(data["severity"])
    if data.get("severity_source") != "declared" or declared is Severity(data["proposed_severity"]):
        return None
    return Correction(declared, created.at, created.actor, created.reason or "")


def _corrections(events: Sequence[Event]) -> list[Correction]:
    return [
        Correction(Severity(e.data["to"]), e.at, e.actor, e.reason or "")
        for e in events
        if e.kind is EventKind.SEVERITY_CHANGED and e.data.get("source") in ("override", "gate")
    ]


@dataclass(frozen=True)
class DriftRow:
    """Tickets opened in one week with one proposed severity, and how many a person corrected."""

    week: str
    proposed: Severity
    triaged: int
    overridden: int


@dataclass(frozen=True)
class TicketTriage:
    """How one ticket was triaged, as its events tell: what the rules and the model proposed,
    the severity it opened with and why, and every correction since."""

    proposed: Severity
    source: str
    opened_as: Severity
    reason: str | None
    rules_severity: Severity | None
    matched_rules: tuple[str, ...]
    model: Mapping[str, Any] | None
    """``version``, ``severity``, ``probabilities``, ``pushes``, ``notes`` (``ModelOpinion.to_dict``)."""
    corrections: tuple[Correction, ...]


def ticket_triage(events: Sequence[Event]) -> TicketTriage:
    """The triage of the ticket whose events (in order) are ``events``."""
    created = next((e for e in events if e.kind is EventKind.CREATED), None)
    if created is None:
        raise ValueError("a ticket's events start with its created event")
    data = created.data
    matched = tuple(data.get("matched_rules") or ())
    rules = data.get("rules_severity")
    model = data.get("model")
    corrections = _corrections(events)
    proposed = Severity(data["proposed_severity"])
    opened_as = Severity(data["severity"])
    declared = _declared(created)
    if declared is not None:
        corrections.insert(0, declared)
    return TicketTriage(
        proposed=proposed,
        source=str(data.get("triage_source") or _source_before_models(data)),
        opened_as=opened_as,
        reason=created.reason,
        rules_severity=Severity(rules) if rules else (proposed if matched and not model else None),
        matched_rules=matched,
        model=model,
        corrections=tuple(corrections),
    )
