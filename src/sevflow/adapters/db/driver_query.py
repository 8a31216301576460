"""``DriverQuery``: a Core select that, on SQLite, runs straight through the ``sqlite3`` driver.

SQLAlchemy's execution path costs about 45 us of CPU per statement here (cache key, execution
context, result set-up, events) against about 3 us for the driver itself, and the API's hot
requests are a few short statements each (a token check, a ticket and its trail, what opening a
ticket reads). A ``DriverQuery`` compiles its statement once for SQLite, applies the bind and
result processors of its columns' types — the conversions SQLAlchemy would apply — and returns
rows with the same attribute names. Driver errors are raised as SQLAlchemy's, so callers catch
``IntegrityError`` and ``OperationalError`` as before. On PostgreSQL it is a plain
``connection.execute``.

Only for statements without expanding parameters (``IN`` lists); SQLAlchemy still begins the
transaction (``BEGIN IMMEDIATE`` or ``DEFERRED``, see ``engine.py``). ``sqlite_execute`` does the
same for SQL the bulk writers build themselves. When the statements are watched (``echo``, or a
``before_cursor_execute`` listener), both go through SQLAlchemy instead, so they are seen.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

from sevflow.adapters.db.context import SqlContext

Processor = Callable[[Any], Any] | None


class DriverQuery:
    """``statement`` with named bind parameters; ``rows`` / ``first`` / ``scalar`` run it."""

    __slots__ = ("_sqlite", "statement")

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._sqlite: _Compiled | None = None

    def rows(self, ctx: SqlContext, params: Mapping[str, Any] | None = None) -> Sequence[Any]:
        conn = ctx.connection
        if ctx.dialect != "sqlite" or observed(conn):
            return list(conn.execute(self.statement, dict(params or {})))
        compiled = self._sqlite or self._compile(conn)
        return compiled.run(conn, params or {})

    def first(self, ctx: SqlContext, params: Mapping[str, Any] | None = None) -> Any | None:
        rows = self.rows(ctx, params)
        return rows[0] if rows else None

    def scalar(self, ctx: SqlContext, params: Mapping[str, Any] | None = None) -> Any | None:
        row = self.first(ctx, params)
        return None if row is None else row[0]

    def _compile(self, conn: Connection) -> _Compiled:
        self._sqlite = _Compiled(self.statement, conn)
        return self._sqlite


class _Compiled:
    __slots__ = ("binds", "make_row", "results", "sql")

    def __init__(self, statement: Select[Any], conn: Connection) -> None:
        dialect = conn.dialect
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if compiled.positiontup is None:
            raise ValueError("DriverQuery needs a dialect with positional parameters (SQLite's)")
        self.sql = compiled.string
        self.binds: list[tuple[str, Processor]] = [
            (name, compiled.binds[name].type._cached_bind_processor(dialect)) for name in compiled.positiontup
        ]
        entries = compiled._result_columns  # (keyname, name, objects, type) per result column
        self.results: list[tuple[int, Processor]] = []
        for i, entry in enumerate(entries):
            process = entry.type._cached_result_processor(dialect, None)
            if process is not None:
                self.results.append((i, process))
        row_type = namedtuple("Row", [e.keyname for e in entries], rename=True)  # type: ignore[misc]
        self.make_row: Callable[[Sequence[Any]], Any] = row_type._make

    def run(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        values = [params[name] if process is None else process(params[name]) for name, process in self.binds]
        fetched = sqlite_execute(conn, self.sql, values).fetchall()
        rows = []
        for raw in fetched:
            if self.results:
                items = list(raw)
                for i, process in self.results:
                    items[i] = process(items[i])  # type: ignore[misc]
                raw = items
            rows.append(self.make_row(raw))
        return rows


class Executed(Protocol):
    """What ``sqlite_execute`` returns: the driver's cursor, or SQLAlchemy's result."""

    @property
    def rowcount(self) -> int: ...

    def fetchall(self) -> Sequence[Any]: ...


def sqlite_execute(conn: Connection, sql: str, params: Sequence[Any], *, many: bool = False) -> Executed:
    """Run SQLite ``sql`` (``?`` placeholders; ``many``: one parameter tuple per row, with
    ``executemany``) on the driver connection under ``conn``, in ``conn``'s transaction
    (begun first if it has not been). Driver errors are raised as SQLAlchemy's."""
    if observed(conn):
        return conn.exec_driver_sql(sql, list(params) if many else tuple(params))
    if not conn.in_transaction():
        conn.begin()
    driver = conn.connection.driver_connection
    assert driver is not None, "a checked-out connection has its driver connection"
    try:
        cursor: sqlite3.Cursor = driver.executemany(sql, params) if many else driver.execute(sql, params)
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, params, error, sqlite3.Error) from error
    return cursor


def observed(conn: Connection) -> bool:
    """Whether someone watches the statements (``echo``, or a listener for them, as in the
    tests that count statements): then they go through SQLAlchemy, which shows them."""
    return bool(conn.dispatch.before_cursor_execute) or bool(conn.engine.echo)
