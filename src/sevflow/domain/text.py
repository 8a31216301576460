"""Free-text fields: trimmed, bounded, and reasons that may not be empty."""

from __future__ import annotations

from sevflow.domain.errors import InvalidInput

MAX_TEXT = 100_000


def text_field(value: str, name: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{name} must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{name} is {len(text)} characters long; at most {MAX_TEXT} are allowed")
    return text


def reason_text(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(f"{what} needs a reason; give one (it is recorded in the audit trail)")
    return text
