"""The escalation engine through its services, on every store: each rule kind of the starter
policy fires at its exact instant, once, and what it did is in the stored audit trail, the
timer table and the outbox.

Every test runs on the in-memory store, SQLite and PostgreSQL (``uow_factory``). Times are
exact: the clock is a ``FakeClock`` and the engine is driven with ``tick`` (``World.fire_at``)
or the simulation driver, which jumps from one due moment to the next. ``T0`` is Monday
2026-03-02 09:30 UTC = 10:30 Berlin (CET). Starter-policy facts used below:

- Sev2 enterprise: 24x7, first response 30m, update every 1h, resolution 12h; owner omar.
- Sev3 enterprise: berlin-office (Mon-Fri 09-12, 13-18), first response 2h, update 8h,
  resolution 24h; owner lena, secondary ana, L1 lead lena, manager maria.
- Sev1 enterprise: 24x7, 15m / 30m / 4h; owner ingrid; the sev1-confirmation gate (15m).
- Warnings at 75 %, breach rules at 100 %; accept within 15m on the ticket's SLA calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.domain.policy import ClockKind, Role
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.services import queries
from sevflow.services import tickets as service
from sevflow.services.ports import TicketFilter, UnitOfWorkFactory
from tests.integration.engine_world import MINUTE, SECOND, T0, World, actor, utc

HOUR = timedelta(hours=1)
CHECKOUT_DOWN = "Checkout down for EU cards"  # intake rule checkout-down (with service checkout): Sev2
DATA_LOSS = "Data loss in the refunds ledger"  # intake rule data-loss: Sev1
PLAIN = "Refund totals look wrong"  # no keyword: enterprise-never-sev4 proposes Sev3


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World.starting(uow_factory)


def sev2(world: World) -> int:
    return world.open(CHECKOUT_DOWN, services=("checkout",), accept=True)


# == SLA warnings and breaches ===============================================================


def test_the_first_response_warning_and_breach_fire_at_their_exact_instants_and_only_once(
    world: World,
) -> None:
    tid = sev2(world)
    assert world.fire_at(T0 + 22 * MINUTE + 29 * SECOND) == []
    assert world.fire_at(T0 + 22 * MINUTE + 30 * SECOND) == [
        ("sla_warning", "rule:first-response-at-risk:first_response:0")
    ]
    assert world.fire_at(T0 + 22 * MINUTE + 30 * SECOND) == []
    assert world.fire_at(T0 + 30 * MINUTE - SECOND) == []
    assert world.fire_at(T0 + 30 * MINUTE) == [
        ("sla_breached", "breach:first_response:0"),
        ("rule_fired", "rule:first-response-breached:first_response:0"),
    ]
    assert world.fire_at(T0 + 30 * MINUTE) == []
    assert world.fire_at(T0 + 45 * MINUTE - SECOND) == []

    assert world.fired(tid) == [
        (T0 + 22 * MINUTE + 30 * SECOND, "sla_warning", "rule:first-response-at-risk:first_response:0"),
        (T0 + 30 * MINUTE, "sla_breached", "breach:first_response:0"),
        (T0 + 30 * MINUTE, "rule_fired", "rule:first-response-breached:first_response:0"),
    ]
    breach = next(s for s in world.trail(tid) if s.event.key == "breach:first_response:0")
    assert (breach.seq, breach.event.actor, breach.event.reason) == (
        5,
        "sevflow",
        "first response target missed",
    )
    assert dict(breach.event.data) == {"clock": "first_response", "deadline_at": "2026-03-02T10:00:00+00:00"}
    assert [
        (m.event_seq, m.idempotency_key, m.notification.event_kind, m.notification.recipients, m.status)
        for m in world.outbox(tid)
    ] == [
        (2, f"{tid}:2:0", "assigned", ("omar",), "pending"),
        (4, f"{tid}:4:0", "sla_warning", ("omar", "lena"), "pending"),
        (6, f"{tid}:6:0", "rule_fired", ("omar", "lena", "maria"), "pending"),
    ]
    assert [m.notification.subject for m in world.outbox(tid)] == [
        f"[Sev2] #{tid} assigned: {CHECKOUT_DOWN}",
        f"[Sev2] #{tid} sla warning: {CHECKOUT_DOWN}",
        f"[Sev2] #{tid} rule fired: {CHECKOUT_DOWN}",
    ]
    assert not [key for key in world.timers(tid) if "first_response" in key]
    assert world.ticket(tid).breached(ClockKind.FIRST_RESPONSE)


def test_the_update_cadence_reminder_fires_at_75_percent_of_the_allowed_silence_and_restarts_on_each_update(
    world: World,
) -> None:
    tid = sev2(world)
    world.clock.set(T0 + 10 * MINUTE)
    service.add_comment(
        world.uow_factory(), clock=world.clock, actor=actor("omar"), ticket_id=tid, body="Looking into it"
    )
    # the first public reply stops the first-response clock and restarts the update clock (epoch 1)
    assert world.timers(tid) == {
        "rule:update-due-soon:next_update:1": T0 + 55 * MINUTE,
        "rule:sev2-stuck-at-l1:tier1": T0 + 60 * MINUTE,
        "breach:next_update:1": T0 + 70 * MINUTE,
        "rule:update-overdue:next_update:1": T0 + 70 * MINUTE,
        "rule:resolution-at-risk:resolution:0": T0 + 9 * HOUR,
        "breach:resolution:0": T0 + 12 * HOUR,
        "rule:resolution-breached:resolution:0": T0 + 12 * HOUR,
    }
    world.run_until(T0 + 55 * MINUTE - SECOND)
    assert world.fired(tid) == []
    assert world.fire_at(T0 + 55 * MINUTE) == [("sla_warning", "rule:update-due-soon:next_update:1")]
    assert [m.notification.recipients for m in world.outbox(tid) if m.event_seq == 5] == [("omar",)]

    world.run_until(T0 + 65 * MINUTE)
    service.add_comment(
        world.uow_factory(), clock=world.clock, actor=actor("omar"), ticket_id=tid, body="Fix is deploying"
    )
    world.run_until(T0 + 125 * MINUTE)
    assert [f for f in world.fired(tid) if "next_update" in f[2]] == [
        (T0 + 55 * MINUTE, "sla_warning", "rule:update-due-soon:next_update:1"),
        (T0 + 110 * MINUTE, "sla_warning", "rule:update-due-soon:next_update:2"),
        (T0 + 125 * MINUTE, "sla_breached", "breach:next_update:2"),
        (T0 + 125 * MINUTE, "rule_fired", "rule:update-overdue:next_update:2"),
    ]


# == time at tier ==============================================================================


def test_a_time_at_tier_rule_escalates_when_its_minutes_are_up_and_rearms_on_the_next_tier(
    world: World,
) -> None:
    tid = sev2(world)
    world.run_until(T0 + 60 * MINUTE - SECOND)
    assert not [f for f in world.fired(tid) if "stuck" in f[2]]
    assert world.fire_at(T0 + 60 * MINUTE) == [
        ("sla_breached", "breach:next_update:0"),
        ("rule_fired", "rule:sev2-stuck-at-l1:tier1"),
        ("escalated", None),
        ("assigned", None),
        ("rule_fired", "rule:update-overdue:next_update:0"),
    ]
    escalated = next(s.event for s in world.trail(tid) if s.event.kind.value == "escalated")
    assert (escalated.at, escalated.actor, escalated.reason, escalated.rule) == (
        T0 + HOUR,
        "sevflow",
        "rule sev2-stuck-at-l1",
        "sev2-stuck-at-l1",
    )
    assert dict(escalated.data) == {"from": "L1", "to": "L2", "team": "payments-l2"}
    ticket = world.ticket(tid)
    assert (ticket.tier, ticket.owner, ticket.owner_role, ticket.tier_visits) == ("L2", "priya", "member", 2)
    timers = world.timers(tid)
    assert "rule:sev2-stuck-at-l1:tier1" not in timers
    assert timers["rule:sev2-stuck-at-l2:tier2"] == T0 + 5 * HOUR  # 240 minutes on the 24x7 calendar

    world.clock.set(T0 + 61 * MINUTE)
    service.accept_ownership(world.uow_factory(), clock=world.clock, actor=actor("priya"), ticket_id=tid)
    world.run_until(T0 + 5 * HOUR - SECOND)
    assert world.ticket(tid).tier == "L2"
    assert world.fire_at(T0 + 5 * HOUR) == [
        ("rule_fired", "rule:sev2-stuck-at-l2:tier2"),
        ("escalated", None),
        ("assigned", None),
    ]
    assert world.ticket(tid).tier == "L3"
    assert not [key for key in world.timers(tid) if "stuck" in key]  # no Sev2 rule for L3


def test_time_at_tier_counts_business_minutes_so_an_office_ticket_does_not_escalate_overnight(
    world: World,
) -> None:
    world.clock.set(utc(2026, 3, 2, 16, 30))  # Monday 17:30 Berlin, half an hour before closing
    tid = world.open(CHECKOUT_DOWN, customer_tier="business", services=("checkout",), accept=True)
    assert world.ticket(tid).sla_target.calendar == "berlin-office"
    # 60 business minutes: 30 on Monday evening, 30 on Tuesday from 09:00 -> 09:30 Berlin
    assert world.timers(tid)["rule:sev2-stuck-at-l1:tier1"] == utc(2026, 3, 3, 8, 30)
    world.run_until(utc(2026, 3, 3, 8, 30))
    assert [f for f in world.fired(tid) if "stuck" in f[2]] == [
        (utc(2026, 3, 3, 8, 30), "rule_fired", "rule:sev2-stuck-at-l1:tier1")
    ]


# == ownership handoff ===========================================================================


def test_an_owner_who_does_not_accept_in_time_is_replaced_along_the_chain_until_the_manager(
    world: World,
) -> None:
    tid = world.open(PLAIN)  # Sev3, owner lena (primary), not accepted
    assert world.timers(tid)["handoff:1"] == T0 + 15 * MINUTE
    assert world.fire_at(T0 + 15 * MINUTE - SECOND) == []
    assert world.fire_at(T0 + 15 * MINUTE) == [("handoff_timed_out", "handoff:1"), ("assigned", None)]
    assert (world.ticket(tid).owner, world.ticket(tid).owner_role) == ("ana", "secondary")
    assert world.fire_at(T0 + 15 * MINUTE) == []
    # lena, the L1 lead, already had the ticket: next in line is the manager
    assert world.fire_at(T0 + 30 * MINUTE) == [("handoff_timed_out", "handoff:2"), ("assigned", None)]
    assert (world.ticket(tid).owner, world.ticket(tid).owner_role) == ("maria", "manager")
    # the end of the line: the manager is told, and keeps it
    assert world.fire_at(T0 + 45 * MINUTE) == [("handoff_timed_out", "handoff:3")]
    assert world.ticket(tid).owner == "maria"
    assert not [key for key in world.timers(tid) if key.startswith("handoff:")]
    assert world.fire_at(T0 + 90 * MINUTE - SECOND) == []

    handoffs = [s.event for s in world.trail(tid) if s.event.kind.value == "handoff_timed_out"]
    assert [(e.at, e.reason, dict(e.data)) for e in handoffs] == [
        (
            T0 + 15 * MINUTE,
            "lena did not accept within 15 minutes",
            {"owner": "lena", "role": "primary", "next": "ana"},
        ),
        (
            T0 + 30 * MINUTE,
            "ana did not accept within 15 minutes",
            {"owner": "ana", "role": "secondary", "next": "maria"},
        ),
        (
            T0 + 45 * MINUTE,
            "maria did not accept within 15 minutes",
            {"owner": "maria", "role": "manager", "next": None},
        ),
    ]
    assert [
        (m.notification.event_kind, m.notification.recipients, m.notification.urgent)
        for m in world.outbox(tid)
    ] == [
        ("assigned", ("lena",), False),
        ("assigned", ("ana",), False),
        ("assigned", ("maria",), False),
        ("handoff_timed_out", ("maria",), True),
    ]


def test_the_handoff_time_of_an_office_ticket_opened_on_friday_evening_runs_out_on_monday_morning(
    world: World,
) -> None:
    world.clock.set(utc(2026, 3, 6, 16, 55))  # Friday 17:55 Berlin
    tid = world.open(PLAIN)
    # 5 minutes on Friday, 10 on Monday from 09:00 -> Monday 09:10 Berlin
    assert world.timers(tid)["handoff:1"] == utc(2026, 3, 9, 8, 10)
    world.run_until(utc(2026, 3, 9, 8, 10))
    assert world.fired(tid) == [(utc(2026, 3, 9, 8, 10), "handoff_timed_out", "handoff:1")]


# == decision gate ===============================================================================


def test_an_undecided_sev1_gate_times_out_every_15_minutes_until_an_approver_decides(world: World) -> None:
    tid = world.open(DATA_LOSS)
    opened = next(s.event for s in world.trail(tid) if s.event.kind.value == "gate_opened")
    assert dict(opened.data) == {
        "gate": "sev1-confirmation",
        "severity": "Sev1",
        "previous": "Sev2",
        "due_at": "2026-03-02T09:45:00+00:00",
    }
    assert world.timers(tid)["gate:sev1-confirmation:1:0"] == T0 + 15 * MINUTE
    world.run_until(T0 + 30 * MINUTE)
    gate_fired = [f for f in world.fired(tid) if f[2].startswith("gate:")]
    assert gate_fired == [
        (T0 + 15 * MINUTE, "gate_timed_out", "gate:sev1-confirmation:1:0"),
        (T0 + 30 * MINUTE, "gate_timed_out", "gate:sev1-confirmation:1:1"),
    ]
    timed_out = [m.notification for m in world.outbox(tid) if m.notification.event_kind == "gate_timed_out"]
    assert [(n.recipients, n.urgent) for n in timed_out] == [
        (("maria", "role:incident_commander", "role:senior_engineer"), True)
    ] * 2
    assert world.timers(tid)["gate:sev1-confirmation:1:2"] == T0 + 45 * MINUTE

    world.clock.set(T0 + 35 * MINUTE)
    service.decide_gate(
        world.uow_factory(),
        clock=world.clock,
        actor=actor("ivy", Role.INCIDENT_COMMANDER),
        ticket_id=tid,
        approved=True,
    )
    assert not [key for key in world.timers(tid) if key.startswith("gate:")]
    world.run_until(T0 + 2 * HOUR)
    assert [f for f in world.fired(tid) if f[2].startswith("gate:")] == gate_fired
    decided = next(s.event for s in world.trail(tid) if s.event.kind.value == "gate_decided")
    assert (decided.at, decided.actor, dict(decided.data)) == (
        T0 + 35 * MINUTE,
        "ivy",
        {"gate": "sev1-confirmation", "approved": True, "severity": "Sev1"},
    )
    assert world.ticket(tid).severity is Severity.SEV1


# == intake severity rules =========================================================================


def test_intake_rules_choose_the_severity_whose_targets_the_timers_follow(world: World) -> None:
    tid = world.open(CHECKOUT_DOWN, services=("checkout",))
    created = world.trail(tid)[0].event
    assert {
        k: created.data[k] for k in ("severity", "severity_source", "proposed_severity", "matched_rules")
    } == {
        "severity": "Sev2",
        "severity_source": "rules",
        "proposed_severity": "Sev2",
        "matched_rules": ["checkout-down", "enterprise-never-sev4"],
    }
    timers = world.timers(tid)
    assert (
        timers["breach:first_response:0"],
        timers["breach:next_update:0"],
        timers["breach:resolution:0"],
    ) == (
        T0 + 30 * MINUTE,
        T0 + HOUR,
        T0 + 12 * HOUR,
    )

    mass = world.open(PLAIN, users=1000)
    assert world.ticket(mass).severity is Severity.SEV1
    assert world.kinds(mass, T0) == ["created", "assigned", "gate_opened", "rule_fired"]
    assert world.fired(mass) == [(T0, "rule_fired", "rule:enterprise-outage-page")]

    standard = world.open(PLAIN, customer_tier="standard")
    ticket = world.ticket(standard)
    assert (ticket.severity, ticket.severity_source) == (Severity.SEV3, "default")
    # 8 office hours from Monday 10:30 Berlin: 6.5 on Monday, 1.5 on Tuesday -> Tuesday 10:30 Berlin
    assert world.timers(standard)["breach:first_response:0"] == utc(2026, 3, 3, 9, 30)


def test_declaring_a_severity_below_the_intake_rules_without_a_reason_is_refused_and_stores_nothing(
    world: World,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        world.open(PLAIN, severity=Severity.SEV4)
    assert str(refused.value) == (
        "declaring Sev4 when the policy proposes Sev3 needs a reason; "
        "give one (it is recorded in the audit trail)"
    )
    assert queries.list_tickets(world.uow_factory(), TicketFilter()) == []
    assert world.next_due_at() is None
    declared = world.open(PLAIN, severity=Severity.SEV4, reason="a cosmetic rounding issue")
    assert world.ticket(declared).severity_source == "declared"
    assert world.trail(declared)[0].event.reason == "a cosmetic rounding issue"


# == condition rules: impact and reopens ===========================================================


def test_an_impact_past_a_thousand_users_raises_the_ticket_to_sev1_once(world: World) -> None:
    tid = world.open(PLAIN, accept=True)
    world.run_until(T0 + HOUR)
    assert world.fired(tid) == []
    service.update_impact(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=tid, users_affected=1500
    )
    # Sev1 runs on 24x7 with a 15-minute first response and a 30-minute update: the hour of
    # office time already spent breaches both at once. The hour already spent at L1 also passes
    # 'Sev1 still at L1 after 15 minutes'; all of these became due at the re-targeting instant,
    # and at one instant breaches come before rules
    assert [(s.event.kind.value, s.event.key) for s in world.trail(tid) if s.event.at == T0 + HOUR] == [
        ("impact_updated", None),
        ("rule_fired", "rule:wide-impact"),
        ("severity_changed", None),
        ("gate_opened", None),
        ("sla_breached", "breach:first_response:1"),
        ("sla_breached", "breach:next_update:1"),
        ("rule_fired", "rule:enterprise-outage-page"),
        ("sla_warning", "rule:first-response-at-risk:first_response:1"),
        ("rule_fired", "rule:first-response-breached:first_response:1"),
        ("rule_fired", "rule:sev1-stuck-at-l1:tier1"),
        ("escalated", None),
        ("assigned", None),
        ("sla_warning", "rule:update-due-soon:next_update:1"),
        ("rule_fired", "rule:update-overdue:next_update:1"),
    ]
    changed = next(s.event for s in world.trail(tid) if s.event.kind.value == "severity_changed")
    assert (dict(changed.data), changed.rule) == (
        {"from": "Sev3", "to": "Sev1", "source": "rule:wide-impact"},
        "wide-impact",
    )
    notified = [m.notification for m in world.outbox(tid) if m.notification.event_kind == "rule_fired"]
    assert notified[0].recipients == ("maria", "role:incident_commander")

    world.clock.set(T0 + 70 * MINUTE)
    service.decide_gate(
        world.uow_factory(),
        clock=world.clock,
        actor=actor("ivy", Role.INCIDENT_COMMANDER),
        ticket_id=tid,
        approved=False,
        note="40 users, not 1500",
    )
    assert world.ticket(tid).severity is Severity.SEV3
    world.clock.set(T0 + 72 * MINUTE)
    service.accept_ownership(world.uow_factory(), clock=world.clock, actor=actor("priya"), ticket_id=tid)
    world.clock.set(T0 + 75 * MINUTE)
    service.update_impact(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=tid, users_affected=5000
    )
    assert world.kinds(tid, T0 + 75 * MINUTE) == ["impact_updated"]
    assert [f[2] for f in world.fired(tid)].count("rule:wide-impact") == 1


def test_a_ticket_reopened_for_the_second_time_moves_up_one_tier_once(world: World) -> None:
    tid = world.open(PLAIN, accept=True)

    def status(at: datetime, to: Status) -> None:
        world.run_until(at)
        service.change_status(
            world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=tid, status=to
        )

    status(T0 + HOUR, Status.RESOLVED)
    status(T0 + 2 * HOUR, Status.IN_PROGRESS)
    assert world.kinds(tid, T0 + 2 * HOUR) == ["status_changed"]
    status(T0 + 3 * HOUR, Status.RESOLVED)
    status(T0 + 4 * HOUR, Status.IN_PROGRESS)
    assert [(s.event.kind.value, s.event.key) for s in world.trail(tid) if s.event.at == T0 + 4 * HOUR] == [
        ("status_changed", None),
        ("rule_fired", "rule:reopened-twice"),
        ("escalated", None),
        ("assigned", None),
    ]
    ticket = world.ticket(tid)
    assert (ticket.reopen_count, ticket.tier, ticket.owner) == (2, "L2", "priya")
    service.accept_ownership(world.uow_factory(), clock=world.clock, actor=actor("priya"), ticket_id=tid)
    status(T0 + 5 * HOUR, Status.RESOLVED)
    status(T0 + 6 * HOUR, Status.IN_PROGRESS)
    assert world.kinds(tid, T0 + 6 * HOUR) == ["status_changed"]
    assert world.ticket(tid).tier == "L2"


# == lifecycle: resolved, reopened, paused ===========================================================


def test_a_resolved_ticket_has_no_timers_and_reopening_continues_its_resolution_clock(world: World) -> None:
    tid = world.open(PLAIN, accept=True)
    assert world.timers(tid)["breach:resolution:0"] == utc(2026, 3, 5, 9, 30)  # 24 office hours
    world.clock.set(T0 + HOUR)
    service.change_status(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=tid, status=Status.RESOLVED
    )
    assert world.timers(tid) == {}
    assert world.next_due_at() is None
    assert world.fire_at(T0 + timedelta(days=30)) == []
    assert world.fired(tid) == []

    world.clock.set(utc(2026, 3, 3, 9, 30))  # Tuesday 10:30 Berlin
    service.change_status(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=tid, status=Status.IN_PROGRESS
    )
    # 1 office hour was spent before resolving; 23 remain from Tuesday 10:30 -> Friday 09:30 Berlin.
    # The update clock starts again (epoch 1); the first response stays stopped.
    assert world.timers(tid) == {
        "rule:update-due-soon:next_update:1": utc(2026, 3, 3, 16, 30),
        "breach:next_update:1": utc(2026, 3, 4, 9, 30),
        "rule:update-overdue:next_update:1": utc(2026, 3, 4, 9, 30),
        "rule:resolution-at-risk:resolution:0": utc(2026, 3, 5, 10, 30),
        "breach:resolution:0": utc(2026, 3, 6, 8, 30),
        "rule:resolution-breached:resolution:0": utc(2026, 3, 6, 8, 30),
    }
    world.clock.set(utc(2026, 3, 3, 10, 0))
    service.change_status(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=tid, status=Status.RESOLVED
    )
    world.clock.set(utc(2026, 3, 3, 11, 0))
    service.change_status(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=tid, status=Status.CLOSED
    )
    assert world.timers(tid) == {}
    assert world.fire_at(utc(2026, 4, 1, 0, 0)) == []


def test_a_ticket_waiting_on_the_customer_has_no_clock_timers_and_its_deadlines_move_by_the_business_time_paused(
    world: World,
) -> None:
    tid = world.open(PLAIN, accept=True)
    before = world.timers(tid)
    assert before == {
        "rule:first-response-at-risk:first_response:0": utc(2026, 3, 2, 11, 0),
        "breach:first_response:0": utc(2026, 3, 2, 12, 30),
        "rule:first-response-breached:first_response:0": utc(2026, 3, 2, 12, 30),
        "rule:update-due-soon:next_update:0": utc(2026, 3, 2, 16, 30),
        "breach:next_update:0": utc(2026, 3, 3, 9, 30),
        "rule:update-overdue:next_update:0": utc(2026, 3, 3, 9, 30),
        "rule:resolution-at-risk:resolution:0": utc(2026, 3, 4, 12, 30),
        "breach:resolution:0": utc(2026, 3, 5, 9, 30),
        "rule:resolution-breached:resolution:0": utc(2026, 3, 5, 9, 30),
    }
    world.clock.set(utc(2026, 3, 2, 10, 0))  # 11:00 Berlin, 30 business minutes in
    service.change_status(
        world.uow_factory(),
        clock=world.clock,
        actor=actor("lena"),
        ticket_id=tid,
        status=Status.WAITING_ON_CUSTOMER,
    )
    assert world.timers(tid) == {}
    view = queries.show_ticket(world.uow_factory(), now=utc(2026, 3, 2, 13, 0), ticket_id=tid)
    assert {(c.kind.value, c.state.value, c.elapsed_seconds, c.deadline_at) for c in view.clocks} == {
        ("first_response", "paused", 1800, None),
        ("next_update", "paused", 1800, None),
        ("resolution", "paused", 1800, None),
    }
    assert world.fire_at(utc(2026, 3, 2, 12, 30)) == []  # the old first-response deadline passes

    world.clock.set(utc(2026, 3, 2, 14, 0))  # 15:00 Berlin: paused 11-12 and 13-15 = 3 business hours
    service.change_status(
        world.uow_factory(), clock=world.clock, actor=actor("lena"), ticket_id=tid, status=Status.IN_PROGRESS
    )
    after = world.timers(tid)
    assert after == {
        "rule:first-response-at-risk:first_response:0": utc(2026, 3, 2, 15, 0),
        "breach:first_response:0": utc(2026, 3, 2, 15, 30),
        "rule:first-response-breached:first_response:0": utc(2026, 3, 2, 15, 30),
        "rule:update-due-soon:next_update:0": utc(2026, 3, 3, 10, 30),
        "breach:next_update:0": utc(2026, 3, 3, 13, 30),
        "rule:update-overdue:next_update:0": utc(2026, 3, 3, 13, 30),
        "rule:resolution-at-risk:resolution:0": utc(2026, 3, 4, 15, 30),
        "breach:resolution:0": utc(2026, 3, 5, 13, 30),
        "rule:resolution-breached:resolution:0": utc(2026, 3, 5, 13, 30),
    }
    office = world.ticket(tid).policy.calendar("berlin-office")
    assert {key: office.add(due, 3 * 3600) for key, due in before.items()} == after
    assert world.ticket(tid).clocks[ClockKind.RESOLUTION].paused_seconds == 3 * 3600

    world.run_until(utc(2026, 3, 2, 15, 30))
    assert world.fired(tid) == [
        (utc(2026, 3, 2, 15, 0), "sla_warning", "rule:first-response-at-risk:first_response:0"),
        (utc(2026, 3, 2, 15, 30), "sla_breached", "breach:first_response:0"),
        (utc(2026, 3, 2, 15, 30), "rule_fired", "rule:first-response-breached:first_response:0"),
    ]


def test_a_customer_reply_to_a_ticket_waiting_on_them_starts_its_clocks_again(world: World) -> None:
    tid = world.open(PLAIN, accept=True)
    world.clock.set(utc(2026, 3, 2, 10, 0))
    service.change_status(
        world.uow_factory(),
        clock=world.clock,
        actor=actor("lena"),
        ticket_id=tid,
        status=Status.WAITING_ON_CUSTOMER,
    )
    assert world.timers(tid) == {}
    world.clock.set(utc(2026, 3, 2, 14, 0))
    service.add_comment(
        world.uow_factory(),
        clock=world.clock,
        actor=actor("globex-it", Role.CUSTOMER),
        ticket_id=tid,
        body="Here are the logs",
    )
    assert world.ticket(tid).status is Status.IN_PROGRESS
    assert world.timers(tid)["breach:first_response:0"] == utc(2026, 3, 2, 15, 30)


# == catching up and idempotency ======================================================================


def test_a_worker_that_was_down_fires_every_overdue_moment_once_when_it_comes_back(world: World) -> None:
    tid = sev2(world)
    late = T0 + 13 * HOUR
    assert world.fire_at(late) == [
        ("sla_warning", "rule:first-response-at-risk:first_response:0"),
        ("sla_breached", "breach:first_response:0"),
        ("rule_fired", "rule:first-response-breached:first_response:0"),
        ("sla_warning", "rule:update-due-soon:next_update:0"),
        ("sla_breached", "breach:next_update:0"),
        ("rule_fired", "rule:sev2-stuck-at-l1:tier1"),
        ("escalated", None),
        ("assigned", None),
        ("rule_fired", "rule:update-overdue:next_update:0"),
        ("sla_warning", "rule:resolution-at-risk:resolution:0"),
        ("sla_breached", "breach:resolution:0"),
        ("rule_fired", "rule:resolution-breached:resolution:0"),
        ("escalated", None),
        ("assigned", None),
    ]
    assert world.fire_at(late) == []
    assert world.fire_at(late + 14 * MINUTE) == []
    # stamped when they fired, each remembering when it was due
    fired = [s.event for s in world.trail(tid) if s.event.key is not None]
    assert {e.at for e in fired} == {late}
    assert [e.data.get("due_at", e.data.get("deadline_at")) for e in fired][:3] == [
        "2026-03-02T09:52:30+00:00",
        "2026-03-02T10:00:00+00:00",
        "2026-03-02T10:00:00+00:00",
    ]
    assert world.ticket(tid).tier == "L3"


def test_over_two_days_every_firing_is_stored_once_at_the_instant_it_fell_due(world: World) -> None:
    ids = [
        sev2(world),
        world.open(DATA_LOSS),
        world.open(PLAIN),
        world.open(PLAIN, customer_tier="standard", service_line="mobile", accept=True),
    ]
    end = T0 + timedelta(days=2)
    world.run_until(T0 + HOUR)
    service.decide_gate(  # else it would time out every 15 minutes for two days
        world.uow_factory(),
        clock=world.clock,
        actor=actor("ivy", Role.SENIOR_ENGINEER),
        ticket_id=ids[1],
        approved=True,
    )
    world.run_until(end)
    assert world.fire_at(end) == []
    for tid in ids:
        keys = [s.event.key for s in world.trail(tid) if s.event.key is not None]
        assert len(keys) == len(set(keys))
        for stored in world.trail(tid):
            e = stored.event
            due = e.data.get("due_at") if e.key and e.key.startswith("rule:") else e.data.get("deadline_at")
            if e.key and e.key != "rule:enterprise-outage-page" and due is not None:
                assert e.at == datetime.fromisoformat(due), e.key
        assert all(due > end for due in world.timers(tid).values())
    handoffs = [f"handoff:{n}" for n in range(2, 14)]
    assert (
        [key for _, _, key in world.fired(ids[0])]
        == [
            "rule:first-response-at-risk:first_response:0",
            "breach:first_response:0",
            "rule:first-response-breached:first_response:0",
            "rule:update-due-soon:next_update:0",
            "breach:next_update:0",
            "rule:sev2-stuck-at-l1:tier1",
            "rule:update-overdue:next_update:0",
            *handoffs[0:4],  # priya, tom, omar (L2 lead), maria did not accept
            "rule:sev2-stuck-at-l2:tier2",
            *handoffs[4:8],  # jonas, mei, ingrid (L3 lead), maria
            "rule:resolution-at-risk:resolution:0",
            "breach:resolution:0",
            "rule:resolution-breached:resolution:0",
            *handoffs[8:12],  # sofia, raj, viktor (engineering lead), maria
        ]
    )
