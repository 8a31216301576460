"""Writing a queued notification for the outside world: render its template, then mask what is
sensitive -- the last step before a channel sends it.

``Composer.compose(message)`` returns the message with its subject and text written by the
channel's template (``policy.templates``) from its facts, and every outgoing string (subject,
text, facts, recipients' display) passed through the ``Redactor``. A template that fails is
replaced by the plain fallback and the failure is logged for admins (``sevflow.templates``
logger, ERROR) and returned, so the delivery log shows it too; the notification still goes.

``Composer.digest(messages)`` writes several held notices for one channel and recipients as one
message with the ``digest`` template.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sevflow.adapters.page_links import PageLinks
from sevflow.adapters.redaction import Pattern, Redactor
from sevflow.domain.delivery import Composed
from sevflow.domain.notice_facts import customer_facts
from sevflow.domain.notifications import DRILL_MARK
from sevflow.domain.records import OutboxMessage
from sevflow.domain.routing import Audience, Routing, Template
from sevflow.policy.templates import Renderer

log = logging.getLogger("sevflow.templates")

_LINK_MARKS = {"ticket_url": "SEVFLOWLINKTICKET", "ack_url": "SEVFLOWLINKACK"}
"""Stand-ins for the links while a message is masked: a link's host (an IP address) or its
token must not be masked, so the links are put in after redaction."""


class Composer:
    def __init__(
        self,
        routing: Routing,
        *,
        templates: Mapping[str, str] | None = None,
        base_url: str | None = None,
        redactor: Redactor | None = None,
        links: PageLinks | None = None,
    ) -> None:
        self._routing = routing
        self._links_signer = links
        self._renderer = Renderer(templates)
        self._base_url = base_url.rstrip("/") if base_url else None
        self._redactor = redactor or Redactor(
            patterns=[Pattern(name, regex) for name, regex in routing.redaction_patterns],
            allow=routing.redaction_allow,
        )

    def redact(self, text: str) -> str:
        return self._redactor.redact(text)

    def compose(self, message: OutboxMessage) -> Composed:
        n = message.notification
        spec = self._routing.channels.get(n.channel)
        customer = spec is not None and spec.audience is Audience.CUSTOMER
        facts = {**n.facts, "ticket": message.ticket_id}
        links = self._links(message, customer)
        marks = {name: _LINK_MARKS[name] if url else None for name, url in links.items()}
        rendered = self._renderer.render(n.template, facts, customer=customer, **marks)
        if rendered.error:
            log.error("notification %s: %s; sent the plain fallback", message.idempotency_key, rendered.error)
        subject = rendered.subject
        if n.drill and not subject.startswith(DRILL_MARK):
            subject = DRILL_MARK + subject
        public = self._public(facts, customer)
        if not customer:
            public.update(links)
        written = replace(
            n,
            subject=_linked(self.redact(subject), links),
            summary=_linked(self.redact(rendered.text), links),
            facts=public,
        )
        return Composed(replace(message, notification=written), rendered.error)

    def digest(self, messages: Sequence[OutboxMessage]) -> Composed:
        """One message for ``messages`` (same channel and recipients), oldest first; its
        idempotency key is derived from theirs, so a re-sent digest has the same key."""
        first = messages[0]
        items = [{**m.notification.facts, "ticket": m.ticket_id} for m in messages]
        rendered = self._renderer.render(Template.DIGEST.value, {"items": items, "drill": False})
        if rendered.error:
            log.error("digest %s: %s; sent the plain fallback", first.idempotency_key, rendered.error)
        keys = ",".join(m.idempotency_key for m in messages)
        key = "digest:" + hashlib.sha256(keys.encode()).hexdigest()[:24]
        written = replace(
            first.notification,
            subject=self.redact(rendered.subject),
            summary=self.redact(rendered.text),
            facts={"items": self._redacted(items)},
            urgent=False,
        )
        return Composed(replace(first, idempotency_key=key, notification=written), rendered.error)

    def _links(self, message: OutboxMessage, customer: bool) -> dict[str, str | None]:
        """The ticket's page, and for a page to staff the signed one-click acknowledgement
        link (``adapters.page_links``); ``None`` without a public URL (or link secret)."""
        if self._base_url is None:
            return {"ticket_url": None, "ack_url": None}
        ack_url = None
        page = message.notification.facts.get("page")
        if (
            self._links_signer is not None
            and not customer
            and message.notification.event_kind == "paged"
            and page
        ):
            token = self._links_signer.token(ticket_id=message.ticket_id, page=page["number"], to=page["to"])
            ack_url = f"{self._base_url}/ack/{token}"
        return {"ticket_url": f"{self._base_url}/tickets/{message.ticket_id}", "ack_url": ack_url}

    def _public(self, facts: Mapping[str, Any], customer: bool) -> dict[str, Any]:
        if customer:
            facts = customer_facts(facts)
        return dict(self._redacted(dict(facts)))

    def _redacted(self, value: Any) -> Any:
        return self._redactor.redact_data(value)


def _linked(text: str, links: Mapping[str, str | None]) -> str:
    for name, url in links.items():
        if url is not None:
            text = text.replace(_LINK_MARKS[name], url)
    return text
