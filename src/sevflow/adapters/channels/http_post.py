"""POSTing one JSON body for a channel: an ``httpx.AsyncClient`` made on first use in the
running event loop, and the answer read as a delivery outcome (2xx delivered; 408, 429, 5xx, a
timeout or a connection error worth retrying; any other status a refusal)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import httpx

from sevflow.domain.delivery import Outcome, Sent, outcome_of_status

DEFAULT_TIMEOUT_SECONDS = 10.0


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
        self, url: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, target: str | None = None
    ) -> None:
        self.url = url
        self.target = target or public_target(url)
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def post(self, body: bytes, headers: dict[str, str]) -> Sent:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
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
