"""The dashboard in a real headless Chromium (Debian's ``chromium``, driven by Playwright with
``executable_path``: Playwright downloads nothing). The app runs in a real uvicorn server on a
loopback port, over a SQLite file, with the API tests' world (tests/api/world.py): its users,
customers, the starter policy and a fake clock the tests move.

Without the browser the tests are skipped — under ``CI=true`` they fail instead
(``.ci/ensure-chromium`` installs it there). Screenshots go to ``build/screenshots``."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from tests.api.world import ApiWorld, build_world

CHROMIUM = Path(os.environ.get("SEVFLOW_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
# as the machine notes say: without the background-networking flags Chromium tries the closed
# network at every start
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveSite:
    world: ApiWorld
    base: str

    def url(self, path: str) -> str:
        return self.base + path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def site(sqlite_url: str, tmp_path: Path) -> Iterator[LiveSite]:
    for world in build_world(sqlite_url, tmp_path):
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(world.client.app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        try:
            yield LiveSite(world, f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """A browser for one test module: Playwright's synchronous API keeps an event loop running
    in this thread while it lives, which ``asyncio.run`` in later tests must not find."""
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set SEVFLOW_CHROMIUM)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under build/screenshots for a reviewer to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
