"""The single-worker lock for SQLite.

SQLite has one writer at a time, so sevflow runs one timer worker per database file. The
worker holds an exclusive ``flock`` on ``<database>.worker.lock`` for as long as it runs; the
operating system releases it when the process exits, however it exits, so a crashed worker
never leaves a stale lock behind. PostgreSQL needs no such lock: workers share the timer
table through ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from sqlalchemy.engine import URL

from sevflow.adapters.db.engine import normalize_url
from sevflow.domain.errors import WorkerLockError


class WorkerLock:
    """An exclusive, process-lifetime lock on ``lock_path`` guarding ``database``."""

    def __init__(self, lock_path: Path, database: Path) -> None:
        self.lock_path = lock_path
        self.database = database
        self._file: IO[str] | None = None

    @classmethod
    def for_database(cls, database: str | os.PathLike[str]) -> WorkerLock:
        path = Path(database)
        return cls(path.with_name(path.name + ".worker.lock"), path)

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> None:
        """Take the lock or raise ``WorkerLockError`` naming the process that holds it."""
        if self._file is not None:
            return
        file = open(self.lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while held
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown"
            file.close()
            raise WorkerLockError(
                f"another sevflow worker is already running against {self.database.name} (pid {holder}); "
                "SQLite supports one worker — stop it or use PostgreSQL for several"
            ) from None
        except BaseException:
            file.close()
            raise
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()}\n")
        file.flush()
        self._file = file

    def release(self) -> None:
        file, self._file = self._file, None
        if file is None:
            return
        with contextlib.suppress(OSError):
            file.truncate(0)
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)
        file.close()

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def worker_lock(url: str | URL) -> AbstractContextManager[object]:
    """What a worker holds while it runs: the file lock for a SQLite database file, nothing
    for PostgreSQL (or an in-memory SQLite database, which no other process can open)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return WorkerLock.for_database(parsed.database)
    return contextlib.nullcontext()
