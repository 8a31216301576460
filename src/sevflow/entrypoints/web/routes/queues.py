"""Queues: one per service line and one per team, most urgent first (time left to the nearest
deadline over the severity's weight), with each owner's load. ``/queues`` lists them with their
counts; ``/queues/line/{name}`` and ``/queues/team/{name}`` show one."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from sevflow.domain.errors import NotFound
from sevflow.entrypoints.web.pages import pages_of
from sevflow.entrypoints.web.viewer import ViewerOf
from sevflow.services import board as service

router = APIRouter(include_in_schema=False)

Name = Annotated[str, Path(max_length=200)]
SHOWN = 100


@router.get("/queues")
def queues_page(request: Request, viewer: ViewerOf) -> Response:
    now = viewer.box.clock.now()
    summaries = service.queue_overview(viewer.box.read_uow_factory(), now=now, actor=viewer.actor)
    return pages_of(request).render(
        request, "queues.html", actor=viewer.actor, csrf=viewer.csrf, summaries=summaries, now=now
    )


@router.get("/queues/{kind}/{name}")
def queue_page(
    request: Request,
    kind: Literal["line", "team"],
    name: Name,
    viewer: ViewerOf,
    shown: Annotated[int, Query(ge=1, le=5000)] = SHOWN,
) -> Response:
    box = viewer.box
    now = box.clock.now()
    choices = service.board_choices(box.read_uow_factory())
    known = choices.service_lines if kind == "line" else choices.teams
    if name not in known:
        what = "service line" if kind == "line" else "team"
        raise NotFound(f"there is no {what} {name!r}; the {what}s are {', '.join(known)}")
    queue = service.queue(
        box.read_uow_factory(),
        now=now,
        actor=viewer.actor,
        service_line=name if kind == "line" else None,
        team=name if kind == "team" else None,
        shown=shown,
    )
    return pages_of(request).render(
        request,
        "queue.html",
        actor=viewer.actor,
        csrf=viewer.csrf,
        queue=queue,
        now=now,
        shown=shown,
        SHOWN=SHOWN,
    )
