"""Queueing notifications on a ticket: who an event is told to, through which channels.

``queue`` resolves the roles to recipients (unless the caller names them), asks the policy's
routing (``domain.routing``) which channels and templates the notice takes, and appends one
``Notification`` per channel to the ticket's outbox, with the ticket's facts at the event
(``domain.notice_facts``) for the templates. A digest notice is held until its digest window
ends. Nothing is sent here: a service stores the outbox with the ticket's events.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sevflow.domain import notice_facts
from sevflow.domain.events import Event
from sevflow.domain.notifications import DRILL_MARK, UNNUMBERED, Notification
from sevflow.domain.policy import Role
from sevflow.domain.routing import About

if TYPE_CHECKING:
    from sevflow.domain.tickets import Ticket

SUBJECT_LIMIT = 200


def queue(
    t: Ticket,
    event: Event,
    roles: Iterable[Role],
    *,
    urgent: bool = False,
    recipients: Iterable[str] | None = None,
) -> None:
    """Queue notices about ``event`` to ``roles`` (see the module docstring); nothing when
    nobody is to be told or no channel takes it."""
    roles = tuple(dict.fromkeys(roles))
    if recipients is None:
        recipients = (r for role in roles if (r := t.address_of(role)))
    recipients = tuple(dict.fromkeys(recipients))
    if not recipients:
        return
    what = event.kind.value.replace("_", " ")
    number = UNNUMBERED if t.id is None else f"#{t.id}"
    drill = t.is_drill
    subject = (DRILL_MARK if drill else "") + f"[{t.severity.value}] {number} {what}: {t.title}"[
        :SUBJECT_LIMIT
    ]
    summary = event.reason or what
    about = About(event.kind.value, t.severity, urgent, t.service_line, t.customer_tier, roles, drill)
    routing = t.policy.routing
    deliveries = routing.deliveries(about, status=t.status.value)
    if not deliveries:
        return
    facts = notice_facts.facts_of(t, event, recipients)
    for d in deliveries:
        notification = Notification(
            event.kind.value,
            recipients,
            roles,
            subject,
            summary,
            urgent,
            d.channel,
            d.template.value,
            None if d.digest is None else d.digest.value,
            facts,
            # a digest notice waits for the end of its digest window
            None if d.digest is None else routing.digest_due_at(d.digest, event.at),
        )
        t.outbox.append((event, notification))
