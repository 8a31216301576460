"""Alembic environment for sevflow.

Programmatic use (``sevflow.adapters.db.schema.migrate``) passes an open connection, already in
a transaction, as ``config.attributes["connection"]``: the whole upgrade then runs in that one
transaction. From the command line, give the database with ``-x url=...``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.schema import lock_for_migration
from sevflow.adapters.db.tables import metadata

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite DDL is transactional once the engine emits BEGIN itself (see engine.py)
        transactional_ddl=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    # command line: build our own engine, so SQLite gets the same pragmas and BEGIN handling
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database URL: alembic -x url=sqlite:///sevflow.db ...")
    engine = make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            lock_for_migration(conn)
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
