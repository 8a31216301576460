"""More routed deliveries to real receivers on loopback, on every store, with a fake clock:
digests held to the top of the hour (or to ``daily_at`` in the digest zone) and sent as one
message per channel and recipients; drill tickets only on drill channels (or the log); e-mail
through routing, threaded per ticket and masked; a team template that fails at delivery time
replaced by the plain fallback, with the failure logged and kept in the delivery log."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from sevflow.adapters.channels.factory import build_channels
from sevflow.adapters.composing import Composer
from sevflow.domain.delivery import Outcome, RetryPolicy
from sevflow.domain.policy import Policy
from sevflow.domain.records import DeliveryRecord
from sevflow.domain.severity import Severity
from sevflow.policy.loader import load_policy, load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.policy.templates import read_template_folder
from sevflow.services import tickets as service
from sevflow.services.dispatch import Dispatcher, DispatchReport, by_channel_name
from sevflow.services.policies import activate_policy
from sevflow.services.ports import UnitOfWorkFactory
from tests.integration.engine_world import MINUTE, SECOND, T0, World, actor, utc
from tests.integration.receiver import Receiver, receiving
from tests.integration.smtp_inbox import Inbox, smtp_inbox

SECRET = "feed-signing-secret"
ENVIRON = {"HOOK_SECRET": SECRET}


# -- helpers ---------------------------------------------------------------------------------


def with_notifications(section: str) -> str:
    """The starter policy with ``section`` (YAML, starting at ``notifications:``) appended."""
    return starter_policy_text() + "\n" + section


def activate(world: World, text: str, policy: Policy | None = None) -> Policy:
    policy = policy or load_policy_text(text, "test policy")
    activate_policy(world.uow_factory(), clock=world.clock, policy=policy, source_text=text)
    return policy


def deliver(world: World, policy: Policy, *, templates: Mapping[str, str] | None = None) -> DispatchReport:
    """One dispatcher batch at the fake clock's now, through ``policy``'s channels, written by
    a ``Composer`` with ``templates`` (what ``bootstrap.Container.dispatcher`` builds)."""
    channels = build_channels(policy.routing, oncall=policy.oncall, now=world.clock.now, environ=ENVIRON)
    dispatcher = Dispatcher(
        world.uow_factory,
        world.clock,
        by_channel_name(channels),
        retry=RetryPolicy(max_attempts=2),
        composer=Composer(policy.routing, templates=templates),
    )

    async def once() -> DispatchReport:
        try:
            return await dispatcher.run_once()
        finally:
            for channel in channels.values():
                await channel.close()

    return asyncio.run(once())


def open_ticket(
    world: World,
    title: str,
    *,
    severity: Severity,
    service_line: str = "payments",
    channel: str = "api",
) -> int:
    """Open a ticket now (as ``ana``) through intake ``channel``."""
    ticket = service.open_ticket(
        world.uow_factory(),
        clock=world.clock,
        actor=actor("ana"),
        request=service.NewTicket(
            title=title,
            service_line=service_line,
            customer="Globex",
            customer_tier="enterprise",
            severity=severity,
            severity_reason="set by the test",
            channel=channel,
        ),
    )
    assert ticket.id is not None
    return ticket.id


def statuses(world: World, *tickets: int) -> list[tuple[str, str, str]]:
    """``(idempotency key, channel, status)`` of every outbox row of ``tickets``."""
    with world.uow_factory() as uow:
        return [
            (m.idempotency_key, m.notification.channel, m.status)
            for t in tickets
            for m in uow.outbox.for_ticket(t)
        ]


def delivery_log(world: World, *tickets: int) -> list[DeliveryRecord]:
    with world.uow_factory() as uow:
        return [d for t in tickets for d in uow.outbox.deliveries(t)]


def attempts(world: World, *tickets: int) -> list[tuple[int, int, datetime, str, str, Outcome, int | None]]:
    """The delivery log without latencies: ``(ticket, number, at, channel, target, outcome,
    status)``."""
    return [
        (
            d.ticket_id,
            d.number,
            d.attempt.at,
            d.attempt.channel,
            d.attempt.target,
            d.attempt.outcome,
            d.attempt.status,
        )
        for d in delivery_log(world, *tickets)
    ]


def target_of(receiver: Receiver) -> str:
    """The receiver's URL as the delivery log shows it (no query string)."""
    return receiver.url.split("?", 1)[0]


def digest_key(*keys: str) -> str:
    """The idempotency key of a digest of the notices with ``keys`` (oldest first)."""
    return "digest:" + hashlib.sha256(",".join(keys).encode()).hexdigest()[:24]


@pytest.fixture
def feed() -> Iterator[Receiver]:
    with receiving(SECRET.encode()) as receiver:
        yield receiver


# -- 1. digests ------------------------------------------------------------------------------


def hourly_policy(feed: Receiver) -> str:
    return with_notifications(
        f"""notifications:
  channels:
    team-feed: {{type: webhook, url: "{feed.url}", secret_env: HOOK_SECRET}}
  routes:
    - name: minor-hourly
      when: {{severity: Sev4}}
      to: [team-feed]
      digest: hourly
    - name: partial-at-once
      when: {{severity: Sev3}}
      to: [team-feed]
  default: [log]
"""
    )


def test_sev4_notices_of_one_hour_leave_at_the_top_of_the_hour_as_one_digest_per_recipients(
    uow_factory: UnitOfWorkFactory, feed: Receiver
) -> None:
    world = World.starting(uow_factory)
    policy = activate(world, hourly_policy(feed))
    # 09:30-09:55: four Sev4 tickets, two owned by lena (payments), two by nora (platform)
    typo = open_ticket(world, "Typo on invoice footer", severity=Severity.SEV4)
    world.clock.set(utc(2026, 3, 2, 9, 35))
    limits = open_ticket(
        world, "Question about API rate limits", severity=Severity.SEV4, service_line="platform"
    )
    world.clock.set(utc(2026, 3, 2, 9, 40))
    slow = open_ticket(world, "Refund export slow", severity=Severity.SEV3)  # not a digest: leaves at once
    assert deliver(world, policy) == DispatchReport(claimed=1, delivered=1)
    [at_once] = feed.received
    assert (at_once.body["ticket_id"], at_once.body["subject"]) == (
        slow,
        f"[Sev3] #{slow} assigned: Refund export slow",
    )
    world.clock.set(utc(2026, 3, 2, 9, 45))
    button = open_ticket(world, "Export button misaligned", severity=Severity.SEV4)
    world.clock.set(utc(2026, 3, 2, 9, 55))
    docs = open_ticket(
        world, "Docs link broken on login page", severity=Severity.SEV4, service_line="platform"
    )

    world.clock.set(utc(2026, 3, 2, 10, 0) - SECOND)
    assert deliver(world, policy) == DispatchReport()  # still inside the hour: held
    assert len(feed.received) == 1

    world.clock.set(utc(2026, 3, 2, 10, 0))
    assert deliver(world, policy) == DispatchReport(claimed=4, delivered=4)
    digests = sorted(feed.received[1:], key=lambda r: r.body["recipients"])
    assert [(r.signature_ok, r.body["recipients"], r.body["subject"]) for r in digests] == [
        (True, ["lena"], "sevflow digest: 2 notice(s)"),
        (True, ["nora"], "sevflow digest: 2 notice(s)"),
    ]
    lena, nora = (r.body for r in digests)
    assert lena["summary"] == (
        f"- #{typo} [Sev4] assigned: Typo on invoice footer (primary owner for Sev4 on payments)\n"
        f"- #{button} [Sev4] assigned: Export button misaligned (primary owner for Sev4 on payments)\n"
    )
    assert nora["summary"] == (
        f"- #{limits} [Sev4] assigned: Question about API rate limits (primary owner for Sev4 on platform)\n"
        f"- #{docs} [Sev4] assigned: Docs link broken on login page (primary owner for Sev4 on platform)\n"
    )
    assert [(i["ticket"], i["title"], i["event"]["kind"]) for i in lena["facts"]["items"]] == [
        (typo, "Typo on invoice footer", "assigned"),
        (button, "Export button misaligned", "assigned"),
    ]
    assert [(i["ticket"], i["title"], i["event"]["kind"]) for i in nora["facts"]["items"]] == [
        (limits, "Question about API rate limits", "assigned"),
        (docs, "Docs link broken on login page", "assigned"),
    ]
    assert (lena["idempotency_key"], nora["idempotency_key"]) == (
        digest_key(f"{typo}:2:0", f"{button}:2:0"),
        digest_key(f"{limits}:2:0", f"{docs}:2:0"),
    )
    assert (lena["urgent"], lena["channel"], lena["event_kind"]) == (False, "team-feed", "assigned")

    assert statuses(world, typo, limits, slow, button, docs) == [
        (f"{t}:2:0", "team-feed", "sent") for t in (typo, limits, slow, button, docs)
    ]
    top = utc(2026, 3, 2, 10, 0)
    assert attempts(world, typo, limits, slow, button, docs) == [
        (typo, 1, top, "team-feed", target_of(feed), Outcome.DELIVERED, 200),
        (limits, 1, top, "team-feed", target_of(feed), Outcome.DELIVERED, 200),
        (slow, 1, utc(2026, 3, 2, 9, 40), "team-feed", target_of(feed), Outcome.DELIVERED, 200),
        (button, 1, top, "team-feed", target_of(feed), Outcome.DELIVERED, 200),
        (docs, 1, top, "team-feed", target_of(feed), Outcome.DELIVERED, 200),
    ]
    assert deliver(world, policy) == DispatchReport()  # nothing left, nothing sent twice
    assert len(feed.received) == 3


def test_a_daily_digest_leaves_at_daily_at_in_the_digest_zone_with_every_notice_since_the_last(
    uow_factory: UnitOfWorkFactory, feed: Receiver
) -> None:
    world = World.starting(uow_factory)
    policy = activate(
        world,
        with_notifications(
            f"""notifications:
  channels:
    team-feed: {{type: webhook, url: "{feed.url}", secret_env: HOOK_SECRET}}
  routes:
    - {{name: minor-daily, when: {{severity: Sev4}}, to: [team-feed], digest: daily}}
  digests: {{zone: Europe/Berlin, daily_at: "08:00"}}
"""
        ),
    )
    # Monday 10:30 and 17:00 in Berlin, Tuesday 07:30 in Berlin (CET = UTC+1): due Tuesday 08:00
    first = open_ticket(world, "Typo on invoice footer", severity=Severity.SEV4)
    assert deliver(world, policy) == DispatchReport()
    world.clock.set(utc(2026, 3, 2, 16, 0))
    second = open_ticket(world, "Export button misaligned", severity=Severity.SEV4)
    world.clock.set(utc(2026, 3, 3, 6, 30))
    third = open_ticket(world, "Invoice PDF has the old logo", severity=Severity.SEV4)

    world.clock.set(utc(2026, 3, 3, 7, 0) - SECOND)
    assert deliver(world, policy) == DispatchReport()
    assert feed.received == []

    world.clock.set(utc(2026, 3, 3, 7, 0))  # 08:00 in Berlin
    assert deliver(world, policy) == DispatchReport(claimed=3, delivered=3)
    [digest] = feed.received
    assert digest.signature_ok
    assert (digest.body["recipients"], digest.body["subject"]) == (["lena"], "sevflow digest: 3 notice(s)")
    assert [i["ticket"] for i in digest.body["facts"]["items"]] == [first, second, third]
    assert digest.body["idempotency_key"] == digest_key(f"{first}:2:0", f"{second}:2:0", f"{third}:2:0")
    assert statuses(world, first, second, third) == [
        (f"{t}:2:0", "team-feed", "sent") for t in (first, second, third)
    ]
    assert [a[1:4] for a in attempts(world, first, second, third)] == [
        (1, utc(2026, 3, 3, 7, 0), "team-feed")
    ] * 3


# -- 2. drills -------------------------------------------------------------------------------


@dataclass
class Hooks:
    pager: Receiver
    chat: Receiver
    drills: Receiver


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    with receiving(SECRET.encode()) as pager, receiving(None) as chat, receiving(SECRET.encode()) as drills:
        yield Hooks(pager, chat, drills)


def drill_policy(h: Hooks, *, drill_channel: bool) -> str:
    drill = (
        f'    drill-hook: {{type: webhook, url: "{h.drills.url}", secret_env: HOOK_SECRET, drill: true}}\n'
        if drill_channel
        else ""
    )
    return with_notifications(
        f"""notifications:
  channels:
    pager: {{type: webhook, url: "{h.pager.url}", secret_env: HOOK_SECRET}}
    incident-chat: {{type: slack, url: "{h.chat.url}"}}
{drill}  routes:
    - {{name: sev1-urgent, when: {{severity: Sev1, urgent: true}}, to: [pager, incident-chat]}}
  default: [incident-chat]
"""
    )


DRILL_TITLE = "Data loss in EU ledger (rehearsal)"


def test_a_drill_ticket_reaches_only_the_drill_channel_marked_drill_and_never_the_pager(
    uow_factory: UnitOfWorkFactory, hooks: Hooks
) -> None:
    world = World.starting(uow_factory)
    policy = activate(world, drill_policy(hooks, drill_channel=True))
    tid = open_ticket(world, DRILL_TITLE, severity=Severity.SEV1, channel="drill")
    assert world.ticket(tid).is_drill
    # the same Sev1 opened for real would page (assigned, gate, outage rule) on pager and chat
    assert [(m.notification.channel, m.notification.event_kind) for m in world.outbox(tid)] == [
        ("drill-hook", "assigned"),
        ("drill-hook", "gate_opened"),
        ("drill-hook", "rule_fired"),
    ]
    assert deliver(world, policy) == DispatchReport(claimed=3, delivered=3)
    received = sorted(hooks.drills.received, key=lambda r: r.body["event_seq"])
    assert [(r.signature_ok, r.body["drill"], r.body["subject"]) for r in received] == [
        (True, True, f"[DRILL] [Sev1] #{tid} assigned: {DRILL_TITLE}"),
        (True, True, f"[DRILL] [Sev1] #{tid} gate opened: {DRILL_TITLE}"),
        (True, True, f"[DRILL] [Sev1] #{tid} rule fired: {DRILL_TITLE}"),
    ]
    assert all(r.body["facts"]["drill"] is True for r in received)
    assert (hooks.pager.received, hooks.chat.received) == ([], [])
    assert statuses(world, tid) == [(f"{tid}:{seq}:0", "drill-hook", "sent") for seq in (2, 3, 4)]


def test_without_a_drill_channel_a_drill_ticket_goes_only_to_the_log(
    uow_factory: UnitOfWorkFactory, hooks: Hooks, caplog: pytest.LogCaptureFixture
) -> None:
    world = World.starting(uow_factory)
    policy = activate(world, drill_policy(hooks, drill_channel=False))
    tid = open_ticket(world, DRILL_TITLE, severity=Severity.SEV1, channel="drill")
    with caplog.at_level(logging.INFO, logger="sevflow.notifications"):
        assert deliver(world, policy) == DispatchReport(claimed=3, delivered=3)
    logged = sorted(r.getMessage() for r in caplog.records if r.name == "sevflow.notifications")
    assert logged == [
        f"[DRILL] [Sev1] #{tid} assigned: {DRILL_TITLE} -> ingrid [{tid}:2:0]",
        f"[DRILL] [Sev1] #{tid} gate opened: {DRILL_TITLE} -> role:incident_commander, role:senior_engineer [{tid}:3:0]",
        f"[DRILL] [Sev1] #{tid} rule fired: {DRILL_TITLE} -> oncall:payments-l1, role:incident_commander [{tid}:4:0]",
    ]
    assert (hooks.pager.received, hooks.chat.received, hooks.drills.received) == ([], [], [])
    assert attempts(world, tid) == [(tid, 1, T0, "log", "log", Outcome.DELIVERED, None)] * 3


# -- 3. e-mail through routing ---------------------------------------------------------------


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_inbox() as served:
        yield served


def parts(mail: EmailMessage) -> tuple[str, str]:
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    return plain.get_content().replace("\r\n", "\n"), html.get_content()


SENSITIVE_TITLE = "Refund for bob@globex.example fails with card 4111 1111 1111 1111"
MASKED_TITLE = "Refund for [email] fails with card [card]"


def test_two_events_on_one_ticket_arrive_as_two_masked_mails_threaded_on_the_ticket(
    uow_factory: UnitOfWorkFactory, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    world = World.starting(uow_factory)
    policy = activate(
        world,
        with_notifications(
            f"""notifications:
  channels:
    ops-mail: {{type: email, host: 127.0.0.1, port: {port}, security: none, sender: sevflow@acme.example}}
  contacts:
    lena: lena@acme.example
    ana: [ana@acme.example, payments-l1@acme.example]
  routes:
    - {{name: payments-mail, when: {{service_line: payments}}, to: [ops-mail]}}
"""
        ),
    )
    tid = open_ticket(world, SENSITIVE_TITLE, severity=Severity.SEV3)  # assigned to lena
    assert deliver(world, policy) == DispatchReport(claimed=1, delivered=1)
    # lena does not accept within 15 minutes: the ticket is handed to ana (a second event)
    assert world.fire_at(T0 + 15 * MINUTE) == [("handoff_timed_out", "handoff:1"), ("assigned", None)]
    assert deliver(world, policy) == DispatchReport(claimed=1, delivered=1)

    (to_first, first), (to_second, second) = handler.received
    assert to_first == ["lena@acme.example"]
    assert to_second == ["ana@acme.example", "payments-l1@acme.example"]
    thread = f"<ticket-{tid}@acme.example>"
    assert [
        (
            m["Subject"],
            m["From"],
            m["To"],
            m["Date"].datetime,
            m["Message-ID"],
            m["In-Reply-To"],
            m["References"],
        )
        for m in (first, second)
    ] == [
        (
            f"[Sev3] #{tid} assigned: {MASKED_TITLE}",
            "sevflow@acme.example",
            "lena@acme.example",
            T0,
            f"<{tid}.2.0@acme.example>",
            thread,
            thread,
        ),
        (
            f"[Sev3] #{tid} assigned: {MASKED_TITLE}",
            "sevflow@acme.example",
            "ana@acme.example, payments-l1@acme.example",
            T0 + 15 * MINUTE,
            f"<{tid}.4.0@acme.example>",
            thread,
            thread,
        ),
    ]
    assert first["Message-ID"] != second["Message-ID"]
    assert (first["X-Sevflow-Ticket"], second["X-Sevflow-Idempotency-Key"]) == (str(tid), f"{tid}:4:0")
    assert [m.get_content_type() for m in (first, second)] == ["multipart/alternative"] * 2

    plain, html = parts(second)
    assert plain == (
        f"[Sev3] #{tid} assigned: {MASKED_TITLE}\n\n"
        "handoff: lena did not accept within 15 minutes.\n\n"
        f"Ticket #{tid} · Sev3 (Partial issue) · new\n"
        "Service line payments · Globex (enterprise)\n"
        "At L1 with payments-l1, owned by ana\n"
        "Resolution due 2026-03-05 09:30 UTC\n"  # 24 office hours after 10:30 Berlin on Monday
        f"\n\nTicket #{tid} · assigned\n"
    )
    assert f'<h1 style="font-size:1.1em">[Sev3] #{tid} assigned: {MASKED_TITLE}</h1>' in html
    assert "handoff: lena did not accept within 15 minutes." in html
    for mail in (first, second):
        for text in (*parts(mail), mail["Subject"]):
            assert "bob@globex.example" not in text
            assert "4111" not in text
    assert statuses(world, tid) == [(f"{tid}:2:0", "ops-mail", "sent"), (f"{tid}:4:0", "ops-mail", "sent")]
    assert attempts(world, tid) == [
        (tid, 1, T0, "ops-mail", f"127.0.0.1:{port} to acme.example", Outcome.DELIVERED, 250),
        (tid, 1, T0 + 15 * MINUTE, "ops-mail", f"127.0.0.1:{port} to acme.example", Outcome.DELIVERED, 250),
    ]


# -- 4. a template that fails at delivery ----------------------------------------------------

FAILING_TEMPLATE = """Subject: [{{ severity }}] #{{ ticket }} {{ title }}

Affected users per service: {{ users_affected // (services | length) }}
"""
"""Passes the syntax check at load; divides by zero when the ticket names no services."""


def test_a_template_failing_at_delivery_sends_the_plain_fallback_logs_an_error_and_says_why(
    uow_factory: UnitOfWorkFactory, feed: Receiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "notification-templates"
    folder.mkdir()
    (folder / "internal_update.j2").write_text(FAILING_TEMPLATE, encoding="utf-8")
    policy_file = tmp_path / "policy.yaml"
    text = with_notifications(
        f"""notifications:
  channels:
    team-feed: {{type: webhook, url: "{feed.url}", secret_env: HOOK_SECRET}}
  default: [team-feed]
  templates: notification-templates
"""
    )
    policy_file.write_text(text, encoding="utf-8")
    policy = load_policy(policy_file)  # the folder's templates are checked here, and pass
    templates, problems = read_template_folder(policy_file.parent / "notification-templates")
    assert (sorted(templates), problems) == (["internal_update"], [])
    world = World.starting(uow_factory)
    activate(world, text, policy)
    tid = open_ticket(world, "Printer queue stuck", severity=Severity.SEV3)

    with caplog.at_level(logging.ERROR, logger="sevflow.templates"):
        assert deliver(world, policy, templates=templates) == DispatchReport(claimed=1, delivered=1)

    why = "template 'internal_update' failed: ZeroDivisionError: integer division or modulo by zero"
    [sent] = feed.received
    assert sent.signature_ok
    assert (sent.body["subject"], sent.body["summary"]) == (
        f"[Sev3] #{tid} assigned: Printer queue stuck",
        f"Ticket #{tid} had an update (assigned). Open sevflow for the details.\n",
    )
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records if r.name == "sevflow.templates"] == [
        ("sevflow.templates", logging.ERROR, f"notification {tid}:2:0: {why}; sent the plain fallback")
    ]
    [record] = delivery_log(world, tid)
    attempt = record.attempt
    assert (record.number, attempt.at, attempt.channel, attempt.target) == (
        1,
        T0,
        "team-feed",
        target_of(feed),
    )
    assert (attempt.outcome, attempt.status, attempt.error) == (Outcome.DELIVERED, 200, why)
    assert statuses(world, tid) == [(f"{tid}:2:0", "team-feed", "sent")]


def test_the_hour_boundary_is_exact_for_a_notice_queued_a_second_before_it(
    uow_factory: UnitOfWorkFactory, feed: Receiver
) -> None:
    world = World.starting(uow_factory, at=utc(2026, 3, 2, 10, 0) - SECOND)
    policy = activate(world, hourly_policy(feed))
    tid = open_ticket(world, "Typo on invoice footer", severity=Severity.SEV4)
    assert deliver(world, policy) == DispatchReport()
    world.clock.advance(seconds=1)
    assert deliver(world, policy) == DispatchReport(claimed=1, delivered=1)
    [alone] = feed.received
    # a digest of one notice is that notice, written with its own template
    assert alone.body["subject"] == f"[Sev4] #{tid} assigned: Typo on invoice footer"
    assert alone.body["idempotency_key"] == f"{tid}:2:0"
    assert attempts(world, tid) == [
        (tid, 1, utc(2026, 3, 2, 10, 0), "team-feed", target_of(feed), Outcome.DELIVERED, 200)
    ]
