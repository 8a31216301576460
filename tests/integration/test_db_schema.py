"""The migrations produce exactly the schema ``tables.py`` declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError

from sevflow.adapters.db.engine import READ_ONLY, make_engine
from sevflow.adapters.db.schema import current_revision, head_revision, is_current, migrate, upgrade_to_head
from sevflow.adapters.db.tables import metadata


def schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def test_migrated_sqlite_schema_matches_the_table_definitions(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        migrate(engine)
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_migrated_postgres_schema_matches_the_table_definitions(blank_postgres_url: str) -> None:
    engine = make_engine(blank_postgres_url)
    try:
        migrate(engine)
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_the_comparison_notices_a_schema_that_differs(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_timers_due_at"))
        assert [diff[0] for diff in schema_differences(engine)] == ["add_index"]
    finally:
        engine.dispose()


def test_migrating_twice_changes_nothing_and_records_the_head_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade_to_head(url)
    upgrade_to_head(url)
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision() == "0007"
        assert is_current(engine)
        assert sorted(inspect(engine).get_table_names()) == [
            "agents",
            "alembic_version",
            "api_tokens",
            "audit_log",
            "customers",
            "daily_outcomes",
            "deliveries",
            "idempotency_keys",
            "login_failures",
            "outbox",
            "policies",
            "ticket_events",
            "ticket_outcomes",
            "tickets",
            "timers",
            "triage_records",
            "users",
            "web_sessions",
        ]
    finally:
        engine.dispose()


def test_an_unmigrated_database_is_not_current(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert current_revision(engine) is None
        assert not is_current(engine)
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_normal_sync_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
        assert pragmas == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "busy_timeout": 10_000}
    finally:
        engine.dispose()


def test_sqlite_transactions_begin_immediately_so_even_a_first_read_holds_the_write_lock(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade_to_head(url)
    first, second = make_engine(url), make_engine(url, busy_timeout_ms=0)
    try:
        with first.connect() as writer:
            assert writer.execute(text("SELECT count(*) FROM agents")).scalar() == 0
            # without the pysqlite fix, sqlite3 would not have begun a transaction for a SELECT
            assert writer.connection.dbapi_connection.in_transaction is True  # type: ignore[union-attr]
            with second.connect() as other, pytest.raises(OperationalError, match="database is locked"):
                other.execute(text("SELECT 1"))
            with second.connect().execution_options(**READ_ONLY) as reader:
                assert reader.execute(text("SELECT count(*) FROM agents")).scalar() == 0
            writer.rollback()
    finally:
        first.dispose()
        second.dispose()
