"""Free-text fields: trimmed, bounded, storable, and reasons that may not be empty."""

from __future__ import annotations

import re

from sevflow.domain.errors import InvalidInput

MAX_TEXT = 100_000

# NUL cannot be stored in PostgreSQL text; lone surrogates cannot be encoded as UTF-8; the other
# C0 controls (tab, line feed and carriage return excepted) have no place in ticket text.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def check_storable(text: str, name: str) -> str:
    """``text`` unchanged, or ``InvalidInput`` naming the first character that cannot be stored."""
    bad = _UNSTORABLE.search(text)
    if bad is not None:
        raise InvalidInput(
            f"{name} contains the character U+{ord(bad.group()):04X} at position {bad.start()}, which "
            "cannot be stored; allowed: any Unicode text except control characters other than tab and "
            "line breaks, and unpaired surrogates"
        )
    return text


def text_field(value: str, name: str, *, required: bool) -> str:
    text = check_storable((value or "").strip(), name)
    if required and not text:
        raise InvalidInput(f"{name} must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{name} is {len(text)} characters long; at most {MAX_TEXT} are allowed")
    return text


def reason_text(reason: str | None, what: str) -> str:
    text = check_storable((reason or "").strip(), f"the reason for {what}")
    if not text:
        raise InvalidInput(f"{what} needs a reason; give one (it is recorded in the audit trail)")
    return text
