"""SLA marks: a ticket's SLA state as instants, read at any ``now`` without the clocks.

The policy of ``policy_builder``: Sev3 enterprise on the office calendar (Mon-Fri 09-17 Berlin,
UTC+1 in January): first response 240, update 480, resolution 2400 business minutes.
T0 = Monday 2026-01-05 09:00 UTC = 10:00 Berlin.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sevflow.domain.policy import ClockKind, Rule, Trigger
from sevflow.domain.sla import ClockState
from sevflow.domain.sla_marks import AT_RISK_PERCENT, BoardGroup, SlaMarks, SlaState, sla_marks
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from tests.unit.policy_builder import ESCALATE, make_policy, utc
from tests.unit.test_escalation import T0, fire_at, open_ticket

SECOND = timedelta(seconds=1)


def state_from_clocks(ticket: Ticket, now: datetime) -> SlaState:
    """The oracle: the state as the clocks themselves say it at ``now``."""
    state = SlaState.OK
    for kind, clock in ticket.clocks.items():
        if ticket.breached(kind):
            return SlaState.BREACHED
        if clock.state is ClockState.RUNNING:
            percent = clock.percent(ticket.policy.calendar(clock.calendar), now)
            if percent >= 100:
                return SlaState.BREACHED
            if percent >= AT_RISK_PERCENT:
                state = SlaState.AT_RISK
    return state


def test_a_new_tickets_marks_are_its_first_response_deadline_and_the_instant_it_reaches_75_percent() -> None:
    ticket = open_ticket(make_policy())
    marks = sla_marks(ticket)
    # 240 business minutes from Monday 10:00 Berlin: 14:00 Berlin; 75 % (180 minutes): 13:00 Berlin
    assert (marks.deadline_at, marks.deadline_clock) == (utc(2026, 1, 5, 13), ClockKind.FIRST_RESPONSE)
    assert marks.at_risk_at == utc(2026, 1, 5, 12)
    assert (marks.breached, marks.paused) == (False, False)
    assert marks.state_at(utc(2026, 1, 5, 12) - SECOND) is SlaState.OK
    assert marks.state_at(utc(2026, 1, 5, 12)) is SlaState.AT_RISK
    assert marks.group_at(utc(2026, 1, 5, 13) - SECOND) is BoardGroup.AT_RISK
    assert marks.state_at(utc(2026, 1, 5, 13)) is SlaState.BREACHED


def test_the_marks_give_the_same_state_as_the_clocks_at_every_instant_through_a_tickets_life() -> None:
    ticket = open_ticket(make_policy())
    instants = [T0 + timedelta(minutes=m) for m in range(0, 6 * 24 * 60, 37)]
    for now in instants[:40]:
        assert sla_marks(ticket).state_at(now) is state_from_clocks(ticket, now), now
    ticket.comment("Looking into it", now=instants[40], author="pat")  # first response: stops that clock
    ticket.pending.clear()
    for now in instants[40:]:
        fire_at(ticket, now)  # breaches get recorded on the way, as the worker would
        assert sla_marks(ticket).state_at(now) is state_from_clocks(ticket, now), now


def test_a_ticket_waiting_on_the_customer_is_paused_with_no_deadline_to_count_down_to() -> None:
    ticket = open_ticket(make_policy())
    ticket.comment("Please send the logs", now=T0, author="pat")
    ticket.change_status(Status.WAITING_ON_CUSTOMER, now=T0, actor="pat")
    marks = sla_marks(ticket)
    assert (marks.deadline_at, marks.at_risk_at, marks.paused) == (None, None, True)
    assert marks.group_at(T0 + timedelta(days=30)) is BoardGroup.PAUSED


def test_a_breach_keeps_the_ticket_breached_after_the_late_clock_stops() -> None:
    ticket = open_ticket(make_policy())
    fire_at(ticket, utc(2026, 1, 5, 13))
    ticket.comment("Sorry for the wait", now=utc(2026, 1, 5, 14), author="pat")
    marks = sla_marks(ticket)
    # the public comment restarted the update cadence: 480 business minutes from Monday 15:00 Berlin
    assert (marks.deadline_at, marks.deadline_clock) == (utc(2026, 1, 6, 14), ClockKind.NEXT_UPDATE)
    assert marks.breached
    assert marks.state_at(utc(2026, 1, 5, 14)) is SlaState.BREACHED


def test_a_ticket_stalls_when_its_update_is_overdue_or_it_stays_at_its_tier_past_the_shortest_limit() -> None:
    plain = open_ticket(make_policy())
    # no time-at-tier rule: stalls when the update cadence (480 business minutes) runs out,
    # Tuesday 10:00 Berlin
    assert sla_marks(plain).stalled_at == utc(2026, 1, 6, 9)
    limits = (
        Rule("slow", Trigger(minutes_at_tier=240), (ESCALATE,)),
        Rule("stuck", Trigger(minutes_at_tier=120), (ESCALATE,)),
    )
    limited = open_ticket(make_policy(rules=limits))
    marks = sla_marks(limited)
    assert marks.stalled_at == utc(2026, 1, 5, 11)  # two business hours at L1
    assert not marks.stalled(utc(2026, 1, 5, 11) - SECOND)
    assert marks.stalled(utc(2026, 1, 5, 11))


def test_a_resolved_ticket_is_off_the_board_but_remembers_a_breach() -> None:
    ticket = open_ticket(make_policy())
    fire_at(ticket, utc(2026, 1, 5, 13))
    ticket.comment("Fixed", now=utc(2026, 1, 5, 14), author="pat")
    ticket.change_status(Status.RESOLVED, now=utc(2026, 1, 5, 14), actor="pat")
    assert sla_marks(ticket) == SlaMarks(breached=True)
