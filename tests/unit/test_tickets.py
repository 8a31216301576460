from datetime import timedelta

import pytest

from sevflow.domain.errors import IllegalTransition, InvalidInput, NotPermitted
from sevflow.domain.events import EventKind
from sevflow.domain.policy import ClockKind, Role, SeverityRule
from sevflow.domain.severity import Severity
from sevflow.domain.staffing import Staffing
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket
from tests.unit.policy_builder import SEV1_GATE, make_policy, utc

MONDAY_10_BERLIN = utc(2026, 1, 5, 9)


def open_ticket(policy=None, **kwargs) -> Ticket:  # type: ignore[no-untyped-def]
    fields = {
        "now": MONDAY_10_BERLIN,
        "actor": "ana",
        "title": "Refunds fail for some cards",
        "service_line": "payments",
        "customer": "Globex",
        "customer_tier": "enterprise",
    }
    fields.update(kwargs)
    return Ticket.open(policy or make_policy(), **fields)


def kinds(ticket: Ticket) -> list[str]:
    return [e.kind.value for e in ticket.pending]


def test_opening_a_ticket_starts_three_clocks_and_assigns_the_primary_owner() -> None:
    ticket = open_ticket()
    assert kinds(ticket) == ["created", "assigned"]
    assert (ticket.severity, ticket.severity_source, ticket.status) == (Severity.SEV3, "default", Status.NEW)
    assert (ticket.owner, ticket.owner_role, ticket.tier, ticket.team) == (
        "pat",
        "primary",
        "L1",
        "payments-l1",
    )
    assert {k: c.target_seconds for k, c in ticket.clocks.items()} == {
        ClockKind.FIRST_RESPONSE: 240 * 60,
        ClockKind.NEXT_UPDATE: 480 * 60,
        ClockKind.RESOLUTION: 2400 * 60,
    }
    assert ticket.outbox[0][1].recipients == ("pat",)


def test_intake_rules_propose_the_most_urgent_matching_severity() -> None:
    policy = make_policy(
        severity_rules=(
            SeverityRule("checkout-down", Severity.SEV2, keywords=("checkout down",)),
            SeverityRule("mass-impact", Severity.SEV1, min_users_affected=1000),
        )
    )
    ticket = open_ticket(policy, title="Checkout  DOWN for EU shoppers", users_affected=5)
    assert (ticket.severity, ticket.severity_source) == (Severity.SEV2, "rules")
    assert ticket.pending[0].data["matched_rules"] == ["checkout-down"]


def test_declaring_a_severity_other_than_the_proposal_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as err:
        open_ticket(severity=Severity.SEV2)
    assert str(err.value) == (
        "declaring Sev2 when the policy proposes Sev3 needs a reason; give one (it is recorded in the audit trail)"
    )
    ticket = open_ticket(severity=Severity.SEV2, severity_reason="customer's shop is down")
    assert (ticket.severity, ticket.proposed_severity) == (Severity.SEV2, Severity.SEV3)
    assert ticket.pending[0].reason == "customer's shop is down"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("service_line", "mobile", "unknown service line 'mobile'; allowed: payments"),
        ("customer_tier", "gold", "unknown customer tier 'gold'; allowed: enterprise, standard"),
        ("title", "   ", "title must not be empty"),
        ("users_affected", -1, "users affected must be 0 or more, got -1"),
        ("services", ("checkout", "atm"), "unknown service 'atm'; allowed: billing, checkout"),
    ],
)
def test_bad_intake_values_are_refused_with_what_is_allowed(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        open_ticket(**{field: value})
    assert str(err.value) == message


def test_a_forbidden_transition_is_refused_naming_the_allowed_moves() -> None:
    ticket = open_ticket()
    ticket.change_status(Status.RESOLVED, now=MONDAY_10_BERLIN, actor="pat")
    ticket.change_status(Status.CLOSED, now=MONDAY_10_BERLIN, actor="pat")
    with pytest.raises(IllegalTransition) as err:
        ticket.change_status(Status.IN_PROGRESS, now=MONDAY_10_BERLIN, actor="pat")
    assert str(err.value) == (
        "a ticket cannot go from closed to in_progress; from closed it may go to: none (closed is final)"
    )
    with pytest.raises(IllegalTransition) as err:
        open_ticket().change_status(Status.CLOSED, now=MONDAY_10_BERLIN, actor="pat")
    assert str(err.value).endswith(
        "from new it may go to: in_progress, resolved, triaged, waiting_on_customer"
    )


def test_a_severity_override_without_a_reason_is_refused_and_records_nothing() -> None:
    ticket = open_ticket()
    ticket.pending.clear()
    with pytest.raises(InvalidInput) as err:
        ticket.override_severity(Severity.SEV2, now=MONDAY_10_BERLIN, actor="pat", reason="  ")
    assert (
        str(err.value) == "a severity override needs a reason; give one (it is recorded in the audit trail)"
    )
    assert (ticket.pending, ticket.severity) == ([], Severity.SEV3)


def test_a_severity_override_retargets_the_clocks_keeping_the_time_already_spent() -> None:
    ticket = open_ticket()
    later = MONDAY_10_BERLIN + timedelta(minutes=30)
    ticket.override_severity(Severity.SEV2, now=later, actor="pat", reason="whole region affected")
    resolution = ticket.clocks[ClockKind.RESOLUTION]
    assert (resolution.target_seconds, resolution.consumed_seconds, resolution.epoch) == (480 * 60, 1800, 1)
    assert ticket.pending[-1].kind is EventKind.SEVERITY_CHANGED
    assert ticket.pending[-1].data == {"from": "Sev3", "to": "Sev2", "source": "override"}


def test_a_public_agent_comment_is_the_first_response_and_restarts_the_update_clock() -> None:
    ticket = open_ticket()
    at = MONDAY_10_BERLIN + timedelta(minutes=20)
    ticket.comment("Looking into it", now=at, author="pat")
    assert ticket.clocks[ClockKind.FIRST_RESPONSE].met() is True
    assert ticket.first_responded_at == at
    update = ticket.clocks[ClockKind.NEXT_UPDATE]
    assert (update.epoch, update.running_since) == (1, at)


def test_an_internal_note_is_not_a_response() -> None:
    ticket = open_ticket()
    ticket.comment("check the logs", now=MONDAY_10_BERLIN, author="pat", public=False)
    assert ticket.clocks[ClockKind.FIRST_RESPONSE].stopped_at is None


def test_a_customer_reply_puts_a_waiting_ticket_back_in_progress() -> None:
    ticket = open_ticket()
    ticket.change_status(Status.WAITING_ON_CUSTOMER, now=MONDAY_10_BERLIN, actor="pat")
    ticket.comment("here are the logs", now=MONDAY_10_BERLIN, author="globex-it", from_customer=True)
    assert ticket.status is Status.IN_PROGRESS
    assert ticket.pending[-1].reason == "customer replied"


def test_reopening_counts_and_resumes_the_resolution_clock_where_it_stopped() -> None:
    ticket = open_ticket()
    ticket.change_status(Status.RESOLVED, now=utc(2026, 1, 5, 11), actor="pat")
    ticket.change_status(Status.IN_PROGRESS, now=utc(2026, 1, 6, 9), actor="globex-it")
    resolution = ticket.clocks[ClockKind.RESOLUTION]
    assert ticket.reopen_count == 1
    assert (resolution.consumed_seconds, resolution.running_since) == (2 * 3600, utc(2026, 1, 6, 9))


def test_the_secondary_owner_covers_when_the_primary_is_at_the_wip_limit() -> None:
    ticket = open_ticket(staffing=Staffing(load={"pat": 5}))
    assert (ticket.owner, ticket.owner_role) == ("sam", "secondary")
    everyone_busy = open_ticket(staffing=Staffing(load={"pat": 5}, away=frozenset({"sam"})))
    assert (everyone_busy.owner, everyone_busy.owner_role) == ("l1-lead", "tier_lead")


def test_only_the_assigned_owner_can_accept_ownership() -> None:
    ticket = open_ticket()
    with pytest.raises(NotPermitted) as err:
        ticket.accept_ownership(now=MONDAY_10_BERLIN, agent="sam")
    assert str(err.value) == "only the assigned owner (pat) can accept ownership, not sam"
    ticket.accept_ownership(now=MONDAY_10_BERLIN, agent="pat")
    assert ticket.owner_accepted


def test_escalation_moves_up_one_tier_and_offers_the_ticket_to_that_team() -> None:
    ticket = open_ticket()
    ticket.escalate(now=MONDAY_10_BERLIN, actor="pat", reason="needs a database expert")
    assert (ticket.tier, ticket.team, ticket.owner, ticket.escalation_count) == (
        "L2",
        "payments-l2",
        "l2-a",
        1,
    )
    with pytest.raises(IllegalTransition) as err:
        ticket.escalate(now=MONDAY_10_BERLIN, actor="pat", reason="x", to_tier="L1")
    assert str(err.value) == "cannot escalate from L2 to L1; tiers above L2: L3, engineering, management"


def test_escalating_at_the_top_tier_is_refused() -> None:
    ticket = open_ticket()
    ticket.escalate(now=MONDAY_10_BERLIN, actor="pat", reason="exec attention", to_tier="management")
    with pytest.raises(IllegalTransition) as err:
        ticket.escalate(now=MONDAY_10_BERLIN, actor="pat", reason="more")
    assert (
        str(err.value) == "the ticket is already at the top tier (management); it cannot be escalated further"
    )


def test_a_sev1_opens_its_decision_gate_and_only_an_approver_may_decide() -> None:
    ticket = open_ticket(make_policy(gates=(SEV1_GATE,)), severity=Severity.SEV1, severity_reason="site down")
    assert ticket.gate is not None
    assert (ticket.gate.name, ticket.gate.due_at) == (
        "sev1-confirmation",
        MONDAY_10_BERLIN + timedelta(minutes=10),
    )
    with pytest.raises(NotPermitted) as err:
        ticket.decide_gate(approved=True, now=MONDAY_10_BERLIN, actor="lena", actor_roles=[Role.AGENT])
    assert str(err.value) == (
        "gate sev1-confirmation must be decided by one of: incident_commander, senior_engineer; "
        "lena has roles: agent"
    )
    ticket.decide_gate(
        approved=False,
        now=MONDAY_10_BERLIN,
        actor="ines",
        actor_roles=[Role.INCIDENT_COMMANDER],
        note="one shop",
    )
    assert (ticket.gate, ticket.severity) == (None, Severity.SEV2)


def test_replaying_the_audit_trail_rebuilds_the_same_state() -> None:
    policy = make_policy(gates=(SEV1_GATE,))
    ticket = open_ticket(policy)
    t0 = MONDAY_10_BERLIN
    ticket.comment("on it", now=t0 + timedelta(minutes=5), author="pat")
    ticket.change_status(Status.WAITING_ON_CUSTOMER, now=t0 + timedelta(hours=1), actor="pat")
    ticket.comment("logs attached", now=t0 + timedelta(hours=3), author="cust", from_customer=True)
    ticket.escalate(now=t0 + timedelta(hours=4), actor="pat", reason="needs L2")
    ticket.override_severity(Severity.SEV1, now=t0 + timedelta(hours=5), actor="pat", reason="spreading")
    ticket.change_status(Status.RESOLVED, now=t0 + timedelta(hours=6), actor="pat")
    replayed = Ticket.replay(policy, ticket.pending)
    assert replayed.state_equals(ticket)
    assert Ticket.from_snapshot(policy, ticket.to_snapshot()).state_equals(ticket)


def test_a_customer_tier_change_retargets_the_clocks_and_needs_a_reason() -> None:
    ticket = open_ticket(customer_tier="standard")  # Sev3 standard: resolution 4800 business minutes
    with pytest.raises(InvalidInput) as err:
        ticket.change_customer_tier("enterprise", now=MONDAY_10_BERLIN, actor="pat", reason="")
    assert (
        str(err.value)
        == "changing the customer tier needs a reason; give one (it is recorded in the audit trail)"
    )
    ticket.change_customer_tier(
        "enterprise", now=MONDAY_10_BERLIN + timedelta(hours=1), actor="pat", reason="contract upgraded"
    )
    resolution = ticket.clocks[ClockKind.RESOLUTION]
    assert (ticket.customer_tier, resolution.target_seconds, resolution.consumed_seconds) == (
        "enterprise",
        2400 * 60,
        3600,
    )
    assert Ticket.replay(ticket.policy, ticket.pending).state_equals(ticket)
