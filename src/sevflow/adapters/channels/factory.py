"""The policy's channels as working adapters: one ``Channel`` per channel the ``notifications``
section names, with secrets read from the environment variables it names.

A channel whose variable is missing or empty is refused here, naming the channel and the
variable, so a dispatcher never starts half-configured. E-mail recipients resolve through the
policy's ``contacts``; ``oncall:TEAM`` first becomes whoever is on call for TEAM at the moment of
sending (primary layer), then that person's addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sevflow.adapters.channels.chat import PagerDutyChannel, SlackChannel, TeamsChannel
from sevflow.adapters.channels.log import LogChannel
from sevflow.adapters.channels.smtp import EmailChannel
from sevflow.adapters.channels.webhook import WebhookChannel
from sevflow.domain.errors import InvalidInput
from sevflow.domain.oncall import OnCallBook
from sevflow.domain.routing import ChannelKind, ChannelSpec, Routing

AnyChannel = LogChannel | EmailChannel | SlackChannel | TeamsChannel | PagerDutyChannel | WebhookChannel
"""Each implements ``services.ports.Channel``."""

_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def address_book(
    routing: Routing, oncall: OnCallBook, now: Callable[[], datetime]
) -> Callable[[str], tuple[str, ...]]:
    """A recipient -> its e-mail addresses (see the module docstring)."""

    def addresses(recipient: str) -> tuple[str, ...]:
        if recipient.startswith("oncall:"):
            team = recipient.removeprefix("oncall:")
            if team in oncall.schedules:
                person = oncall.who(team, now()).primary
                if person is not None:
                    return routing.addresses_of(person) or routing.addresses_of(recipient)
        return routing.addresses_of(recipient)

    return addresses


def build_channels(
    routing: Routing,
    *,
    oncall: OnCallBook,
    now: Callable[[], datetime],
    environ: Mapping[str, str],
) -> dict[str, AnyChannel]:
    """Every channel of ``routing``, by name. Raises ``InvalidInput`` for a missing secret."""
    book = address_book(routing, oncall, now)
    return {name: _channel(spec, environ, book) for name, spec in routing.channels.items()}


def _secret(spec: ChannelSpec, field: str, environ: Mapping[str, str]) -> str:
    variable = str(spec.settings[field])
    value = environ.get(variable, "")
    if not value:
        raise InvalidInput(
            f"channel {spec.name!r} needs the environment variable {variable} ({field}), "
            "which is not set; set it where the dispatcher runs"
        )
    return value


def _url(spec: ChannelSpec, environ: Mapping[str, str]) -> str:
    url = spec.settings.get("url")
    return str(url) if url else _secret(spec, "url_env", environ)


def _channel(
    spec: ChannelSpec, environ: Mapping[str, str], book: Callable[[str], tuple[str, ...]]
) -> AnyChannel:
    s: Mapping[str, Any] = spec.settings
    timeout = float(s.get("timeout_seconds", 10.0))
    if spec.kind is ChannelKind.LOG:
        return LogChannel(name=spec.name)
    if spec.kind is ChannelKind.EMAIL:
        security = str(s.get("security", "starttls"))
        return EmailChannel(
            str(s["host"]),
            int(s.get("port") or _DEFAULT_PORTS[security]),
            sender=str(s["sender"]),
            addresses=book,
            security=security,
            username=s.get("username"),
            password=_secret(spec, "password_env", environ) if s.get("password_env") else None,
            name=spec.name,
            timeout=timeout,
        )
    if spec.kind is ChannelKind.SLACK:
        return SlackChannel(_url(spec, environ), name=spec.name, timeout=timeout)
    if spec.kind is ChannelKind.TEAMS:
        return TeamsChannel(_url(spec, environ), name=spec.name, timeout=timeout)
    if spec.kind is ChannelKind.PAGERDUTY:
        return PagerDutyChannel(
            _secret(spec, "routing_key_env", environ), url=str(s["url"]), name=spec.name, timeout=timeout
        )
    return WebhookChannel(
        _url(spec, environ), _secret(spec, "secret_env", environ).encode(), name=spec.name, timeout=timeout
    )
