"""POSTing one JSON body for a channel, and the answer read as a delivery outcome (2xx
delivered; 408, 429, 5xx, a timeout or a connection error worth retrying; any other status a
refusal).

Concurrent posts to one URL go through *lanes*: ``httpx.AsyncClient``s of one keep-alive
connection each, made on first need in the running event loop (up to ``max_connections``,
sharing one TLS context) and lent to one post at a time. One client with many connections
would be simpler, but httpcore's pool scans every connection and every waiting request each
time a request starts or ends: with 64 posts in flight to a local receiver one client sent
550-700 POSTs/s on two cores, 64 lanes about 1,400/s (``bench/bench_delivery.py``)."""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit, urlunsplit

import httpx

from sevflow.domain.delivery import Outcome, Sent, outcome_of_status

DEFAULT_TIMEOUT_SECONDS = 10.0
MAX_CONNECTIONS = 100
"""Connections one channel may hold open at once (httpx's own default limit)."""


def public_target(url: str) -> str:
    """``url`` as the delivery log shows it: scheme, host, port and path only (no query, no
    credentials). Chat webhooks carry their secret in the path: they log ``host_only``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def host_only(url: str) -> str:
    """Scheme and host of ``url``, for URLs whose path is itself a secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


class HttpPoster:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        target: str | None = None,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.url = url
        self.target = target or public_target(url)
        self._timeout = timeout
        self._max_lanes = max(1, max_connections)
        self._lanes: list[httpx.AsyncClient] = []
        self._free: asyncio.Queue[httpx.AsyncClient] | None = None
        self._tls: ssl.SSLContext | None = None

    async def post(self, body: bytes, headers: dict[str, str]) -> Sent:
        client = await self._lane()
        try:
            response = await client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Sent(Outcome.FAILED, self.target, error=f"no answer within {self._timeout:g} s")
        except httpx.HTTPError as failure:
            return Sent(Outcome.FAILED, self.target, error=f"{type(failure).__name__}: {failure}")
        finally:
            self._release(client)
        outcome = outcome_of_status(response.status_code)
        said = f"{response.status_code} {response.reason_phrase}".strip()
        return Sent(
            outcome, self.target, response.status_code, None if outcome is Outcome.DELIVERED else said
        )

    async def _lane(self) -> httpx.AsyncClient:
        """A client no other post is using: a free one, a new one while under the limit, or
        the first one given back."""
        if self._free is None:
            self._free = asyncio.Queue()
        if self._free.empty() and len(self._lanes) < self._max_lanes:
            if self._tls is None:
                # ~25 ms to build (the CA bundle): once per poster, not once per lane
                self._tls = httpx.create_ssl_context()
            client = httpx.AsyncClient(
                timeout=self._timeout,
                verify=self._tls,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            )
            self._lanes.append(client)
            return client
        return await self._free.get()

    def _release(self, client: httpx.AsyncClient) -> None:
        if self._free is not None and client in self._lanes:
            self._free.put_nowait(client)

    async def close(self) -> None:
        lanes, self._lanes, self._free = self._lanes, [], None
        for client in lanes:
            await client.aclose()
