"""Signing in and out in the browser: the API's password sign-in and session, as a form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sevflow.domain.errors import RateLimited, Unauthenticated
from sevflow.entrypoints.api.auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    container_of,
    set_session_cookie,
)
from sevflow.entrypoints.web.pages import pages_of
from sevflow.entrypoints.web.viewer import ViewerOf
from sevflow.services import sessions

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never ``//host`` or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _form(
    request: Request,
    *,
    target: str,
    name: str = "",
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    return pages_of(request).render(
        request, "login.html", actor=None, next=target, name=name, error=error, status=status, headers=headers
    )


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return _form(request, target=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    box = container_of(request)
    target = safe_next(next)
    if not name.strip() or not password:
        return _form(
            request, target=target, name=name, status=422, error="Give your user name and your password."
        )
    address = request.client.host if request.client else "unknown"
    try:
        signed = await run_in_threadpool(
            sessions.sign_in,
            box.uow_factory(),
            clock=box.clock,
            hasher=box.hasher,
            name=name.strip(),
            password=password,
            address=address,
        )
    except RateLimited as limited:
        retry = {"Retry-After": str(limited.retry_after_seconds)}
        return _form(request, target=target, name=name, status=429, error=str(limited), headers=retry)
    except Unauthenticated as refused:
        return _form(request, target=target, name=name, status=401, error=str(refused))
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, signed, secure=box.settings.cookie_secure)
    return response


@router.post("/logout")
def logout(request: Request, viewer: ViewerOf) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is not None:
        sessions.sign_out(viewer.box.uow_factory(), clock=viewer.box.clock, cookie=cookie)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, secure=viewer.box.settings.cookie_secure)
    return response
