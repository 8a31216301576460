"""E-mail over SMTP: each notification as a message with a plain-text and an HTML part, to the
addresses its recipients resolve to.

Updates about one ticket thread together in mail clients: every message carries
``References`` and ``In-Reply-To`` naming the ticket's thread id (``<ticket-{id}@{domain}>``),
and its own ``Message-ID`` is made from the message's idempotency key, so a re-sent duplicate
has the same id (clients and servers drop it). ``security`` is ``starttls`` (the default),
``ssl`` (implicit TLS) or ``none`` (a relay on a trusted network, or tests).

A 5xx reply refuses the message for good (the address or the content was rejected); a 4xx
reply, a timeout or a connection error is worth retrying. The target in the delivery log is the
server and the recipients' domains, never a password. ``smtplib`` is synchronous: a send runs in
a worker thread so the dispatcher's other deliveries go on."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import formatdate
from html import escape

from sevflow.domain.delivery import Outcome, Sent
from sevflow.domain.records import OutboxMessage

SECURITY = ("starttls", "ssl", "none")
DEFAULT_TIMEOUT_SECONDS = 15.0

AddressBook = Callable[[str], Sequence[str]]
"""A recipient (an agent's name, ``role:NAME``, ``team:NAME``) -> its e-mail addresses."""


def thread_id(ticket_id: int, domain: str) -> str:
    return f"<ticket-{ticket_id}@{domain}>"


def compose(message: OutboxMessage, *, sender: str, to: Sequence[str], domain: str) -> EmailMessage:
    """The e-mail for ``message``: subject, plain text and HTML, threading headers."""
    n = message.notification
    mail = EmailMessage()
    mail["Subject"] = ("[URGENT] " if n.urgent else "") + n.subject
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(message.created_at.timestamp(), usegmt=True)
    mail["Message-ID"] = f"<{message.idempotency_key.replace(':', '.')}@{domain}>"
    mail["In-Reply-To"] = thread_id(message.ticket_id, domain)
    mail["References"] = thread_id(message.ticket_id, domain)
    mail["X-Sevflow-Ticket"] = str(message.ticket_id)
    mail["X-Sevflow-Idempotency-Key"] = message.idempotency_key
    text = f"{n.subject}\n\n{n.summary}\n\nTicket #{message.ticket_id} · {n.event_kind.replace('_', ' ')}\n"
    mail.set_content(text)
    mail.add_alternative(
        f'<html><body><h1 style="font-size:1.1em">{escape(n.subject)}</h1><p style="white-space:pre-wrap">{escape(n.summary)}</p>'
        f'<p style="color:#57606a">Ticket #{message.ticket_id} · {escape(n.event_kind.replace("_", " "))}</p>'
        "</body></html>",
        subtype="html",
    )
    return mail


class EmailChannel:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        addresses: AddressBook,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        name: str = "email",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if security not in SECURITY:
            raise ValueError(f"security is {security!r}; allowed: {', '.join(SECURITY)}")
        self.name = name
        self.host, self.port, self.security = host, port, security
        self.sender = sender
        self.domain = sender.rsplit("@", 1)[-1].strip(">") or "sevflow.local"
        self._addresses = addresses
        self._username, self._password = username, password
        self._timeout = timeout

    async def send(self, message: OutboxMessage) -> Sent:
        to = list(dict.fromkeys(a for r in message.notification.recipients for a in self._addresses(r)))
        target = f"{self.host}:{self.port} to " + (
            ", ".join(sorted({a.rsplit("@", 1)[-1] for a in to})) or "nobody"
        )
        if not to:
            return Sent(Outcome.REFUSED, target, error="none of the recipients has an e-mail address")
        mail = compose(message, sender=self.sender, to=to, domain=self.domain)
        return await asyncio.to_thread(self._deliver, mail, to, target)

    async def close(self) -> None:
        return None  # a connection per send

    def _deliver(self, mail: EmailMessage, to: list[str], target: str) -> Sent:
        try:
            with self._connect() as smtp:
                if self._username is not None:
                    smtp.login(self._username, self._password or "")
                refused = smtp.send_message(mail, from_addr=self.sender, to_addrs=to)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            return _replied(code, reply, target)
        except smtplib.SMTPResponseException as error:
            return _replied(error.smtp_code, error.smtp_error, target)
        except (smtplib.SMTPException, OSError) as error:
            return Sent(Outcome.FAILED, target, error=f"{type(error).__name__}: {error}")
        if refused:
            code, reply = next(iter(refused.values()))
            return Sent(Outcome.DELIVERED, target, 250, f"some recipients refused: {code} {_text(reply)}")
        return Sent(Outcome.DELIVERED, target, 250)

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self._timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        if self.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _replied(code: int, reply: bytes | str, target: str) -> Sent:
    outcome = Outcome.REFUSED if 500 <= code < 600 else Outcome.FAILED
    return Sent(outcome, target, code, f"{code} {_text(reply)}")
