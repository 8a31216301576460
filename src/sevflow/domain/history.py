"""A closed case from another system's history, as a sevflow ticket.

``closed_ticket(policy, case, actor=...)`` replays the case's life through the ticket's own
commands, at the instants the history recorded: opened (channel ``history``, its external id,
the recorded severity), its first response (a public comment), its first escalation, resolved,
closed. The escalation engine does not run (the history is what happened, not what the policy
would have done), and nothing is queued to be sent. Only cases that were resolved or closed
become tickets; instants out of order are put in order (a response before the opening counts
at the opening).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sevflow.domain.errors import InvalidInput
from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity
from sevflow.domain.status import Status
from sevflow.domain.tickets import Ticket

HISTORY_CHANNEL = "history"


@dataclass(frozen=True)
class HistoricCase:
    external_id: str
    title: str
    service_line: str
    customer: str
    customer_tier: str
    severity: Severity
    created_at: datetime
    first_response_at: datetime | None = None
    escalated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None


def closed_ticket(policy: Policy, case: HistoricCase, *, actor: str) -> Ticket:
    """The ticket ``case`` was (see the module docstring); ``InvalidInput`` if it was never
    resolved or closed, or names a service line or tier the policy does not know."""
    if case.resolved_at is None and case.closed_at is None:
        raise InvalidInput(f"case {case.external_id} was never resolved or closed")
    opened = case.created_at
    ticket = Ticket.open(
        policy,
        now=opened,
        actor=actor,
        title=case.title or f"Imported case {case.external_id}",
        service_line=case.service_line,
        customer=case.customer,
        customer_tier=case.customer_tier,
        severity=case.severity,
        severity_reason="the severity recorded in the imported history",
        channel=HISTORY_CHANNEL,
        external_id=case.external_id,
    )
    end = case.resolved_at or case.closed_at
    assert end is not None
    end = max(end, opened)
    if case.first_response_at is not None:
        ticket.comment(
            "First response (imported from history).",
            now=min(max(case.first_response_at, opened), end),
            author=actor,
        )
    if case.escalated_at is not None and policy.next_tier(ticket.tier) is not None:
        at = min(max(case.escalated_at, opened), end)
        ticket.escalate(now=at, actor=actor, reason="the case changed team in the imported history")
    ticket.change_status(Status.RESOLVED, now=end, actor=actor, reason="resolved in the imported history")
    if case.closed_at is not None:
        ticket.change_status(
            Status.CLOSED, now=max(case.closed_at, end), actor=actor, reason="closed in the imported history"
        )
    ticket.outbox.clear()  # the history happened: nobody is told again
    return ticket
