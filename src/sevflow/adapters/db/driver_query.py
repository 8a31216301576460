"""``DriverQuery``: a Core select that runs straight through the database driver.

SQLAlchemy's execution path costs about 45 us of CPU per statement on SQLite (cache key,
execution context, result set-up, events) against about 3 us for ``sqlite3`` itself, and about
140 us against 70 us for psycopg on PostgreSQL; the API's hot requests are a few short
statements each (a token check, a ticket and its trail, what opening a ticket reads and
writes). A ``DriverQuery`` compiles its statement once per dialect, applies the bind and result
processors of its columns' types -- the conversions SQLAlchemy would apply -- and returns rows
with the same attribute names. ``driver_execute`` does the same for SQL the bulk writers build
themselves. Driver errors are raised as SQLAlchemy's (a lost connection invalidated first, as
SQLAlchemy does), so callers catch ``IntegrityError`` and ``OperationalError`` as before.

Only for statements without expanding parameters (``IN`` lists). Statements run in the
SQLAlchemy connection's transaction, which is begun first if it has not been (``BEGIN
IMMEDIATE`` or ``DEFERRED`` on SQLite, see ``engine.py``; psycopg's own on PostgreSQL). When
the statements are watched (``echo``, or a ``before_cursor_execute`` listener), both go through
SQLAlchemy instead, so they are seen.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

from sevflow.adapters.db.context import SqlContext

Processor = Callable[[Any], Any] | None
Params = Sequence[Any] | Mapping[str, Any]
"""Positional (SQLite's ``?``) or named (psycopg's ``%(name)s``) parameters."""


class DriverQuery:
    """``statement`` with named bind parameters; ``rows`` / ``first`` / ``scalar`` run it."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def rows(self, ctx: SqlContext, params: Mapping[str, Any] | None = None) -> Sequence[Any]:
        conn = ctx.connection
        if observed(conn):
            return list(conn.execute(self.statement, dict(params or {})))
        compiled = self._compiled.get(ctx.dialect) or self._compile(conn)
        return compiled.run(conn, params or {})

    def first(self, ctx: SqlContext, params: Mapping[str, Any] | None = None) -> Any | None:
        rows = self.rows(ctx, params)
        return rows[0] if rows else None

    def scalar(self, ctx: SqlContext, params: Mapping[str, Any] | None = None) -> Any | None:
        row = self.first(ctx, params)
        return None if row is None else row[0]

    def _compile(self, conn: Connection) -> _Compiled:
        compiled = self._compiled[conn.dialect.name] = _Compiled(self.statement, conn)
        return compiled


class _Compiled:
    __slots__ = ("binds", "make_row", "positional", "results", "sql")

    def __init__(self, statement: Select[Any], conn: Connection) -> None:
        dialect = conn.dialect
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        self.positional = compiled.positiontup is not None
        names = compiled.positiontup if compiled.positiontup is not None else list(compiled.binds)
        self.binds: list[tuple[str, Processor]] = [
            (name, compiled.binds[name].type._cached_bind_processor(dialect)) for name in names
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
        bound: Params = (
            values if self.positional else dict(zip([n for n, _ in self.binds], values, strict=True))
        )
        fetched = driver_execute(conn, self.sql, bound).fetchall()
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
    """What ``driver_execute`` returns: the driver's cursor, or SQLAlchemy's result."""

    @property
    def rowcount(self) -> int: ...

    def fetchall(self) -> Sequence[Any]: ...


def driver_execute(
    conn: Connection, sql: str, params: Params | Sequence[Params], *, many: bool = False
) -> Executed:
    """Run ``sql`` in the driver's own parameter style (SQLite ``?`` with a sequence; psycopg
    ``%(name)s`` with a mapping) on the driver connection under ``conn``, in ``conn``'s
    transaction (begun first if it has not been). ``many``: one set of parameters per row, with
    ``executemany``. Driver errors are raised as SQLAlchemy's."""
    if observed(conn):
        return conn.exec_driver_sql(sql, list(params) if many else params)
    if not conn.in_transaction():
        conn.begin()
    driver = conn.connection.driver_connection
    assert driver is not None, "a checked-out connection has its driver connection"
    dialect = conn.dialect
    error_type = dialect.loaded_dbapi.Error
    cursor = None
    try:
        if dialect.name == "sqlite":
            return driver.executemany(sql, params) if many else driver.execute(sql, params)  # type: ignore[no-any-return]
        cursor = driver.cursor()
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params, prepare=True)
        return cursor  # type: ignore[no-any-return]
    except error_type as error:
        lost = dialect.is_disconnect(error, driver, cursor)
        if lost:
            conn.invalidate(error)
        raise DBAPIError.instance(
            sql, params, error, error_type, connection_invalidated=lost, dialect=dialect
        ) from error


def observed(conn: Connection) -> bool:
    """Whether someone watches the statements (``echo``, or a listener for them, as in the
    tests that count statements): then they go through SQLAlchemy, which shows them."""
    return bool(conn.dispatch.before_cursor_execute) or bool(conn.engine.echo)
