"""Notification intents: what should be said to whom. Delivered later, from the outbox."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sevflow.domain.policy import Role

UNNUMBERED = "#new"
"""Stands for the ticket's number in the subject of a notification queued before the ticket
was stored (a ticket is numbered when it is first saved): see ``Notification.numbered``."""


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

    def numbered(self, ticket_id: int) -> Notification:
        """This notification with ``ticket_id`` in its subject where it was queued before the
        ticket had a number (the first ``UNNUMBERED``: the subject's prefix, never the title)."""
        if UNNUMBERED not in self.subject:
            return self
        return replace(self, subject=self.subject.replace(UNNUMBERED, f"#{ticket_id}", 1))
