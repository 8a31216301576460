"""``create_app(container)``: the FastAPI application. Nothing is built at import time."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from sevflow.bootstrap import Container
from sevflow.domain.errors import InfrastructureError
from sevflow.entrypoints.api import openapi_doc, problems
from sevflow.entrypoints.api.guards import RequestGuard
from sevflow.entrypoints.api.routes import (
    accounts,
    audit,
    directory,
    intake,
    oncall,
    policy,
    ticket_actions,
    tickets,
)
from sevflow.entrypoints.web import app as web
from sevflow.services import policies
from sevflow.services.token_cache import TokenCache

log = logging.getLogger("sevflow.api")

DESCRIPTION = """Severity-based support-ticket escalation.

Authenticate with an API token (`Authorization: Bearer sev_...`, see `sevflow token create`) or a
browser session (`POST /api/session`; then send the returned CSRF token as `X-CSRF-Token` with
every change). Errors are RFC 9457 `application/problem+json`.
"""

ROUTERS = (
    (tickets, (401, 403, 404, 409, 422)),
    (ticket_actions, (400, 401, 403, 404, 409, 412, 422, 428)),
    (directory, (401, 403, 404, 422)),
    (oncall, (401, 403, 404, 422)),
    (policy, (401, 403, 404, 422)),
    (accounts, (401, 403, 404, 409, 422, 429)),
    (audit, (401, 403, 422)),
    (intake, (401, 403, 409, 422)),
)
"""Each router, and the problem statuses its operations can answer with (declared in the
OpenAPI document; 400, 413 and 415 are added to every operation that takes a body)."""


def create_app(container: Container) -> FastAPI:
    """The API over ``container``'s services, and the dashboard's pages (``/`` and below, see
    ``sevflow.entrypoints.web``); the timer worker runs beside it (``sevflow serve``), not inside it."""

    ttl = container.token_cache_seconds()
    cache = TokenCache(ttl=ttl)
    feed = container.credential_feed(cache) if ttl > 0 else None
    if feed is not None:
        cache.suspend()  # until the feed listens: a revocation made meanwhile would go unheard

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = container.settings.api_threads
        if feed is not None:
            feed.start()
        # before the first request, not during it (see policies.warm_up); best effort: if the
        # database is not reachable yet, the server still starts and the first requests pay
        try:
            await run_in_threadpool(policies.warm_up, container.read_uow_factory(), clock=container.clock)
        except InfrastructureError as error:
            log.warning("skipped warming up the policy: %s", error)
        # what start-up loaded (modules, the policy, calendars' holidays) lives as long as the
        # process: keep it out of the garbage collector's full collections, which otherwise walk
        # all of it, in the middle of a request, every few thousand requests (a 90-110 ms pause
        # on this machine); collected first, so that no garbage is kept with it
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if feed is not None:
                await run_in_threadpool(feed.stop)

    app = FastAPI(title="sevflow", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.container = container
    app.state.token_cache = cache
    app.state.credential_feed = feed
    problems.install(app, pages=web.error_page)
    for module, statuses in ROUTERS:
        app.include_router(module.router, responses=openapi_doc.responses(*statuses))
    web.install(app)
    openapi_doc.document(app)
    app.add_middleware(RequestGuard, max_body_bytes=lambda: container.settings.max_body_bytes)
    return app
