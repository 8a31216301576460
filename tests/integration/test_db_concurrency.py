"""PostgreSQL under concurrency: row locks, not luck, keep workers apart."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.domain.errors import Conflict
from sevflow.domain.events import SYSTEM, Event, EventKind
from sevflow.domain.policy import Policy
from sevflow.domain.status import Status
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services.ports import TimerRow
from tests.contract.conftest import open_ticket

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def factory(postgres_url: str) -> Iterator[SqlUnitOfWorkFactory]:
    engine = make_engine(postgres_url)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def policy(factory: SqlUnitOfWorkFactory) -> Policy:
    text = starter_policy_text()
    policy = load_policy_text(text, "starter")
    with factory() as uow:
        uow.policies.add(policy, text, now=NOW, activate=True)
        uow.commit()
    return policy


def run_together(workers: list[Callable[[threading.Barrier], object]]) -> list[object]:
    """Run each worker in its own thread; they share a barrier. Returns results (or exceptions)."""
    barrier = threading.Barrier(len(workers), timeout=30)
    results: list[object] = [None] * len(workers)

    def run(index: int) -> None:
        try:
            results[index] = workers[index](barrier)
        except Exception as error:
            results[index] = error
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_workers_claiming_due_timers_at_once_never_get_the_same_row(
    factory: SqlUnitOfWorkFactory, policy: Policy
) -> None:
    with factory() as uow:
        ids = uow.tickets.add_many([open_ticket(policy) for _ in range(20)])
        uow.timers.replace_many(
            {
                tid: [TimerRow(tid, f"t{k}", NOW - timedelta(seconds=k * 7 + tid)) for k in range(5)]
                for tid in ids
            }
        )
        uow.commit()

    def claim(barrier: threading.Barrier) -> list[TimerRow]:
        with factory() as uow:
            barrier.wait()
            rows = uow.timers.claim_due(NOW, 20)
            barrier.wait()  # every worker holds its rows' locks until all have claimed
            uow.commit()
            return rows

    claimed = run_together([claim] * 4)
    assert [len(rows) for rows in claimed] == [20, 20, 20, 20]  # type: ignore[arg-type]
    keys = [(row.ticket_id, row.key) for rows in claimed for row in rows]  # type: ignore[attr-defined]
    assert len(set(keys)) == 80


def test_two_workers_firing_the_same_timer_record_it_exactly_once(
    factory: SqlUnitOfWorkFactory, policy: Policy
) -> None:
    with factory() as uow:
        uow.tickets.add(open_ticket(policy))
        uow.commit()

    def fire(barrier: threading.Barrier) -> str:
        with factory() as uow:
            ticket = uow.tickets.get(1)
            barrier.wait()
            uow.events.append(
                ticket, [Event(EventKind.SLA_BREACHED, NOW, SYSTEM, {}, key="breach:resolution:0")]
            )
            uow.commit()
            return "fired"

    results = run_together([fire, fire])
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "str"]
    with factory() as uow:
        assert [e.event.key for e in uow.events.for_ticket(1)] == ["breach:resolution:0"]


def test_two_transactions_saving_the_same_ticket_version_at_once_cannot_both_win(
    factory: SqlUnitOfWorkFactory, policy: Policy
) -> None:
    with factory() as uow:
        uow.tickets.add(open_ticket(policy))
        uow.commit()

    def save(target: Status) -> Callable[[threading.Barrier], Status]:
        def run(barrier: threading.Barrier) -> Status:
            with factory() as uow:
                ticket = uow.tickets.get(1)
                barrier.wait()
                ticket.change_status(target, now=NOW, actor="ana")
                uow.tickets.save(ticket)
                uow.commit()
                return target

        return run

    results = run_together([save(Status.TRIAGED), save(Status.IN_PROGRESS)])
    winners = [r for r in results if isinstance(r, Status)]
    assert len(winners) == 1
    assert [type(r) for r in results if not isinstance(r, Status)] == [Conflict]
    with factory() as uow:
        stored = uow.tickets.get(1)
    assert (stored.version, stored.status) == (2, winners[0])
