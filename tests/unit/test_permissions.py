"""Who may escalate by hand: the policy's manual_escalation section.

The test policy lets agents, leads and managers always escalate, enterprise customers after
120 minutes, nobody on the standard tier, and leads and managers de-escalate.
"""

from datetime import timedelta

import pytest

from sevflow.domain.errors import NotPermitted
from sevflow.domain.permissions import check_may_deescalate, check_may_escalate
from sevflow.domain.policy import Role
from sevflow.domain.tickets import Ticket
from tests.unit.policy_builder import make_policy, utc

T0 = utc(2026, 1, 5, 9)
POLICY = make_policy()


def ticket(tier: str = "enterprise") -> Ticket:
    return Ticket.open(
        POLICY, now=T0, actor="x", title="t", service_line="payments", customer="Globex", customer_tier=tier
    )


def test_an_agent_may_always_escalate() -> None:
    check_may_escalate(POLICY, ticket(), roles=[Role.AGENT], now=T0)


def test_an_enterprise_customer_may_request_escalation_once_the_waiting_time_has_passed() -> None:
    t = ticket()
    with pytest.raises(NotPermitted) as err:
        check_may_escalate(POLICY, t, roles=[Role.CUSTOMER], now=T0 + timedelta(minutes=90))
    assert (
        str(err.value)
        == "customers on the enterprise tier may request escalation 120 minutes after opening; 30 minutes to go"
    )
    check_may_escalate(POLICY, t, roles=[Role.CUSTOMER], now=T0 + timedelta(minutes=120))


def test_a_customer_on_a_tier_without_the_right_may_never_request_escalation() -> None:
    with pytest.raises(NotPermitted) as err:
        check_may_escalate(POLICY, ticket("standard"), roles=[Role.CUSTOMER], now=T0 + timedelta(days=9))
    assert (
        str(err.value)
        == "customers on the standard tier cannot request escalation; tiers that can: enterprise"
    )


def test_a_viewer_may_not_escalate_and_is_told_which_roles_may() -> None:
    with pytest.raises(NotPermitted) as err:
        check_may_escalate(POLICY, ticket(), roles=[Role.SENIOR_ENGINEER], now=T0)
    assert str(err.value) == (
        "escalating needs one of the roles: agent, lead, manager (or a customer after the waiting time); "
        "you have: senior_engineer"
    )


def test_de_escalation_needs_a_lead_or_a_manager() -> None:
    check_may_deescalate(POLICY, roles=[Role.LEAD])
    with pytest.raises(NotPermitted) as err:
        check_may_deescalate(POLICY, roles=[Role.AGENT])
    assert str(err.value) == "de-escalating needs one of the roles: lead, manager; you have: agent"
