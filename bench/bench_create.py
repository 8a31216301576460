"""Figure 1 -- bulk creation through the domain: tickets/s through ``services.tickets.open_tickets``.

    .venv/bin/python bench/bench_create.py [--n 20000] [--batch 500] [--repeats 3] [--db sqlite,postgres]

Each repeat opens ``--n`` tickets on a fresh, migrated database with the starter policy active,
``--batch`` per call of ``open_tickets`` (one transaction each), on a fake clock that moves one
second per batch. Every ticket goes the whole way: intake rules propose a severity, the SLA
clocks start on their business calendars, an owner is chosen from the agents' loads, the
escalation engine computes every upcoming due moment (``decide``), and the ticket row, its
events, outbox rows, timer rows and the owners' new loads are written and committed.
The mix (``common.mixed_request``): 95 % office-hours Sev3/Sev4, 4 % Sev2 by intake rule,
1 % Sev1 by keyword (approval gate, paging).

One warm-up batch (policy parsing, calendar year tables, statement compilation) runs before
the clock starts. Repeats alternate between the databases; the figure is the median.
Baseline, measured in the same run on the same database: a bare one-row-per-commit insert
through ``make_engine`` (``common.bare_insert_rate``). Target: >= 5,000 tickets/s on SQLite.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from common import (
    OFFICE_MORNING,
    Target,
    add_common_arguments,
    bare_insert_rate,
    command_line,
    container_for,
    count_rows,
    drop_database,
    empty_database,
    git_revision,
    kinds,
    log,
    machine_facts,
    median,
    mixed_request,
    open_in_batches,
)
from sevflow.entrypoints.process import settle_heap
from sevflow.testing import FakeClock

TARGET_SQLITE = 5_000


def one_run(kind: str, args: argparse.Namespace, repeat: int) -> tuple[float, float, int, Target]:
    """Returns (tickets/s, bare rows/s, rows written per ticket, target)."""
    target = empty_database(kind, f"sevflow_bench_create_{repeat}", args)
    try:
        clock = FakeClock(OFFICE_MORNING)
        box = container_for(target, clock)
        try:
            warm = range(10_000_000, 10_000_000 + args.batch)
            open_in_batches(box, clock, mixed_request, warm, batch=args.batch)
            settle_heap()  # as sevflow's own long-running and bulk commands do
            seconds = open_in_batches(box, clock, mixed_request, range(args.n), batch=args.batch)
            rows = sum(count_rows(box.engine, t) for t in ("tickets", "ticket_events", "timers", "outbox"))
            per_ticket = round(rows / (args.n + args.batch))
        finally:
            box.close()
        bare_rows, bare_seconds = bare_insert_rate(target.url, args.bare_seconds)
        return args.n / seconds, bare_rows / bare_seconds, per_ticket, target
    finally:
        drop_database(target)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="tickets per repeat")
    parser.add_argument("--batch", type=int, default=500, help="tickets per open_tickets call")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bare-seconds", type=float, default=3.0, help="length of the baseline run")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    results: dict[str, list[tuple[float, float, int]]] = {}
    targets: dict[str, Target] = {}
    for repeat in range(args.repeats):
        for kind in kinds(args.db):
            rate, bare, per_ticket, target = one_run(kind, args, repeat)
            targets[kind] = target
            results.setdefault(kind, []).append((rate, bare, per_ticket))
            log(f"{kind} repeat {repeat + 1}: {rate:,.0f} tickets/s (bare insert {bare:,.0f} rows/s)")
    print()
    print("### Figure 1: bulk creation through the domain")
    print()
    print(f"- Command: `{command_line()}` (revision {git_revision()})")
    print(f"- {args.n:,} tickets per repeat in batches of {args.batch}, {args.repeats} repeats, median")
    print()
    print(
        "| database | tickets/s (median) | all repeats | rows/ticket | bare insert rows/s | ratio | target |"
    )
    print("|---|--:|---|--:|--:|--:|---|")
    for kind, runs in results.items():
        rate = median([r for r, _, _ in runs])
        bare = median([b for _, b, _ in runs])
        goal = (
            f">= {TARGET_SQLITE:,}: **{'met' if rate >= TARGET_SQLITE else 'NOT met'}**"
            if kind == "sqlite"
            else "(reported)"
        )
        print(
            f"| {targets[kind].label} | {rate:,.0f} | {', '.join(f'{r:,.0f}' for r, _, _ in runs)} "
            f"| {runs[0][2]} | {bare:,.0f} | {rate / bare:.2f} | {goal} |"
        )
    print()
    print(f"Machine: {machine_facts([Target('postgres', args.postgres)] if 'postgres' in args.db else [])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
