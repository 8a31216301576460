"""Figure 3 -- a tick's cost does not grow with the backlog: 10,000 vs 1,000,000 open tickets.

    .venv/bin/python bench/bench_tick_scaling.py [--sizes 10000,1000000] [--due 100] [--ticks 20]
        [--repeats 3] [--db sqlite,postgres] [--fresh-backlog] [--drop-backlog]

The backlog (``common.backlog_database``): 5,000 office-hours tickets opened through
``open_tickets`` on 5 March 2030, then copied with ``INSERT ... SELECT`` (tickets, events, timers,
outbox rows; ids shifted, idempotency keys renumbered) up to the size. None of their timers is
due before 2030. The backlog databases are cached between runs (building the 1M one takes a few
minutes: SQLite ~5 GB in ``--workdir``, PostgreSQL database ``sevflow_bench_backlog_1000000``);
``--fresh-backlog`` rebuilds them, ``--drop-backlog`` removes them at the end.

Each repeat, on each size in turn: open ``--due x --ticks`` office-hours tickets through
``open_tickets`` on 3 March 2026 (one batch of ``--due`` per second, so each batch's handoff
timeouts fall due together), move the fake clock past them, and time ``--ticks`` calls of
``services.timers.tick(limit=--due)`` -- each claims and fires exactly ``--due`` timers. Then the
tickets the repeat added are deleted and the agents' loads restored, so every repeat sees the
same database. Cost of a tick = the median of the per-tick wall times over all repeats (the
first tick of each repeat is dropped as warm-up). Target: 1M / 10k <= 1.5.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import timedelta

from common import (
    OFFICE_MORNING,
    Target,
    add_common_arguments,
    agent_loads,
    backlog_database,
    command_line,
    count_rows,
    drop_database,
    git_revision,
    kinds,
    log,
    machine_facts,
    median,
    office_request,
    open_in_batches,
    percentile,
    remove_tickets_above,
    restore_agent_loads,
)
from sevflow.adapters.db.engine import make_engine
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.services.timers import tick
from sevflow.testing import FakeClock

TARGET_RATIO = 1.5


def one_repeat(target: Target, size: int, args: argparse.Namespace) -> list[float]:
    """Per-tick wall times (seconds) of one repeat on the backlog ``target``."""
    clock = FakeClock(OFFICE_MORNING)
    box = build_container(Settings(database_url=target.url), clock=clock, migrate_schema=False)
    loads = agent_loads(box.engine)
    try:
        remove_tickets_above(box.engine, size)  # leftovers of an interrupted run
        count = args.due * args.ticks
        open_in_batches(box, clock, office_request, range(count), batch=args.due)
        clock.set(OFFICE_MORNING + timedelta(minutes=16, seconds=args.ticks))
        times = []
        for _ in range(args.ticks):
            started = time.perf_counter()
            result = tick(box.uow_factory, clock=clock, limit=args.due)
            times.append(time.perf_counter() - started)
            if result.claimed != args.due or result.failed:
                raise SystemExit(
                    f"tick claimed {result.claimed} (failed {result.failed}), expected {args.due}"
                )
        return times[1:]
    finally:
        remove_tickets_above(box.engine, size)
        restore_agent_loads(box.engine, loads)
        box.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="backlog sizes, smallest first")
    parser.add_argument("--due", type=int, default=100, help="due timers per tick (tick's limit)")
    parser.add_argument("--ticks", type=int, default=20, help="ticks timed per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fresh-backlog", action="store_true", help="rebuild the cached backlogs")
    parser.add_argument("--drop-backlog", action="store_true", help="drop the backlogs at the end")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    targets = {
        (kind, size): backlog_database(kind, size, args, fresh=args.fresh_backlog)
        for kind in kinds(args.db)
        for size in sizes
    }
    for (kind, size), target in targets.items():
        engine = make_engine(target.url)
        try:
            log(f"{kind} {size:,}: {count_rows(engine, 'timers'):,} timer rows")
        finally:
            engine.dispose()
    times: dict[tuple[str, int], list[float]] = {}
    for repeat in range(args.repeats):
        for kind in kinds(args.db):
            for size in sizes:
                runs = one_repeat(targets[kind, size], size, args)
                times.setdefault((kind, size), []).extend(runs)
                log(f"{kind} {size:,} repeat {repeat + 1}: median tick {median(runs) * 1000:.1f} ms")
    if args.drop_backlog:
        for target in targets.values():
            drop_database(target)
    print()
    print("### Figure 3: tick cost independent of the backlog")
    print()
    print(f"- Command: `{command_line()}` (revision {git_revision()})")
    print(
        f"- {args.due} due timers per tick, {args.ticks - 1} timed ticks x {args.repeats} repeats per size; "
        "median and p90 of the per-tick wall time"
    )
    print()
    print("| database | open tickets | tick (median) | tick p90 | per timer | ratio to smallest | target |")
    print("|---|--:|--:|--:|--:|--:|---|")
    for kind in kinds(args.db):
        base = median(times[kind, sizes[0]])
        for size in sizes:
            t = median(times[kind, size])
            ratio = t / base
            verdict = (
                f"<= {TARGET_RATIO}: **{'met' if ratio <= TARGET_RATIO else 'NOT met'}**"
                if size != sizes[0]
                else "(baseline)"
            )
            label = "SQLite (WAL)" if kind == "sqlite" else "PostgreSQL"
            print(
                f"| {label} | {size:,} | {t * 1000:.1f} ms | {percentile(times[kind, size], 0.9) * 1000:.1f} ms "
                f"| {t / args.due * 1e6:,.0f} µs | {ratio:.2f} | {verdict} |"
            )
    print()
    print(f"Machine: {machine_facts([Target('postgres', args.postgres)] if 'postgres' in args.db else [])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
