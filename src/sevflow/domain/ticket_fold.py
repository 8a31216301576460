"""The fold: how each event changes a ticket. ``apply_event`` is the only state mutator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sevflow.domain.calendar import BusinessCalendar
from sevflow.domain.events import Event, EventKind
from sevflow.domain.gates import GateState
from sevflow.domain.paging import PageState
from sevflow.domain.policy import CLOCK_KINDS, ClockKind
from sevflow.domain.severity import Severity
from sevflow.domain.sla import SlaClock
from sevflow.domain.status import Status

if TYPE_CHECKING:
    from sevflow.domain.tickets import Ticket


def _cal(t: Ticket, kind: ClockKind) -> BusinessCalendar:
    return t.policy.calendar(t.clocks[kind].calendar)


def _on_created(t: Ticket, e: Event) -> None:
    d = e.data
    t.title, t.description = d["title"], d["description"]
    t.service_line, t.customer, t.customer_tier = (
        d["service_line"],
        d["customer"],
        d["customer_tier"],
    )
    t.services, t.users_affected = tuple(d["services"]), int(d["users_affected"])
    t.severity, t.severity_source = Severity(d["severity"]), d["severity_source"]
    t.proposed_severity = Severity(d["proposed_severity"])
    t.tier, t.team = d["tier"], d["team"]
    t.channel, t.external_id = d["channel"], d["external_id"]
    t.policy_version = d["policy_version"]
    t.tier_entered_at, t.tier_visits = e.at, 1
    t.tier_clock = SlaClock.stopwatch(target_calendar(t), e.at, paused=False)
    target = t.policy.target(t.severity, t.customer_tier)
    t.clocks = {
        kind: SlaClock.start(kind, target.minutes_for(kind) * 60, target.calendar, e.at)
        for kind in CLOCK_KINDS
    }


def _on_assigned(t: Ticket, e: Event) -> None:
    t.owner, t.owner_role = e.data["owner"], e.data["role"]
    t.owner_accepted = False
    t.owner_assigned_at = e.at
    t.assignments += 1


def _on_accepted(t: Ticket, e: Event) -> None:
    t.owner_accepted = True


def _on_status(t: Ticket, e: Event) -> None:
    old, new = Status(e.data["from"]), Status(e.data["to"])
    pause = t.policy.pause_statuses
    t.status = new
    for kind, clock in list(t.clocks.items()):
        cal = _cal(t, kind)
        if new in (Status.RESOLVED, Status.CLOSED):
            clock = clock.stop(cal, e.at)
        elif old is Status.RESOLVED:
            if kind is ClockKind.RESOLUTION:
                clock = clock.reopen(e.at)
            elif kind is ClockKind.NEXT_UPDATE:
                clock = clock.restart(e.at)
        elif new.value in pause:
            clock = clock.pause(cal, e.at)
        elif old.value in pause:
            clock = clock.resume(cal, e.at)
        t.clocks[kind] = clock
    tier_cal = t.policy.calendar(t.tier_clock.calendar)
    if new.value in pause or not new.is_open:
        t.tier_clock = t.tier_clock.pause(tier_cal, e.at)
    else:
        t.tier_clock = t.tier_clock.resume(tier_cal, e.at)
    if not new.is_open:
        t.page = None  # nobody needs waking for a resolved ticket
    if new is Status.RESOLVED:
        t.resolved_at = e.at
    elif new is Status.CLOSED:
        t.closed_at = e.at
    if old is Status.RESOLVED and new is Status.IN_PROGRESS:
        t.reopen_count += 1
        t.resolved_at = None
        if not t.owner_accepted:
            t.owner_assigned_at = e.at  # a fresh window to accept, not an instant handoff


def _on_commented(t: Ticket, e: Event) -> None:
    if not e.data["public"] or e.data["from_customer"] or not t.status.is_open:
        return
    first = t.clocks[ClockKind.FIRST_RESPONSE]
    if first.stopped_at is None:
        t.clocks[ClockKind.FIRST_RESPONSE] = first.stop(_cal(t, ClockKind.FIRST_RESPONSE), e.at)
        t.first_responded_at = e.at
    paused = t.status.value in t.policy.pause_statuses
    t.clocks[ClockKind.NEXT_UPDATE] = t.clocks[ClockKind.NEXT_UPDATE].restart(e.at, running=not paused)


def _on_severity(t: Ticket, e: Event) -> None:
    t.severity = Severity(e.data["to"])
    t.severity_source = e.data["source"]
    _retarget(t, e.at)


def _on_customer_tier(t: Ticket, e: Event) -> None:
    t.customer_tier = e.data["to"]
    _retarget(t, e.at)


def _retarget(t: Ticket, at: datetime) -> None:
    target = t.policy.target(t.severity, t.customer_tier)
    for kind, clock in list(t.clocks.items()):
        t.clocks[kind] = clock.retarget(_cal(t, kind), target.minutes_for(kind) * 60, target.calendar, at)
    old_cal = t.policy.calendar(t.tier_clock.calendar)
    t.tier_clock = t.tier_clock.retarget(old_cal, 0, target.calendar, at)


def target_calendar(t: Ticket) -> str:
    return t.policy.target(t.severity, t.customer_tier).calendar


def _on_tier(t: Ticket, e: Event) -> None:
    t.tier, t.team = e.data["to"], e.data["team"]
    t.tier_entered_at = e.at
    t.tier_visits += 1
    paused = t.status.value in t.policy.pause_statuses or not t.status.is_open
    t.tier_clock = SlaClock.stopwatch(target_calendar(t), e.at, paused=paused)
    if e.kind is EventKind.ESCALATED:
        t.escalation_count += 1
        if not any(key.startswith("breach:") for key in t.fired):
            t.escalations_on_time += 1  # before any SLA target was missed


def _on_reassigned(t: Ticket, e: Event) -> None:
    t.team = e.data["to"]


def _on_gate_opened(t: Ticket, e: Event) -> None:
    d = e.data
    t.gates_opened += 1
    t.gate = GateState(
        d["gate"],
        Severity(d["severity"]),
        Severity(d["previous"]),
        e.at,
        datetime.fromisoformat(d["due_at"]),
        0,
        t.gates_opened,
    )
    if t.gate.severity is not t.severity:
        t.severity = t.gate.severity  # fail safe: run as the gated severity
        _retarget(t, e.at)


def _on_gate_decided(t: Ticket, e: Event) -> None:
    t.gate = None


def _on_gate_timed_out(t: Ticket, e: Event) -> None:
    if t.gate is not None:
        t.gate = replace(t.gate, round=t.gate.round + 1, due_at=datetime.fromisoformat(e.data["next_due_at"]))


def _on_impact(t: Ticket, e: Event) -> None:
    t.users_affected = int(e.data["to"])


def _on_paged(t: Ticket, e: Event) -> None:
    d = e.data
    t.pages_opened = max(t.pages_opened, int(d["page"]))
    t.page = PageState.from_dict({**d, "number": d["page"], "paged_at": e.at.isoformat()})


def _on_page_over(t: Ticket, e: Event) -> None:
    t.pages_opened = max(t.pages_opened, int(e.data["page"]))
    t.page = None


def _on_marker(t: Ticket, e: Event) -> None:
    """Events that only record a firing (their ``key`` lands in ``fired``)."""


_HANDLERS: dict[EventKind, Callable[[Ticket, Event], None]] = {
    EventKind.CREATED: _on_created,
    EventKind.ASSIGNED: _on_assigned,
    EventKind.OWNERSHIP_ACCEPTED: _on_accepted,
    EventKind.HANDOFF_TIMED_OUT: _on_marker,
    EventKind.STATUS_CHANGED: _on_status,
    EventKind.COMMENTED: _on_commented,
    EventKind.SEVERITY_CHANGED: _on_severity,
    EventKind.ESCALATED: _on_tier,
    EventKind.DEESCALATED: _on_tier,
    EventKind.REASSIGNED: _on_reassigned,
    EventKind.SLA_WARNING: _on_marker,
    EventKind.SLA_BREACHED: _on_marker,
    EventKind.RULE_FIRED: _on_marker,
    EventKind.GATE_OPENED: _on_gate_opened,
    EventKind.GATE_DECIDED: _on_gate_decided,
    EventKind.GATE_TIMED_OUT: _on_gate_timed_out,
    EventKind.IMPACT_UPDATED: _on_impact,
    EventKind.CUSTOMER_TIER_CHANGED: _on_customer_tier,
    EventKind.PAGED: _on_paged,
    EventKind.PAGE_ACKNOWLEDGED: _on_page_over,
    EventKind.PAGE_EXHAUSTED: _on_page_over,
    EventKind.LIKELY_SHARED: _on_marker,
}


def apply_event(t: Ticket, e: Event) -> None:
    """Change ``t`` by one event: the only code that changes ticket state."""
    _HANDLERS[e.kind](t, e)
