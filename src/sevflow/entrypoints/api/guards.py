"""Checks every request passes before any route sees it: a body no larger than the configured
limit (413, decided from Content-Length before reading, or while reading a chunked body) and a
content type the path accepts (415). Pure ASGI, so it costs little per request."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM_HEADERS = [(b"content-type", b"application/problem+json")]

JSON = ("application/json",)
ACCEPTS: dict[str, tuple[str, ...]] = {
    "/api/session": ("application/json", "application/x-www-form-urlencoded", "multipart/form-data"),
    "/api/policy": ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"),
    "/api/intake/email": ("message/rfc822",),
}
"""Content types accepted per API path; every other API path with a body takes JSON."""
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def accepted(path: str) -> tuple[str, ...]:
    """The content types a request body to ``path`` may have: the dashboard's pages (outside
    ``/api``) take form posts."""
    path = path.rstrip("/") or "/"
    if path != "/api" and not path.startswith("/api/"):
        return FORMS
    return ACCEPTS.get(path, JSON)


def _type_ok(content_type: str, allowed: tuple[str, ...]) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media in allowed or (
        allowed is JSON and media.startswith("application/") and media.endswith("+json")
    )


class RequestGuard:
    def __init__(self, app: ASGIApp, *, max_body_bytes: Callable[[], int]) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        limit = self.max_body_bytes()
        length = headers.get(b"content-length")
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _refuse(
                send, scope, 413, "payload-too-large", "Payload too large", _too_large(length, limit)
            )
            return
        if (length not in (None, b"0")) or chunked:
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            allowed = accepted(scope["path"])
            if not _type_ok(content_type, allowed):
                await _refuse(
                    send,
                    scope,
                    415,
                    "unsupported-media-type",
                    "Unsupported content type",
                    f"Content-Type {content_type or '(none)'!r} is not accepted here; send {' or '.join(allowed)}",
                )
                return
        if not chunked:
            await self.app(scope, receive, send)
            return
        # a chunked body: read it all (bounded) before the route runs
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await _refuse(
                    send, scope, 413, "payload-too-large", "Payload too large", _too_large(None, limit)
                )
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


def _too_large(length: bytes | None, limit: int) -> str:
    size = f"{length.decode('latin-1')} bytes" if length is not None else f"over {limit} bytes"
    return f"the request body is {size}; at most {limit} bytes are accepted (setting SEVFLOW_MAX_BODY_BYTES)"


async def _refuse(send: Send, scope: Scope, status: int, slug: str, title: str, detail: str) -> None:
    body = orjson.dumps(
        {
            "type": f"urn:sevflow:problem:{slug}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": scope["path"],
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*PROBLEM_HEADERS, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
