"""``UTCDateTime``: the one column type for instants.

SQLite has no time-zone aware type: ``DateTime(timezone=True)`` silently drops the offset and
returns naive values. So every instant is normalised to UTC before it is written, stored
without offset on SQLite (as ``timestamptz`` on PostgreSQL) and handed back aware, in UTC.
Naive datetimes are refused: they are ambiguous, and accepting them would hide a bug.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.type_api import _BindProcessorType, _ResultProcessorType
from sqlalchemy.types import TypeDecorator, TypeEngine


class NaiveDatetimeError(ValueError):
    """A naive ``datetime`` was given where an aware instant is required."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant, stored in UTC. Writes convert to UTC; reads return ``tzinfo=UTC``."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        # Stored as naive UTC text: fixed-width, so string order is time order.
        return dialect.type_descriptor(DateTime(timezone=False))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = to_utc(value)
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    # SQLite: every timer, event and outbox row carries instants, so the two steps (the methods
    # above, then SQLAlchemy's DATETIME string conversion) are fused into one function each way.
    # Same text as DATETIME's default storage format ("2026-03-27 14:30:00.000000"), same parse.

    def bind_processor(self, dialect: Dialect) -> _BindProcessorType[datetime] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        return sqlite_text

    def result_processor(self, dialect: Dialect, coltype: Any) -> _ResultProcessorType[datetime] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def process(value: str | None) -> datetime | None:
            if value is None:
                return None
            if len(value) == _STORED_WIDTH:
                # the stored form, naive UTC: parsed with its zone appended, 6x faster than
                # parsing and then replace(tzinfo=UTC) (a board reads tens of thousands)
                return datetime.fromisoformat(value + "+00:00")
            parsed = datetime.fromisoformat(value)
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

        return process


_STORED_WIDTH = len("2026-03-27 14:30:00.000000")
_last_sqlite: tuple[datetime | None, str | None] = (None, None)


def sqlite_text(value: datetime | None) -> str | None:
    """How an instant is stored on SQLite: naive UTC text, ``2026-03-27 14:30:00.000000``.
    Remembers the last instant it converted (a batch stamps many rows with one ``now``)."""
    global _last_sqlite
    if value is None:
        return None
    last = _last_sqlite  # one tuple, read and replaced whole: safe across threads
    if last[0] is value:
        return last[1]
    utc = value if value.tzinfo is UTC else to_utc(value)
    text = utc.isoformat(" ", "microseconds")[:-6]  # without the "+00:00"
    _last_sqlite = (value, text)
    return text


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC; refuses anything but an aware ``datetime``."""
    if not isinstance(value, datetime):
        raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}: {value!r}")
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(
            f"refusing to store the naive datetime {value.isoformat()}: instants must be aware "
            "(e.g. datetime(2026, 3, 27, 15, 30, tzinfo=UTC) or ...+01:00)"
        )
    return value.astimezone(UTC)


def json_text(value: Any) -> str:
    """How a JSON column's value is written: compact JSON by orjson (C; 5-10x the standard
    library's encoder on ticket snapshots). Keys must be strings; instants must already be text."""
    return orjson.dumps(value).decode()
