"""Opening a ticket: validate the intake, propose a severity by the policy's rules, start the
clocks, choose the owner and open a decision gate when the severity needs one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sevflow.domain.errors import InvalidInput
from sevflow.domain.events import SYSTEM, Event, EventKind
from sevflow.domain.intake import IntakeFacts, Proposal, propose_severity
from sevflow.domain.severity import Severity
from sevflow.domain.staffing import NOBODY, Staffing, choose_owner
from sevflow.domain.text import reason_text, text_field
from sevflow.domain.triage import Triage, triage
from sevflow.domain.triage_policy import ModelOpinion

if TYPE_CHECKING:
    from sevflow.domain.policy import Policy
    from sevflow.domain.tickets import Ticket


@dataclass(frozen=True)
class Intake:
    """A new ticket's fields, checked against the policy, and the severity it opens with."""

    title: str
    description: str
    customer: str
    services: tuple[str, ...]
    severity: Severity
    source: str
    """``rules`` (proposed by intake rules), ``forced`` (by a forcing rule), ``model`` (by the
    learned model), ``default`` or ``declared`` by the caller."""
    proposal: Proposal
    reason: str | None
    triage: Triage
    """What rules and model proposed together, before any declared severity."""


def check_intake(
    policy: Policy,
    *,
    title: str,
    service_line: str,
    customer: str,
    customer_tier: str,
    description: str = "",
    services: Iterable[str] = (),
    users_affected: int = 0,
    severity: Severity | None = None,
    severity_reason: str | None = None,
    opinion: ModelOpinion | None = None,
) -> Intake:
    """Check a new ticket's fields against ``policy`` and work out its severity; raises
    ``InvalidInput`` naming what is wrong and what is allowed. Pure: nothing is opened.

    The severity is the policy's rules combined with a model's ``opinion`` under the policy's
    ``triage`` section (``domain.triage``). A declared ``severity`` that differs from that
    proposal is an override and needs ``severity_reason``.
    """
    policy.service_line(service_line)
    policy.customer_tier(customer_tier)
    title = text_field(title, "title", required=True)
    description = text_field(description, "description", required=False)
    customer = text_field(customer, "customer", required=True)
    if users_affected < 0:
        raise InvalidInput(f"users affected must be 0 or more, got {users_affected}")
    known = policy.known_services
    services = tuple(dict.fromkeys(s.strip() for s in services if s.strip()))
    unknown = [s for s in services if s not in known]
    if unknown:
        raise InvalidInput.unknown("service", unknown[0], known)
    facts = IntakeFacts(title, description, service_line, customer_tier, services, users_affected)
    proposal = propose_severity(policy, facts)
    combined = triage(proposal, proposal.forced, policy=policy.triage, opinion=opinion)
    final, source = combined.severity, combined.source
    reason: str | None = None
    if severity is not None and severity is not combined.severity:
        reason = reason_text(
            severity_reason,
            f"declaring {severity.value} when the policy proposes {combined.severity.value}",
        )
        final, source = severity, "declared"
    elif severity is not None:
        source = "declared"
    if reason is None and source != "declared" and source != "default":
        reason = combined.reason
    return Intake(title, description, customer, services, final, source, proposal, reason, combined)


def open_ticket(
    ticket: Ticket,
    *,
    now: datetime,
    actor: str,
    title: str,
    service_line: str,
    customer: str,
    customer_tier: str,
    description: str = "",
    services: Iterable[str] = (),
    users_affected: int = 0,
    severity: Severity | None = None,
    severity_reason: str | None = None,
    staffing: Staffing = NOBODY,
    channel: str = "api",
    external_id: str | None = None,
    opinion: ModelOpinion | None = None,
) -> Ticket:
    """Open a ticket: propose a severity by the policy's intake rules, start the SLA clocks,
    assign the owner and open a decision gate if the severity needs one.

    A declared ``severity`` that differs from the policy's proposal is an override and needs
    ``severity_reason``.
    """
    policy = ticket.policy
    checked = check_intake(
        policy,
        title=title,
        service_line=service_line,
        customer=customer,
        customer_tier=customer_tier,
        description=description,
        services=services,
        users_affected=users_affected,
        severity=severity,
        severity_reason=severity_reason,
        opinion=opinion,
    )
    title, description, customer = checked.title, checked.description, checked.customer
    services, final, source, proposal = checked.services, checked.severity, checked.source, checked.proposal
    line = policy.service_lines[service_line]
    team = line.teams[policy.tiers[0]]
    ticket._record(
        Event(
            EventKind.CREATED,
            now,
            actor,
            {
                "title": title,
                "description": description,
                "service_line": service_line,
                "customer": customer,
                "customer_tier": customer_tier,
                "services": list(services),
                "users_affected": users_affected,
                "severity": final.value,
                "severity_source": source,
                "proposed_severity": checked.triage.severity.value,
                "matched_rules": list(proposal.matched),
                **_triage_facts(checked.triage),
                "tier": policy.tiers[0],
                "team": team.name,
                "channel": channel,
                "external_id": external_id,
                "policy_version": policy.version,
            },
            reason=checked.reason,
        )
    )
    pair = line.owners[final]
    owner, role = choose_owner(
        [(pair.primary, "primary"), (pair.secondary, "secondary"), (team.lead, "tier_lead")],
        staffing,
        policy.handoff.wip_limit,
    )
    ticket.assign_owner(owner, role, now, SYSTEM, reason=f"{role} owner for {final.value} on {service_line}")
    # if the gate rejects an intake classification, the ticket drops one level unless told otherwise
    ticket._open_gate_if_needed(final, Severity(f"Sev{min(4, final.rank + 1)}"), now, SYSTEM)
    return ticket


def _triage_facts(combined: Triage) -> dict[str, object]:
    """What the created event records of a triage that used a model: the rules' own proposal
    and the model's (with its probabilities and pushes). Nothing when no model was consulted,
    so events of tickets opened without one are unchanged."""
    if combined.opinion is None or combined.model is None:
        return {}
    return {
        "rules_severity": combined.rules.severity.value if combined.rules.matched else None,
        "triage_source": combined.source,
        "model": combined.opinion.to_dict(combined.model),
    }
