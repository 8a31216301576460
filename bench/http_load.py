"""A small HTTP/1.1 load generator for the API benchmarks: keep-alive connections over loopback,
raw asyncio streams (no HTTP client library in the way), two modes:

- ``closed_loop``: ``connections`` clients each send the next request as soon as the previous
  answer arrives, for ``seconds``: the most the server does per second.
- ``open_loop``: requests are *scheduled* at a fixed ``rate`` (request i at t0 + i/rate) and
  handed to the next free connection; latency is measured from the scheduled instant, so a
  server that falls behind is charged for the queueing it causes (no coordinated omission).

Every response's status is counted; a run with any unexpected status is reported as such.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

RequestMaker = Callable[[int], bytes]
"""Request number -> the full request bytes (request line, headers, body)."""


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class LoadResult:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def closed_loop(port: int, make: RequestMaker, *, connections: int, seconds: float) -> LoadResult:
    result = LoadResult()
    counter = iter(range(10**12))
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await _connect(port)
        try:
            while time.perf_counter() < deadline:
                n = next(counter)
                start = time.perf_counter()
                writer.write(make(n))
                result.sent += 1
                status = await _read_response(reader)
                result.latencies.append(time.perf_counter() - start)
                result.statuses[status] += 1
        finally:
            writer.close()

    begin = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    result.seconds = time.perf_counter() - begin
    return result


async def open_loop(
    port: int, make: RequestMaker, *, rate: float, seconds: float, connections: int = 64
) -> LoadResult:
    """``rate`` requests per second for ``seconds``; latency from each request's scheduled time."""
    result = LoadResult()
    total = int(rate * seconds)
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    begin = time.perf_counter() + 0.05

    async def scheduler() -> None:
        for n in range(total):
            at = begin + n / rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((n, at))
        for _ in range(connections):
            queue.put_nowait(None)

    async def client() -> None:
        reader, writer = await _connect(port)
        try:
            while (item := await queue.get()) is not None:
                n, scheduled = item
                writer.write(make(n))
                result.sent += 1
                status = await _read_response(reader)
                result.latencies.append(time.perf_counter() - scheduled)
                result.statuses[status] += 1
        finally:
            writer.close()

    await asyncio.gather(scheduler(), *(client() for _ in range(connections)))
    result.seconds = time.perf_counter() - begin
    return result


def run(coro: object) -> LoadResult:
    try:
        import uvloop

        return uvloop.run(coro)  # type: ignore[arg-type,no-any-return]
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return asyncio.run(coro)  # type: ignore[arg-type,no-any-return]
