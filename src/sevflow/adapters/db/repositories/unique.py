"""``INSERT ... ON CONFLICT DO NOTHING`` for tables whose key must be new.

A duplicate key then inserts no row instead of raising: the repository sees ``rowcount == 0``
and raises ``Conflict`` itself. Unlike an ``IntegrityError``, this leaves a PostgreSQL
transaction usable (it is not aborted), so SQLite and PostgreSQL behave alike and the caller
may still read -- e.g. the record a concurrent request stored first -- before rolling back.
On PostgreSQL a concurrent, uncommitted insert of the same key makes the statement wait for
that transaction; if it commits, ours inserts nothing.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def insert_new(table: Table) -> dict[str, Insert]:
    """The statement per dialect name (``postgresql``, ``sqlite``)."""
    # SQLAlchemy keeps an INSERT's rowcount only when asked to
    keep_rowcount = {"preserve_rowcount": True}
    return {
        "postgresql": postgresql.insert(table).on_conflict_do_nothing().execution_options(**keep_rowcount),
        "sqlite": sqlite.insert(table).on_conflict_do_nothing().execution_options(**keep_rowcount),
    }
