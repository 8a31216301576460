"""Shared fixtures: migrated databases and units of work for contract and integration tests.

- ``sqlite_url``: a migrated SQLite file in ``tmp_path`` (a copy of a template migrated once
  per session, so each test starts from an empty, current schema in milliseconds).
- ``postgres_url``: a migrated PostgreSQL database private to this pytest session (named after
  the process, dropped at the end); every table is emptied before each test.
  The server comes from ``SEVFLOW_TEST_POSTGRES_URL`` (default: local ``test`` database). If it
  is unreachable the test is skipped — or, under ``CI=true``, fails.
- ``uow_factory``: a ``UnitOfWorkFactory`` per store: ``memory``, ``sqlite``, ``postgres``.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.schema import migrate
from sevflow.adapters.db.tables import metadata
from sevflow.adapters.db.uow import SqlUnitOfWorkFactory
from sevflow.services.ports import UnitOfWorkFactory

POSTGRES_ENV = "SEVFLOW_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STORES = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_server_url() -> URL:
    return make_url(os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES_URL)


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required under CI=true, but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable ({reason}); set {POSTGRES_ENV} to run these tests")


def create_database(server: URL, prefix: str = "sevflow_test") -> URL:
    """Create an empty database on ``server``; returns its URL. Drop it with ``drop_database``."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server.set(database=name)


def drop_database(url: URL) -> None:
    admin = create_engine(url.set(database=postgres_server_url().database), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> URL:
    """The PostgreSQL server URL, checked once per session (skip / fail if unreachable)."""
    url = postgres_server_url()
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as error:
        first_line = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "no answer"
        _postgres_unavailable(f"{url.render_as_string(hide_password=True)} is not reachable: {first_line}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def _postgres_session_database(postgres_server: URL) -> Iterator[tuple[URL, Engine]]:
    url = create_database(postgres_server)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        migrate(engine)
        yield url, engine
    finally:
        engine.dispose()
        drop_database(url)


@pytest.fixture
def postgres_url(_postgres_session_database: tuple[URL, Engine]) -> str:
    """A migrated PostgreSQL database with every table empty (ids restart at 1)."""
    url, engine = _postgres_session_database
    with engine.begin() as conn:
        # DELETE is ~7x faster than TRUNCATE on tables this small (no new files, no fsync)
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
        for table in metadata.sorted_tables:
            if table.autoincrement_column is not None:
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, :column), 1, false)"),
                    {"table": table.name, "column": table.autoincrement_column.name},
                )
    return url.render_as_string(hide_password=False)


@pytest.fixture
def blank_postgres_url(postgres_server: URL) -> Iterator[str]:
    """A new, empty (not migrated) PostgreSQL database, dropped after the test."""
    url = create_database(postgres_server)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        drop_database(url)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "sevflow.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
    finally:
        engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated, empty SQLite database file in ``tmp_path``."""
    path = tmp_path / "sevflow.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The name of the store under test: ``memory``, ``sqlite`` or ``postgres``."""
    return str(request.param)


@pytest.fixture
def uow_factory(request: pytest.FixtureRequest, store: str) -> Iterator[UnitOfWorkFactory]:
    """Units of work on an empty store, one per ``store`` parameter."""
    if store == "memory":
        from sevflow.testing import InMemoryStore

        yield InMemoryStore().uow_factory()
        return
    engine = make_engine(request.getfixturevalue(f"{store}_url"))
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a migrated, empty database: SQLite, then PostgreSQL (for tests that look at
    the SQL schema or migrate it themselves)."""
    engine = make_engine(request.getfixturevalue(f"{request.param}_url"))
    try:
        yield engine
    finally:
        engine.dispose()
