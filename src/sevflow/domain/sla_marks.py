"""A ticket's SLA state as instants, so that it can be read at any ``now`` without the ticket.

Between two changes of a ticket its SLA state moves only with time, and only at instants known
when it was last changed: the nearest deadline of a running clock, the moment a running clock
reaches ``AT_RISK_PERCENT`` of its target, the moment an update falls overdue or the ticket has
been at its tier longer than the policy's limit. ``SlaMarks`` holds those instants; stored with
the ticket, they let a board of thousands of tickets be grouped and counted by comparing instants
with ``now`` (``state_at``, ``group_at``), giving exactly what the clocks themselves would say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sevflow.domain.errors import InvalidInput
from sevflow.domain.policy import ClockKind
from sevflow.domain.severity import Severity
from sevflow.domain.sla import ClockState
from sevflow.domain.tickets import Ticket

AT_RISK_PERCENT = 75
"""A running SLA clock that has used this share of its target puts the ticket at risk."""


class SlaState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"

    @classmethod
    def parse(cls, value: str) -> SlaState:
        try:
            return cls(value.strip().lower().replace("-", "_"))
        except ValueError:
            raise InvalidInput.unknown("SLA state", value, [s.value for s in cls]) from None


class BoardGroup(StrEnum):
    """Where an open ticket stands on the SLA board, most urgent first."""

    BREACHED = "breached"
    AT_RISK = "at_risk"
    ON_TRACK = "on_track"
    PAUSED = "paused"
    """No SLA clock running (waiting on the customer), none breached or at risk."""


@dataclass(frozen=True)
class SlaMarks:
    """``deadline_at``: the nearest deadline of a running clock (``deadline_clock``'s); may lie
    in the past. ``at_risk_at``: the earliest instant a running clock reaches
    ``AT_RISK_PERCENT``. ``breached``: a clock of the ticket already recorded a breach (it
    stays breached). ``paused``: a clock is paused and none runs. ``stalled_at``: when the next
    status update falls overdue or the ticket has been at its tier beyond the policy's shortest
    time-at-tier limit, whichever comes first. ``gate``: the decision gate waiting for a
    decision, to be decided by ``gate_due_at``. Instants are aware UTC; ``None``: never, as
    things stand."""

    deadline_at: datetime | None = None
    deadline_clock: ClockKind | None = None
    at_risk_at: datetime | None = None
    breached: bool = False
    paused: bool = False
    stalled_at: datetime | None = None
    gate: str | None = None
    gate_due_at: datetime | None = None

    def state_at(self, now: datetime) -> SlaState:
        """The ticket's SLA state at ``now`` (as ``sla_state`` computes it from the clocks)."""
        if self.breached or (self.deadline_at is not None and self.deadline_at <= now):
            return SlaState.BREACHED
        if self.at_risk_at is not None and self.at_risk_at <= now:
            return SlaState.AT_RISK
        return SlaState.OK

    def group_at(self, now: datetime) -> BoardGroup:
        return group_of(self.breached, self.deadline_at, self.at_risk_at, self.paused, now)

    def stalled(self, now: datetime) -> bool:
        return self.stalled_at is not None and self.stalled_at <= now


def group_of(
    breached: bool, deadline_at: datetime | None, at_risk_at: datetime | None, paused: bool, now: datetime
) -> BoardGroup:
    """``SlaMarks.group_at`` from the marks' fields alone (a board groups thousands of rows
    without making a ``SlaMarks`` of each)."""
    if breached or (deadline_at is not None and deadline_at <= now):
        return BoardGroup.BREACHED
    if at_risk_at is not None and at_risk_at <= now:
        return BoardGroup.AT_RISK
    return BoardGroup.PAUSED if paused else BoardGroup.ON_TRACK


SEVERITY_WEIGHT = {Severity.SEV1: 8.0, Severity.SEV2: 4.0, Severity.SEV3: 2.0, Severity.SEV4: 1.0}
"""How much more urgent a minute left is at each severity (see ``urgency``)."""


def seconds_left(deadline_at: datetime | None, now: datetime) -> float | None:
    """Wall-clock seconds from ``now`` to a deadline (negative: overdue); ``None``: no deadline."""
    return None if deadline_at is None else (deadline_at - now).total_seconds()


def urgency(seconds_left: float | None, severity: Severity, ticket_id: int) -> tuple[int, float, int]:
    """The order of a queue, as a sort key: overdue tickets first (the most overdue first), then
    the time left to the nearest deadline divided by the severity's weight (a Sev1 with an hour
    left comes before a Sev3 with two), tickets with no running clock last; ties by id."""
    if seconds_left is None:
        return (2, 0.0, ticket_id)
    if seconds_left <= 0:
        return (0, seconds_left, ticket_id)
    return (1, seconds_left / SEVERITY_WEIGHT[severity], ticket_id)


def sla_marks(ticket: Ticket) -> SlaMarks:
    """The marks of ``ticket`` as it is now. A resolved or closed ticket has none (it is off the
    board); its ``breached`` flag still says whether a clock was breached."""
    breached = any(ticket.breached(kind) for kind in ticket.clocks)
    if not ticket.status.is_open:
        return SlaMarks(breached=breached)
    deadline_at: datetime | None = None
    deadline_clock: ClockKind | None = None
    at_risk_at: datetime | None = None
    running = paused = False
    for kind, clock in ticket.clocks.items():
        state = clock.state
        if state is ClockState.PAUSED:
            paused = True
        if state is not ClockState.RUNNING:
            continue
        running = True
        deadline = ticket.instant_at_percent(clock, 100)
        if deadline is not None and (deadline_at is None or deadline < deadline_at):
            deadline_at, deadline_clock = deadline, kind
        risk = ticket.instant_at_percent(clock, AT_RISK_PERCENT)
        if risk is not None and (at_risk_at is None or risk < at_risk_at):
            at_risk_at = risk
    return SlaMarks(
        deadline_at=deadline_at,
        deadline_clock=deadline_clock,
        at_risk_at=at_risk_at,
        breached=breached,
        paused=paused and not running,
        stalled_at=_stalled_at(ticket),
        gate=None if ticket.gate is None else ticket.gate.name,
        gate_due_at=None if ticket.gate is None else ticket.gate.due_at,
    )


def _stalled_at(ticket: Ticket) -> datetime | None:
    candidates: list[datetime] = []
    update = ticket.clocks.get(ClockKind.NEXT_UPDATE)
    if update is not None and update.state is ClockState.RUNNING:
        overdue = ticket.instant_at_percent(update, 100)
        if overdue is not None:
            candidates.append(overdue)
    limits = [
        rule.when.minutes_at_tier
        for rule in ticket.policy.rules_for(
            ticket.severity, ticket.customer_tier, ticket.service_line, ticket.tier
        )
        if rule.when.minutes_at_tier is not None
    ]
    if limits:
        beyond = ticket.instant_at_elapsed(ticket.tier_clock, min(limits) * 60)
        if beyond is not None:
            candidates.append(beyond)
    return min(candidates, default=None)
