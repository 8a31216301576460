"""Every kind of due moment fires at its exact instant, and only once.

Office calendar: Mon-Fri 09:00-17:00 Europe/Berlin (UTC+1 in January). 2026-01-05 is a Monday.
"""

from datetime import datetime, timedelta

from sevflow.domain.escalation import decide, run_due
from sevflow.domain.policy import Action, ActionKind, ClockKind, Role, Rule, Trigger
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from tests.unit.policy_builder import ESCALATE, SEV1_GATE, consumed_rule, make_policy, notify, utc

T0 = utc(2026, 1, 5, 9)  # Monday 10:00 Berlin
SECOND = timedelta(seconds=1)


def open_ticket(policy, **kwargs) -> Ticket:  # type: ignore[no-untyped-def]
    fields = {
        "now": T0,
        "actor": "ana",
        "title": "Refunds fail",
        "service_line": "payments",
        "customer": "Globex",
        "customer_tier": "enterprise",
    }
    fields.update(kwargs)
    ticket = Ticket.open(policy, **fields)
    ticket.accept_ownership(now=T0, agent=ticket.owner or "")
    ticket.pending.clear()
    ticket.outbox.clear()
    return ticket


def fire_at(ticket: Ticket, now: datetime) -> list[tuple[str, str | None]]:
    run_due(ticket, now)
    fired = [(e.kind.value, e.key) for e in ticket.pending]
    ticket.pending.clear()
    return fired


def test_a_breach_falls_due_exactly_at_the_deadline_and_fires_once() -> None:
    ticket = open_ticket(make_policy())
    deadline = utc(2026, 1, 5, 13)  # Sev3 enterprise first response: 240 business minutes
    assert decide(ticket, deadline - SECOND).due_now == ()
    assert fire_at(ticket, deadline - SECOND) == []
    assert fire_at(ticket, deadline) == [("sla_breached", "breach:first_response:0")]
    assert fire_at(ticket, deadline + timedelta(hours=1)) == []


def test_a_warning_rule_fires_when_the_share_of_the_target_is_consumed() -> None:
    policy = make_policy(rules=(consumed_rule("resolution-at-risk", ClockKind.RESOLUTION, 75),))
    ticket = open_ticket(policy)
    # 75 % of 2400 business minutes = 1800 min = 30 h of office time from Monday 10:00 Berlin:
    # Mon 7 h, Tue 8, Wed 8, Thu 7 h -> Thursday 16:00 Berlin = 15:00 UTC
    at = utc(2026, 1, 8, 15)
    rule_due = [d for d in decide(ticket, T0).upcoming if d.rule == "resolution-at-risk"]
    assert [d.at for d in rule_due] == [at]
    fired = fire_at(ticket, at)
    assert ("sla_warning", "rule:resolution-at-risk:resolution:0") in fired
    assert ticket.outbox[-1][1].recipients == ("pat",)
    assert fire_at(ticket, at + timedelta(hours=1)) == []


def test_a_time_at_tier_rule_escalates_after_its_business_minutes_and_rearms_on_the_next_tier() -> None:
    stuck = Rule("stuck", Trigger(minutes_at_tier=120, tiers=frozenset({"L1", "L2"})), (ESCALATE,))
    ticket = open_ticket(make_policy(rules=(stuck,)))
    assert fire_at(ticket, utc(2026, 1, 5, 11) - SECOND) == []
    fired = fire_at(ticket, utc(2026, 1, 5, 11))
    assert fired[0] == ("rule_fired", "rule:stuck:tier1")
    assert ("escalated", None) in fired
    assert ticket.tier == "L2"
    # L2 entered Monday 12:00 Berlin; two business hours later it goes on to L3 ...
    assert [d.at for d in decide(ticket, utc(2026, 1, 5, 11)).upcoming if d.rule == "stuck"] == [
        utc(2026, 1, 5, 13)
    ]
    fire_at(ticket, utc(2026, 1, 5, 13))
    assert ticket.tier == "L3"
    # ... and the rule, limited to L1 and L2, stops there.
    assert [d for d in decide(ticket, utc(2026, 1, 5, 13)).upcoming if d.rule == "stuck"] == []


def test_time_at_tier_counts_business_minutes_so_a_ticket_does_not_escalate_overnight() -> None:
    stuck = Rule("stuck", Trigger(minutes_at_tier=120), (ESCALATE,))
    ticket = open_ticket(make_policy(rules=(stuck,)), now=utc(2026, 1, 5, 15))  # Monday 16:00 Berlin
    [due] = [d for d in decide(ticket, utc(2026, 1, 5, 15)).upcoming if d.rule == "stuck"]
    assert due.at == utc(2026, 1, 6, 9)  # 1 h on Monday, 1 h on Tuesday -> Tuesday 10:00 Berlin


def test_a_condition_rule_fires_as_soon_as_its_conditions_hold_and_only_once() -> None:
    big = Rule("big-impact", Trigger(min_users_affected=1000), (notify(Role.MANAGER),))
    ticket = open_ticket(make_policy(rules=(big,)))
    assert fire_at(ticket, T0) == []
    ticket.update_impact(5000, now=T0 + timedelta(minutes=3), actor="pat")
    ticket.pending.clear()
    assert fire_at(ticket, T0 + timedelta(minutes=3)) == [("rule_fired", "rule:big-impact")]
    assert ticket.outbox[-1][1].recipients == ("maria",)
    ticket.update_impact(9000, now=T0 + timedelta(minutes=4), actor="pat")
    ticket.pending.clear()
    assert fire_at(ticket, T0 + timedelta(minutes=4)) == []


def test_a_reopen_rule_escalates_the_second_time_a_ticket_comes_back() -> None:
    reopened = Rule("reopened-twice", Trigger(min_reopens=2), (ESCALATE,))
    ticket = open_ticket(make_policy(rules=(reopened,)))
    for hour in (1, 3):
        ticket.change_status(Status.RESOLVED, now=T0 + timedelta(hours=hour), actor="pat")
        ticket.change_status(Status.IN_PROGRESS, now=T0 + timedelta(hours=hour + 1), actor="cust")
        ticket.pending.clear()
        fired = fire_at(ticket, T0 + timedelta(hours=hour + 1))
    assert fired[0] == ("rule_fired", "rule:reopened-twice")
    assert (ticket.reopen_count, ticket.tier) == (2, "L2")


def test_an_unaccepted_owner_hands_off_to_the_secondary_then_the_lead_then_the_manager() -> None:
    ticket = Ticket.open(
        make_policy(accept_within=15),
        now=T0,
        actor="ana",
        title="x",
        service_line="payments",
        customer="Globex",
        customer_tier="enterprise",
    )
    ticket.pending.clear()
    owners = []
    for minutes in (15, 30, 45):
        fired = fire_at(ticket, T0 + timedelta(minutes=minutes))
        assert fired[0] == ("handoff_timed_out", f"handoff:{minutes // 15}")
        owners.append((ticket.owner, ticket.owner_role))
    assert owners == [("sam", "secondary"), ("l1-lead", "tier_lead"), ("maria", "manager")]
    assert fire_at(ticket, T0 + timedelta(minutes=60)) == [("handoff_timed_out", "handoff:4")]
    assert ticket.outbox[-1][1].recipients == ("maria",)
    assert fire_at(ticket, T0 + timedelta(hours=5)) == [("sla_breached", "breach:first_response:0")]


def test_an_undecided_gate_escalates_every_period_until_somebody_decides() -> None:
    policy = make_policy(gates=(SEV1_GATE,))
    ticket = open_ticket(policy, severity=Severity.SEV1, severity_reason="site down")
    assert fire_at(ticket, T0 + timedelta(minutes=10) - SECOND) == []
    assert fire_at(ticket, T0 + timedelta(minutes=10)) == [("gate_timed_out", "gate:sev1-confirmation:1:0")]
    assert ticket.outbox[-1][1].recipients == ("maria", "role:incident_commander", "role:senior_engineer")
    assert fire_at(ticket, T0 + timedelta(minutes=20)) == [
        ("sla_breached", "breach:first_response:0"),  # Sev1 enterprise: first response in 15 minutes
        ("gate_timed_out", "gate:sev1-confirmation:1:1"),
    ]
    ticket.decide_gate(
        approved=True, now=T0 + timedelta(minutes=21), actor="ines", actor_roles=[Role.SENIOR_ENGINEER]
    )
    assert [d for d in decide(ticket, T0 + timedelta(minutes=21)).upcoming if d.key.startswith("gate")] == []


def test_a_rule_requiring_approval_treats_the_ticket_as_sev1_while_the_gate_is_pending() -> None:
    rule = Rule(
        "huge-impact-needs-ic",
        Trigger(min_users_affected=10_000),
        (Action(ActionKind.REQUIRE_APPROVAL, gate="sev1-confirmation"),),
    )
    ticket = open_ticket(make_policy(rules=(rule,), gates=(SEV1_GATE,)), users_affected=20_000)
    fire_at(ticket, T0)
    assert (ticket.severity, ticket.gate is not None) == (Severity.SEV1, True)
    assert ticket.clocks[ClockKind.RESOLUTION].target_seconds == 240 * 60


def test_the_update_reminder_fires_once_per_cadence_and_a_public_update_rearms_it() -> None:
    policy = make_policy(rules=(consumed_rule("update-due", ClockKind.NEXT_UPDATE, 100, notify(Role.OWNER)),))
    ticket = open_ticket(policy, severity=Severity.SEV1, severity_reason="outage")
    # Sev1 enterprise: updates every 30 minutes, 24x7
    assert ("rule_fired", "rule:update-due:next_update:0") in fire_at(ticket, T0 + timedelta(minutes=30))
    ticket.comment("Mitigation in progress", now=T0 + timedelta(minutes=40), author="pat")
    ticket.pending.clear()
    assert fire_at(ticket, T0 + timedelta(minutes=70) - SECOND) == []
    assert ("rule_fired", "rule:update-due:next_update:1") in fire_at(ticket, T0 + timedelta(minutes=70))


def test_a_paused_ticket_has_no_clock_deadlines_due() -> None:
    ticket = open_ticket(make_policy())
    ticket.comment("need your logs", now=T0, author="pat")
    ticket.change_status(Status.WAITING_ON_CUSTOMER, now=T0, actor="pat")
    ticket.pending.clear()
    assert [d.key for d in decide(ticket, T0).upcoming] == []
    assert fire_at(ticket, T0 + timedelta(days=30)) == []


def test_a_raise_severity_rule_retargets_the_clocks_at_once() -> None:
    raise_it = Rule(
        "enterprise-at-risk",
        Trigger(clock=ClockKind.FIRST_RESPONSE, consumed_percent=50, severities=frozenset({Severity.SEV3})),
        (Action(ActionKind.RAISE_SEVERITY),),
    )
    ticket = open_ticket(make_policy(rules=(raise_it,)))
    # 120 of 240 minutes: raised to Sev2, whose 60-minute first response and 120-minute update
    # cadence are then already used up -- breached on the spot, in the same run
    assert fire_at(ticket, utc(2026, 1, 5, 11)) == [
        ("sla_warning", "rule:enterprise-at-risk:first_response:0"),
        ("severity_changed", None),
        ("sla_breached", "breach:first_response:1"),
        ("sla_breached", "breach:next_update:1"),
    ]
    assert ticket.severity is Severity.SEV2


def test_closed_tickets_have_nothing_due() -> None:
    ticket = open_ticket(make_policy())
    ticket.change_status(Status.RESOLVED, now=T0, actor="pat")
    assert decide(ticket, T0 + timedelta(days=400)).upcoming == ()


def test_a_percent_rule_is_judged_again_against_each_new_target() -> None:
    """Without a severity filter, a raise rule whose threshold is already past under the
    tighter target fires again: policies should say which severities a raise applies to."""
    raise_any = Rule(
        "raise-any",
        Trigger(clock=ClockKind.FIRST_RESPONSE, consumed_percent=50),
        (Action(ActionKind.RAISE_SEVERITY),),
    )
    ticket = open_ticket(make_policy(rules=(raise_any,)))
    fire_at(ticket, utc(2026, 1, 5, 11))
    assert ticket.severity is Severity.SEV1
    assert ticket.fired >= {"rule:raise-any:first_response:0", "rule:raise-any:first_response:1"}


def test_the_handoff_time_counts_on_the_tickets_calendar_so_office_tickets_wait_for_the_morning() -> None:
    policy = make_policy(accept_within=15)
    ticket = Ticket.open(
        policy,
        now=utc(2026, 1, 5, 15, 50),  # Monday 16:50 Berlin, ten minutes before closing
        actor="ana",
        title="x",
        service_line="payments",
        customer="Globex",
        customer_tier="enterprise",
    )
    [handoff] = [d for d in decide(ticket, utc(2026, 1, 5, 15, 50)).upcoming if d.key == "handoff:1"]
    assert handoff.at == utc(2026, 1, 6, 8, 5)  # Tuesday 09:05 Berlin


def test_the_handoff_chain_skips_people_who_already_had_the_ticket() -> None:
    ticket = Ticket.open(
        make_policy(primary="l1-lead"),  # the primary owner is also the L1 lead
        now=T0,
        actor="ana",
        title="x",
        service_line="payments",
        customer="Globex",
        customer_tier="enterprise",
    )
    fire_at(ticket, T0 + timedelta(minutes=15))
    fire_at(ticket, T0 + timedelta(minutes=30))
    assert (ticket.owner, ticket.owner_role) == ("maria", "manager")


def test_an_escalation_makes_the_previous_owners_handoff_timeout_moot() -> None:
    """The time-at-tier rule and the first owner's handoff fall due at the same instant; the rule
    comes first and reassigns, so the old owner's handoff must not fire afterwards."""
    stuck = Rule(
        "sev1-stuck", Trigger(minutes_at_tier=15, severities=frozenset({Severity.SEV1})), (ESCALATE,)
    )
    ticket = Ticket.open(
        make_policy(rules=(stuck,), accept_within=15),
        now=T0,
        actor="ana",
        title="x",
        service_line="payments",
        customer="Globex",
        customer_tier="enterprise",
        severity=Severity.SEV1,
        severity_reason="outage",
    )
    ticket.pending.clear()
    fired = fire_at(ticket, T0 + timedelta(minutes=15))
    assert [k for k, _ in fired] == ["sla_breached", "rule_fired", "escalated", "assigned"]
    assert (ticket.tier, ticket.owner) == ("L2", "l2-a")


def test_time_at_tier_stops_counting_while_the_ticket_waits_on_the_customer() -> None:
    stuck = Rule("stuck", Trigger(minutes_at_tier=120), (ESCALATE,))
    ticket = open_ticket(make_policy(rules=(stuck,)))  # Monday 10:00 Berlin
    ticket.change_status(Status.WAITING_ON_CUSTOMER, now=utc(2026, 1, 5, 10), actor="pat")  # 1 h at L1
    assert [d for d in decide(ticket, utc(2026, 1, 5, 10)).upcoming if d.rule == "stuck"] == []
    assert ("escalated", None) not in fire_at(ticket, utc(2026, 1, 6, 15))  # a day later: still L1
    ticket.change_status(Status.IN_PROGRESS, now=utc(2026, 1, 7, 9), actor="pat")  # Wednesday 10:00
    [due] = [d for d in decide(ticket, utc(2026, 1, 7, 9)).upcoming if d.rule == "stuck"]
    assert due.at == utc(2026, 1, 7, 10)  # the second hour, Wednesday 11:00 Berlin


def test_an_unaccepted_owner_gets_a_fresh_window_when_the_ticket_is_reopened() -> None:
    ticket = Ticket.open(
        make_policy(accept_within=15),
        now=T0,
        actor="ana",
        title="x",
        service_line="payments",
        customer="Globex",
        customer_tier="enterprise",
    )
    ticket.change_status(Status.RESOLVED, now=T0 + timedelta(minutes=5), actor="pat")
    ticket.change_status(Status.IN_PROGRESS, now=T0 + timedelta(days=2), actor="cust")
    [handoff] = [d for d in decide(ticket, T0 + timedelta(days=2)).upcoming if d.key == "handoff:1"]
    assert handoff.at == T0 + timedelta(days=2, minutes=15)


def test_a_late_worker_keeps_the_gate_schedule_and_skips_the_rounds_it_missed() -> None:
    ticket = open_ticket(make_policy(gates=(SEV1_GATE,)), severity=Severity.SEV1, severity_reason="site down")
    # the gate falls due at T0+10; a worker that only looks at T0+13 keeps the 10-minute rhythm
    fired = fire_at(ticket, T0 + timedelta(minutes=13))
    assert ("gate_timed_out", "gate:sev1-confirmation:1:0") in fired
    assert ticket.gate is not None
    assert ticket.gate.due_at == T0 + timedelta(minutes=20)
    # a worker down for an hour fires one round, not six, and schedules the next from now
    fired = fire_at(ticket, T0 + timedelta(minutes=75))
    assert [k for k, key in fired if k == "gate_timed_out"] == ["gate_timed_out"]
    assert ticket.gate.due_at == T0 + timedelta(minutes=85)
