"""What only the SQL unit of work does: lazy connections, the shared policy cache, read-only
transactions on SQLite, infrastructure errors, and migrations racing each other."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.schema import current_revision, head_revision, migrate, upgrade_to_head
from sevflow.adapters.db.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from sevflow.domain.errors import InfrastructureError, NotFound
from sevflow.domain.policy import Policy
from sevflow.policy.loader import load_policy_text
from sevflow.policy.starter import starter_policy_text
from sevflow.services.ports import TicketFilter
from tests.contract.conftest import open_ticket

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def starter() -> tuple[Policy, str]:
    text = starter_policy_text()
    return load_policy_text(text, "starter"), text


def test_entering_a_unit_of_work_touches_no_connection_until_the_first_statement(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine)
    with uow:
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        uow.tickets.count_open()
        assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_units_of_work_on_one_engine_share_parsed_policies(
    engine: Engine, starter: tuple[Policy, str]
) -> None:
    policy, source = starter
    with SqlUnitOfWork(engine) as uow:
        uow.policies.add(policy, source, now=NOW, activate=True)
        uow.commit()
    with SqlUnitOfWork(engine) as first, SqlUnitOfWorkFactory(engine)() as second:
        assert first.policies.active() is second.policies.get(policy.version) is policy


def test_a_policy_stored_by_a_rolled_back_transaction_is_not_cached(
    engine: Engine, starter: tuple[Policy, str]
) -> None:
    policy, source = starter
    with SqlUnitOfWork(engine) as uow:
        uow.policies.add(policy, source, now=NOW, activate=True)
        assert uow.policies.get(policy.version) is policy
    with SqlUnitOfWork(engine) as uow, pytest.raises(NotFound, match=f"policy version '{policy.version}'"):
        uow.policies.get(policy.version)


def test_a_read_only_unit_of_work_reads_while_a_writer_holds_the_sqlite_write_lock(
    engine: Engine, starter: tuple[Policy, str]
) -> None:
    policy, source = starter
    with SqlUnitOfWork(engine) as uow:
        uow.policies.add(policy, source, now=NOW, activate=True)
        uow.tickets.add(open_ticket(policy))
        uow.commit()
    impatient = make_engine(engine.url, busy_timeout_ms=0)
    try:
        with SqlUnitOfWork(engine) as writer:
            writer.agents.adjust_load({"ana": 1})  # BEGIN IMMEDIATE: holds the write lock
            with SqlUnitOfWorkFactory(impatient, read_only=True)() as reader:
                assert [t.id for t in reader.tickets.list(TicketFilter())] == [1]
            with (
                pytest.raises(InfrastructureError, match="database is locked"),
                SqlUnitOfWork(impatient) as other,
            ):
                other.tickets.count_open()
    finally:
        impatient.dispose()


def test_a_unit_of_work_cannot_be_entered_twice_at_once(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine)
    with uow, pytest.raises(RuntimeError, match="already in use"), uow:
        pass


MIGRATE = "import sys; from sevflow.adapters.db.schema import upgrade_to_head; upgrade_to_head(sys.argv[1])"


@pytest.mark.slow
def test_processes_migrating_one_new_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    processes = [
        subprocess.Popen([sys.executable, "-c", MIGRATE, url], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    outcomes = []
    for process in processes:
        with process:
            _, err = process.communicate(timeout=120)
            outcomes.append((process.returncode, err.decode()))
    assert outcomes == [(0, "")] * 4
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_workers_migrating_one_new_postgres_database_at_once_all_succeed(blank_postgres_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(3, timeout=30)

    def run() -> None:
        try:
            barrier.wait()
            upgrade_to_head(blank_postgres_url)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    engine = make_engine(blank_postgres_url)
    try:
        assert current_revision(engine) == head_revision()
        migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        engine.dispose()
