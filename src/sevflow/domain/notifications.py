"""Notification intents: what should be said to whom, through which channel. Delivered later,
from the outbox, written with the channel's template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sevflow.domain.policy import Role
from sevflow.domain.routing import LOG, Template

UNNUMBERED = "#new"
"""Stands for the ticket's number in the subject of a notification queued before the ticket
was stored (a ticket is numbered when it is first saved): see ``Notification.numbered``."""

DRILL_MARK = "[DRILL] "


@dataclass(frozen=True)
class Notification:
    """An intent to notify ``recipients`` (agent names, or ``oncall:TEAM`` / ``role:NAME`` /
    ``customer:ORG`` addresses resolved at delivery) about ``event_kind`` on a ticket, through
    ``channel`` (a channel of the policy's ``notifications`` section), written with
    ``template``; ``digest`` (hourly/daily) holds it for a digest until ``held_until``.

    ``subject`` and ``summary`` are plain text: the fallback when a template cannot be
    rendered. ``facts`` are the ticket's facts at the event (JSON values) that templates use.
    ``roles`` records which policy roles the recipients were resolved from.
    """

    event_kind: str
    recipients: tuple[str, ...]
    roles: tuple[Role, ...]
    subject: str
    summary: str
    urgent: bool = False
    channel: str = LOG
    template: str = Template.INTERNAL_UPDATE.value
    digest: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    held_until: datetime | None = None
    """A digest notice is not sent before this instant (the end of its digest window)."""

    @property
    def drill(self) -> bool:
        return self.subject.startswith(DRILL_MARK)

    def numbered(self, ticket_id: int) -> Notification:
        """This notification with ``ticket_id`` in its subject (and facts) where it was queued
        before the ticket had a number (the first ``UNNUMBERED``: the subject's prefix, never
        the title)."""
        if UNNUMBERED not in self.subject:
            return self
        return replace(
            self,
            subject=self.subject.replace(UNNUMBERED, f"#{ticket_id}", 1),
            facts={**self.facts, "ticket": ticket_id},
        )


def to_payload(n: Notification) -> dict[str, Any]:
    """``n`` as the JSON stored in its outbox row (``held_until`` is the row's due time)."""
    return {
        "event_kind": n.event_kind,
        "recipients": list(n.recipients),
        "roles": [role.value for role in n.roles],
        "subject": n.subject,
        "summary": n.summary,
        "urgent": n.urgent,
        "channel": n.channel,
        "template": n.template,
        "digest": n.digest,
        "facts": dict(n.facts),
    }


def from_payload(payload: Mapping[str, Any]) -> Notification:
    """The notification stored as ``payload`` (rows queued before routing existed went to the
    log, written with the internal-update template)."""
    return Notification(
        event_kind=payload["event_kind"],
        recipients=tuple(payload["recipients"]),
        roles=tuple(Role(r) for r in payload["roles"]),
        subject=payload["subject"],
        summary=payload["summary"],
        urgent=bool(payload["urgent"]),
        channel=payload.get("channel", LOG),
        template=payload.get("template", Template.INTERNAL_UPDATE.value),
        digest=payload.get("digest"),
        facts=payload.get("facts") or {},
    )
