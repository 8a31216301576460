"""When is an SLA target due? The arithmetic behind ``sevflow sla deadline``.

Two questions: the deadline of a policy target (severity x customer tier x clock, on the cell's
calendar), and the general "N business minutes after ``start_at`` on calendar X".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sevflow.domain.calendar import BusinessCalendar
from sevflow.domain.errors import InvalidInput
from sevflow.domain.instants import require_aware
from sevflow.domain.policy import ClockKind, Policy
from sevflow.domain.severity import Severity
from sevflow.domain.sla import SlaClock

TARGETS = {
    "first_response": ClockKind.FIRST_RESPONSE,
    "update": ClockKind.NEXT_UPDATE,
    "resolution": ClockKind.RESOLUTION,
}


@dataclass(frozen=True)
class Deadline:
    """``deadline_at`` is ``business_minutes`` of open time on ``calendar`` after ``start_at``
    (both aware UTC instants)."""

    start_at: datetime
    deadline_at: datetime
    calendar: BusinessCalendar
    business_minutes: int

    @property
    def deadline_local(self) -> datetime:
        """The deadline in the calendar's zone (UTC for an always-open calendar)."""
        return self.deadline_at.astimezone(self.calendar.zone)

    @property
    def start_local(self) -> datetime:
        return self.start_at.astimezone(self.calendar.zone)

    @property
    def wall_clock_minutes(self) -> int:
        """Real minutes from start to deadline (>= business minutes), rounded down."""
        return int((self.deadline_at - self.start_at).total_seconds() // 60)


def parse_target(text: str) -> ClockKind:
    """``first_response``, ``update`` or ``resolution``; ``InvalidInput`` otherwise."""
    key = text.strip().lower().replace("-", "_")
    try:
        return TARGETS[key]
    except KeyError:
        raise InvalidInput(f"unknown target {text!r}; allowed: {', '.join(TARGETS)}") from None


def deadline_after(calendar: BusinessCalendar, *, start_at: datetime, minutes: int) -> Deadline:
    """``minutes`` (>= 0) of business time on ``calendar`` after ``start_at`` (aware)."""
    if minutes < 0:
        raise InvalidInput(f"business minutes must be 0 or more, got {minutes}")
    start_at = require_aware(start_at, "start")
    return Deadline(start_at, calendar.add(start_at, minutes * 60), calendar, minutes)


def target_deadline(
    policy: Policy, *, severity: Severity, customer_tier: str, target: ClockKind, start_at: datetime
) -> Deadline:
    """When the ``target`` clock of a ``severity`` ticket from a ``customer_tier`` customer,
    started at ``start_at``, is due (ignoring pauses). ``InvalidInput`` for an unknown tier.

    Uses the domain's ``SlaClock``, so the answer is the deadline the escalation engine keeps."""
    cell = policy.target(severity, customer_tier)
    calendar = policy.calendar(cell.calendar)
    minutes = cell.minutes_for(target)
    start_at = require_aware(start_at, "start")
    clock = SlaClock.start(target, minutes * 60, cell.calendar, start_at)
    deadline_at = clock.deadline_at(calendar)
    if deadline_at is None:  # a clock that was just started runs
        raise InvalidInput(f"the {target.value} clock has no deadline")
    return Deadline(start_at, deadline_at, calendar, minutes)
