"""``/ack/{token}``: the one-click acknowledgement link in a page (``adapters.page_links``).

``GET`` shows the ticket, whom the page was for, and a button; only the button's ``POST``
acknowledges -- a mail client or a chat preview that fetches the link acknowledges nothing.
No sign-in is needed: the signed token is the proof, and it acknowledges only its own page,
as the person it was sent to (the event records ``via: link``). Without ``SEVFLOW_LINK_SECRET``
there are no links, and this path is a 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sevflow.adapters.page_links import AckClaim, LinkExpired
from sevflow.domain.errors import NotFound, Unauthenticated
from sevflow.entrypoints.api.auth import container_of
from sevflow.entrypoints.web.pages import pages_of
from sevflow.services import tickets as service
from sevflow.services.actors import Actor
from sevflow.services.paging import page_for_link

router = APIRouter(include_in_schema=False)

Token = Annotated[str, Path(min_length=10, max_length=500)]


def _claim(request: Request, token: str) -> AckClaim | Response:
    links = container_of(request).page_links()
    if links is None:
        raise NotFound("acknowledgement links are not enabled here (no SEVFLOW_LINK_SECRET)")
    try:
        return links.read(token)
    except LinkExpired as expired:
        return _page(request, status=410, error=f"{expired}; acknowledge on the ticket's page instead.")
    except Unauthenticated as refused:
        return _page(request, status=403, error=f"{refused}.")


def _page(request: Request, *, status: int = 200, **context: Any) -> Response:
    return pages_of(request).render(request, "acknowledge.html", actor=None, status=status, **context)


def _show(
    request: Request, claim: AckClaim, token: str, *, done: bool = False, status: int = 200
) -> Response:
    box = container_of(request)
    view = page_for_link(box.read_uow_factory(), ticket_id=claim.ticket_id, page=claim.page)
    return _page(request, status=status, view=view, claim=claim, token=token, done=done, error=None)


@router.get("/ack/{token}")
async def confirm(request: Request, token: Token) -> Response:
    claim = _claim(request, token)
    if isinstance(claim, Response):
        return claim
    return await run_in_threadpool(_show, request, claim, token)


@router.post("/ack/{token}")
async def acknowledge(request: Request, token: Token) -> Response:
    claim = _claim(request, token)
    if isinstance(claim, Response):
        return claim
    box = container_of(request)
    await run_in_threadpool(
        lambda: service.acknowledge_page(
            box.uow_factory(),
            clock=box.clock,
            actor=Actor(claim.to),  # the token proves who it was sent to
            ticket_id=claim.ticket_id,
            via="link",
            page=claim.page,
        )
    )
    return await run_in_threadpool(lambda: _show(request, claim, token, done=True))
