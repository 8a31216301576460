"""A timer worker that dies in the middle of its transaction loses nothing: nothing it did is
committed, the rows it had claimed are free again, and the next worker fires every due moment
exactly once. On SQLite, a second worker is refused while the first holds the lock.

The dying worker is a real process running ``run_worker`` whose units of work stop just before
committing (after the claim, the firing and every insert) until the test SIGKILLs it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest

from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.domain.errors import WorkerLockError
from sevflow.domain.escalation import decide
from sevflow.entrypoints.worker import run_worker
from sevflow.services.ports import UnitOfWorkFactory
from sevflow.services.timers import TickResult, tick
from sevflow.testing import FakeClock, InMemoryStore
from tests.integration.engine_world import T0, World

NOW = T0 + timedelta(hours=13)

DYING_WORKER = """
import sys, threading, time
from dataclasses import replace
from datetime import datetime
from sevflow.adapters.db.uow import SqlUnitOfWork
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.entrypoints.worker import run_worker
from sevflow.testing import FakeClock

class StopsBeforeCommit(SqlUnitOfWork):
    def commit(self):
        # what this transaction wrote, as only it can see it: events per ticket
        ids = [int(i) for i in sys.argv[3].split(",")]
        print("committing", *(len(self.events.for_ticket(i)) for i in ids), flush=True)
        time.sleep(600)  # killed here, with the transaction open
        super().commit()

box = build_container(Settings(database_url=sys.argv[1]), clock=FakeClock(datetime.fromisoformat(sys.argv[2])))
run_worker(replace(box, uow_factory=lambda: StopsBeforeCommit(box.engine)), stop=threading.Event())
"""

TICKETS = [  # (title, customer tier, services, accept)
    ("Checkout down for EU cards", "enterprise", ("checkout",), True),  # Sev2, 24x7
    ("Data loss in the refunds ledger", "enterprise", (), False),  # Sev1, gate, 24x7
    ("Refund totals look wrong", "enterprise", (), False),  # Sev3, office hours
    ("Refund totals look wrong", "standard", (), True),  # Sev3, office hours
] * 3


def seed(uow_factory: UnitOfWorkFactory) -> list[int]:
    world = World.starting(uow_factory)
    return [
        world.open(title, customer_tier=tier, services=services, accept=accept)
        for title, tier, services, accept in TICKETS
    ]


def drain(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> int:
    """Tick at ``clock`` until nothing is due; the number of events recorded."""
    recorded = 0
    while (result := tick(uow_factory, clock=clock, limit=25)).claimed:
        assert result.failed == 0
        recorded += result.events
    return recorded


def trails(uow_factory: UnitOfWorkFactory, ids: list[int]) -> dict[int, list[tuple[str, str | None]]]:
    with uow_factory() as uow:
        return {i: [(s.event.kind.value, s.event.key) for s in uow.events.for_ticket(i)] for i in ids}


def reference_trails() -> dict[int, list[tuple[str, str | None]]]:
    """What one worker makes of the same tickets at ``NOW``, on the in-memory store."""
    factory = InMemoryStore().uow_factory()
    ids = seed(factory)
    drain(factory, FakeClock(NOW))
    return trails(factory, ids)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def factory(database_url: str) -> Iterator[SqlUnitOfWorkFactory]:
    engine = make_engine(database_url)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        engine.dispose()


@contextmanager
def worker_stuck_before_commit(url: str, ids: list[int]) -> Iterator[tuple[subprocess.Popen[str], list[int]]]:
    """A worker process that has claimed and fired everything due at ``NOW`` and waits just
    before committing; yields it and the number of events of each ticket in its transaction.
    Killed with SIGKILL when the block ends."""
    with subprocess.Popen(
        [sys.executable, "-c", DYING_WORKER, url, NOW.isoformat(), ",".join(map(str, ids))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as worker:
        try:
            assert worker.stdout is not None
            word, *counts = worker.stdout.readline().split() or [""]
            assert word == "committing", worker.stderr.read() if worker.stderr else word
            yield worker, [int(c) for c in counts]
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
    assert worker.returncode == -signal.SIGKILL


def test_a_worker_killed_before_it_commits_loses_nothing_and_the_next_fires_everything_once(
    factory: SqlUnitOfWorkFactory, database_url: str
) -> None:
    ids = seed(factory)
    before = trails(factory, ids)
    with factory() as uow:
        schedule = {i: uow.timers.for_ticket(i) for i in ids}
        plans = [decide(uow.tickets.get(i), NOW) for i in ids]
    # one timer row per ticket, due by NOW; behind them, per group of four, the due moments:
    # Sev2 10, Sev1 12, Sev3 enterprise 5, Sev3 standard 1
    assert [len([r for r in rows if r.due_at <= NOW]) for rows in schedule.values()] == [1] * len(ids)
    assert sum(len(plan.due_now) for plan in plans) == 84

    with worker_stuck_before_commit(database_url, ids) as (_, uncommitted):
        if factory.engine.dialect.name == "postgresql":
            # the dying worker holds its claimed rows: another worker skips them, it does not wait
            with factory() as uow:
                assert uow.timers.claim_due(NOW, 1000) == []
    # nothing of what it did survives it
    assert trails(factory, ids) == before
    with factory() as uow:
        assert {i: uow.timers.for_ticket(i) for i in ids} == schedule

    recorded = drain(factory, FakeClock(NOW))
    after = trails(factory, ids)
    assert uncommitted == [len(after[i]) for i in ids]  # it had done all of it, and lost it all
    assert after == reference_trails()
    assert recorded == sum(len(after[i]) - len(before[i]) for i in ids)
    for trail in after.values():
        keys = [key for _, key in trail if key is not None]
        assert len(keys) == len(set(keys))
    assert [kind for kind, key in after[ids[0]] if key is not None] == [
        "sla_warning",  # first response 75 %
        "sla_breached",  # first response
        "rule_fired",  # first response 100 %
        "sla_warning",  # update 75 %
        "sla_breached",  # update
        "rule_fired",  # Sev2 an hour at L1: escalated
        "rule_fired",  # update 100 %
        "sla_warning",  # resolution 75 %
        "sla_breached",  # resolution
        "rule_fired",  # resolution 100 %: escalated again
    ]
    with factory() as uow:
        assert uow.timers.claim_due(NOW, 1000) == []
    assert drain(factory, FakeClock(NOW)) == 0


def test_a_second_worker_on_sqlite_is_refused_while_the_first_holds_the_lock(sqlite_url: str) -> None:
    box = build_container(Settings(database_url=sqlite_url), clock=FakeClock(NOW), migrate_schema=False)
    try:
        ids = seed(box.uow_factory)
        with worker_stuck_before_commit(sqlite_url, ids) as (first, _):
            with pytest.raises(WorkerLockError) as refused:
                run_worker(box, stop=threading.Event())
            assert str(refused.value) == (
                f"another sevflow worker is already running against sevflow.db (pid {first.pid}); "
                "SQLite supports one worker — stop it or use PostgreSQL for several"
            )
        # the lock died with its holder: a worker starts, fires what the dead one never
        # committed, and stops when told
        stop = threading.Event()

        def stop_when_nothing_is_due(result: TickResult) -> None:
            with box.uow_factory() as uow:
                due = uow.timers.next_due_at()
            if due is None or due > NOW:
                stop.set()

        stats = run_worker(box, stop=stop, on_tick=stop_when_nothing_is_due, batch_size=25, max_sleep=0.01)
        assert stats.failed == 0
        assert trails(box.uow_factory, ids) == reference_trails()
    finally:
        box.close()
