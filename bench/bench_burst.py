"""Figure 2 -- burst: 100,000 timers falling due at once, worked off by the timer engine.

    .venv/bin/python bench/bench_burst.py [--n 100000] [--batch 200] [--repeats 3]
        [--db sqlite,postgres] [--pg-workers 2] [--fresh-seed] [--drop-seed]

The seed: ``--n`` office-hours Sev3/Sev4 tickets (``common.office_request``) opened through
``open_tickets`` on a fake clock, 1,000 per transaction and one second apart, starting
Tuesday 3 March 2026 10:00 Berlin. Each ticket's first due moment is its owner's handoff timeout
15 business minutes later; nothing else falls due within 90 minutes. The burst instant is one
minute after the last of them, so exactly ``--n`` timer rows are due, one per ticket.

Each repeat copies the seed database (file copy / ``CREATE DATABASE ... TEMPLATE``) and starts
the workers -- separate processes, each with its own ``build_container`` and a fake clock fixed
at the burst instant, each calling ``services.timers.tick(limit=--batch)`` in a loop until a
tick claims nothing. Every fire is the real one: load and lock the ticket, ``run_due``
(decide, fire the handoff timeout, reassign to the next owner, decide again), events, outbox
rows, the new timer rows, the ticket row and the owners' loads, committed per tick.
SQLite runs one worker (its rule); PostgreSQL runs ``--pg-workers`` (``FOR UPDATE SKIP LOCKED``).
Timers/s = timer rows claimed / wall time from the common start to the last worker's end.
The run checks that every timer fired exactly once (one ``handoff_timed_out`` event per ticket,
no failed tickets).

Baseline, same run, same database: a bare one-row-per-commit insert through ``make_engine``,
with as many processes as workers (``common.bare_insert_rate_parallel``).
Targets: >= 1,000 timers/s on SQLite (one worker), >= 2,000/s on PostgreSQL with two workers.

The seed is ``ANALYZE``d, as any bulk load should be (PostgreSQL's planner otherwise scans whole
tables for a tick's ``ticket_id IN (...)`` lookups until autovacuum has analyzed them). The seed is cached (``--workdir``/sevflow_bench_burst_seed_<n>.db, PostgreSQL database
sevflow_bench_burst_seed_<n>) between runs; ``--fresh-seed`` rebuilds it, ``--drop-seed`` removes
it at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from common import (
    OFFICE_MORNING,
    Target,
    add_common_arguments,
    analyze,
    bare_insert_rate_parallel,
    command_line,
    container_for,
    copy_database,
    database_exists,
    drop_bare_table,
    drop_database,
    empty_database,
    git_revision,
    kinds,
    log,
    machine_facts,
    median,
    office_request,
    open_in_batches,
    pg_url,
    sqlite_url,
)
from sevflow.adapters.db.engine import make_engine
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.services.timers import tick
from sevflow.testing import FakeClock

SEED_BATCH = 1_000
TARGETS = {("sqlite", 1): 1_000, ("postgres", 2): 2_000}


def burst_instant(n: int) -> Any:
    return OFFICE_MORNING + timedelta(seconds=-(-n // SEED_BATCH)) + timedelta(minutes=16)


def seed(kind: str, args: argparse.Namespace) -> Target:
    name = f"sevflow_bench_burst_seed_{args.n}"
    target = (
        Target("sqlite", sqlite_url(args.workdir / f"{name}.db"))
        if kind == "sqlite"
        else Target("postgres", pg_url(args.postgres, name))
    )
    if database_exists(target) and not args.fresh_seed:
        engine = make_engine(target.url)
        try:
            with engine.connect() as conn:
                due = conn.execute(
                    text("SELECT count(*) FROM timers WHERE due_at <= :at"), {"at": burst_instant(args.n)}
                ).scalar_one()
        finally:
            engine.dispose()
        if due == args.n:
            log(f"{kind}: reusing the cached seed {target.url}")
            analyze(target)
            return target
    target = empty_database(kind, name, args)
    clock = FakeClock(OFFICE_MORNING)
    box = container_for(target, clock)
    try:
        seconds = open_in_batches(box, clock, office_request, range(args.n), batch=SEED_BATCH)
        log(f"{kind}: seeded {args.n:,} tickets in {seconds:.0f} s ({args.n / seconds:,.0f}/s)")
    finally:
        box.close()
    analyze(target)
    return target


@dataclass(frozen=True)
class WorkerResult:
    claimed: int
    events: int
    failed: int
    ticks: int
    started: float
    ended: float


def worker(url: str, at: Any, batch: int, start_at: float, out: Any) -> None:
    box = build_container(Settings(database_url=url), clock=FakeClock(at), migrate_schema=False)
    claimed = events = failed = ticks = 0
    try:
        while time.monotonic() < start_at:
            time.sleep(0.0005)
        started = time.monotonic()
        while True:
            result = tick(box.uow_factory, clock=box.clock, limit=batch)
            if not result.claimed:
                break
            ticks += 1
            claimed += result.claimed
            events += result.events
            failed += result.failed
        out.put((claimed, events, failed, ticks, started, time.monotonic()))  # plain: crosses processes
    finally:
        box.close()


def run_burst(target: Target, workers: int, args: argparse.Namespace) -> tuple[float, list[WorkerResult]]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.monotonic() + 4.0  # time for the children to import and connect
    children = [
        ctx.Process(target=worker, args=(target.url, burst_instant(args.n), args.batch, start_at, queue))
        for _ in range(workers)
    ]
    for child in children:
        child.start()
    results = [WorkerResult(*queue.get(timeout=3600)) for _ in children]
    for child in children:
        child.join()
    wall = max(r.ended for r in results) - min(r.started for r in results)
    claimed = sum(r.claimed for r in results)
    failed = sum(r.failed for r in results)
    engine = make_engine(target.url)
    try:
        with engine.connect() as conn:
            fired = conn.execute(text("SELECT count(*) FROM ticket_events WHERE kind = 'handoff_timed_out'"))
            fired_events = fired.scalar_one()
    finally:
        engine.dispose()
    if claimed != args.n or failed or fired_events != args.n:
        raise SystemExit(
            f"burst check failed on {target.kind}: claimed {claimed}, failed {failed}, "
            f"handoff_timed_out events {fired_events}, expected {args.n} each"
        )
    return claimed / wall, results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="timers due at once (one per ticket)")
    parser.add_argument("--batch", type=int, default=200, help="timer rows per tick (tick's limit)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pg-workers", default="2", help="comma-separated worker counts for PostgreSQL")
    parser.add_argument("--bare-seconds", type=float, default=3.0, help="length of the baseline run")
    parser.add_argument("--fresh-seed", action="store_true", help="rebuild the cached seed databases")
    parser.add_argument("--drop-seed", action="store_true", help="drop the seed databases at the end")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    plans = [
        (kind, workers)
        for kind in kinds(args.db)
        for workers in ([1] if kind == "sqlite" else [int(w) for w in args.pg_workers.split(",")])
    ]
    seeds = {kind: seed(kind, args) for kind in kinds(args.db)}
    rates: dict[tuple[str, int], list[float]] = {}
    bares: dict[tuple[str, int], list[float]] = {}
    for repeat in range(args.repeats):
        for kind, workers in plans:
            run = copy_database(seeds[kind], f"sevflow_bench_burst_run_{kind}", args)
            try:
                rate, results = run_burst(run, workers, args)
                bare = bare_insert_rate_parallel(run.url, workers, args.bare_seconds)
                drop_bare_table(run.url)
            finally:
                drop_database(run)
            rates.setdefault((kind, workers), []).append(rate)
            bares.setdefault((kind, workers), []).append(bare)
            ticks = sum(r.ticks for r in results)
            events = sum(r.events for r in results)
            log(
                f"{kind} x{workers} repeat {repeat + 1}: {rate:,.0f} timers/s "
                f"({ticks} ticks, {events / args.n:.1f} events per timer; bare insert {bare:,.0f} rows/s)"
            )
    if args.drop_seed:
        for target in seeds.values():
            drop_database(target)
    print()
    print("### Figure 2: burst of due timers")
    print()
    print(f"- Command: `{command_line()}` (revision {git_revision()})")
    print(
        f"- {args.n:,} timers due at once (one per ticket), ticks of {args.batch}, "
        f"{args.repeats} repeats, median"
    )
    print()
    print("| database | workers | timers/s (median) | all repeats | bare insert rows/s | ratio | target |")
    print("|---|--:|--:|---|--:|--:|---|")
    for (kind, workers), runs in rates.items():
        rate, bare = median(runs), median(bares[kind, workers])
        goal = TARGETS.get((kind, workers))
        verdict = f">= {goal:,}: **{'met' if rate >= goal else 'NOT met'}**" if goal else "(reported)"
        label = "SQLite (WAL)" if kind == "sqlite" else "PostgreSQL"
        print(
            f"| {label} | {workers} | {rate:,.0f} | {', '.join(f'{r:,.0f}' for r in runs)} "
            f"| {bare:,.0f} | {rate / bare:.2f} | {verdict} |"
        )
    print()
    print(f"Machine: {machine_facts([Target('postgres', args.postgres)] if 'postgres' in args.db else [])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
