"""``UTCDateTime`` on the real databases: offsets normalised, naive values refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.types import NaiveDatetimeError, UTCDateTime

metadata = MetaData()
instants = Table(
    "instants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime),
    prefixes=["TEMPORARY"],
)
KOLKATA = timezone(timedelta(hours=5, minutes=30))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def conn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Connection]:
    url = (
        f"sqlite:///{tmp_path / 'types.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            metadata.create_all(connection)
            yield connection
            connection.rollback()
    finally:
        engine.dispose()


def test_an_instant_with_any_offset_reads_back_as_the_same_instant_in_utc(conn: Connection) -> None:
    conn.execute(insert(instants), [{"id": 1, "at": datetime(2026, 3, 2, 15, 0, 0, 123_456, tzinfo=KOLKATA)}])
    value = conn.execute(select(instants.c.at)).scalar_one()
    assert value == datetime(2026, 3, 2, 9, 30, 0, 123_456, tzinfo=UTC)
    assert value.tzinfo is UTC


def test_instants_compare_by_the_moment_not_by_the_wall_clock_text(conn: Connection) -> None:
    conn.execute(
        insert(instants),
        [
            {"id": 1, "at": datetime(2026, 3, 2, 10, 0, tzinfo=KOLKATA)},  # 04:30 UTC
            {"id": 2, "at": datetime(2026, 3, 2, 5, 0, tzinfo=UTC)},
        ],
    )
    bound = datetime(2026, 3, 2, 4, 45, tzinfo=UTC)
    assert conn.execute(select(instants.c.id).where(instants.c.at <= bound)).scalars().all() == [1]
    assert conn.execute(select(instants.c.id).order_by(instants.c.at.desc())).scalars().all() == [2, 1]


def test_a_naive_datetime_is_refused_with_a_clear_error(conn: Connection) -> None:
    with pytest.raises(
        StatementError, match="refusing to store the naive datetime 2026-03-02T09:30:00"
    ) as caught:
        conn.execute(insert(instants), [{"id": 1, "at": datetime(2026, 3, 2, 9, 30)}])  # noqa: DTZ001
    assert isinstance(caught.value.orig, NaiveDatetimeError)


def test_null_stays_null(conn: Connection) -> None:
    conn.execute(insert(instants), [{"id": 1, "at": None}])
    assert conn.execute(select(instants.c.at)).scalar_one() is None


def test_sqlite_stores_the_utc_wall_time_as_fixed_width_text(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'types.db'}")
    try:
        with engine.connect() as connection:
            metadata.create_all(connection)
            connection.execute(
                insert(instants), [{"id": 1, "at": datetime(2026, 3, 2, 15, 0, tzinfo=KOLKATA)}]
            )
            assert (
                connection.exec_driver_sql("SELECT at FROM instants").scalar_one()
                == "2026-03-02 09:30:00.000000"
            )
            connection.rollback()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_stores_timestamptz_and_the_session_time_zone_does_not_matter(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            metadata.create_all(connection)
            connection.execute(text("SET TIME ZONE 'America/New_York'"))
            connection.execute(
                insert(instants), [{"id": 1, "at": datetime(2026, 3, 2, 15, 0, tzinfo=KOLKATA)}]
            )
            assert connection.execute(text("SELECT pg_typeof(at)::text FROM instants")).scalar_one() == (
                "timestamp with time zone"
            )
            value = connection.execute(select(instants.c.at)).scalar_one()
            assert (value, value.tzinfo) == (datetime(2026, 3, 2, 9, 30, tzinfo=UTC), UTC)
            connection.rollback()
    finally:
        engine.dispose()
