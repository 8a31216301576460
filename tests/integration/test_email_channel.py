"""The e-mail channel against a real SMTP server on loopback (aiosmtpd): the message as
received — headers, both parts, threading — and what a refusal or a temporary failure becomes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sevflow.adapters.channels.smtp import EmailChannel
from sevflow.domain.delivery import Outcome, Sent
from sevflow.domain.notifications import Notification
from sevflow.domain.policy import Role
from sevflow.domain.records import OutboxMessage
from tests.integration.smtp_inbox import Inbox, smtp_inbox

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ADDRESSES = {"omar": ["omar@acme.example"], "role:manager": ["maria@acme.example", "ops@acme.example"]}


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with smtp_inbox() as served:
        yield served


def message(
    key: str, recipients: tuple[str, ...], *, urgent: bool = True, ticket_id: int = 7
) -> OutboxMessage:
    note = Notification(
        "sla_breached",
        recipients,
        (Role.OWNER,),
        f"[Sev1] #{ticket_id} sla breached: Checkout <down>",
        "first response target missed",
        urgent,
    )
    return OutboxMessage(1, ticket_id, 5, key, note, T0, "pending")


def channel(port: int) -> EmailChannel:
    return EmailChannel(
        "127.0.0.1",
        port,
        sender="sevflow@acme.example",
        security="none",
        addresses=lambda r: ADDRESSES.get(r, []),
    )


def send(port: int, m: OutboxMessage) -> Sent:
    return asyncio.run(channel(port).send(m))


def test_a_notification_arrives_as_a_threaded_mail_with_text_and_html_parts(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    first = send(port, message("7:5:0", ("omar", "role:manager")))
    later = send(port, message("7:9:0", ("omar",), urgent=False))
    assert first == Sent(Outcome.DELIVERED, f"127.0.0.1:{port} to acme.example", 250)
    assert later.outcome is Outcome.DELIVERED
    (to_first, mail), (_, update) = handler.received
    assert to_first == ["omar@acme.example", "maria@acme.example", "ops@acme.example"]
    assert mail["Subject"] == "[URGENT] [Sev1] #7 sla breached: Checkout <down>"
    assert mail["From"] == "sevflow@acme.example"
    assert mail["Message-ID"] == "<7.5.0@acme.example>"
    assert mail["In-Reply-To"] == mail["References"] == "<ticket-7@acme.example>"
    assert update["References"] == "<ticket-7@acme.example>"  # the same thread
    assert update["Message-ID"] == "<7.9.0@acme.example>"
    assert mail["X-Sevflow-Idempotency-Key"] == "7:5:0"
    plain = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().replace("\r\n", "\n") == (
        "[Sev1] #7 sla breached: Checkout <down>\n\nfirst response target missed\n\nTicket #7 · sla breached\n"
    )
    assert (
        '<h1 style="font-size:1.1em">[Sev1] #7 sla breached: Checkout &lt;down&gt;</h1>' in html.get_content()
    )


def test_a_refused_address_is_a_refusal_and_a_temporary_failure_is_retried(inbox: tuple[Inbox, int]) -> None:
    handler, port = inbox
    handler.rcpt_codes = ["550 5.1.1 No such user"]
    refused = send(port, message("7:5:0", ("omar",)))
    assert (refused.outcome, refused.status, refused.error) == (
        Outcome.REFUSED,
        550,
        "550 5.1.1 No such user",
    )
    handler.rcpt_codes = ["451 4.3.0 Try again later"]
    later = send(port, message("7:5:0", ("omar",)))
    assert (later.outcome, later.status) == (Outcome.FAILED, 451)
    assert handler.received == []


def test_recipients_without_an_address_are_refused_and_an_unreachable_server_is_retried() -> None:
    nobody = asyncio.run(channel(9).send(message("7:5:0", ("team:payments-l1",))))
    assert (nobody.outcome, nobody.error) == (Outcome.REFUSED, "none of the recipients has an e-mail address")
    down = asyncio.run(channel(9).send(message("7:5:0", ("omar",))))
    assert down.outcome is Outcome.FAILED
    assert down.error is not None
    assert down.error.startswith("ConnectionRefusedError")


def test_a_channel_refuses_an_unknown_security_setting() -> None:
    with pytest.raises(ValueError, match="security is 'tls'; allowed: starttls, ssl, none"):
        EmailChannel("mail", 25, sender="s@x", addresses=lambda r: [], security="tls")
