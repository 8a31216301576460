"""Notifications routed by the policy's ``notifications`` section, delivered to real receivers
on loopback, on every store: a Sev1 reaches the pager webhook, the incident chat and the
manager's e-mail at once; a drill reaches only the drill channel; a public comment reaches only
the customer channel; what leaves is written with its template and masked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sevflow.adapters.channels.factory import build_channels
from sevflow.adapters.composing import Composer
from sevflow.domain.delivery import RetryPolicy
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services import tickets as service
from sevflow.services.dispatch import Dispatcher, DispatchReport, by_channel_name
from sevflow.services.policies import activate_policy
from sevflow.services.ports import UnitOfWorkFactory
from tests.integration.engine_world import World, actor
from tests.integration.receiver import Receiver, receiving

SECRET = "pager-signing-secret"


@dataclass
class Hooks:
    pager: Receiver
    chat: Receiver
    drills: Receiver
    status: Receiver


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    with (
        receiving(SECRET.encode()) as pager,
        receiving(None) as chat,
        receiving(None) as drills,
        receiving(SECRET.encode()) as status,
    ):
        yield Hooks(pager, chat, drills, status)


def policy_text(h: Hooks) -> str:
    return (
        starter_policy_text()
        + f"""
notifications:
  channels:
    pager: {{type: webhook, url: "{h.pager.url}", secret_env: PAGER_SECRET}}
    incident-chat: {{type: slack, url: "{h.chat.url}"}}
    drill-chat: {{type: slack, url: "{h.drills.url}", drill: true}}
    status-page: {{type: webhook, url: "{h.status.url}", secret_env: PAGER_SECRET, audience: customer}}
  routes:
    - name: sev1-urgent
      when: {{severity: Sev1, urgent: true}}
      to: [pager, incident-chat]
    - name: customer-updates
      when: {{role: customer}}
      to: [status-page]
  default: [log]
  redaction:
    patterns: [{{name: order, regex: "ORD-[0-9]{{6}}"}}]
"""
    )


def deliver(world: World, text: str) -> DispatchReport:
    policy = load_policy_text(text, "test policy")
    channels = build_channels(
        policy.routing, oncall=policy.oncall, now=world.clock.now, environ={"PAGER_SECRET": SECRET}
    )
    dispatcher = Dispatcher(
        world.uow_factory,
        world.clock,
        by_channel_name(channels),
        retry=RetryPolicy(max_attempts=2),
        composer=Composer(policy.routing, base_url="https://sevflow.acme.example"),
    )

    async def once() -> DispatchReport:
        try:
            return await dispatcher.run_once()
        finally:
            for channel in channels.values():
                await channel.close()

    return asyncio.run(once())


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory, hooks: Hooks) -> World:
    world = World.starting(uow_factory)
    text = policy_text(hooks)
    activate_policy(
        uow_factory(), clock=world.clock, policy=load_policy_text(text, "test policy"), source_text=text
    )
    return world


def test_a_sev1_reaches_the_pager_and_the_incident_chat_at_once_written_with_its_template(
    world: World, hooks: Hooks
) -> None:
    tid = world.open("Data loss in EU ledger, call +49 30 1234567", severity=None)  # data-loss rule: Sev1
    with world.uow_factory() as uow:
        queued = [(m.notification.channel, m.notification.event_kind) for m in uow.outbox.for_ticket(tid)]
    # assigned (urgent Sev1) and the gate (urgent) go to pager + chat; the outage page to both too
    assert sorted(queued) == sorted(
        [(c, k) for k in ("assigned", "gate_opened", "rule_fired") for c in ("pager", "incident-chat")]
    )
    report = deliver(world, policy_text(hooks))
    assert report == DispatchReport(claimed=6, delivered=6)
    assert [r.signature_ok for r in hooks.pager.received] == [True, True, True]
    subjects = sorted(r.body["subject"] for r in hooks.pager.received)
    assert subjects == [
        f"[Sev1] #{tid} assigned: Data loss in EU ledger, call [phone]",
        f"[Sev1] #{tid} gate opened: Data loss in EU ledger, call [phone]",
        f"[Sev1] #{tid} rule fired: Data loss in EU ledger, call [phone]",
    ]
    assigned = next(r.body for r in hooks.pager.received if r.body["event_kind"] == "assigned")
    assert assigned["facts"]["title"] == "Data loss in EU ledger, call [phone]"
    assert f"Open the ticket: https://sevflow.acme.example/tickets/{tid}" in assigned["summary"]
    assert len(hooks.chat.received) == 3
    assert (hooks.drills.received, hooks.status.received) == ([], [])


def test_a_public_comment_reaches_only_the_customer_channel_and_an_internal_one_nothing(
    world: World, hooks: Hooks
) -> None:
    tid = world.open("Refund export slow", service_line="payments", customer_tier="standard")
    deliver(world, policy_text(hooks))  # the opening's notices
    sent_before = (len(hooks.pager.received), len(hooks.chat.received))
    ana = actor("ana")
    service.add_comment(
        world.uow_factory(),
        clock=world.clock,
        actor=ana,
        ticket_id=tid,
        body="Internal: customer ORD-123456 is a reseller",
        public=False,
    )
    service.add_comment(
        world.uow_factory(),
        clock=world.clock,
        actor=ana,
        ticket_id=tid,
        body="We found the slow query for order ORD-654321 and are deploying a fix.",
        public=True,
    )
    assert deliver(world, policy_text(hooks)) == DispatchReport(claimed=1, delivered=1)
    [update] = hooks.status.received
    assert update.signature_ok
    assert update.body["subject"] == f"Update on your request #{tid}: Refund export slow"
    assert "We found the slow query for order [order] and are deploying a fix." in update.body["summary"]
    assert "reseller" not in str(update.body)
    assert set(update.body["facts"]) <= {
        "ticket",
        "title",
        "severity",
        "severity_title",
        "status",
        "services",
        "customer",
        "users_affected",
        "opened_at",
        "due",
        "drill",
        "update",
    }
    assert (len(hooks.pager.received), len(hooks.chat.received)) == sent_before
