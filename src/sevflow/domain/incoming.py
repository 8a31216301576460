"""A ticket arriving from another system (a generic webhook, Zendesk, Jira Service Management,
an e-mail message), already translated out of that system's format.

The intake adapters (``sevflow.adapters.intake``) build it; the intake service decides whether
it opens a new ticket or updates the one stored under the same ``external_id``, and lets the
policy's severity rules settle the severity unless the sender declared one with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class IncomingKind(StrEnum):
    """What happened in the other system."""

    CREATED = "created"
    UPDATED = "updated"


@dataclass(frozen=True)
class IncomingTicket:
    """One ticket event from another system.

    ``external_id`` is namespaced by source (``zendesk:35436``, ``jira:SUP-12``,
    ``email:<root-message-id@host>``, ``webhook:<the sender's own id>``) and is what makes a repeat
    delivery update instead of create. ``labels`` are the other system's tags, labels or
    components, lower-cased; the intake service matches them against the policy's services.
    ``status`` is already a sevflow status value (``resolved``, ``waiting_on_customer``, ...) or
    ``None`` when the other system's status has no sevflow meaning. ``comment`` is text to add to
    the ticket (an e-mail reply, the latest Zendesk comment), ``None`` if there is none.
    """

    source: str
    external_id: str
    kind: IncomingKind
    title: str
    description: str = ""
    requester: str | None = None
    """The requester's e-mail address (lower-cased) or name, if the payload has one."""
    organisation: str | None = None
    """The customer organisation's name, if the payload names one."""
    labels: tuple[str, ...] = ()
    service_line: str | None = None
    customer_tier: str | None = None
    severity: str | None = None
    severity_reason: str | None = None
    users_affected: int = 0
    status: str | None = None
    comment: str | None = None
    comment_public: bool = True
    related_ids: tuple[str, ...] = ()
    """Other external ids this event may belong to, most likely first (an e-mail's
    In-Reply-To and References): if ``external_id`` is not stored, the first stored one of
    these is updated instead of opening a new ticket."""
    occurred_at: datetime | None = None
    """When it happened in the other system (aware UTC), if the payload says."""

    @property
    def requester_domain(self) -> str | None:
        """The requester's e-mail domain (``example.com``), or ``None`` without an address."""
        if self.requester is None or "@" not in self.requester:
            return None
        return self.requester.rsplit("@", 1)[1].lower() or None
