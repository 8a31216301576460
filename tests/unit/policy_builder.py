"""Small hand-built policies for domain tests, independent of the YAML loader.

The default: one service line ``payments`` with five tiers, customer tiers enterprise and
standard, an office calendar Mon-Fri 09:00-17:00 Europe/Berlin, Sev1 on 24x7.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from sevflow.domain.calendar import BusinessCalendar
from sevflow.domain.policy import (
    Action,
    ActionKind,
    ClockKind,
    CustomerTier,
    Gate,
    Handoff,
    ManualEscalation,
    OwnerPair,
    Policy,
    Role,
    Rule,
    ServiceLine,
    SeverityDef,
    SeverityRule,
    SlaTarget,
    Team,
    Trigger,
)
from sevflow.domain.severity import Severity

TIERS = ("L1", "L2", "L3", "engineering", "management")
OFFICE = BusinessCalendar("office", "Europe/Berlin", {d: [(time(9), time(17))] for d in range(5)})
ALWAYS = BusinessCalendar.always_open("24x7")

# minutes: first response, update cadence, resolution
TARGETS = {
    Severity.SEV1: (15, 30, 240, "24x7"),
    Severity.SEV2: (60, 120, 480, "office"),
    Severity.SEV3: (240, 480, 2400, "office"),
    Severity.SEV4: (480, 960, 4800, "office"),
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def make_policy(
    *,
    rules: tuple[Rule, ...] = (),
    severity_rules: tuple[SeverityRule, ...] = (),
    gates: tuple[Gate, ...] = (),
    accept_within: int = 15,
    wip_limit: int = 5,
    pause: frozenset[str] = frozenset({"waiting_on_customer"}),
    version: str = "test-1",
    primary: str = "pat",
) -> Policy:
    teams = {
        tier: Team(f"payments-{tier.lower()}", lead=f"{tier.lower()}-lead", members=(f"{tier.lower()}-a",))
        for tier in TIERS
    }
    owners = {s: OwnerPair(primary, "sam") for s in Severity}
    line = ServiceLine(
        name="payments",
        queue="payments",
        teams=teams,
        owners=owners,
        manager="maria",
        services=("checkout", "billing"),
    )
    sla = {}
    for sev, (fr, up, res, cal) in TARGETS.items():
        for tier in ("enterprise", "standard"):
            factor = 1 if tier == "enterprise" else 2
            sla[(sev, tier)] = SlaTarget(fr * factor, up * factor, res * factor, cal)
    return Policy(
        name="test policy",
        version=version,
        severities={s: SeverityDef(s, s.value, s.value) for s in Severity},
        customer_tiers={"enterprise": CustomerTier("enterprise"), "standard": CustomerTier("standard")},
        tiers=TIERS,
        service_lines={"payments": line},
        calendars={"office": OFFICE, "24x7": ALWAYS},
        sla=sla,
        pause_statuses=pause,
        handoff=Handoff(accept_within_minutes=accept_within, wip_limit=wip_limit),
        rules=rules,
        severity_rules=severity_rules,
        gates=gates,
        manual=ManualEscalation(
            agent_roles=frozenset({Role.AGENT, Role.LEAD, Role.MANAGER}),
            customer_after_minutes={"enterprise": 120},
            deescalate_roles=frozenset({Role.LEAD, Role.MANAGER}),
        ),
    )


def consumed_rule(name: str, clock: ClockKind, percent: int, *actions: Action) -> Rule:
    return Rule(name, Trigger(clock=clock, consumed_percent=percent), actions or (notify(Role.OWNER),))


def notify(*roles: Role) -> Action:
    return Action(ActionKind.NOTIFY, roles=roles)


ESCALATE = Action(ActionKind.ESCALATE)

SEV1_GATE = Gate(
    "sev1-confirmation",
    frozenset({Severity.SEV1}),
    approver_roles=(Role.INCIDENT_COMMANDER, Role.SENIOR_ENGINEER),
    decide_within_minutes=10,
    escalate_to=(Role.MANAGER,),
)
