"""Closed-loop load with ``wrk`` (Debian's package: ``apt-get install wrk``), a C load generator
that costs the 2-core machine far less CPU than a Python one, so more of it is left to the
server under test. Requests rotate through a fixed list (each a method, path, headers and body).

``wrk`` counts every answer outside 2xx/3xx as "Non-2xx or 3xx"; ``closed_loop`` reports that
count so the caller can refuse a run in which the server answered with errors.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

Request = tuple[str, str, dict[str, str], bytes]
"""(method, path, headers, body)."""


@dataclass(frozen=True)
class WrkResult:
    rate: float
    requests: int
    errors: int
    """Answers outside 2xx/3xx, socket errors and timeouts."""


def available() -> bool:
    return shutil.which("wrk") is not None


def _script(requests: list[Request]) -> str:
    table = ",\n".join(
        "  wrk.format({}, {}, {}, {})".format(
            json.dumps(method),
            json.dumps(path),
            _lua_table(headers),
            json.dumps(body.decode()) if body else "nil",
        )
        for method, path, headers, body in requests
    )
    return (
        "local requests = nil\n"
        "local n = 0\n"
        f"init = function(args)\n  requests = {{\n{table}\n  }}\nend\n"
        "request = function()\n  n = n + 1\n  return requests[(n % #requests) + 1]\nend\n"
    )


def _lua_table(headers: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()) + "}"


def closed_loop(port: int, requests: list[Request], *, connections: int, seconds: float) -> WrkResult:
    """``connections`` keep-alive connections on one wrk thread, each sending its next request
    as soon as the previous answer arrives, for ``seconds`` (rounded to whole seconds). An
    answer slower than 30 s counts as an error."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_script(requests))
    try:
        done = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(script.name).unlink()
    out = done.stdout
    rate = float(_find(r"Requests/sec:\s+([\d.]+)", out))
    total = int(_find(r"(\d+) requests in", out))
    errors = int(_find(r"Non-2xx or 3xx responses: (\d+)", out, "0"))
    if (
        socket := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    ) is not None:
        errors += sum(int(g) for g in socket.groups())
    return WrkResult(rate=rate, requests=total, errors=errors)


def _find(pattern: str, text: str, default: str | None = None) -> str:
    match = re.search(pattern, text)
    if match is None:
        if default is not None:
            return default
        raise RuntimeError(f"wrk's output has no {pattern!r}:\n{text}")
    return match.group(1)
