"""Every error leaves the API as RFC 9457 ``application/problem+json``: a machine-readable
``type`` (``urn:sevflow:problem:<slug>``), a ``title``, the HTTP ``status``, and a ``detail``
sentence saying what was wrong and what is allowed; validation problems list every bad field in
``errors``. One mapping from sevflow's error tree to statuses lives here, and nowhere else.
No stack trace ever reaches a client: unexpected errors are logged and answered with 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from sevflow.domain.errors import (
    Conflict,
    IllegalTransition,
    InfrastructureError,
    InvalidInput,
    NotFound,
    NotPermitted,
    PolicyError,
    RateLimited,
    SevflowError,
    Unauthenticated,
)
from sevflow.services.audit import record_denial
from sevflow.services.tickets import StaleVersion

log = logging.getLogger("sevflow.api")

PROBLEM = "application/problem+json"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
HTTP_PROBLEMS = {404: ("not-found", "Not found"), 405: ("method-not-allowed", "Method not allowed")}


class ProblemError(Exception):
    """Raised by the HTTP layer itself (a missing header, a wrong content type)."""

    def __init__(self, status: int, slug: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.slug, self.title, self.detail, self.extra = status, slug, title, detail, extra


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": f"urn:sevflow:problem:{slug}", "title": title, "status": status}
    body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _validation(request: Request, exc: RequestValidationError) -> Response:
    errors = []
    for e in exc.errors():
        kind = e.get("type", "")
        if kind == "json_invalid":
            ctx = e.get("ctx") or {}
            return problem(
                400,
                "malformed-json",
                "Malformed JSON",
                f"the request body is not valid JSON: {ctx.get('error', 'parse error')}; send one JSON object",
                instance=request.url.path,
            )
        message = str(e.get("msg", "invalid"))
        if kind == "extra_forbidden":
            message = (
                "unknown field; remove it (the allowed fields are in the OpenAPI document at /openapi.json)"
            )
        errors.append({"field": _field(tuple(e.get("loc", ()))), "message": message})
    fields = ", ".join(err["field"] for err in errors)
    return problem(
        422,
        "validation",
        "Invalid request",
        f"{len(errors)} field(s) are invalid: {fields}; see errors for each one",
        instance=request.url.path,
        errors=errors,
    )


def _allowed_methods(request: Request, fallback: str) -> str:
    """Every method the API documents for this path. Starlette's own Allow names only the first
    route whose path matched (POST but not GET for /api/tickets)."""
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {method.upper() for method in item if method in HTTP_METHODS}
    return ", ".join(sorted(methods)) or fallback


def map_error(request: Request, exc: SevflowError) -> Response:
    """The response for an error sevflow raised on purpose."""
    path = request.url.path
    if isinstance(exc, PolicyError):
        errors = [{"field": p.path or "(top level)", "message": p.message} for p in exc.problems]
        return problem(
            422,
            "invalid-policy",
            "Invalid policy",
            f"the policy has {len(errors)} problem(s); nothing was stored",
            instance=path,
            errors=errors,
        )
    if isinstance(exc, InvalidInput):
        return problem(422, "invalid-input", "Invalid input", str(exc), instance=path)
    if isinstance(exc, Unauthenticated):
        return problem(
            401,
            "unauthenticated",
            "Not authenticated",
            str(exc),
            instance=path,
            headers={"WWW-Authenticate": 'Bearer realm="sevflow"'},
        )
    if isinstance(exc, RateLimited):
        return problem(
            429,
            "rate-limited",
            "Too many attempts",
            str(exc),
            instance=path,
            headers={"Retry-After": str(exc.retry_after_seconds)},
        )
    if isinstance(exc, NotPermitted):
        return problem(403, "forbidden", "Not permitted", str(exc), instance=path)
    if isinstance(exc, NotFound):
        return problem(404, "not-found", "Not found", str(exc), instance=path)
    if isinstance(exc, StaleVersion):
        if request.headers.get("if-match") is not None:
            return problem(412, "precondition-failed", "Precondition failed", str(exc), instance=path)
        return problem(409, "stale-version", "Stale version", str(exc), instance=path)
    if isinstance(exc, IllegalTransition):
        return problem(409, "illegal-transition", "Not possible now", str(exc), instance=path)
    if isinstance(exc, Conflict):
        return problem(409, "conflict", "Conflict", str(exc), instance=path)
    if isinstance(exc, InfrastructureError):
        log.error("infrastructure error on %s %s: %s", request.method, path, exc)
        return problem(
            503,
            "unavailable",
            "Service unavailable",
            "sevflow could not reach its storage; nothing was changed; try again shortly",
            instance=path,
            headers={"Retry-After": "5"},
        )
    return problem(400, "refused", "Refused", str(exc), instance=path)


def _record_denial(request: Request, exc: NotPermitted) -> None:
    """Every refused action joins the audit log (and the ticket's trail, if it names one)."""
    box = request.app.state.container
    actor = getattr(request.state, "actor", None)
    ticket = request.path_params.get("ticket_id")
    try:
        record_denial(
            box.uow_factory(),
            clock=box.clock,
            actor=actor.name if actor is not None else "anonymous",
            action=exc.action or f"{request.method} {request.scope.get('route').path_format}",  # type: ignore[union-attr]
            reason=str(exc),
            ticket_id=int(ticket) if ticket is not None and str(ticket).isdigit() else None,
        )
    except SevflowError:  # the refusal still stands if the log could not be written
        log.exception("could not record a refused action in the audit log")


PageRenderer = Callable[[Request, int, str, str], Response | None]
"""``(request, status, title, detail)`` -> an HTML error page for a page request, or ``None``
for an API request (which gets the problem+json)."""


def install(app: FastAPI, *, pages: PageRenderer | None = None) -> None:
    """Register the handlers that turn every error into problem+json (or, for the dashboard's
    pages, into an HTML page made by ``pages`` from the same status, title and detail)."""

    def answer(request: Request, response: Response) -> Response:
        if pages is None or response.media_type != PROBLEM:
            return response
        body = orjson.loads(bytes(response.body))
        page = pages(request, response.status_code, body["title"], body["detail"])
        if page is None:
            return response
        for name, value in response.headers.items():
            if name.lower() in ("retry-after", "allow"):
                page.headers[name] = value
        return page

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return answer(
            request,
            problem(exc.status, exc.slug, exc.title, exc.detail, instance=request.url.path, **exc.extra),
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        caller = getattr(request.state, "caller", None)
        if caller is not None:  # credentials first: 401 (or a missing CSRF token's 403) before 422
            try:
                await run_in_threadpool(caller.actor)
            except (Unauthenticated, NotPermitted) as refused:
                return await on_sevflow(request, refused)
        return answer(request, _validation(request, exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        slug, title = HTTP_PROBLEMS.get(exc.status_code, ("http-error", HTTPStatus(exc.status_code).phrase))
        detail = str(exc.detail)
        if exc.status_code == 404:
            detail = f"there is no {request.url.path}; the API's paths are listed at /docs"
        elif exc.status_code == 405:
            allowed = _allowed_methods(request, headers.get("Allow", ""))
            headers = {**headers, "Allow": allowed}
            detail = f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}"
        # the title names the problem type (the same for every occurrence, RFC 9457); a 405
        # carries the Allow header (RFC 9110 requires it)
        return answer(
            request, problem(exc.status_code, slug, title, detail, instance=request.url.path, headers=headers)
        )

    async def on_sevflow(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SevflowError)
        if isinstance(exc, NotPermitted):
            await run_in_threadpool(_record_denial, request, exc)
        return answer(request, map_error(request, exc))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return answer(
            request,
            problem(
                500,
                "internal",
                "Internal error",
                "sevflow failed unexpectedly (a bug); it was logged; nothing you sent was half-applied",
                instance=request.url.path,
            ),
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(SevflowError, on_sevflow)
    app.add_exception_handler(Exception, on_unexpected)
