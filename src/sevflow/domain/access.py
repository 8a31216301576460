"""Who may do what: the role × action matrix, and the customer's organisation boundary.

Every use case reached over HTTP names its ``Action`` and asks ``check`` first. The policy's
own rules (who may escalate by hand, who approves a gate, an owner not approving their own
gate) are checked after this, by the domain, for the roles the actor carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from sevflow.domain.accounts import AccountRole
from sevflow.domain.errors import NotPermitted


class Action(StrEnum):
    TICKET_READ = "ticket.read"
    TICKET_CREATE = "ticket.create"
    TICKET_COMMENT = "ticket.comment"
    TICKET_COMMENT_INTERNAL = "ticket.comment_internal"
    TICKET_STATUS = "ticket.status"
    TICKET_SEVERITY = "ticket.severity"
    TICKET_ESCALATE = "ticket.escalate"
    TICKET_DEESCALATE = "ticket.deescalate"
    TICKET_ACKNOWLEDGE = "ticket.acknowledge"
    TICKET_TAKE = "ticket.take"
    TICKET_GATE = "ticket.gate"
    TICKET_CUSTOMER_TIER = "ticket.customer_tier"
    TICKET_IMPACT = "ticket.impact"
    TICKET_AUDIT = "ticket.audit"
    DIRECTORY_READ = "directory.read"
    """Teams, agents, service lines, who is on call."""
    AGENT_AWAY = "agent.away"
    """Set someone else away or back."""
    AGENT_AWAY_SELF = "agent.away_self"
    CUSTOMER_READ = "customer.read"
    CUSTOMER_MANAGE = "customer.manage"
    POLICY_READ = "policy.read"
    POLICY_UPLOAD = "policy.upload"
    USER_MANAGE = "user.manage"
    TOKEN_OWN = "token.own"
    """Create, list and revoke one's own API tokens."""
    TOKEN_ANY = "token.any"
    AUDIT_LOG = "audit.read"
    METRICS_READ = "metrics.read"
    """The metrics page: outcomes of closed tickets, summed."""
    INTAKE = "intake"
    """Push tickets from another system (webhook senders authenticate by signature)."""


V, A, L, M, AD, C = (
    AccountRole.VIEWER,
    AccountRole.AGENT,
    AccountRole.LEAD,
    AccountRole.MANAGER,
    AccountRole.ADMIN,
    AccountRole.CUSTOMER,
)
STAFF = frozenset({A, L, M, AD})
EVERYONE_STAFF = frozenset({V, A, L, M, AD})

MATRIX: Mapping[Action, frozenset[AccountRole]] = {
    Action.TICKET_READ: EVERYONE_STAFF | {C},
    Action.TICKET_CREATE: STAFF | {C},
    Action.TICKET_COMMENT: STAFF | {C},
    Action.TICKET_COMMENT_INTERNAL: STAFF,
    Action.TICKET_STATUS: STAFF,
    Action.TICKET_SEVERITY: STAFF,
    Action.TICKET_ESCALATE: STAFF | {C},
    Action.TICKET_DEESCALATE: frozenset({L, M, AD}),
    Action.TICKET_ACKNOWLEDGE: STAFF,
    Action.TICKET_TAKE: STAFF,
    Action.TICKET_GATE: STAFF,
    Action.TICKET_CUSTOMER_TIER: frozenset({L, M, AD}),
    Action.TICKET_IMPACT: STAFF,
    Action.TICKET_AUDIT: EVERYONE_STAFF,
    Action.DIRECTORY_READ: EVERYONE_STAFF,
    Action.AGENT_AWAY: frozenset({L, M, AD}),
    Action.AGENT_AWAY_SELF: STAFF,
    Action.CUSTOMER_READ: EVERYONE_STAFF,
    Action.CUSTOMER_MANAGE: frozenset({M, AD}),
    Action.POLICY_READ: EVERYONE_STAFF,
    Action.POLICY_UPLOAD: frozenset({AD}),
    Action.USER_MANAGE: frozenset({AD}),
    Action.TOKEN_OWN: EVERYONE_STAFF | {C},
    Action.TOKEN_ANY: frozenset({AD}),
    Action.AUDIT_LOG: frozenset({M, AD}),
    Action.METRICS_READ: EVERYONE_STAFF,
    Action.INTAKE: frozenset({A, L, M, AD}),
}
"""Which account roles may attempt each action. Agents may set themselves away (``AGENT_AWAY``
sets others; ``AGENT_AWAY_SELF`` oneself); the domain refuses gate decisions to non-approvers and to the owner."""


def _roles(roles: frozenset[AccountRole]) -> str:
    order = list(AccountRole)
    return ", ".join(r.value for r in sorted(roles, key=order.index))


def allowed(role: AccountRole, action: Action) -> bool:
    """May ``role`` attempt ``action`` at all (before any organisation or policy rule)?"""
    return role in MATRIX[action]


def check(
    role: AccountRole,
    action: Action,
    *,
    who: str,
    organisation: str | None = None,
    ticket_customer: str | None = None,
) -> None:
    """Raise ``NotPermitted`` (saying which roles may) unless ``role`` may do ``action``. For a
    customer acting on a ticket (``ticket_customer`` given), the ticket must be their own
    organisation's; a customer without an organisation may act on no ticket."""
    allowed = MATRIX[action]
    if role not in allowed:
        raise NotPermitted(
            f"{action.value} needs one of the roles: {_roles(allowed)}; {who} is {role.value}",
            action=action.value,
        )
    if role is AccountRole.CUSTOMER and ticket_customer is not None and ticket_customer != organisation:
        raise NotPermitted(
            f"{who} may act only on tickets of their own organisation ({organisation or 'none set'})",
            action=action.value,
        )
