"""The policy file's shape, as pydantic models (``extra="forbid"``: a misspelt field is an error).

These models check each value on its own (types, names, durations, time zones, opening hours).
Everything that relates two values -- a rule naming a tier, the SLA matrix covering every
customer tier, overlapping opening hours -- is checked in ``sevflow.policy.checks``, so that all
problems can be reported together. ``sevflow.policy.convert`` turns a valid document into the
frozen domain ``Policy``.

Field names are what a support manager writes; see ``starter.yaml`` for a documented example.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Field

from sevflow.domain.severity import Severity
from sevflow.policy.notifications_doc import NotificationsDoc
from sevflow.policy.oncall_doc import OnCallDoc
from sevflow.policy.paging_doc import PagingDoc
from sevflow.policy.triage_doc import TriageDoc
from sevflow.policy.values import (
    ClockName,
    Count,
    CountryCode,
    DayKey,
    Duration,
    KeywordList,
    Name,
    NameList,
    OwnerKey,
    Percent,
    RoleList,
    RoleName,
    SeverityList,
    SeverityName,
    SeverityTarget,
    StatusName,
    StrictDoc,
    SubdivisionCode,
    TierTarget,
    TimeRange,
    ZoneName,
    one_or_many,
)


class SeverityDoc(StrictDoc):
    title: str
    definition: str


class CustomerTierDoc(StrictDoc):
    description: str = ""


class HolidaysDoc(StrictDoc):
    """Public holidays of ``country`` (ISO code, e.g. DE) and optionally one ``subdivision``
    (e.g. BE for Berlin), plus extra closed ``dates``."""

    country: CountryCode | None = None
    subdivision: SubdivisionCode | None = None
    dates: list[date] = []


DayHours = Annotated[list[TimeRange], BeforeValidator(one_or_many)]


class CalendarDoc(StrictDoc):
    """Either ``always_open: true`` or a ``zone`` with weekly ``hours`` (and ``holidays``)."""

    always_open: bool = False
    zone: ZoneName | None = None
    hours: dict[DayKey, DayHours] | None = None
    holidays: HolidaysDoc | None = None


class TeamDoc(StrictDoc):
    name: Name
    lead: Name
    members: list[Name] = []


class OwnerPairDoc(StrictDoc):
    primary: Name
    secondary: Name


class ServiceLineDoc(StrictDoc):
    queue: Name
    manager: Name
    services: list[Name] = []
    teams: dict[Name, TeamDoc]
    owners: dict[OwnerKey, OwnerPairDoc]


class SlaCellDoc(StrictDoc):
    first_response: Duration
    update_every: Duration
    resolution: Duration
    calendar: Name


class HandoffDoc(StrictDoc):
    accept_within: Duration
    wip_limit: Count


class TriggerDoc(StrictDoc):
    """All given conditions must hold. At most one time condition: ``clock`` with
    ``consumed_percent``, or ``minutes_at_tier``."""

    clock: ClockName | None = None
    consumed_percent: Percent | None = None
    minutes_at_tier: Duration | None = None
    severity: SeverityList | None = None
    customer_tier: NameList | None = None
    service_line: NameList | None = None
    tier: NameList | None = None
    service: NameList | None = None
    keywords: KeywordList | None = None
    min_users_affected: Count | None = None
    min_reopens: Count | None = None


class ActionDoc(StrictDoc):
    """Exactly one of the fields (checked in ``checks``)."""

    escalate: TierTarget | None = None
    reassign: Name | None = None
    raise_severity: SeverityTarget | None = None
    notify: RoleList | None = None
    require_approval: Name | None = None


class RuleDoc(StrictDoc):
    name: Name
    description: str = ""
    when: TriggerDoc
    then: Annotated[list[ActionDoc], Field(min_length=1)]


class SeverityRuleDoc(StrictDoc):
    name: Name
    description: str = ""
    severity: SeverityName
    keywords: KeywordList | None = None
    services: NameList | None = None
    service_lines: NameList | None = None
    customer_tiers: NameList | None = None
    min_users_affected: Count | None = None
    force: bool = False
    """Fix the severity: a learned model may not raise it (otherwise the rule is a floor)."""


class GateDoc(StrictDoc):
    name: Name
    description: str = ""
    severities: SeverityList
    approvers: RoleList
    decide_within: Duration
    escalate_to: RoleList


RoleSet = Annotated[list[RoleName], BeforeValidator(one_or_many)]


class ManualEscalationDoc(StrictDoc):
    agents: RoleSet
    customer_after: dict[Name, Duration] = {}
    deescalate: RoleSet


class PolicyDocument(StrictDoc):
    """The whole file. Its canonical JSON (``model_dump(mode="json")``) defines the version."""

    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    severities: dict[SeverityName, SeverityDoc]
    customer_tiers: Annotated[dict[Name, CustomerTierDoc], Field(min_length=1)]
    calendars: Annotated[dict[Name, CalendarDoc], Field(min_length=1)]
    tiers: Annotated[list[Name], Field(min_length=1)]
    service_lines: Annotated[dict[Name, ServiceLineDoc], Field(min_length=1)]
    sla: dict[SeverityName, dict[Name, SlaCellDoc]]
    default_severity: SeverityName = Severity.SEV3
    pause_statuses: Annotated[list[StatusName], BeforeValidator(one_or_many)] = []
    handoff: HandoffDoc
    rules: list[RuleDoc] = []
    severity_rules: list[SeverityRuleDoc] = []
    gates: list[GateDoc] = []
    manual_escalation: ManualEscalationDoc
    notifications: NotificationsDoc | None = None
    oncall: dict[Name, OnCallDoc] = {}
    paging: PagingDoc | None = None
    triage: TriageDoc | None = None
