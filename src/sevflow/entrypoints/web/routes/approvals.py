"""The approvals inbox: every decision gate waiting for a decision, the soonest due first, with
countdowns; the ones the viewer may decide are marked (approvers, not the ticket's owner)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sevflow.entrypoints.web.pages import pages_of
from sevflow.entrypoints.web.viewer import ViewerOf
from sevflow.services import board as service

router = APIRouter(include_in_schema=False)


@router.get("/approvals")
def approvals_page(request: Request, viewer: ViewerOf) -> Response:
    now = viewer.box.clock.now()
    gates = service.pending_gates(viewer.box.read_uow_factory(), now=now, actor=viewer.actor)
    return pages_of(request).render(
        request, "approvals.html", actor=viewer.actor, csrf=viewer.csrf, gates=gates, now=now
    )
