"""Bulk writes whose client cost stays small per row.

Every use case ends with a handful of bulk writes (events, outbox rows, timers, ticket
updates), and a burst of timers makes thousands of rows per second. On SQLite the rows go to
``executemany`` as plain tuples (the ``sqlite3`` module loops in C). On PostgreSQL they go in
**one statement with one parameter, whatever their number**: the rows as one JSON document,
turned back into typed rows by ``json_to_recordset`` -- psycopg's ``executemany`` pipelines a
Bind/Execute per row and works through each in Python (25-30 us of client CPU a row), multi-row
``VALUES`` pages are re-parsed by psycopg on every call (too many parameters for its statement
cache), and arrays of text are escaped element by element; ``json.dumps`` and the server's JSON
parser are both C (orjson). Instants travel as ISO text with their offset, JSON values nested as they are.

Values are converted here the way the column types would (``UTCDateTime``, ``JSON``), because
these statements bypass SQLAlchemy's per-row type processing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Integer, Table

from sevflow.adapters.db.driver_query import driver_execute
from sevflow.adapters.db.types import UTCDateTime, json_text, sqlite_text, to_utc

Row = Sequence[Any]

_PG_TYPE = {"int": "INTEGER", "text": "TEXT", "bool": "BOOLEAN", "instant": "TIMESTAMPTZ", "json": "JSON"}


def _kind(table: Table, column: str) -> str:
    type_ = table.c[column].type
    if isinstance(type_, UTCDateTime):
        return "instant"
    if isinstance(type_, JSON):
        return "json"
    if isinstance(type_, Boolean):
        return "bool"
    if isinstance(type_, Integer):
        return "int"
    return "text"


def _dumps(value: Any) -> str | None:
    return None if value is None else json_text(value)


def _iso(value: Any) -> str | None:
    return None if value is None else to_utc(value).isoformat()


class Columns:
    """Some columns of ``table``, in order: converts row tuples for either database."""

    def __init__(self, table: Table, names: Sequence[str]) -> None:
        self.table = table
        self.names = tuple(names)
        self.kinds = tuple(_kind(table, name) for name in self.names)

    def sqlite_rows(self, rows: Sequence[Row]) -> Sequence[Row]:
        convert = [
            (i, sqlite_text if kind == "instant" else _dumps)
            for i, kind in enumerate(self.kinds)
            if kind in ("instant", "json")
        ]
        if not convert:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for i, f in convert:
                values[i] = f(values[i])
            converted.append(tuple(values))
        return converted

    def pg_document(self, rows: Sequence[Row], *, ordinal: str | None = None) -> dict[str, str]:
        """The ``%(rows)s`` parameter of ``pg_source``: the rows as one JSON array of objects
        (with their position under ``ordinal``, if given)."""
        keys = [f"c{i}" for i in range(len(self.names))]
        instants = [i for i, kind in enumerate(self.kinds) if kind == "instant"]
        objects = []
        for n, row in enumerate(rows):
            values = list(row)
            for i in instants:
                values[i] = _iso(values[i])
            item = dict(zip(keys, values, strict=True))
            if ordinal is not None:
                item[ordinal] = n
            objects.append(item)
        return {"rows": json_text(objects)}

    def pg_source(self, alias: str = "v", *, ordinal: str | None = None) -> tuple[str, dict[str, str]]:
        """``json_to_recordset(:rows) AS v(c0 type, ...)`` and, per column, its value in SQL."""
        definitions = [f"c{i} {_PG_TYPE[kind]}" for i, kind in enumerate(self.kinds)]
        if ordinal is not None:
            definitions.append(f"{ordinal} INTEGER")
        values = {name: f"{alias}.c{i}" for i, name in enumerate(self.names)}
        return f"json_to_recordset(CAST(%(rows)s AS JSON)) AS {alias}({', '.join(definitions)})", values


class BulkInsert:
    """``INSERT INTO table (columns)`` for many rows in one call."""

    def __init__(self, table: Table, names: Sequence[str]) -> None:
        self.columns = Columns(table, names)
        self._sql: dict[str, str] = {}
        self._pg: str | None = None
        self._pg_returning: str | None = None

    def returning_ids(self, conn: Connection, rows: Sequence[Row]) -> list[int]:
        """Insert and return the generated ``id`` of each row, in row order. The rows are
        inserted in their order, so the key counter hands out increasing ids in that order and
        sorting the returned ids restores it -- the same correlation SQLAlchemy's own bulk
        insert relies on for integer keys. PostgreSQL: one JSON parameter; SQLite: multi-row
        ``VALUES ... RETURNING`` of up to 30,000 parameters (its limit is 32,766)."""
        if conn.dialect.name == "postgresql":
            return self.pg_returning_ids(conn, rows)
        cols = self.columns
        q = conn.dialect.identifier_preparer.quote
        head = f"INSERT INTO {cols.table.name} ({', '.join(q(n) for n in cols.names)}) VALUES "
        one = f"({', '.join('?' for _ in cols.names)})"
        ids: list[int] = []
        converted = cols.sqlite_rows(rows)
        # SQLite allows 32,766 parameters per statement
        per = max(1, 30_000 // len(cols.names))
        for start in range(0, len(converted), per):
            chunk = converted[start : start + per]
            sql = head + ", ".join(one for _ in chunk) + " RETURNING id"
            params = tuple(v for row in chunk for v in row)
            ids += sorted(id_ for (id_,) in driver_execute(conn, sql, params).fetchall())
        if len(ids) != len(rows):
            raise RuntimeError(
                f"inserted {len(rows)} rows into {cols.table.name} but got {len(ids)} ids back"
            )
        return ids

    def pg_returning_ids(self, conn: Connection, rows: Sequence[Row]) -> list[int]:
        """PostgreSQL only: insert and return the generated ``id`` of each row, in row order.
        The rows are inserted in their order (``ORDER BY`` an ordinal) so the sequence hands
        out increasing ids in that order, and sorting the returned ids restores it -- the
        same correlation SQLAlchemy's own bulk insert relies on for serial keys."""
        cols = self.columns
        q = conn.dialect.identifier_preparer.quote
        if self._pg_returning is None:
            source, values = cols.pg_source(ordinal="n")
            self._pg_returning = (
                f"INSERT INTO {cols.table.name} ({', '.join(q(n) for n in cols.names)}) "
                f"SELECT {', '.join(values[n] for n in cols.names)} FROM {source} ORDER BY v.n "
                f"RETURNING {cols.table.name}.id"
            )
        returned = driver_execute(conn, self._pg_returning, cols.pg_document(rows, ordinal="n")).fetchall()
        ids = sorted(id_ for (id_,) in returned)
        if len(ids) != len(rows):
            raise RuntimeError(
                f"inserted {len(rows)} rows into {cols.table.name} but got {len(ids)} ids back"
            )
        return ids

    def pg_sql(self, conn: Connection) -> str:
        """PostgreSQL only: the statement, taking the rows as ``pg_document``'s ``%(rows)s``."""
        if self._pg is None:
            cols = self.columns
            q = conn.dialect.identifier_preparer.quote
            source, values = cols.pg_source()
            self._pg = (
                f"INSERT INTO {cols.table.name} ({', '.join(q(n) for n in cols.names)}) "
                f"SELECT {', '.join(values[n] for n in cols.names)} FROM {source}"
            )
        return self._pg

    def __call__(self, conn: Connection, rows: Sequence[Row]) -> None:
        if not rows:
            return
        cols = self.columns
        q = conn.dialect.identifier_preparer.quote
        if conn.dialect.name == "postgresql":
            driver_execute(conn, self.pg_sql(conn), cols.pg_document(rows))
            return
        sql = self._sql.get(conn.dialect.name)
        if sql is None:
            sql = self._sql[conn.dialect.name] = (
                f"INSERT INTO {cols.table.name} ({', '.join(q(n) for n in cols.names)}) "
                f"VALUES ({', '.join('?' for _ in cols.names)})"
            )
        driver_execute(conn, sql, cols.sqlite_rows(rows), many=True)


class BulkUpdate:
    """``UPDATE table SET values... WHERE keys = ...`` for many rows in one call; rows are
    ``(*keys, *values)``. With ``version`` (a column name) the rows carry the version they
    expect after the keys, an update only matches at that version and increments it
    (optimistic locking). Returns the number of rows updated."""

    def __init__(
        self, table: Table, keys: Sequence[str], values: Sequence[str], *, version: str | None = None
    ) -> None:
        self.keys, self.values, self.version = tuple(keys), tuple(values), version
        self.columns = Columns(table, [*keys, *([version] if version else []), *values])
        self._sqlite: str | None = None
        self._pg: str | None = None

    def __call__(self, conn: Connection, rows: Sequence[Row]) -> int:
        if not rows:
            return 0
        cols, table = self.columns, self.columns.table.name
        q = conn.dialect.identifier_preparer.quote
        if conn.dialect.name == "postgresql":
            if self._pg is None:
                source, value = cols.pg_source()
                sets = [f"{q(n)} = {value[n]}" for n in self.values]
                where = [f"{table}.{q(n)} = {value[n]}" for n in self.keys]
                if self.version:
                    sets.append(f"{q(self.version)} = {table}.{q(self.version)} + 1")
                    where.append(f"{table}.{q(self.version)} = {value[self.version]}")
                self._pg = f"UPDATE {table} SET {', '.join(sets)} FROM {source} WHERE {' AND '.join(where)}"
            return driver_execute(conn, self._pg, cols.pg_document(rows)).rowcount
        if self._sqlite is None:
            sets = [f"{q(n)} = ?" for n in self.values]
            where = [f"{q(n)} = ?" for n in self.keys]
            if self.version:
                sets.append(f"{q(self.version)} = {q(self.version)} + 1")
                where.append(f"{q(self.version)} = ?")
            self._sqlite = f"UPDATE {table} SET {', '.join(sets)} WHERE {' AND '.join(where)}"
        keyed = len(self.keys) + (1 if self.version else 0)
        # the statement takes the values first, then the keys
        ordered = [(*row[keyed:], *row[:keyed]) for row in cols.sqlite_rows(rows)]
        return driver_execute(conn, self._sqlite, ordered, many=True).rowcount


class BulkDelete:
    """``DELETE FROM table WHERE keys = ...`` for many rows (``keys`` tuples) in one call."""

    def __init__(self, table: Table, keys: Sequence[str]) -> None:
        self.columns = Columns(table, keys)
        self._sqlite: str | None = None
        self._pg: str | None = None

    def __call__(self, conn: Connection, rows: Sequence[Row]) -> None:
        if not rows:
            return
        cols, table = self.columns, self.columns.table.name
        q = conn.dialect.identifier_preparer.quote
        if conn.dialect.name == "postgresql":
            if self._pg is None:
                source, value = cols.pg_source()
                where = " AND ".join(f"{table}.{q(n)} = {value[n]}" for n in cols.names)
                self._pg = f"DELETE FROM {table} USING {source} WHERE {where}"
            driver_execute(conn, self._pg, cols.pg_document(rows))
            return
        if self._sqlite is None:
            self._sqlite = f"DELETE FROM {table} WHERE {' AND '.join(f'{q(n)} = ?' for n in cols.names)}"
        driver_execute(conn, self._sqlite, cols.sqlite_rows(rows), many=True)
