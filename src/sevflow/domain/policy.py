"""The escalation policy as immutable domain objects.

The YAML file is parsed and validated in ``sevflow.policy``; this module holds only the
resulting, already-valid model. Every duration is in whole **minutes of business time on the
calendar of the SLA cell** unless the field name says otherwise.

A ``Policy`` is frozen: a ticket records ``Policy.version`` and keeps running under that version
until an operator re-targets it on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sevflow.domain.calendar import BusinessCalendar
from sevflow.domain.errors import InvalidInput
from sevflow.domain.oncall import NO_ONCALL, OnCallBook
from sevflow.domain.paging_policy import PagingPolicy
from sevflow.domain.routing import DEFAULT_ROUTING, Routing
from sevflow.domain.severity import Severity
from sevflow.domain.triage_policy import TriagePolicy


class ClockKind(StrEnum):
    """The three SLA clocks every ticket carries."""

    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"


CLOCK_KINDS = tuple(ClockKind)
"""The clock kinds in order (iterating the enum itself is slow in a hot loop)."""


class Role(StrEnum):
    """Who a notification or a permission refers to."""

    OWNER = "owner"
    SECONDARY = "secondary"
    TIER_LEAD = "tier_lead"
    MANAGER = "manager"
    ON_CALL = "on_call"
    INCIDENT_COMMANDER = "incident_commander"
    SENIOR_ENGINEER = "senior_engineer"
    AGENT = "agent"
    LEAD = "lead"
    CUSTOMER = "customer"
    ADMIN = "admin"


@dataclass(frozen=True)
class SeverityDef:
    severity: Severity
    title: str
    definition: str


@dataclass(frozen=True)
class CustomerTier:
    name: str
    description: str = ""


@dataclass(frozen=True)
class Team:
    """A team at one escalation tier of a service line. ``lead`` is an agent name."""

    name: str
    lead: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class OwnerPair:
    """Primary and secondary owner (agent names) for one severity of a service line."""

    primary: str
    secondary: str


@dataclass(frozen=True)
class ServiceLine:
    """A product area with its own queue, teams per escalation tier, and owners per severity.

    ``teams`` maps tier name -> Team and has an entry for every tier of ``Policy.tiers``.
    ``owners`` maps severity -> OwnerPair and has an entry for every severity.
    """

    name: str
    queue: str
    teams: Mapping[str, Team]
    owners: Mapping[Severity, OwnerPair]
    manager: str
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlaTarget:
    """One cell of the SLA matrix (severity x customer tier). Minutes of business time."""

    first_response_minutes: int
    update_minutes: int
    resolution_minutes: int
    calendar: str

    def minutes_for(self, kind: ClockKind) -> int:
        minutes: int = getattr(self, _MINUTES_FIELD[kind])
        return minutes


_MINUTES_FIELD = {
    ClockKind.FIRST_RESPONSE: "first_response_minutes",
    ClockKind.NEXT_UPDATE: "update_minutes",
    ClockKind.RESOLUTION: "resolution_minutes",
}


@dataclass(frozen=True)
class Handoff:
    """A newly assigned owner must accept within ``accept_within_minutes`` (wall-clock minutes),
    else the ticket goes to the secondary owner, then (same limit again) to the tier lead."""

    accept_within_minutes: int
    wip_limit: int


@dataclass(frozen=True)
class Trigger:
    """When a rule fires. All given conditions must hold (AND); ``None`` means "any".

    Exactly one *time* condition may be given:
    - ``clock`` + ``consumed_percent``: that SLA clock has consumed at least this share of its
      target (100 = breach). Fires once per clock target.
    - ``minutes_at_tier``: the ticket has been at its current escalation tier this long
      (business minutes on the ticket's SLA calendar). Fires once per tier visit.
    Without a time condition the rule is evaluated whenever the ticket changes (intake,
    update, reopen) and fires once per ticket.
    """

    clock: ClockKind | None = None
    consumed_percent: int | None = None
    minutes_at_tier: int | None = None
    severities: frozenset[Severity] | None = None
    customer_tiers: frozenset[str] | None = None
    service_lines: frozenset[str] | None = None
    tiers: frozenset[str] | None = None
    min_users_affected: int | None = None
    min_reopens: int | None = None
    keywords: tuple[str, ...] = ()
    services: frozenset[str] | None = None

    @property
    def is_timed(self) -> bool:
        return self.consumed_percent is not None or self.minutes_at_tier is not None


class ActionKind(StrEnum):
    ESCALATE = "escalate"  # to the next tier, or to ``tier`` if given
    REASSIGN = "reassign"  # to ``team`` (a team name) at the current tier
    RAISE_SEVERITY = "raise_severity"  # one level, or to ``severity``
    NOTIFY = "notify"  # ``roles``
    REQUIRE_APPROVAL = "require_approval"  # opens decision gate ``gate``


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    tier: str | None = None
    team: str | None = None
    severity: Severity | None = None
    roles: tuple[Role, ...] = ()
    gate: str | None = None


@dataclass(frozen=True)
class Rule:
    """A named escalation rule: trigger -> actions. Names are unique within a policy."""

    name: str
    when: Trigger
    then: tuple[Action, ...]
    description: str = ""


@dataclass(frozen=True)
class SeverityRule:
    """At intake, a matching ticket is proposed at least ``severity`` (a floor a learned model
    may raise but not lower); with ``force``, exactly ``severity``. All given conditions must
    hold; ``keywords`` match case-insensitively as whole words or phrases in title or
    description (any one keyword suffices)."""

    name: str
    severity: Severity
    keywords: tuple[str, ...] = ()
    services: frozenset[str] | None = None
    service_lines: frozenset[str] | None = None
    min_users_affected: int | None = None
    customer_tiers: frozenset[str] | None = None
    force: bool = False


@dataclass(frozen=True)
class Gate:
    """A decision gate: when a ticket reaches one of ``severities`` (declared or classified),
    one of ``approver_roles`` must confirm within ``decide_within_minutes`` (wall-clock).
    While pending the ticket is treated as the gated severity (fail safe). If nobody decides
    in time, the gate notifies ``escalate_to`` and waits again for the same period."""

    name: str
    severities: frozenset[Severity]
    approver_roles: tuple[Role, ...]
    decide_within_minutes: int
    escalate_to: tuple[Role, ...]

    def refusal(self, *, actor: str, roles: Iterable[Role], owner: str | None) -> str | None:
        """Why ``actor`` (with ``roles``) may not decide this gate on a ticket ``owner`` owns,
        or ``None`` if they may: an approver role is needed, and an owner may not approve their
        own ticket's gate (an admin may)."""
        held = set(roles)
        if not held.intersection(self.approver_roles):
            return (
                f"gate {self.name} must be decided by one of: {', '.join(r.value for r in self.approver_roles)}; "
                f"{actor} has roles: {', '.join(sorted(r.value for r in held)) or 'none'}"
            )
        if actor == owner and Role.ADMIN not in held:
            return f"{actor} owns this ticket and cannot approve its own gate"
        return None


@dataclass(frozen=True)
class ManualEscalation:
    """Who may escalate or de-escalate by hand.

    - ``agent_roles`` may always escalate, with a reason.
    - a customer may request escalation once ``customer_after_minutes[tier]`` minutes
      (wall-clock) have passed since the ticket was opened; tiers not listed may not.
    - ``deescalate_roles`` may de-escalate (with a reason).
    """

    agent_roles: frozenset[Role]
    customer_after_minutes: Mapping[str, int]
    deescalate_roles: frozenset[Role]


@dataclass(frozen=True)
class Policy:
    """A validated, versioned escalation policy.

    ``tiers`` is the escalation chain in order (e.g. L1, L2, L3, engineering, management).
    ``sla`` has a cell for every (severity, customer tier) pair.
    ``calendars`` has every calendar an SLA cell names.
    """

    name: str
    version: str
    severities: Mapping[Severity, SeverityDef]
    customer_tiers: Mapping[str, CustomerTier]
    tiers: tuple[str, ...]
    service_lines: Mapping[str, ServiceLine]
    calendars: Mapping[str, BusinessCalendar]
    sla: Mapping[tuple[Severity, str], SlaTarget]
    pause_statuses: frozenset[str]
    handoff: Handoff
    rules: tuple[Rule, ...]
    severity_rules: tuple[SeverityRule, ...]
    gates: tuple[Gate, ...]
    manual: ManualEscalation
    default_severity: Severity = Severity.SEV3
    routing: Routing = DEFAULT_ROUTING
    """Where notifications go (the ``notifications`` section; ``domain.routing``)."""
    oncall: OnCallBook = NO_ONCALL
    """Who is on call for each team with a rotation (``domain.oncall``)."""
    paging: PagingPolicy | None = None
    """Who is paged, in what order, until somebody acknowledges (``None``: nobody is paged)."""
    triage: TriagePolicy | None = None
    """How a learned model's opinion joins the intake rules (``None``: the rules alone)."""
    _rules_by_name: Mapping[str, Rule] = field(init=False, repr=False, compare=False)
    known_services: frozenset[str] = field(init=False, repr=False, compare=False)
    """Every affected service any service line names."""
    _rules_by_context: dict[tuple[Severity, str, str, str], tuple[Rule, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rules_by_name", {r.name: r for r in self.rules})
        services = frozenset(s for line in self.service_lines.values() for s in line.services)
        object.__setattr__(self, "known_services", services)
        object.__setattr__(self, "_rules_by_context", {})

    def service_line(self, name: str) -> ServiceLine:
        try:
            return self.service_lines[name]
        except KeyError:
            raise InvalidInput.unknown("service line", name, self.service_lines) from None

    def customer_tier(self, name: str) -> CustomerTier:
        try:
            return self.customer_tiers[name]
        except KeyError:
            raise InvalidInput.unknown("customer tier", name, self.customer_tiers) from None

    def calendar(self, name: str) -> BusinessCalendar:
        try:
            return self.calendars[name]
        except KeyError:
            raise InvalidInput.unknown("calendar", name, self.calendars) from None

    def target(self, severity: Severity, customer_tier: str) -> SlaTarget:
        self.customer_tier(customer_tier)
        return self.sla[(severity, customer_tier)]

    def tier_index(self, tier: str) -> int:
        try:
            return self.tiers.index(tier)
        except ValueError:
            raise InvalidInput.unknown("escalation tier", tier, self.tiers) from None

    def next_tier(self, tier: str) -> str | None:
        """The tier after ``tier``, or ``None`` at the top of the chain."""
        index = self.tier_index(tier)
        return self.tiers[index + 1] if index + 1 < len(self.tiers) else None

    def rules_for(
        self, severity: Severity, customer_tier: str, service_line: str, tier: str
    ) -> tuple[Rule, ...]:
        """The rules, in policy order, whose severity, customer-tier, service-line and tier
        conditions hold for a ticket with these values; the caller checks the others.
        Remembered per combination (the policy is immutable)."""
        context = (severity, customer_tier, service_line, tier)
        rules = self._rules_by_context.get(context)
        if rules is None:
            rules = tuple(
                r
                for r in self.rules
                if (r.when.severities is None or severity in r.when.severities)
                and (r.when.customer_tiers is None or customer_tier in r.when.customer_tiers)
                and (r.when.service_lines is None or service_line in r.when.service_lines)
                and (r.when.tiers is None or tier in r.when.tiers)
            )
            self._rules_by_context[context] = rules
        return rules

    def rule(self, name: str) -> Rule:
        return self._rules_by_name[name]

    def gate_for(self, severity: Severity) -> Gate | None:
        for gate in self.gates:
            if severity in gate.severities:
                return gate
        return None

    def gate(self, name: str) -> Gate:
        for gate in self.gates:
            if gate.name == name:
                return gate
        raise InvalidInput.unknown("decision gate", name, [g.name for g in self.gates])
