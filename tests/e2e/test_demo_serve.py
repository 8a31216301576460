"""``sevflow demo --serve``: the demo's database served as a living board, as a newcomer starts
it — a real process, a real port, signed in as demo (password sevflow-demo)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SEVFLOW = Path(sys.executable).parent / "sevflow"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_demo_serve_leaves_the_dashboard_running_over_the_demo_tickets(tmp_path: Path) -> None:
    port = _free_port()
    command = [
        str(SEVFLOW),
        "demo",
        "--tickets",
        "30",
        "--days",
        "1",
        "--quiet",
        "--db",
        str(tmp_path / "demo.db"),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVFLOW_")}
    process = subprocess.Popen(
        [*command, "--serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the demo server did not come up"
                time.sleep(0.2)
        with httpx.Client(base_url=base) as browser:
            signed = browser.post("/login", data={"name": "demo", "password": "sevflow-demo", "next": "/"})
            assert signed.status_code == 303
            board = browser.get("/")
            assert board.status_code == 200
            found = re.search(r"<strong>(\d+)</strong> open tickets?", board.text)
            assert found is not None
            assert int(found.group(1)) > 0  # some of the 30 are still open when the day ends
            # the clock carries on from the demo's end (Tuesday 2026-03-24 06:00 UTC), not today
            assert 'as of <time datetime="2026-03-24T06:0' in board.text
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()
