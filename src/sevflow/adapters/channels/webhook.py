"""A generic outgoing webhook: each notification POSTed as JSON to one URL, signed the way
sevflow's own intake webhook is (``adapters/intake/signatures.py``):

- ``X-Sevflow-Timestamp``: Unix seconds when it was signed;
- ``X-Sevflow-Signature``: ``sha256=<hex HMAC-SHA256 of f"{timestamp}." + body>``;
- ``Idempotency-Key``: the message's key — the same on every retry of the same message, so the
  receiver can drop duplicates.

The answer is read by ``http_post.HttpPoster``; the delivery log names the URL without its
query string or credentials."""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson

from sevflow.adapters.channels.http_post import DEFAULT_TIMEOUT_SECONDS, HttpPoster
from sevflow.adapters.intake.signatures import (
    SEVFLOW_SIGNATURE_HEADER,
    SEVFLOW_TIMESTAMP_HEADER,
    sign_sevflow,
)
from sevflow.domain.delivery import Sent
from sevflow.domain.records import OutboxMessage


def body_of(message: OutboxMessage) -> bytes:
    """The JSON a receiver gets for ``message``."""
    n = message.notification
    return orjson.dumps(
        {
            "idempotency_key": message.idempotency_key,
            "ticket_id": message.ticket_id,
            "event_seq": message.event_seq,
            "event_kind": n.event_kind,
            "subject": n.subject,
            "summary": n.summary,
            "urgent": n.urgent,
            "recipients": list(n.recipients),
            "roles": [r.value for r in n.roles],
            "queued_at": message.created_at.isoformat(),
            "channel": n.channel,
            "drill": n.drill,
            "facts": dict(n.facts),
        }
    )


class WebhookChannel:
    """POSTs to ``url``, signing with ``secret``; ``unix_time`` is the signing clock."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        name: str = "webhook",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        unix_time: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self._poster = HttpPoster(url, timeout=timeout)
        self.target = self._poster.target
        self._secret = secret
        self._unix_time = unix_time

    async def send(self, message: OutboxMessage) -> Sent:
        body = body_of(message)
        timestamp = int(self._unix_time())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
            SEVFLOW_TIMESTAMP_HEADER: str(timestamp),
            SEVFLOW_SIGNATURE_HEADER: sign_sevflow(self._secret, timestamp, body),
        }
        return await self._poster.post(body, headers)

    async def close(self) -> None:
        await self._poster.close()
