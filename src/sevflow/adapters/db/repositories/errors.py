"""Reading database integrity errors: which constraint failed, named the same on both databases
(constraint names come from ``tables.NAMING_CONVENTION``)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError


def violated(error: IntegrityError, constraint: str, *sqlite_columns: str) -> bool:
    """Whether ``error`` is a violation of ``constraint``.

    PostgreSQL names the constraint; SQLite names the columns instead
    (``UNIQUE constraint failed: ticket_events.ticket_id, ticket_events.key``).
    """
    name = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
    if name is not None:
        return bool(name == constraint)
    message = str(error.orig)
    if sqlite_columns:
        return message.endswith(": " + ", ".join(sqlite_columns))
    return False


def is_foreign_key_violation(error: IntegrityError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == "23503")
    return "FOREIGN KEY constraint failed" in str(error.orig)
