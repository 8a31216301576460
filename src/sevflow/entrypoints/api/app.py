"""``create_app(container)``: the FastAPI application. Nothing is built at import time."""

from __future__ import annotations

from fastapi import FastAPI

from sevflow.bootstrap import Container
from sevflow.entrypoints.api import problems
from sevflow.entrypoints.api.guards import RequestGuard
from sevflow.entrypoints.api.routes import accounts, audit, directory, intake, policy, ticket_actions, tickets

DESCRIPTION = """Severity-based support-ticket escalation.

Authenticate with an API token (`Authorization: Bearer sev_...`, see `sevflow token create`) or a
browser session (`POST /api/session`; then send the returned CSRF token as `X-CSRF-Token` with
every change). Errors are RFC 9457 `application/problem+json`.
"""


def create_app(container: Container) -> FastAPI:
    """The API over ``container``'s services. The dashboard (a later part) mounts under
    ``/dashboard``; the timer worker runs beside it (``sevflow serve``), not inside it."""
    app = FastAPI(title="sevflow", version="0.1.0", description=DESCRIPTION)
    app.state.container = container
    problems.install(app)
    for module in (tickets, ticket_actions, directory, policy, accounts, audit, intake):
        app.include_router(module.router)
    app.add_middleware(RequestGuard, max_body_bytes=lambda: container.settings.max_body_bytes)
    return app
