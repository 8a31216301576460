"""The security audit log: refused attempts, sign-ins, tokens, users and policy uploads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from sevflow.entrypoints.api import render
from sevflow.entrypoints.api.auth import Box, CallerOf
from sevflow.entrypoints.api.schemas import AuditPage
from sevflow.services.audit import audit_log

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
def recent(
    caller: CallerOf,
    box: Box,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Newest first; follow ``next_cursor`` for older entries."""
    actor = caller.actor()
    entries = audit_log(
        box.read_uow_factory(), actor=actor, limit=limit + 1, before_id=render.after_id(cursor)
    )
    page = entries[:limit]
    more = len(entries) > limit
    return {
        "items": [render.audit_out(e) for e in page],
        "next_cursor": render.cursor_of(page[-1].id) if more else None,
    }
