"""Creating and upgrading the schema with the packaged Alembic migrations.

``migrate(engine)`` upgrades to the newest revision in one transaction. Several processes may
call it at once: on SQLite the first ``BEGIN IMMEDIATE`` wins and the others wait for it; on
PostgreSQL a transaction-scoped advisory lock serialises them. Either way the late-comers then
find the schema current and do nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from sevflow.adapters.db.engine import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a migration has to run: every CLI command migrates on start,
# and importing Alembic costs a fifth of a second where a one-row check suffices.
HEAD_REVISION = "0007"
"""The newest shipped revision; a test checks it against the migration scripts."""

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# pg_advisory_xact_lock key: "sevflow" in ASCII, so it does not collide by accident
_MIGRATION_LOCK_KEY = 0x736576666C6F77


def alembic_config() -> Config:
    """An Alembic ``Config`` pointing at the migrations shipped inside the package."""
    from alembic.config import Config

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
    from alembic import command

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
    """The newest revision shipped with this version of sevflow (read from the scripts)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` if it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest shipped revision."""
    return current_revision(engine) == head_revision()


def migrate_if_behind(engine: Engine) -> None:
    """``migrate`` unless the database already records ``HEAD_REVISION`` (one cheap query)."""
    try:
        with engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no alembic_version table yet: a new database
        current = None
    if current != HEAD_REVISION:
        migrate(engine)
