"""Who may escalate and de-escalate by hand, as the policy's ``manual_escalation`` section says."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sevflow.domain.errors import NotPermitted
from sevflow.domain.policy import Policy, Role
from sevflow.domain.tickets import Ticket


def _names(roles: Iterable[Role]) -> str:
    return ", ".join(sorted(r.value for r in roles)) or "none"


def check_may_escalate(policy: Policy, ticket: Ticket, *, roles: Iterable[Role], now: datetime) -> None:
    """Agents in ``manual.agent_roles`` may always escalate (with a reason). A customer may
    request it once the tier's waiting time has passed since the ticket was opened."""
    held = frozenset(roles)
    manual = policy.manual
    if held & manual.agent_roles:
        return
    if Role.CUSTOMER in held:
        wait = manual.customer_after_minutes.get(ticket.customer_tier)
        if wait is None:
            tiers = ", ".join(sorted(manual.customer_after_minutes)) or "none"
            raise NotPermitted(
                f"customers on the {ticket.customer_tier} tier cannot request escalation; "
                f"tiers that can: {tiers}"
            )
        assert ticket.created_at is not None
        waited = (now - ticket.created_at).total_seconds() / 60
        if waited < wait:
            left = int(wait - waited + 0.999)
            raise NotPermitted(
                f"customers on the {ticket.customer_tier} tier may request escalation {wait} minutes after opening; "
                f"{left} minute{'' if left == 1 else 's'} to go"
            )
        return
    raise NotPermitted(
        f"escalating needs one of the roles: {_names(manual.agent_roles)} (or a customer after the "
        f"waiting time); you have: {_names(held)}"
    )


def check_may_deescalate(policy: Policy, *, roles: Iterable[Role]) -> None:
    held = frozenset(roles)
    if not held & policy.manual.deescalate_roles:
        raise NotPermitted(
            f"de-escalating needs one of the roles: {_names(policy.manual.deescalate_roles)}; "
            f"you have: {_names(held)}"
        )
