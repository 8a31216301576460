"""The policy's ``notifications`` section: channels, contacts, routes by urgency, digests, drills
and templates. Checked here (shape, and the names routes use) and turned into the domain's
``Routing``.

Secrets never appear in the policy file: a channel names the *environment variable* that holds
its password, webhook URL, signing secret or routing key (``password_env``, ``url_env``,
``secret_env``, ``routing_key_env``); the dispatcher reads them when it starts.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from sevflow.domain.events import EventKind
from sevflow.domain.routing import (
    LOG,
    Audience,
    ChannelKind,
    ChannelSpec,
    Digest,
    Route,
    RouteMatch,
    Routing,
    Template,
)
from sevflow.policy.findings import Finding, PathPart, unknown
from sevflow.policy.values import (
    ClockTime,
    Name,
    NameList,
    RoleList,
    SeverityList,
    StrictDoc,
    ZoneName,
    one_or_many,
    show,
)

_ENV = re.compile(r"[A-Z_][A-Z0-9_]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _env_name(value: object) -> str:
    if not isinstance(value, str) or not _ENV.fullmatch(value):
        raise ValueError(
            f"expected the name of an environment variable (capitals, digits and _), got {show(value)}"
        )
    return value


def _email(value: object) -> str:
    if not isinstance(value, str) or not _EMAIL.fullmatch(value.strip()):
        raise ValueError(f"expected an e-mail address like support@acme.example, got {show(value)}")
    return value.strip()


def _url(value: object) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ValueError(f"expected an http:// or https:// URL, got {show(value)}")
    return value


def _event(value: object) -> str:
    allowed = [k.value for k in EventKind]
    if value not in allowed:
        raise ValueError(f"unknown event {show(value)}; allowed: {', '.join(allowed)}")
    return str(value)


EnvName = Annotated[str, BeforeValidator(_env_name)]
Email = Annotated[str, BeforeValidator(_email)]
Url = Annotated[str, BeforeValidator(_url)]
EventName = Annotated[str, BeforeValidator(_event)]


class _ChannelBase(StrictDoc):
    audience: Audience = Audience.INTERNAL
    drill: bool = False
    """Receives drill tickets' notifications (and only those, unless routes name it too)."""
    template: Template | None = None


class LogChannelDoc(_ChannelBase):
    type: Literal["log"]


class EmailChannelDoc(_ChannelBase):
    type: Literal["email"]
    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: EnvName | None = None
    sender: Email
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 15.0

    @model_validator(mode="after")
    def _credentials_together(self) -> EmailChannelDoc:
        if (self.username is None) != (self.password_env is None):
            raise ValueError("give both username and password_env (SMTP login), or neither")
        return self


class _UrlChannel(_ChannelBase):
    url: Url | None = None
    url_env: EnvName | None = None
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0

    @model_validator(mode="after")
    def _one_url(self) -> _UrlChannel:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url (written here) and url_env (read from the environment)")
        return self


class SlackChannelDoc(_UrlChannel):
    type: Literal["slack"]


class TeamsChannelDoc(_UrlChannel):
    type: Literal["teams"]


class WebhookChannelDoc(_UrlChannel):
    type: Literal["webhook"]
    secret_env: EnvName
    """The environment variable holding the HMAC-SHA256 signing secret."""


class PagerDutyChannelDoc(_ChannelBase):
    type: Literal["pagerduty"]
    routing_key_env: EnvName
    url: Url = "https://events.pagerduty.com/v2/enqueue"
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0


ChannelDoc = Annotated[
    LogChannelDoc
    | EmailChannelDoc
    | SlackChannelDoc
    | TeamsChannelDoc
    | WebhookChannelDoc
    | PagerDutyChannelDoc,
    Field(discriminator="type"),
]


class RouteWhenDoc(StrictDoc):
    event: Annotated[list[EventName], BeforeValidator(one_or_many), Field(min_length=1)] | None = None
    severity: SeverityList | None = None
    urgent: bool | None = None
    service_line: NameList | None = None
    customer_tier: NameList | None = None
    role: RoleList | None = None


class RouteDoc(StrictDoc):
    name: Name
    when: RouteWhenDoc = RouteWhenDoc()
    to: NameList
    template: Template | None = None
    digest: Digest | None = None


def _regex(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a regular expression, got {show(value)}")
    try:
        compiled = re.compile(value)
    except re.error as err:
        raise ValueError(f"not a valid regular expression: {err}") from None
    if compiled.fullmatch(""):
        raise ValueError("the pattern matches empty text; it must match at least one character")
    return value


class RedactionPatternDoc(StrictDoc):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    """Masked text is shown as ``[name]``."""
    regex: Annotated[str, BeforeValidator(_regex)]


class RedactionDoc(StrictDoc):
    patterns: list[RedactionPatternDoc] = []
    allow: list[Annotated[str, Field(min_length=1)]] = []
    """Exact strings never masked (your own support address, a public status-page IP)."""


class DigestsDoc(StrictDoc):
    zone: ZoneName = "UTC"
    daily_at: ClockTime = time(8, 0)


Addresses = Annotated[list[Email], BeforeValidator(one_or_many), Field(min_length=1)]


class NotificationsDoc(StrictDoc):
    channels: dict[Name, ChannelDoc] = {}
    contacts: dict[Annotated[str, Field(min_length=1)], Addresses] = {}
    """A recipient (an agent's name, role:NAME, customer:ORG, team:NAME) -> e-mail addresses."""
    routes: list[RouteDoc] = []
    default: NameList = [LOG]
    drills: NameList | None = None
    digests: DigestsDoc = DigestsDoc()
    redaction: RedactionDoc = RedactionDoc()
    templates: Annotated[str, Field(min_length=1)] | None = None
    """A folder (relative to the policy file) whose ``NAME.j2`` files replace built-in templates."""


_SECTION: TypeAdapter[NotificationsDoc] = TypeAdapter(NotificationsDoc)


def check_notifications(
    raw: Any, *, service_lines: tuple[str, ...] | None = None, customer_tiers: tuple[str, ...] | None = None
) -> list[Finding]:
    """Problems with the names the section uses: routes, ``default`` and ``drills`` naming
    channels that are not defined, drill lists naming channels not marked ``drill``, routes
    naming service lines or customer tiers the policy does not have (``None``: not known, not
    checked). The shape itself is checked by the schema."""
    if raw is None:
        return []
    try:
        doc = _SECTION.validate_python(raw)
    except ValidationError:
        return []  # reported by the schema
    loc: tuple[PathPart, ...] = ("notifications",)
    known = [LOG, *doc.channels]
    found: list[Finding] = []
    for i, route in enumerate(doc.routes):
        for j, name in enumerate(route.to):
            if name not in known:
                found.append(unknown((*loc, "routes", i, "to", j), "channel", name, known))
        for field_name, names, allowed, what in (
            ("service_line", route.when.service_line, service_lines, "service line"),
            ("customer_tier", route.when.customer_tier, customer_tiers, "customer tier"),
        ):
            for j, name in enumerate(names or ()):
                if allowed is not None and name not in allowed:
                    found.append(unknown((*loc, "routes", i, "when", field_name, j), what, name, allowed))
    for j, name in enumerate(doc.default):
        if name not in known:
            found.append(unknown((*loc, "default", j), "channel", name, known))
    for j, name in enumerate(doc.drills or ()):
        if name not in known:
            found.append(unknown((*loc, "drills", j), "channel", name, known))
        elif name != LOG and not doc.channels[name].drill:
            found.append(
                Finding(
                    (*loc, "drills", j),
                    f"channel {name!r} is not marked `drill: true`; drills go only to channels meant for them",
                )
            )
    names = [r.name for r in doc.routes]
    for i, name in enumerate(names):
        if name in names[:i]:
            found.append(Finding((*loc, "routes", i, "name"), f"route {name!r} is defined twice"))
    return found


def _set(values: list[Any] | None) -> frozenset[Any] | None:
    return None if values is None else frozenset(values)


def to_routing(doc: NotificationsDoc | None) -> Routing:
    """The domain routing of a checked section (``None``: everything to the log)."""
    if doc is None:
        return Routing()
    channels = {LOG: ChannelSpec(LOG, ChannelKind.LOG)}
    for name, channel in doc.channels.items():
        settings = channel.model_dump(exclude={"type", "audience", "drill", "template"}, exclude_none=True)
        channels[name] = ChannelSpec(
            name, ChannelKind(channel.type), settings, channel.audience, channel.drill, channel.template
        )
    drills = doc.drills if doc.drills is not None else [n for n, c in doc.channels.items() if c.drill]
    return Routing(
        channels=channels,
        routes=tuple(
            Route(
                r.name,
                RouteMatch(
                    events=_set(r.when.event),
                    severities=_set(r.when.severity),
                    urgent=r.when.urgent,
                    service_lines=_set(r.when.service_line),
                    customer_tiers=_set(r.when.customer_tier),
                    roles=_set(r.when.role),
                ),
                tuple(r.to),
                r.template,
                r.digest,
            )
            for r in doc.routes
        ),
        default=tuple(doc.default),
        drills=tuple(drills),
        contacts={k: tuple(v) for k, v in doc.contacts.items()},
        digest_zone=doc.digests.zone,
        daily_at=doc.digests.daily_at,
        templates_folder=doc.templates,
        redaction_patterns=tuple((p.name, p.regex) for p in doc.redaction.patterns),
        redaction_allow=tuple(doc.redaction.allow),
    )
