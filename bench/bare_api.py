"""The baseline for the API benchmark: a bare FastAPI app whose POST inserts one row and whose
GET reads one row, on the same database, served by the same uvicorn settings as sevflow. What
sevflow costs above this is its own work (authentication, policy, SLA clocks, events, timers,
outbox, audit-grade writes).

Run as ``python bench/bare_api.py DATABASE_URL PORT [WORKERS]`` (WORKERS processes, as
``sevflow serve --workers``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, select

from sevflow.adapters.db.engine import make_engine

metadata = MetaData()
rows = Table("bench_bare_api", metadata, Column("id", Integer, primary_key=True), Column("title", Text))


class RowIn(BaseModel):
    title: str


def create_table(url: str) -> None:
    engine = make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    engine.dispose()


def app_from_environment() -> FastAPI:
    """The factory each of several worker processes calls (the table exists already)."""
    return create_bare_app(os.environ["BARE_API_URL"])


def create_bare_app(url: str) -> FastAPI:
    engine = make_engine(url)
    app = FastAPI()
    add = insert(rows).returning(rows.c.id)
    one = select(rows.c.id, rows.c.title)

    @app.post("/rows", status_code=201)
    def create(body: RowIn) -> dict[str, Any]:
        with engine.begin() as conn:
            new_id = conn.execute(add, {"title": body.title}).scalar_one()
        return {"id": new_id, "title": body.title}

    @app.get("/rows/{row_id}")
    def show(row_id: int) -> dict[str, Any]:
        with engine.connect() as conn:
            row = conn.execute(one.where(rows.c.id == row_id)).first()
        return {"id": row_id, "title": row.title if row else None}

    return app


if __name__ == "__main__":
    url, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    create_table(url)
    options: dict[str, Any] = {"host": "127.0.0.1", "port": port, "log_level": "warning", "access_log": False}
    if workers == 1:
        uvicorn.run(create_bare_app(url), **options)
    else:
        os.environ["BARE_API_URL"] = url
        here = str(Path(__file__).resolve().parent)
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
        uvicorn.run("bare_api:app_from_environment", factory=True, workers=workers, **options)
