"""Instants: every timestamp in sevflow is an aware UTC datetime.

Local wall time exists only inside the calendar code.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sevflow.domain.errors import InvalidInput


def require_aware(value: datetime, name: str = "instant") -> datetime:
    """Return ``value`` converted to UTC; refuse naive datetimes (they are ambiguous)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise InvalidInput(
            f"{name} {value.isoformat()} has no time-zone offset; "
            "give one, e.g. 2026-03-27T16:30:00+01:00 or ...Z"
        )
    return value.astimezone(UTC)


def parse_instant(text: str, name: str = "timestamp") -> datetime:
    """Parse an ISO-8601 instant with an offset (``Z`` allowed) into UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{name} {text!r} is not an ISO-8601 timestamp; expected e.g. 2026-03-27T16:30:00+01:00"
        ) from None
    return require_aware(value, name)
