"""The delivery loop: send what the outbox holds, through the active policy's channels, until
stopped. Runs in its own thread with its own asyncio loop (beside the timer worker, or alone as
``sevflow dispatcher``); many can run at once on PostgreSQL (claims skip each other's rows).

When the active policy changes, the channels are rebuilt from the new version (looked up every
``recheck`` seconds) -- a new webhook URL or route takes effect without a restart."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from sevflow.bootstrap import Container
from sevflow.services.dispatch import DispatchReport


def run_delivery(
    container: Container,
    *,
    stop: threading.Event,
    on_start: Callable[[], None] | None = None,
    on_batch: Callable[[DispatchReport], None] | None = None,
    nap: float = 0.05,
    recheck: float = 5.0,
    limit: int = 500,
) -> DispatchReport:
    """Deliver until ``stop`` is set; returns the totals. ``nap``: seconds between looks at an
    empty outbox (a notification waits at most about this long before it leaves)."""
    totals = [0, 0, 0, 0]

    async def main() -> None:
        delivery = container.dispatcher()
        if on_start is not None:
            on_start()
        checked = time.monotonic()
        try:
            while not stop.is_set():
                report = await delivery.dispatcher.run_once(limit)
                if report.claimed:
                    for i, n in enumerate((report.claimed, report.delivered, report.retrying, report.dead)):
                        totals[i] += n
                    if on_batch is not None:
                        on_batch(report)
                else:
                    await asyncio.sleep(nap)
                if time.monotonic() - checked >= recheck:
                    checked = time.monotonic()
                    with container.read_uow_factory() as uow:
                        version = uow.policies.active_version()
                    if version != delivery.policy_version:
                        await delivery.close()
                        delivery = container.dispatcher()
        finally:
            await delivery.close()

    asyncio.run(main())
    return DispatchReport(*totals)


def start_delivery(container: Container, *, stop: threading.Event) -> threading.Thread:
    """``run_delivery`` in a daemon thread, once a dispatcher could be built for the active
    policy (a channel missing its secret is refused here, before anything runs)."""
    asyncio.run(container.dispatcher().close())
    thread = threading.Thread(
        target=run_delivery, args=(container,), kwargs={"stop": stop}, name="sevflow-delivery", daemon=True
    )
    thread.start()
    return thread
