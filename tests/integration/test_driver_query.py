"""Statements run straight through the sqlite3 driver give what SQLAlchemy gives: the same rows,
converted by the same column types, and SQLAlchemy's errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Column, Engine, Integer, MetaData, Table, Text, bindparam, select
from sqlalchemy.exc import IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.driver_query import DriverQuery, sqlite_execute
from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.types import UTCDateTime, sqlite_text

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("at", UTCDateTime()),
    Column("data", JSON()),
)
BY_NAME = DriverQuery(
    select(things.c.id, things.c.name, things.c.at, things.c.data).where(things.c.name == bindparam("name"))
)
SINCE = DriverQuery(
    select(things.c.name).where(things.c.at >= bindparam("since", type_=UTCDateTime())).order_by(things.c.id)
)
T0 = datetime(2026, 3, 2, 9, 30, 0, 250_000, tzinfo=UTC)


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            things.insert(),
            [
                {"name": "pager", "at": T0, "data": {"tiers": ["L1", "L2"], "n": 2}},
                {"name": "mail", "at": T0 + timedelta(hours=1), "data": None},
            ],
        )
    yield engine
    engine.dispose()


def test_rows_come_back_as_sqlalchemy_gives_them_with_the_same_names_and_types(engine: Engine) -> None:
    ctx = SqlContext(engine)
    ctx.active = True
    try:
        fast = BY_NAME.first(ctx, {"name": "pager"})
        slow = ctx.connection.execute(BY_NAME.statement, {"name": "pager"}).first()
        assert fast == tuple(slow) == (1, "pager", T0, {"tiers": ["L1", "L2"], "n": 2})
        assert (fast.id, fast.name, fast.at.tzinfo, fast.data) == (
            1,
            "pager",
            UTC,
            {"tiers": ["L1", "L2"], "n": 2},
        )
        assert BY_NAME.first(ctx, {"name": "nobody"}) is None
    finally:
        ctx.close()


def test_bound_instants_are_converted_as_the_column_type_converts_them(engine: Engine) -> None:
    ctx = SqlContext(engine)
    ctx.active = True
    try:
        half_past_ten_in_utc = datetime(2026, 3, 2, 5, 30, tzinfo=timezone(timedelta(hours=-5)))
        assert [r.name for r in SINCE.rows(ctx, {"since": half_past_ten_in_utc})] == ["mail"]
        assert SINCE.scalar(ctx, {"since": T0}) == "pager"
    finally:
        ctx.close()


def test_a_driver_error_is_raised_as_sqlalchemys_and_the_transaction_is_the_connections(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        sqlite_execute(conn, "INSERT INTO things (name, at) VALUES (?, ?)", ("queue", sqlite_text(T0)))
        assert conn.in_transaction()
        with pytest.raises(IntegrityError, match=r"UNIQUE constraint failed: things\.name"):
            sqlite_execute(conn, "INSERT INTO things (name) VALUES (?)", [("bell",), ("pager",)], many=True)
        conn.rollback()
    with engine.connect() as conn:
        assert [n for (n,) in conn.execute(select(things.c.name).order_by(things.c.id))] == ["pager", "mail"]
