"""A real HTTP receiver on a loopback port, for delivery tests: it checks each POST's sevflow
signature, answers with the statuses it was told to (then 200), and keeps what it received."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from sevflow.adapters.intake.signatures import (
    SEVFLOW_SIGNATURE_HEADER,
    SEVFLOW_TIMESTAMP_HEADER,
    verify_sevflow,
)
from sevflow.domain.errors import Unauthenticated


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    signature_ok: bool
    answered: int


@dataclass
class Receiver:
    secret: bytes | None
    """``None``: the senders do not sign (chat webhooks); every POST is taken."""
    statuses: list[int] = field(default_factory=list)
    """Answers to give, in order; 200 once they run out."""
    received: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> int:
        ok = self.secret is None or self._signed(self.secret, headers, raw)
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else (200 if ok else 401)
            self.received.append(Received(path, headers, orjson.loads(raw), ok, status))
        return status

    @staticmethod
    def _signed(secret: bytes, headers: dict[str, str], raw: bytes) -> bool:
        try:
            verify_sevflow(
                secret,
                timestamp_header=headers.get(SEVFLOW_TIMESTAMP_HEADER.lower()),
                signature_header=headers.get(SEVFLOW_SIGNATURE_HEADER.lower()),
                body=raw,
                now=datetime.now(UTC),
            )
        except Unauthenticated:
            return False
        return True


@contextmanager
def receiving(
    secret: bytes | None, statuses: list[int] | None = None, *, delay: float = 0.0
) -> Iterator[Receiver]:
    """A receiver on a free loopback port; ``delay``: seconds each answer takes."""
    receiver = Receiver(secret, list(statuses or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if delay:
                time.sleep(delay)
            status = receiver.answer(self.path, headers, raw)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/sevflow?token=secret-in-query"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
