"""Creating and upgrading the schema with the packaged Alembic migrations.

``migrate(engine)`` upgrades to the newest revision in one transaction. Several processes may
call it at once: on SQLite the first ``BEGIN IMMEDIATE`` wins and the others wait for it; on
PostgreSQL a transaction-scoped advisory lock serialises them. Either way the late-comers then
find the schema current and do nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL

from sevflow.adapters.db.engine import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# pg_advisory_xact_lock key: "sevflow" in ASCII, so it does not collide by accident
_MIGRATION_LOCK_KEY = 0x736576666C6F77


def alembic_config() -> Config:
    """An Alembic ``Config`` pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def lock_for_migration(connection: Connection) -> None:
    """Serialise concurrent migrations (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already does)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the newest)."""
    config = alembic_config()
    with engine.connect() as connection, connection.begin():
        lock_for_migration(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def upgrade_to_head(url: str | URL) -> None:
    """``migrate`` with a short-lived engine for ``url``."""
    engine = make_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision shipped with this version of sevflow."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` if it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest shipped revision."""
    return current_revision(engine) == head_revision()
