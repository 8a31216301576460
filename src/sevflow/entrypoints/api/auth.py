"""Who is calling: an API token (``Authorization: Bearer sev_...``) or a browser session
cookie. Requests made with the cookie that change something must also carry the session's CSRF
token (``X-CSRF-Token`` header, or a ``csrf_token`` field of a form post): another site can
make a browser send the cookie, but cannot read the token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from sevflow.bootstrap import Container
from sevflow.domain.errors import NotPermitted, Unauthenticated
from sevflow.services.accounts import authenticate_token, cached_actor
from sevflow.services.actors import Actor
from sevflow.services.sessions import authenticate_session, csrf_matches
from sevflow.services.token_cache import TokenCache

SESSION_COOKIE = "sevflow_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def container_of(request: Request) -> Container:
    box: Container = request.app.state.container
    return box


async def current_actor(request: Request) -> Actor:
    """The authenticated actor (also kept on ``request.state.actor`` for the audit log)."""
    box = container_of(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <API token>'")
        cache: TokenCache = request.app.state.token_cache
        actor = cached_actor(cache, clock=box.clock, text=credentials.strip())
        if actor is None:
            actor = await run_in_threadpool(
                authenticate_token,
                box.read_uow_factory(),
                box.uow_factory(),
                clock=box.clock,
                text=credentials.strip(),
                cache=cache,
            )
    elif (cookie := request.cookies.get(SESSION_COOKIE)) is not None:
        actor = await run_in_threadpool(
            authenticate_session, box.read_uow_factory(), clock=box.clock, cookie=cookie
        )
        if request.method not in SAFE_METHODS:
            presented = request.headers.get(CSRF_HEADER)
            if presented is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
                field = (await request.form()).get("csrf_token")
                presented = field if isinstance(field, str) else None
            if not csrf_matches(cookie, presented):
                request.state.actor = actor
                raise NotPermitted(
                    f"a change made with a session cookie needs the session's CSRF token in the {CSRF_HEADER} "
                    "header (or a csrf_token form field); it was missing or wrong",
                    action="csrf",
                )
    else:
        raise Unauthenticated(
            "no credentials: send 'Authorization: Bearer <API token>' or sign in with POST /api/session"
        )
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
Box = Annotated[Container, Depends(container_of)]
