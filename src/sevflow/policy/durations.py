"""Durations in the policy file: ``15m``, ``4h``, ``2d``, ``1h30m`` or a whole number of minutes.

``d`` always means 24 hours of *counted* time. On an office calendar that is not one working
day -- the SLA checks refuse ``d`` there and ask for hours (see ``checks``).
"""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m)?$")
_EXAMPLES = "write e.g. 15m, 4h, 2d, 1h30m or a whole number of minutes"


def parse_minutes(value: object) -> int:
    """Minutes in ``value`` (a duration text or a whole number); > 0.

    Raises ``ValueError`` with a message naming the bad value and the accepted forms.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration, got {value}; {_EXAMPLES}")
    if isinstance(value, int):
        minutes = value
    elif isinstance(value, str):
        minutes = _parse_text(value)
    else:
        raise ValueError(f"expected a duration, got {value!r}; {_EXAMPLES}")
    if minutes <= 0:
        raise ValueError(f"{value!r} is not a positive duration; {_EXAMPLES}")
    return minutes


def uses_days(value: object) -> bool:
    """Whether a raw duration from the file is written with the ``d`` (24 h) unit."""
    return isinstance(value, str) and "d" in value.lower()


def _parse_text(text: str) -> int:
    cleaned = text.strip().lower()
    if re.fullmatch(r"[-+]?\d+", cleaned):
        return int(cleaned)
    match = _DURATION.fullmatch(cleaned)
    if not cleaned or match is None or not any(match.groupdict().values()):
        raise ValueError(f"{text!r} is not a duration; {_EXAMPLES}")
    parts = {unit: int(amount or 0) for unit, amount in match.groupdict().items()}
    return parts["d"] * 1440 + parts["h"] * 60 + parts["m"]


def format_minutes(minutes: int) -> str:
    """``90`` -> ``1h30m``; ``2880`` -> ``48h``; ``15`` -> ``15m``. Hours are never folded into
    days, so the text means the same on every calendar."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest}m"
    if hours:
        return f"{hours}h"
    return f"{rest}m"
