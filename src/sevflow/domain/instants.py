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


_last_iso: tuple[datetime | None, str | None] = (None, None)


def iso_text(value: datetime | None) -> str | None:
    """``value.isoformat()`` (``None`` stays ``None``), for serialising state. Remembers the last
    instant it formatted: one change stamps many fields with the same ``now`` object."""
    global _last_iso
    if value is None:
        return None
    last = _last_iso  # one tuple, read and replaced whole: safe across threads
    if last[0] is value:
        return last[1]
    text = value.isoformat()
    _last_iso = (value, text)
    return text
