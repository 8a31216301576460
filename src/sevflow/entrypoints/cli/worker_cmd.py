"""``sevflow worker``: run the timer engine until interrupted."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from sevflow.entrypoints.cli import render
from sevflow.entrypoints.cli.runtime import cli_errors, container, out
from sevflow.entrypoints.delivery import start_delivery
from sevflow.entrypoints.process import settle_heap
from sevflow.entrypoints.worker import run_worker
from sevflow.services.timers import TickResult


@cli_errors
def worker(
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="Timers claimed per transaction.")] = 200,
    max_sleep: Annotated[
        float, typer.Option(min=0.01, max=60, help="Longest nap between looks at the timer table (seconds).")
    ] = 1.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="Do not print each fired event.")] = False,
    deliver: Annotated[
        bool,
        typer.Option("--deliver/--no-deliver", help="Also deliver notifications (see `sevflow dispatcher`)."),
    ] = True,
) -> None:
    """Run the timer engine: fire warnings, breaches and escalations at their due instant.

    It sleeps until the next due timer instead of polling every ticket. On SQLite one worker
    runs at a time; on PostgreSQL run as many as you like.
    """
    stop, wake = threading.Event(), threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()
        wake.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    def on_tick(result: TickResult) -> None:
        if not quiet:
            for ticket_id, event in result.fired:
                out.print(render.fired_line(ticket_id, event))

    with container() as box:
        where = box.engine.url.render_as_string(hide_password=True)
        settle_heap()
        sender = start_delivery(box, stop=stop) if deliver else None
        stats = run_worker(
            box,
            stop=stop,
            wake=wake,
            on_tick=on_tick,
            batch_size=batch,
            max_sleep=max_sleep,
            on_start=lambda: out.print(
                f"sevflow worker on {where}"
                + (", delivering notifications" if deliver else "")
                + " — Ctrl-C to stop"
            ),
        )
        if sender is not None:
            sender.join(timeout=30)
    out.print(f"stopped: {stats.fired} timers fired, {stats.events} events recorded, {stats.failed} failures")
