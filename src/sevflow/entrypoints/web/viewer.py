"""Who is looking at a page: the browser session of the API's sign-in (the same cookie).

A page asks for a ``Viewer``; without a valid session the browser is sent to ``/login`` and
comes back afterwards. A form post must carry the session's CSRF token (``csrf_token`` field,
which every form of the dashboard includes); without it the post is refused (403) and the
refusal is audited like any other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from sevflow.bootstrap import Container
from sevflow.domain.errors import NotPermitted, Unauthenticated
from sevflow.entrypoints.api.auth import SAFE_METHODS, SESSION_COOKIE, container_of
from sevflow.services.actors import Actor
from sevflow.services.sessions import authenticate_session, csrf_matches, csrf_token


class SignInNeeded(Exception):
    """No valid session: the browser goes to the sign-in page, then back to ``next_path``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"/login?next={quote(self.next_path, safe='/')}"


@dataclass(frozen=True)
class Viewer:
    actor: Actor
    csrf: str
    """The session's CSRF token, for the page's forms."""
    box: Container


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def viewer_of(request: Request) -> Viewer:
    box = container_of(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise SignInNeeded(_here(request) if request.method in SAFE_METHODS else "/")
    try:
        actor = await run_in_threadpool(
            authenticate_session, box.read_uow_factory(), clock=box.clock, cookie=cookie
        )
    except Unauthenticated:
        raise SignInNeeded(_here(request) if request.method in SAFE_METHODS else "/") from None
    request.state.actor = actor
    if request.method not in SAFE_METHODS:
        field = (await request.form()).get("csrf_token")
        if not csrf_matches(cookie, field if isinstance(field, str) else None):
            raise NotPermitted(
                "this form was not sent from a sevflow page of your current session (its CSRF token "
                "was missing or wrong); reload the page and try again",
                action="csrf",
            )
    return Viewer(actor, csrf_token(cookie), box)


ViewerOf = Annotated[Viewer, Depends(viewer_of)]
