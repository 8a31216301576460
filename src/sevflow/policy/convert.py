"""A checked ``PolicyDocument`` -> the frozen domain ``Policy``.

Only called once the schema and the cross-reference checks found nothing, so every name used
here is known to exist. Mappings are wrapped read-only: a ``Policy`` must not change after load.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from sevflow.domain.oncall import OnCallBook
from sevflow.domain.policy import (
    Action,
    ActionKind,
    CustomerTier,
    Gate,
    Handoff,
    ManualEscalation,
    OwnerPair,
    Policy,
    Rule,
    ServiceLine,
    SeverityDef,
    SeverityRule,
    SlaTarget,
    Team,
    Trigger,
)
from sevflow.domain.severity import Severity
from sevflow.policy.calendars import build_calendar
from sevflow.policy.notifications_doc import to_routing
from sevflow.policy.oncall_doc import to_schedules
from sevflow.policy.paging_doc import to_paging
from sevflow.policy.schema import ActionDoc, PolicyDocument, RuleDoc, ServiceLineDoc, TriggerDoc
from sevflow.policy.triage_doc import to_triage
from sevflow.policy.values import DEFAULT_OWNERS, NEXT

K = TypeVar("K")
V = TypeVar("V")


def _frozen(mapping: Mapping[K, V]) -> Mapping[K, V]:
    return MappingProxyType(dict(mapping))


def _set(values: list[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def to_policy(doc: PolicyDocument, *, version: str) -> Policy:
    return Policy(
        name=doc.name,
        version=version,
        severities=_frozen(
            {
                sev: SeverityDef(sev, d.title.strip(), d.definition.strip())
                for sev, d in doc.severities.items()
            }
        ),
        customer_tiers=_frozen(
            {name: CustomerTier(name, t.description.strip()) for name, t in doc.customer_tiers.items()}
        ),
        tiers=tuple(doc.tiers),
        service_lines=_frozen({name: _service_line(name, line) for name, line in doc.service_lines.items()}),
        calendars=_frozen({name: build_calendar(name, cal) for name, cal in doc.calendars.items()}),
        sla=_frozen(
            {
                (sev, tier): SlaTarget(c.first_response, c.update_every, c.resolution, c.calendar)
                for sev, row in doc.sla.items()
                for tier, c in row.items()
            }
        ),
        pause_statuses=frozenset(doc.pause_statuses),
        handoff=Handoff(doc.handoff.accept_within, doc.handoff.wip_limit),
        rules=tuple(_rule(r) for r in doc.rules),
        severity_rules=tuple(
            SeverityRule(
                name=r.name,
                severity=r.severity,
                keywords=tuple(r.keywords or ()),
                services=_set(r.services),
                service_lines=_set(r.service_lines),
                min_users_affected=r.min_users_affected,
                customer_tiers=_set(r.customer_tiers),
                force=r.force,
            )
            for r in doc.severity_rules
        ),
        gates=tuple(
            Gate(g.name, frozenset(g.severities), tuple(g.approvers), g.decide_within, tuple(g.escalate_to))
            for g in doc.gates
        ),
        manual=ManualEscalation(
            agent_roles=frozenset(doc.manual_escalation.agents),
            customer_after_minutes=_frozen(doc.manual_escalation.customer_after),
            deescalate_roles=frozenset(doc.manual_escalation.deescalate),
        ),
        default_severity=doc.default_severity,
        routing=to_routing(doc.notifications),
        oncall=OnCallBook(to_schedules(doc.oncall)),
        paging=to_paging(doc.paging),
        triage=to_triage(doc.triage),
    )


def _service_line(name: str, line: ServiceLineDoc) -> ServiceLine:
    default = line.owners.get(DEFAULT_OWNERS)
    owners: dict[Severity, OwnerPair] = {}
    for severity in Severity:
        pair = line.owners.get(severity.value, default)
        if pair is not None:  # the checks guarantee a pair for every severity
            owners[severity] = OwnerPair(pair.primary, pair.secondary)
    return ServiceLine(
        name=name,
        queue=line.queue,
        teams=_frozen({tier: Team(t.name, t.lead, tuple(t.members)) for tier, t in line.teams.items()}),
        owners=_frozen(owners),
        manager=line.manager,
        services=tuple(line.services),
    )


def _rule(rule: RuleDoc) -> Rule:
    return Rule(
        name=rule.name,
        when=_trigger(rule.when),
        then=tuple(_action(a) for a in rule.then),
        description=rule.description.strip(),
    )


def _trigger(when: TriggerDoc) -> Trigger:
    return Trigger(
        clock=when.clock,
        consumed_percent=when.consumed_percent,
        minutes_at_tier=when.minutes_at_tier,
        severities=None if when.severity is None else frozenset(when.severity),
        customer_tiers=_set(when.customer_tier),
        service_lines=_set(when.service_line),
        tiers=_set(when.tier),
        min_users_affected=when.min_users_affected,
        min_reopens=when.min_reopens,
        keywords=tuple(when.keywords or ()),
        services=_set(when.service),
    )


def _action(action: ActionDoc) -> Action:
    if action.escalate is not None:
        return Action(ActionKind.ESCALATE, tier=None if action.escalate == NEXT else action.escalate)
    if action.reassign is not None:
        return Action(ActionKind.REASSIGN, team=action.reassign)
    if action.raise_severity is not None:
        target = None if action.raise_severity == NEXT else Severity(action.raise_severity)
        return Action(ActionKind.RAISE_SEVERITY, severity=target)
    if action.notify is not None:
        return Action(ActionKind.NOTIFY, roles=tuple(dict.fromkeys(action.notify)))
    assert action.require_approval is not None  # the checks guarantee exactly one action field
    return Action(ActionKind.REQUIRE_APPROVAL, gate=action.require_approval)
