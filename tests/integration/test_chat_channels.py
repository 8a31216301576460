"""Slack, Teams and PagerDuty deliveries to a real HTTP receiver on loopback: each service's own
JSON, the secret part of the URL kept out of the delivery log, a refusal told from a failure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sevflow.adapters.channels.chat import PagerDutyChannel, SlackChannel, TeamsChannel
from sevflow.domain.delivery import Outcome, Sent
from sevflow.domain.notifications import Notification
from sevflow.domain.policy import Role
from sevflow.domain.records import OutboxMessage
from tests.integration.receiver import receiving

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PAGE = OutboxMessage(
    1,
    7,
    5,
    "7:5:0",
    Notification(
        "sla_breached",
        ("omar", "role:manager"),
        (Role.OWNER, Role.MANAGER),
        "[Sev1] #7 sla breached: Checkout <down> & out",
        "first response target missed (15m < now) & counting",
        True,
    ),
    T0,
    "pending",
)


def deliver(channel: SlackChannel | TeamsChannel | PagerDutyChannel) -> Sent:
    async def once() -> Sent:
        try:
            return await channel.send(PAGE)
        finally:
            await channel.close()

    return asyncio.run(once())


def test_slack_gets_block_kit_with_its_control_characters_escaped_and_the_webhook_path_is_not_logged() -> (
    None
):
    with receiving(None) as receiver:
        url = receiver.url.replace("/hooks/sevflow?token=secret-in-query", "/services/T0/B0/secret-path")
        sent = deliver(SlackChannel(url))
    assert sent == Sent(Outcome.DELIVERED, f"{url.split('/services')[0]} (incoming webhook)", 200)
    [got] = receiver.received
    assert got.path == "/services/T0/B0/secret-path"
    assert got.body == {
        "text": "🚨 [Sev1] #7 sla breached: Checkout <down> & out",
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": "[Sev1] #7 sla breached: Checkout <down> & out",
                    "emoji": True,
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "first response target missed (15m &lt; now) &amp; counting",
                },
            },
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "Ticket #7 · sla breached · to omar, role:manager"}],
            },
        ],
    }


def test_teams_gets_an_adaptive_card() -> None:
    with receiving(None) as receiver:
        assert deliver(TeamsChannel(receiver.url)).outcome is Outcome.DELIVERED
    card = receiver.received[0].body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    body = card["content"]["body"]
    assert (body[0]["text"], body[0]["color"], body[1]["text"]) == (
        "[Sev1] #7 sla breached: Checkout <down> & out",
        "Attention",
        "first response target missed (15m < now) & counting",
    )
    assert body[2]["facts"] == [
        {"title": "Ticket", "value": "#7"},
        {"title": "Event", "value": "sla breached"},
        {"title": "For", "value": "omar, role:manager"},
    ]


def test_pagerduty_gets_an_events_v2_trigger_grouped_per_ticket_and_a_bad_routing_key_is_a_refusal() -> None:
    with receiving(None, [202, 400]) as receiver:
        accepted = deliver(PagerDutyChannel("R0UTINGKEY", url=receiver.url))
        refused = deliver(PagerDutyChannel("wrong", url=receiver.url))
    assert (accepted.outcome, accepted.status) == (Outcome.DELIVERED, 202)
    assert (refused.outcome, refused.status, refused.error) == (Outcome.REFUSED, 400, "400 Bad Request")
    assert "R0UTINGKEY" not in accepted.target
    assert receiver.received[0].body == {
        "routing_key": "R0UTINGKEY",
        "event_action": "trigger",
        "dedup_key": "sevflow-ticket-7",
        "payload": {
            "summary": "[Sev1] #7 sla breached: Checkout <down> & out",
            "source": "sevflow",
            "severity": "critical",
            "component": "ticket #7",
            "class": "sla_breached",
            "custom_details": {
                "summary": "first response target missed (15m < now) & counting",
                "recipients": ["omar", "role:manager"],
                "idempotency_key": "7:5:0",
            },
        },
    }
