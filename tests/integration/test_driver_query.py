"""Statements run straight through the driver (sqlite3, psycopg) give what SQLAlchemy gives: the
same rows, converted by the same column types, and SQLAlchemy's errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Column, Engine, Integer, MetaData, Table, Text, bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from sevflow.adapters.db.context import SqlContext
from sevflow.adapters.db.driver_query import DriverQuery, driver_execute
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


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "blank_postgres_url")
    engine = make_engine(url)
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


def _insert_sql(engine: Engine, columns: tuple[str, ...]) -> str:
    """An INSERT in the driver's own parameter style."""
    if engine.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
    else:
        marks = ", ".join(f"%({c})s" for c in columns)
    return f"INSERT INTO things ({', '.join(columns)}) VALUES ({marks})"


def _params(engine: Engine, **values: object) -> tuple[object, ...] | dict[str, object]:
    return tuple(values.values()) if engine.dialect.name == "sqlite" else values


def test_a_driver_error_is_raised_as_sqlalchemys_and_the_transaction_is_the_connections(
    engine: Engine,
) -> None:
    at = sqlite_text(T0) if engine.dialect.name == "sqlite" else T0
    with engine.connect() as conn:
        driver_execute(conn, _insert_sql(engine, ("name", "at")), _params(engine, name="queue", at=at))
        assert conn.in_transaction()
        rows = [_params(engine, name="bell"), _params(engine, name="pager")]
        with pytest.raises(IntegrityError, match=r"UNIQUE constraint failed: things\.name|things_name_key"):
            driver_execute(conn, _insert_sql(engine, ("name",)), rows, many=True)
        conn.rollback()
    with engine.connect() as conn:
        assert [n for (n,) in conn.execute(select(things.c.name).order_by(things.c.id))] == ["pager", "mail"]


def test_a_connection_lost_under_a_driver_statement_is_invalidated_as_sqlalchemy_would(
    request: pytest.FixtureRequest,
) -> None:
    engine = make_engine(request.getfixturevalue("blank_postgres_url"))
    try:
        with engine.connect() as conn:
            with pytest.raises(DBAPIError) as raised:
                driver_execute(conn, "SELECT pg_terminate_backend(pg_backend_pid())", {})
            assert raised.value.connection_invalidated
            assert conn.invalidated
        with engine.connect() as conn:  # the pool hands out a new, working connection
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()
