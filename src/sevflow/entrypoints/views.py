"""Plain-data shapes both faces print: a ticket's SLA clock and an API token, as the JSON the
API returns and the CLI prints with ``--json`` (one definition, so the two never drift)."""

from __future__ import annotations

from typing import Any

from sevflow.domain.accounts import ApiToken
from sevflow.services.queries import ClockView


def clock_json(c: ClockView) -> dict[str, Any]:
    return {
        "clock": c.kind.value,
        "state": c.state.value,
        "calendar": c.calendar,
        "target_minutes": c.target_seconds // 60,
        "elapsed_seconds": c.elapsed_seconds,
        "remaining_seconds": c.remaining_seconds,
        "percent": c.percent,
        "deadline_at": c.deadline_at,
        "breached": c.breached,
        "met": c.met,
    }


def token_json(t: ApiToken) -> dict[str, Any]:
    """A token's record; never its text (shown once, at creation, and not stored)."""
    return {
        "id": t.id,
        "user": t.user,
        "label": t.label,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }
