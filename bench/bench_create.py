"""Figure 1 -- bulk creation through the domain: tickets/s through ``sevflow ticket import``'s
engine, ``entrypoints.bulk_import.import_tickets``.

    .venv/bin/python bench/bench_create.py [--n 20000] [--batch 500] [--jobs 1,2] [--repeats 3]
        [--db sqlite,postgres]

Each repeat opens ``--n`` tickets on a fresh, migrated database with the starter policy active,
``--batch`` per transaction (``services.tickets.open_tickets``), once for each ``--jobs`` value:
1 = in this process, in order; N = N processes, batches dealt to them in turn. Every ticket
goes the whole way: intake rules propose a severity, the SLA clocks start on their business
calendars, an owner is chosen from the agents' loads, the escalation engine computes every
upcoming due moment (``decide``), and the ticket row, its events, outbox rows, its timer row
and the owners' new loads are written and committed. The mix (``common.mixed_request``): 95 %
office-hours Sev3/Sev4, 4 % Sev2 by intake rule, 1 % Sev1 by keyword (approval gate, paging).
The clock reads Tuesday 09:00 Berlin and moves one second per batch (``SteppingClock``).

Rate = tickets / wall time from the moment every process has built its container (and
frozen its start-up heap, as the CLI does) to the last commit; the start-up itself (spawning
the processes, imports, connecting) is reported separately. One warm-up batch runs first in
this process. Baseline, same run, same database: a bare one-row-per-commit insert through
``make_engine`` (``common.bare_insert_rate``). Target: >= 5,000 tickets/s on SQLite.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from common import (
    ACTOR,
    OFFICE_MORNING,
    STARTER,
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
from sevflow.config import Settings
from sevflow.entrypoints.bulk_import import import_tickets
from sevflow.entrypoints.process import settle_heap
from sevflow.testing import FakeClock

TARGET_SQLITE = 5_000


@dataclass
class SteppingClock:
    """A picklable clock for the import processes: each ``now()`` (one per batch) is one second
    after the previous one."""

    at: datetime

    def now(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


@dataclass
class Run:
    rate: float
    startup: float
    bare: float
    rows_per_ticket: int


def one_run(kind: str, jobs: int, args: argparse.Namespace, repeat: int) -> tuple[Run, Target]:
    target = empty_database(kind, f"sevflow_bench_create_{repeat}_{jobs}", args)
    try:
        clock = FakeClock(OFFICE_MORNING)
        box = container_for(target, clock)
        try:
            warm = range(10_000_000, 10_000_000 + args.batch)
            open_in_batches(box, clock, mixed_request, warm, batch=args.batch)
            settle_heap()  # as `sevflow ticket import` does
            requests = [mixed_request(i) for i in range(args.n)]
            settings = Settings(database_url=target.url, policy_path=STARTER)
            started = time.perf_counter()
            result = import_tickets(
                settings, requests, actor=ACTOR, jobs=jobs, batch=args.batch, clock=SteppingClock(clock.now())
            )
            total = time.perf_counter() - started
            assert result.opened == args.n, result
            rows = sum(count_rows(box.engine, t) for t in ("tickets", "ticket_events", "timers", "outbox"))
            per_ticket = round(rows / (args.n + args.batch))
        finally:
            box.close()
        bare_rows, bare_seconds = bare_insert_rate(target.url, args.bare_seconds)
        run = Run(args.n / result.seconds, total - result.seconds, bare_rows / bare_seconds, per_ticket)
        return run, target
    finally:
        drop_database(target)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="tickets per repeat")
    parser.add_argument("--batch", type=int, default=500, help="tickets per transaction")
    parser.add_argument("--jobs", default="1,2", help="comma-separated process counts")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bare-seconds", type=float, default=3.0, help="length of the baseline run")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    job_counts = [int(j) for j in args.jobs.split(",")]
    results: dict[tuple[str, int], list[Run]] = {}
    targets: dict[str, Target] = {}
    for repeat in range(args.repeats):
        for kind in kinds(args.db):
            for jobs in job_counts:
                run, target = one_run(kind, jobs, args, repeat)
                targets[kind] = target
                results.setdefault((kind, jobs), []).append(run)
                log(
                    f"{kind} jobs={jobs} repeat {repeat + 1}: {run.rate:,.0f} tickets/s "
                    f"(start-up {run.startup:.2f} s; bare insert {run.bare:,.0f} rows/s)"
                )
    print()
    print("### Figure 1: bulk creation through the domain")
    print()
    print(f"- Command: `{command_line()}` (revision {git_revision()})")
    print(f"- {args.n:,} tickets per repeat in batches of {args.batch}, {args.repeats} repeats, median")
    print()
    print(
        "| database | processes | tickets/s (median) | all repeats | start-up s (median) | rows/ticket "
        "| bare insert rows/s | ratio | target |"
    )
    print("|---|--:|--:|---|--:|--:|--:|--:|---|")
    for (kind, jobs), runs in results.items():
        rate = median([r.rate for r in runs])
        bare = median([r.bare for r in runs])
        goal = (
            f">= {TARGET_SQLITE:,}: **{'met' if rate >= TARGET_SQLITE else 'NOT met'}**"
            if kind == "sqlite"
            else "(reported)"
        )
        print(
            f"| {targets[kind].label} | {jobs} | {rate:,.0f} | {', '.join(f'{r.rate:,.0f}' for r in runs)} "
            f"| {median([r.startup for r in runs]):.2f} | {runs[0].rows_per_ticket} | {bare:,.0f} "
            f"| {rate / bare:.2f} | {goal} |"
        )
    print()
    print(f"Machine: {machine_facts([Target('postgres', args.postgres)] if 'postgres' in args.db else [])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
