"""A timer worker with nothing due looks up the next due moment read-only: on SQLite it never
takes the write lock while idle, so API processes opening tickets never queue behind it."""

from __future__ import annotations

import threading
from dataclasses import replace

from sqlalchemy import Connection, event

from sevflow.adapters.db.engine import SQLITE_BEGIN
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.entrypoints.worker import run_worker
from tests.integration.engine_world import World
from tests.integration.test_credential_feed import eventually


def test_an_idle_worker_only_reads_and_a_due_timer_is_fired_in_a_write_transaction(sqlite_url: str) -> None:
    box = build_container(Settings(database_url=sqlite_url))
    try:
        world = World.starting(box.uow_factory)
        world.open("Refund totals look wrong", customer_tier="standard")
        box = replace(box, clock=world.clock)
        begins: list[str] = []

        @event.listens_for(box.engine, "begin")
        def record(conn: Connection) -> None:
            begins.append(conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE"))

        fired: list[int] = []
        stop = threading.Event()
        worker = threading.Thread(
            target=run_worker,
            args=(box,),
            kwargs={"stop": stop, "max_sleep": 0.01, "on_tick": lambda r: fired.append(r.events)},
        )
        worker.start()
        try:
            eventually(lambda: len(begins) >= 10, "the worker naps and looks again, ten times")
            assert set(begins) == {"DEFERRED"}
            assert fired == []
            world.clock.advance(days=30)  # everything of this ticket is long due
            eventually(lambda: bool(fired), "the worker fires the due timers")
            assert "IMMEDIATE" in begins
        finally:
            stop.set()
            worker.join()
    finally:
        box.close()
