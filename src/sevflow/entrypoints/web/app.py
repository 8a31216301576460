"""``install(app)``: the dashboard's pages, static files and error pages on the API's app.

Pages live at ``/`` and below (``/login``, ``/tickets/{id}``, ``/queues``, ...); the API keeps
``/api``, ``/docs`` and ``/openapi.json``. Errors on a page (a ticket that does not exist, an
action one's role does not allow) are HTML pages made from the same status and sentence the API
would send as problem+json."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from sevflow.entrypoints.api.auth import SESSION_COOKIE
from sevflow.entrypoints.web.pages import STATIC, Pages, pages_of
from sevflow.entrypoints.web.routes import acknowledge, approvals, board, metrics, queues, signin, ticket
from sevflow.entrypoints.web.viewer import SignInNeeded
from sevflow.services.sessions import csrf_token

NOT_PAGES = ("/api/", "/api", "/docs", "/openapi.json", "/redoc", "/static/")


def is_page_path(path: str) -> bool:
    """Is ``path`` one of the dashboard's (not the API's, its documents' or a static file's)?"""
    return not any(path == p or path.startswith(p) for p in NOT_PAGES)


def is_page(request: Request) -> bool:
    return is_page_path(request.url.path)


def error_page(request: Request, status: int, title: str, detail: str) -> Response | None:
    """The HTML page for an error on a page request (``None`` for the API's requests)."""
    if not is_page(request):
        return None
    if status == 404 and detail.startswith(f"there is no {request.url.path};"):
        detail = f"There is no page at {request.url.path}."
    pages = pages_of(request)
    actor = getattr(request.state, "actor", None)
    cookie = request.cookies.get(SESSION_COOKIE)
    return pages.render(
        request,
        "error.html",
        actor=actor,
        csrf=csrf_token(cookie) if cookie else None,
        status=status,
        code=status,
        title=title,
        detail=detail,
    )


def install(app: FastAPI) -> None:
    app.state.pages = Pages()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (signin, acknowledge, board, ticket, approvals, queues, metrics):
        app.include_router(module.router)

    async def on_sign_in_needed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        return RedirectResponse(exc.location, status_code=303)

    app.add_exception_handler(SignInNeeded, on_sign_in_needed)
