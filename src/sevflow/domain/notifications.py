"""Notification intents: what should be said to whom. Delivered later, from the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from sevflow.domain.policy import Role


@dataclass(frozen=True)
class Notification:
    """An intent to notify ``recipients`` (agent names, or ``role:NAME`` / ``team:NAME``
    addresses resolved at delivery) about ``event_kind`` on a ticket.

    ``subject`` and ``summary`` are plain text; nothing sensitive goes in ``summary`` beyond the
    ticket's title. ``roles`` records which policy roles the recipients were resolved from.
    """

    event_kind: str
    recipients: tuple[str, ...]
    roles: tuple[Role, ...]
    subject: str
    summary: str
    urgent: bool = False
