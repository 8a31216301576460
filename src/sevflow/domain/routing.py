"""Routing by urgency: which channels a notification leaves through.

The policy's ``notifications`` section names channels (an e-mail server, a chat webhook, a pager,
a signed webhook) and routes. A route matches notifications by event kind, severity, urgency,
service line, customer tier and the roles they address; **every** matching route adds its
channels (a Sev1 breach can page, post to the incident channel and e-mail the manager at once).
A notification no route matches goes to the ``default`` channels. A channel reached by several
routes is used once, immediately if any of them is immediate, else in a digest. Audiences never
mix: customer channels carry only notices to the customer, internal channels only the others.

A drill ticket's notifications go only to the channels marked ``drill`` (or to the built-in
``log`` channel if there are none): a rehearsal never wakes anyone up.

Digests: a route with ``digest: hourly`` or ``daily`` holds its notices until the end of the hour,
or until ``daily_at`` in ``digest_zone``; they then leave as one message per channel and
recipients (``digest_due_at``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sevflow.domain.severity import Severity

if TYPE_CHECKING:
    from sevflow.domain.policy import Role

LOG = "log"
"""The built-in channel: a line in the worker's log. Always there; never leaves the machine."""


class ChannelKind(StrEnum):
    LOG = "log"
    EMAIL = "email"
    SLACK = "slack"
    TEAMS = "teams"
    PAGERDUTY = "pagerduty"
    WEBHOOK = "webhook"


class Audience(StrEnum):
    INTERNAL = "internal"
    CUSTOMER = "customer"
    """Customer-visible: gets the customer status template, never internal notes."""


class Digest(StrEnum):
    HOURLY = "hourly"
    DAILY = "daily"


class Template(StrEnum):
    """The communication templates (each overridable in the policy folder)."""

    INTERNAL_UPDATE = "internal_update"
    CUSTOMER_UPDATE = "customer_update"
    EXECUTIVE_BRIEF = "executive_brief"
    RESOLUTION_NOTICE = "resolution_notice"
    PAGE = "page"
    DIGEST = "digest"


@dataclass(frozen=True)
class ChannelSpec:
    """One named channel of the policy. ``settings`` holds the transport's fields as written
    (host, port, url, ``*_env`` names of environment variables holding secrets); the adapters
    read them. ``template`` overrides the template chosen by event and audience."""

    name: str
    kind: ChannelKind
    settings: Mapping[str, Any] = field(default_factory=dict)
    audience: Audience = Audience.INTERNAL
    drill: bool = False
    template: Template | None = None


@dataclass(frozen=True)
class RouteMatch:
    """All given conditions must hold; ``None`` matches anything."""

    events: frozenset[str] | None = None
    severities: frozenset[Severity] | None = None
    urgent: bool | None = None
    service_lines: frozenset[str] | None = None
    customer_tiers: frozenset[str] | None = None
    roles: frozenset[Role] | None = None
    """At least one of the notification's roles is among these."""

    def matches(self, about: About) -> bool:
        return (
            (self.events is None or about.event_kind in self.events)
            and (self.severities is None or about.severity in self.severities)
            and (self.urgent is None or about.urgent is self.urgent)
            and (self.service_lines is None or about.service_line in self.service_lines)
            and (self.customer_tiers is None or about.customer_tier in self.customer_tiers)
            and (self.roles is None or not self.roles.isdisjoint(about.roles))
        )


@dataclass(frozen=True)
class Route:
    name: str
    match: RouteMatch
    channels: tuple[str, ...]
    template: Template | None = None
    digest: Digest | None = None


@dataclass(frozen=True)
class About:
    """What routing looks at in a notification and its ticket."""

    event_kind: str
    severity: Severity
    urgent: bool
    service_line: str
    customer_tier: str
    roles: tuple[Role, ...]
    drill: bool = False


@dataclass(frozen=True)
class Delivery:
    """One channel a notification goes to, the template it is written with, and its digest
    (``None``: at once)."""

    channel: str
    template: Template
    digest: Digest | None = None


@dataclass(frozen=True)
class Routing:
    """The policy's ``notifications`` section, checked. ``contacts`` maps a recipient (an agent's
    name, ``role:NAME``, ``customer:ORG``, ``team:NAME``) to its e-mail addresses."""

    channels: Mapping[str, ChannelSpec] = field(
        default_factory=lambda: MappingProxyType({LOG: ChannelSpec(LOG, ChannelKind.LOG)})
    )
    routes: tuple[Route, ...] = ()
    default: tuple[str, ...] = (LOG,)
    drills: tuple[str, ...] = ()
    contacts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    digest_zone: str = "UTC"
    daily_at: time = time(8, 0)
    templates_folder: str | None = None
    """Where the team's own templates are, relative to the policy file (read at delivery)."""
    redaction_patterns: tuple[tuple[str, str], ...] = ()
    """The team's own ``(name, regular expression)`` pairs masked as ``[name]``, besides the
    built-in ones (e-mail addresses, phones, cards, IBANs, secrets, IP addresses)."""
    redaction_allow: tuple[str, ...] = ()

    def deliveries(self, about: About, *, status: str | None = None) -> tuple[Delivery, ...]:
        """Where a notification goes (see the module docstring); ``status`` is the ticket's
        status after the event (a resolution is written as a resolution notice)."""
        if about.drill:
            names = [n for n in self.drills or (LOG,) if self._reaches(n, about)]
            return tuple(Delivery(n, self._template(n, None, about, status)) for n in names)
        chosen: dict[str, Delivery] = {}
        matched = False
        for route in self.routes:
            if not route.match.matches(about):
                continue
            matched = True
            for name in route.channels:
                if not self._reaches(name, about):
                    continue
                delivery = Delivery(name, self._template(name, route.template, about, status), route.digest)
                held = chosen.get(name)
                if held is None or (held.digest is not None and delivery.digest is None):
                    chosen[name] = delivery
        if not matched:
            for name in self.default:
                if self._reaches(name, about):
                    chosen[name] = Delivery(name, self._template(name, None, about, status))
        return tuple(chosen.values())

    def _reaches(self, name: str, about: About) -> bool:
        """Audiences never mix: a customer channel carries only notices addressed to the
        customer, an internal channel only notices addressed to someone else (the log takes
        both)."""
        spec = self.channels[name]
        if spec.kind is ChannelKind.LOG:
            return True
        to_customer = any(r.value == "customer" for r in about.roles)
        if spec.audience is Audience.CUSTOMER:
            return to_customer
        return any(r.value != "customer" for r in about.roles)

    def _template(self, name: str, by_route: Template | None, about: About, status: str | None) -> Template:
        spec = self.channels[name]
        if spec.template is not None:
            return spec.template
        if by_route is not None:
            return by_route
        if status in ("resolved", "closed") and about.event_kind == "status_changed":
            return Template.RESOLUTION_NOTICE
        if spec.audience is Audience.CUSTOMER:
            return Template.CUSTOMER_UPDATE
        if about.event_kind == "paged" or (about.urgent and spec.kind is ChannelKind.PAGERDUTY):
            return Template.PAGE
        return Template.INTERNAL_UPDATE

    def digest_due_at(self, digest: Digest, now: datetime) -> datetime:
        """When a digest notice queued at ``now`` leaves: the next full hour (hourly), or the
        next ``daily_at`` in ``digest_zone`` (daily) -- strictly after ``now``, as UTC."""
        zone = ZoneInfo(self.digest_zone)
        if digest is Digest.HOURLY:
            top = now.replace(minute=0, second=0, microsecond=0)
            return top + timedelta(hours=1)
        local = now.astimezone(zone)
        for days in (0, 1, 2):
            day = local.date() + timedelta(days=days)
            at = datetime.combine(day, self.daily_at, zone).astimezone(now.tzinfo)
            if at > now:
                return at
        raise AssertionError("unreachable: a daily time recurs within two days")

    def addresses_of(self, recipient: str) -> tuple[str, ...]:
        return self.contacts.get(recipient, ())


DEFAULT_ROUTING = Routing()
"""Without a ``notifications`` section: everything goes to the worker's log."""

__all__ = [
    "DEFAULT_ROUTING",
    "LOG",
    "About",
    "Audience",
    "ChannelKind",
    "ChannelSpec",
    "Delivery",
    "Digest",
    "Route",
    "RouteMatch",
    "Routing",
    "Template",
]
