"""The baseline for the API benchmark: a bare FastAPI app whose POST inserts one row and whose
GET reads one row, on the same database, served by the same uvicorn settings as sevflow. What
sevflow costs above this is its own work (authentication, policy, SLA clocks, events, timers,
outbox, audit-grade writes).

Run as a module: ``python bench/bare_api.py DATABASE_URL PORT``.
"""

from __future__ import annotations

import sys
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


def create_bare_app(url: str) -> FastAPI:
    engine = make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
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
    uvicorn.run(create_bare_app(url), host="127.0.0.1", port=port, log_level="warning", access_log=False)
