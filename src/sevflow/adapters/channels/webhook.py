"""A generic outgoing webhook: each notification POSTed as JSON to one URL, signed the way
sevflow's own intake webhook is (``adapters/intake/signatures.py``):

- ``X-Sevflow-Timestamp``: Unix seconds when it was signed;
- ``X-Sevflow-Signature``: ``sha256=<hex HMAC-SHA256 of f"{timestamp}." + body>``;
- ``Idempotency-Key``: the message's key — the same on every retry of the same message, so the
  receiver can drop duplicates.

2xx is delivered; 408, 429, 5xx, a timeout or a connection error is worth retrying; any other
status is a refusal (not retried). The target reported for the delivery log is the URL without
its query string or credentials."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from sevflow.adapters.intake.signatures import (
    SEVFLOW_SIGNATURE_HEADER,
    SEVFLOW_TIMESTAMP_HEADER,
    sign_sevflow,
)
from sevflow.domain.delivery import Outcome, Sent, outcome_of_status
from sevflow.domain.records import OutboxMessage

DEFAULT_TIMEOUT_SECONDS = 10.0


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
        }
    )


def public_target(url: str) -> str:
    """``url`` as the delivery log shows it: scheme, host, port and path only."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class WebhookChannel:
    """POSTs to ``url``, signing with ``secret``. ``client`` (an ``httpx.AsyncClient``) is made
    on first use in the running event loop unless given; ``unix_time`` is the signing clock."""

    def __init__(
        self,
        url: str,
        secret: bytes,
        *,
        name: str = "webhook",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        client: httpx.AsyncClient | None = None,
        unix_time: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.url = url
        self.target = public_target(url)
        self._secret = secret
        self._timeout = timeout
        self._client = client
        self._unix_time = unix_time

    async def send(self, message: OutboxMessage) -> Sent:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        body = body_of(message)
        timestamp = int(self._unix_time())
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.idempotency_key,
            SEVFLOW_TIMESTAMP_HEADER: str(timestamp),
            SEVFLOW_SIGNATURE_HEADER: sign_sevflow(self._secret, timestamp, body),
        }
        try:
            response = await self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Sent(Outcome.FAILED, self.target, error=f"no answer within {self._timeout:g} s")
        except httpx.HTTPError as failure:
            return Sent(Outcome.FAILED, self.target, error=f"{type(failure).__name__}: {failure}")
        outcome = outcome_of_status(response.status_code)
        said = f"{response.status_code} {response.reason_phrase}".strip()
        return Sent(
            outcome, self.target, response.status_code, None if outcome is Outcome.DELIVERED else said
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
