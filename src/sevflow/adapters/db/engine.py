"""``make_engine(url)``: an engine configured for sevflow's two databases.

SQLite (the embedded default): WAL journal, ``synchronous=NORMAL``, foreign keys on, a busy
timeout, and SQLAlchemy's documented fix for the ``sqlite3`` driver, which otherwise does not
emit ``BEGIN`` before a ``SELECT`` (so reads were not in the transaction). Transactions start
with ``BEGIN IMMEDIATE``: a writer takes the write lock up front instead of upgrading a read
lock later, which is what makes two processes deadlock ("database is locked" at once, without
waiting). Read-only work can ask for a deferred ``BEGIN`` with :data:`READ_ONLY` (or
:func:`read_only`, which also makes PostgreSQL reads autocommit).

PostgreSQL: the psycopg 3 driver and a bounded connection pool.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry

from sevflow.adapters.db.types import json_text

SQLITE_BUSY_TIMEOUT_MS = 10_000

SQLITE_BEGIN = "sevflow_sqlite_begin"
"""Execution option naming how a SQLite transaction begins: ``IMMEDIATE`` (default) or ``DEFERRED``."""

READ_ONLY = {SQLITE_BEGIN: "DEFERRED"}
"""Execution options for read-only SQLite connections (they do not take the write lock)."""


def read_only(engine: Engine) -> Engine:
    """``engine`` for read-only units of work. SQLite: a deferred ``BEGIN`` (no write lock).
    PostgreSQL: autocommit — at READ COMMITTED every statement has its own snapshot with or
    without a transaction around it, so ``BEGIN`` and ``ROLLBACK`` would only cost two round
    trips per read."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine.execution_options(**READ_ONLY)


def libpq_conninfo(url: URL) -> str:
    """A PostgreSQL URL as psycopg connects with it directly (a dedicated ``LISTEN``
    connection, outside the engine's pool)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def normalize_url(url: str | URL) -> URL:
    """Parse ``url``; plain ``postgresql://`` / ``postgres://`` URLs get the psycopg 3 driver."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **overrides: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///path.db`` or ``postgresql+psycopg://...``).

    ``busy_timeout_ms``: how long a SQLite connection waits for another's write lock before
    failing with "database is locked". ``overrides`` are passed to ``sqlalchemy.create_engine``
    (e.g. ``echo=True``, pool sizes). The caller owns the engine and must ``dispose()`` it.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        # A pool as large as the API's thread pool: a connection opened past the pool's size
        # is closed after one use, and opening one (with its pragmas) costs more than a query.
        options: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": orjson.loads}
        if parsed.database not in (None, "", ":memory:"):
            options.update(pool_size=40, max_overflow=10)
        engine = create_engine(parsed, **{**options, **overrides})
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    if parsed.get_backend_name() == "postgresql":
        options = {
            "json_serializer": json_text,
            "pool_size": 10,
            "max_overflow": 20,
            "pool_timeout": 30,
            "pool_recycle": 1800,
            "pool_use_lifo": True,
            # psycopg caches the parsed form of statements up to a size: pages of 100 rows keep
            # bulk inserts under it (1,000 tickets: 300 ms at the default 1,000, 180 ms at 100)
            "insertmanyvalues_page_size": 100,
        }
        options.update(overrides)
        return create_engine(parsed, **options)
    raise ValueError(
        f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}; "
        "use sqlite:///path/to/sevflow.db or postgresql+psycopg://user@host/dbname"
    )


_BEGIN = {mode: f"BEGIN {mode}" for mode in ("IMMEDIATE", "DEFERRED", "EXCLUSIVE")}


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 driver; the "begin" hook below
        # emits BEGIN itself (the SQLAlchemy-documented fix for pysqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
        if mode not in _BEGIN:
            raise ValueError(f"{SQLITE_BEGIN} must be IMMEDIATE, DEFERRED or EXCLUSIVE, not {mode!r}")
        # straight to the driver: SQLAlchemy's statement machinery (events, result set-up)
        # costs more than the statement, and BEGIN returns nothing
        driver = conn.connection.driver_connection
        assert driver is not None, "a checked-out connection has its driver connection"
        try:
            driver.execute(_BEGIN[mode])
        except sqlite3.Error as error:  # as SQLAlchemy would raise it ("database is locked")
            raise DBAPIError.instance(_BEGIN[mode], None, error, sqlite3.Error) from error
