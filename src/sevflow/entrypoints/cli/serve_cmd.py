"""``sevflow serve``: the HTTP API (with its OpenAPI document at /openapi.json and docs at /docs)
and, unless ``--no-worker``, the timer worker in the same process."""

from __future__ import annotations

import threading
from typing import Annotated

import typer
import uvicorn

from sevflow.bootstrap import Container
from sevflow.entrypoints.api.app import create_app
from sevflow.entrypoints.cli.runtime import cli_errors, container, out
from sevflow.entrypoints.delivery import start_delivery
from sevflow.entrypoints.worker import run_worker


@cli_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    no_worker: Annotated[
        bool,
        typer.Option("--no-worker", help="Do not run the timer worker here (run `sevflow worker` apart)."),
    ] = False,
    log_level: Annotated[
        str, typer.Option(help="uvicorn log level: critical, error, warning, info, debug.")
    ] = "info",
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="API processes (the timer worker still runs once, in this one)."),
    ] = 1,
) -> None:
    """Serve the API. The timer worker runs in a thread beside it by default (--no-worker: run
    `sevflow worker` apart). --workers N runs N API processes sharing the port, all on the
    settings of this one (SEVFLOW_* environment variables)."""
    with container() as box:
        run_server(box, host=host, port=port, worker=not no_worker, log_level=log_level, workers=workers)


def run_server(
    box: Container, *, host: str, port: int, worker: bool, log_level: str, workers: int = 1
) -> None:
    """Serve the API and the dashboard over ``box`` until interrupted, with the timer worker and
    the delivery loop in threads beside them if ``worker``."""
    stop = threading.Event()
    thread: threading.Thread | None = None
    if worker:
        start_delivery(box, stop=stop)
        thread = threading.Thread(
            target=run_worker, args=(box,), kwargs={"stop": stop}, name="sevflow-worker", daemon=True
        )
        thread.start()
    where = box.engine.url.render_as_string(hide_password=True)
    out.print(
        f"sevflow on http://{host}:{port} (the dashboard at /, the API's docs at /docs) over {where}"
        + (", timer worker and delivery running" if worker else "")
    )
    try:
        if workers == 1:
            uvicorn.run(create_app(box), host=host, port=port, log_level=log_level, access_log=False)
        else:
            uvicorn.run(
                "sevflow.entrypoints.api.asgi:app_from_environment",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level=log_level,
                access_log=False,
            )
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=10)
