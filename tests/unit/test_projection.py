from datetime import timedelta

from sevflow.domain.escalation import run_due
from sevflow.domain.policy import Rule, Trigger
from sevflow.domain.projection import project
from sevflow.domain.severity import Severity
from sevflow.domain.tickets import Ticket
from tests.unit.policy_builder import ESCALATE, SEV1_GATE, make_policy, utc

T0 = utc(2026, 1, 5, 9)


def sev1_ticket() -> Ticket:
    stuck = Rule("stuck", Trigger(minutes_at_tier=20), (ESCALATE,))
    ticket = Ticket.open(
        make_policy(rules=(stuck,), gates=(SEV1_GATE,)),
        now=T0,
        actor="ana",
        title="Site down",
        service_line="payments",
        customer="Globex",
        customer_tier="enterprise",
        severity=Severity.SEV1,
        severity_reason="outage",
    )
    ticket.pending.clear()
    ticket.outbox.clear()
    return ticket


def test_the_projection_is_exactly_what_the_live_engine_then_does() -> None:
    ticket = sev1_ticket()
    steps = project(ticket, T0, horizon=timedelta(hours=2), max_steps=1000)
    live = []
    for instant in sorted({s.event.at for s in steps}):
        run_due(ticket, instant)
        live += [(e.at, e.kind, e.key) for e in ticket.pending]
        ticket.pending.clear()
    assert [(s.event.at, s.event.kind, s.event.key) for s in steps] == live
    assert [s.event.key for s in steps][:3] == [
        "gate:sev1-confirmation:1:0",
        "breach:first_response:0",
        "handoff:1",
    ]


def test_projecting_leaves_the_ticket_untouched() -> None:
    ticket = sev1_ticket()
    before = ticket.to_snapshot()
    project(ticket, T0, horizon=timedelta(days=3))
    assert ticket.to_snapshot() == before
    assert ticket.pending == []


def test_the_projection_stops_at_its_horizon_and_step_limit() -> None:
    ticket = sev1_ticket()
    assert all(
        s.event.at <= T0 + timedelta(minutes=30) for s in project(ticket, T0, horizon=timedelta(minutes=30))
    )
    assert len(project(ticket, T0, max_steps=4)) == 4
