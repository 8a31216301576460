"""Where a notification to a policy role goes, for one ticket.

Named people (owner, secondary, tier lead, manager) resolve to agent names from the policy;
rotations and roles resolve to addresses that the delivery side expands: ``oncall:TEAM``,
``role:NAME``, ``customer:ORGANISATION``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sevflow.domain.policy import Role

if TYPE_CHECKING:
    from sevflow.domain.tickets import Ticket


def address_of(t: Ticket, role: Role) -> str | None:
    line = t.policy.service_lines[t.service_line]
    if role is Role.OWNER:
        return t.owner
    if role is Role.SECONDARY:
        return line.owners[t.severity].secondary
    if role is Role.TIER_LEAD:
        return line.teams[t.tier].lead
    if role is Role.MANAGER:
        return line.manager
    if role is Role.ON_CALL:
        return f"oncall:{t.team}"
    if role is Role.CUSTOMER:
        return f"customer:{t.customer}"
    return f"role:{role.value}"
