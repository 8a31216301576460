"""``sevflow dispatcher``: deliver queued notifications until interrupted."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from sevflow.entrypoints.cli.runtime import cli_errors, container, out
from sevflow.entrypoints.delivery import run_delivery
from sevflow.entrypoints.process import settle_heap
from sevflow.services.dispatch import DispatchReport


@cli_errors
def dispatcher(
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Messages claimed per batch.")] = 500,
    quiet: Annotated[bool, typer.Option("--quiet", help="Do not print each batch.")] = False,
) -> None:
    """Deliver queued notifications through the policy's channels (e-mail, chat, pager, webhooks).

    At least once: retried with backoff and jitter, dead after the last attempt, every attempt in
    the delivery log. `sevflow worker` delivers too (unless --no-deliver); run this to deliver
    from separate processes (on PostgreSQL, as many as you like).
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def on_batch(report: DispatchReport) -> None:
        if not quiet:
            out.print(
                f"{report.claimed} claimed: {report.delivered} delivered, "
                f"{report.retrying} to retry, {report.dead} dead"
            )

    with container() as box:
        where = box.engine.url.render_as_string(hide_password=True)

        def on_start() -> None:
            settle_heap()  # the channels, templates and policy are built: keep them out of GC scans
            out.print(f"sevflow dispatcher on {where} — Ctrl-C to stop")

        totals = run_delivery(box, stop=stop, on_batch=on_batch, limit=batch, on_start=on_start)
    out.print(f"stopped: {totals.delivered} delivered, {totals.retrying} to retry, {totals.dead} dead")
