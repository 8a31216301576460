"""The dashboard's SLA board over 10,000 open tickets: server time to render it.

    .venv/bin/python bench/bench_board.py [--size 10000] [--repeats 30] [--db sqlite,postgres]

The backlog is ``common.backlog_database`` (office-hours Sev3/Sev4 tickets opened on 5 March
2030, then SQL copies, cached between runs). The fake clock is put on Wednesday 6 March 2030,
14:00 UTC, so the board holds tickets in every state the backlog allows (breached, at risk, on
track). A user signs in through the login form; then each measurement is one ``GET /`` (the
whole page: every open ticket read as a light row, grouped and counted at ``now``, the 50 most
urgent of each group rendered) and one ``GET /board/live`` through the real ASGI app in-process
(``TestClient``): wall time from request to the last byte, median of ``--repeats`` after two
warm-ups. The page lists 50 tickets per group ("show more" pages on).

Baseline in the same run: reading the same light columns of every open ticket with one
``SELECT`` through SQLAlchemy Core, nothing else — the least any board over these tickets must
do. Target: the page under 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import select

from common import (
    Target,
    add_common_arguments,
    backlog_database,
    command_line,
    git_revision,
    kinds,
    log,
    machine_facts,
    signed_in_page_client,
)
from sevflow.adapters.db.tables import tickets

NOW = datetime(2030, 3, 6, 14, 0, tzinfo=UTC)
TARGET_MS = 200.0


def measure(target: Target, repeats: int) -> dict[str, float]:
    with signed_in_page_client(target, NOW, user="bench-lead", role="lead") as (box, client):
        light = select(*[c for c in tickets.c if c.name not in ("state", "external_id", "created_at")]).where(
            tickets.c.is_open.is_(True)
        )
        result: dict[str, list[float]] = {"page": [], "live": [], "baseline": []}
        open_count = 0
        for n in range(repeats + 2):
            started = time.perf_counter()
            page = client.get("/")
            page_s = time.perf_counter() - started
            assert page.status_code == 200, page.text[:500]
            started = time.perf_counter()
            live = client.get("/board/live")
            live_s = time.perf_counter() - started
            assert live.status_code == 200
            started = time.perf_counter()
            with box.engine.connect() as conn:
                open_count = len(conn.execute(light).all())
            base_s = time.perf_counter() - started
            if n >= 2:
                result["page"].append(page_s)
                result["live"].append(live_s)
                result["baseline"].append(base_s)
    summary = {k: statistics.median(v) * 1000 for k, v in result.items()}
    summary["open"] = open_count
    summary["bytes"] = len(page.content)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_arguments(parser)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    rows = []
    for kind in kinds(args.db):
        target = backlog_database(kind, args.size, args)
        log(f"{kind}: measuring the board over {args.size:,} open tickets")
        got = measure(target, args.repeats)
        rows.append((target, got))
        log(
            f"{kind}: page {got['page']:.1f} ms, live {got['live']:.1f} ms, baseline {got['baseline']:.1f} ms"
        )
    print(machine_facts([t for t, _ in rows]))
    print(f"Command: `{command_line()}`; revision {git_revision()}\n")
    print(
        "| database | open tickets | board page `GET /` | live body `GET /board/live` | baseline: one SELECT of the light rows | page / baseline | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for target, got in rows:
        verdict = "met" if got["page"] < TARGET_MS else "**not met**"
        print(
            f"| {target.label} | {int(got['open']):,} | {got['page']:.1f} ms | {got['live']:.1f} ms | "
            f"{got['baseline']:.1f} ms | {got['page'] / got['baseline']:.2f}x | < {TARGET_MS:.0f} ms: {verdict} |"
        )
    print(f"\nMedians of {args.repeats} requests each; the page weighs {int(rows[0][1]['bytes']):,} bytes.")


if __name__ == "__main__":
    sys.exit(main())
