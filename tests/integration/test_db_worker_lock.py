"""One worker per SQLite database: a second process is refused, and a dead holder frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sevflow.adapters.db.locks import WorkerLock, worker_lock
from sevflow.domain.errors import WorkerLockError

TRY_LOCK = """
import sys
from sevflow.adapters.db.locks import worker_lock
from sevflow.domain.errors import WorkerLockError
try:
    with worker_lock(sys.argv[1]):
        print("locked", flush=True)
        if len(sys.argv) > 2:
            sys.stdin.readline()  # hold the lock until told (or killed)
except WorkerLockError as error:
    print(error, file=sys.stderr)
    sys.exit(3)
"""


def try_lock(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, url], capture_output=True, text=True, timeout=60)


def test_a_second_process_cannot_take_the_sqlite_worker_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sevflow.db'}"
    with worker_lock(url):
        refused = try_lock(url)
    assert refused.returncode == 3
    assert refused.stderr.strip() == (
        f"another sevflow worker is already running against sevflow.db (pid {os.getpid()}); "
        "SQLite supports one worker — stop it or use PostgreSQL for several"
    )
    allowed = try_lock(url)
    assert (allowed.returncode, allowed.stdout) == (0, "locked\n")


def test_the_lock_is_released_when_the_holding_process_dies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sevflow.db'}"
    with subprocess.Popen(
        [sys.executable, "-c", TRY_LOCK, url, "hold"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(WorkerLockError, match=rf"against sevflow.db \(pid {holder.pid}\)"):
            worker_lock(url).__enter__()
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    with worker_lock(url) as lock:
        assert isinstance(lock, WorkerLock)
        assert lock.held


def test_the_lock_file_sits_next_to_the_database_and_is_reentrant_within_its_holder(tmp_path: Path) -> None:
    lock = WorkerLock.for_database(tmp_path / "sevflow.db")
    assert lock.lock_path == tmp_path / "sevflow.db.worker.lock"
    with lock:
        lock.acquire()  # already held: no-op
        assert lock.lock_path.read_text() == f"{os.getpid()}\n"
        with pytest.raises(WorkerLockError):
            WorkerLock.for_database(tmp_path / "sevflow.db").acquire()
    assert not lock.held


def test_postgresql_and_in_memory_databases_need_no_worker_lock() -> None:
    with (
        worker_lock("postgresql+psycopg://postgres@127.0.0.1/x") as first,
        worker_lock("sqlite://") as second,
    ):
        assert (first, second) == (None, None)
