"""The delivery benchmark's receiver: a minimal ASGI app under uvicorn (uvloop, httptools), in
its own process, that answers every POST with an empty 200 and records what arrived.

    .venv/bin/python bench/webhook_receiver.py --port 8123 [--secret S]

For each POST it notes the ``Idempotency-Key`` header and the instant (``time.time()``) the
whole body had arrived, and, with ``--secret``, checks the sevflow signature
(``X-Sevflow-Timestamp`` + ``X-Sevflow-Signature``: HMAC-SHA256 of ``f"{timestamp}." + body``;
the check is the HMAC only, no clock tolerance). Control routes (GET): ``/_stats`` (counts as
JSON), ``/_report`` (every key with its arrival instants), ``/_reset`` (forget everything).
It keeps no other state and writes no log line per request, so it costs well under the
sender's CPU per delivery (see ``bench_delivery.py``)."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_EMPTY_200: Message = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-length", b"0")],
}
_BODY_END: Message = {"type": "http.response.body", "body": b""}


class Recorder:
    """The ASGI app. ``arrivals`` maps each idempotency key to its arrival instants."""

    def __init__(self, secret: bytes | None) -> None:
        self.secret = secret
        self.arrivals: dict[str, list[float]] = {}
        self.requests = 0
        self.bad_signatures = 0
        self.bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: nothing to set up
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
            if message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        arrived = time.time()
        if scope["method"] == "GET":
            await self._control(scope["path"], send)
            return
        body = b"".join(chunks)
        key = stamp = signature = None
        for name, value in scope["headers"]:
            if name == b"idempotency-key":
                key = value.decode()
            elif name == b"x-sevflow-timestamp":
                stamp = value
            elif name == b"x-sevflow-signature":
                signature = value
        self.requests += 1
        self.bytes += len(body)
        if self.secret is not None and not _signed(self.secret, stamp, signature, body):
            self.bad_signatures += 1
        if key is not None:
            self.arrivals.setdefault(key, []).append(arrived)
        await send(_EMPTY_200)
        await send(_BODY_END)

    async def _control(self, path: str, send: Send) -> None:
        if path == "/_reset":
            self.arrivals, self.requests, self.bad_signatures, self.bytes = {}, 0, 0, 0
            answer: object = {"ok": True}
        elif path == "/_report":
            answer = self.arrivals
        else:
            answer = {
                "requests": self.requests,
                "keys": len(self.arrivals),
                "bad_signatures": self.bad_signatures,
                "bytes": self.bytes,
            }
        body = orjson.dumps(answer)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _signed(secret: bytes, stamp: bytes | None, signature: bytes | None, body: bytes) -> bool:
    if stamp is None or signature is None:
        return False
    expected = b"sha256=" + hmac.new(secret, stamp + b"." + body, hashlib.sha256).hexdigest().encode()
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.split(b","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", default=None, help="check sevflow signatures with this secret")
    args = parser.parse_args()
    import uvicorn

    uvicorn.run(
        Recorder(args.secret.encode() if args.secret else None),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
        backlog=4096,
        timeout_keep_alive=60,
    )


if __name__ == "__main__":
    main()
