"""``app_from_environment``: the application factory uvicorn calls in each worker process of
``sevflow serve --workers N`` (settings from ``SEVFLOW_*``; the parent already migrated the
schema and activated the policy file)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.entrypoints.api.app import create_app


def app_from_environment() -> FastAPI:
    box = build_container(Settings(), migrate_schema=False)
    app = create_app(box)

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        try:
            async with inner(a):
                yield
        finally:
            box.close()

    app.router.lifespan_context = lifespan
    return app
