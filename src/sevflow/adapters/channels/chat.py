"""Chat and paging services' incoming webhooks: Slack (Block Kit), Microsoft Teams (an Adaptive
Card) and PagerDuty's Events API v2. Each formats a notification its receiver's way and POSTs it
(``http_post.HttpPoster``). Their URLs carry a secret in the path (Slack, Teams) or the body
carries a routing key (PagerDuty): the delivery log names the host only."""

from __future__ import annotations

from typing import Any

import orjson

from sevflow.adapters.channels.http_post import DEFAULT_TIMEOUT_SECONDS, HttpPoster, host_only
from sevflow.domain.delivery import Sent
from sevflow.domain.records import OutboxMessage

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_JSON = {"Content-Type": "application/json"}


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn treats &, < and > as control characters
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(message: OutboxMessage) -> dict[str, Any]:
    n = message.notification
    what = n.event_kind.replace("_", " ")
    return {
        "text": ("🚨 " if n.urgent else "") + n.subject,  # the notification's fallback text
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": n.subject[:150], "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(n.summary) or what}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _slack_escape(
                            f"Ticket #{message.ticket_id} · {what} · to {', '.join(n.recipients)}"
                        ),
                    }
                ],
            },
        ],
    }


def teams_body(message: OutboxMessage) -> dict[str, Any]:
    n = message.notification
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "size": "Medium",
                            "weight": "Bolder",
                            "color": "Attention" if n.urgent else "Default",
                            "text": n.subject,
                            "wrap": True,
                        },
                        {"type": "TextBlock", "text": n.summary, "wrap": True},
                        {
                            "type": "FactSet",
                            "facts": [
                                {"title": "Ticket", "value": f"#{message.ticket_id}"},
                                {"title": "Event", "value": n.event_kind.replace("_", " ")},
                                {"title": "For", "value": ", ".join(n.recipients)},
                            ],
                        },
                    ],
                },
            }
        ],
    }


def pagerduty_body(message: OutboxMessage, routing_key: str) -> dict[str, Any]:
    """A ``trigger`` event. Pages about one ticket share a ``dedup_key``, so PagerDuty keeps them
    in one incident; the notification's idempotency key travels in the details."""
    n = message.notification
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": f"sevflow-ticket-{message.ticket_id}",
        "payload": {
            "summary": n.subject[:1024],
            "source": "sevflow",
            "severity": "critical" if n.urgent else "warning",
            "component": f"ticket #{message.ticket_id}",
            "class": n.event_kind,
            "custom_details": {
                "summary": n.summary,
                "recipients": list(n.recipients),
                "idempotency_key": message.idempotency_key,
            },
        },
    }


class SlackChannel:
    def __init__(self, url: str, *, name: str = "slack", timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.name = name
        self._poster = HttpPoster(url, timeout=timeout, target=host_only(url) + " (incoming webhook)")

    async def send(self, message: OutboxMessage) -> Sent:
        return await self._poster.post(orjson.dumps(slack_body(message)), _JSON)

    async def close(self) -> None:
        await self._poster.close()


class TeamsChannel:
    def __init__(self, url: str, *, name: str = "teams", timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.name = name
        self._poster = HttpPoster(url, timeout=timeout, target=host_only(url) + " (incoming webhook)")

    async def send(self, message: OutboxMessage) -> Sent:
        return await self._poster.post(orjson.dumps(teams_body(message)), _JSON)

    async def close(self) -> None:
        await self._poster.close()


class PagerDutyChannel:
    def __init__(
        self,
        routing_key: str,
        *,
        url: str = PAGERDUTY_EVENTS_URL,
        name: str = "pagerduty",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.name = name
        self._routing_key = routing_key
        self._poster = HttpPoster(url, timeout=timeout, target=host_only(url) + " (events v2)")

    async def send(self, message: OutboxMessage) -> Sent:
        return await self._poster.post(orjson.dumps(pagerduty_body(message, self._routing_key)), _JSON)

    async def close(self) -> None:
        await self._poster.close()
