"""Figure 4 -- lateness and memory: the real worker, the real clock, 1,000,000 open tickets.

    .venv/bin/python bench/bench_lateness.py [--backlog 1000000] [--rate 300] [--duration 60]
        [--group 10] [--repeats 1] [--db sqlite,postgres] [--fresh-backlog]

The database holds ``--backlog`` open tickets whose timers lie in 2030 (``common.backlog_database``,
cached between runs; see bench_tick_scaling.py). On top of it the load: ``--rate x --duration``
Sev2 enterprise tickets on the 24x7 calendar (``common.around_the_clock_request``), opened
through ``open_tickets`` beforehand, ``--group`` per call, each group on a fake clock set 15
minutes before the real instant its handoff timeout must fire. The due instants are spread
evenly: ``--rate`` timers fall due per second for ``--duration`` seconds, starting a few seconds
after the seeding ends.

The worker is the real one in its own process: ``build_container`` with the system clock and
``entrypoints.worker.run_worker`` (default batch 200, naps until the next due moment, at most
1 s). Each fired timer's lateness is measured twice, from the ``TickResult`` handed to
``on_tick``: *claimed* = the tick's ``now`` - due (what ``TickResult.lateness_seconds`` holds) and
*committed* = the instant ``on_tick`` runs, just after the tick's commit - due (the time until the
fire is durable, which is what a customer would see). The parent samples the worker's resident
set size (psutil RSS) every 50 ms; the worker also reports its own peak (``ru_maxrss``).
Targets: p99 lateness <= 1 s and peak RSS <= 300 MB, on SQLite and on PostgreSQL.

The tickets a run adds are deleted afterwards (and the agents' loads restored), so the cached
backlog stays as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import queue as queues
import resource
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil

from common import (
    ACTOR,
    Target,
    add_common_arguments,
    agent_loads,
    around_the_clock_request,
    backlog_database,
    command_line,
    git_revision,
    kinds,
    log,
    machine_facts,
    median,
    percentile,
    remove_tickets_above,
    restore_agent_loads,
)
from sevflow.adapters.clock import SystemClock
from sevflow.adapters.db.engine import make_engine
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.entrypoints.worker import run_worker
from sevflow.services.tickets import open_tickets
from sevflow.services.timers import TickResult
from sevflow.testing import FakeClock

HANDOFF = timedelta(minutes=15)
P99_TARGET_S = 1.0
RSS_TARGET_MB = 300


def seeding_rate(target: Target, args: argparse.Namespace) -> float:
    """Tickets/s at which ``seed_load`` will open the load: a pilot of 20 groups on a fake
    clock in 2031 (removed again by the caller's clean-up)."""
    clock = FakeClock(datetime(2031, 3, 4, 9, tzinfo=UTC))
    box = build_container(Settings(database_url=target.url), clock=clock, migrate_schema=False)
    try:
        started = time.perf_counter()
        for start in range(0, 20 * args.group, args.group):
            requests = [around_the_clock_request(i) for i in range(start, start + args.group)]
            open_tickets(box.uow_factory(), clock=clock, actor=ACTOR, requests=requests)
        return 20 * args.group / (time.perf_counter() - started)
    finally:
        box.close()


def seed_load(target: Target, args: argparse.Namespace, lead: float) -> tuple[datetime, int, float]:
    """Open the load tickets so that their handoffs fall due from ``now + lead`` on. Returns
    (first due instant, tickets, seconds the seeding took)."""
    count = int(args.rate * args.duration)
    clock = FakeClock(datetime.now(UTC))
    box = build_container(Settings(database_url=target.url), clock=clock, migrate_schema=False)
    started = time.perf_counter()
    first_due = datetime.now(UTC) + timedelta(seconds=lead)
    try:
        for start in range(0, count, args.group):
            due = first_due + timedelta(seconds=start / args.rate)
            clock.set(due - HANDOFF)
            requests = [around_the_clock_request(i) for i in range(start, min(start + args.group, count))]
            open_tickets(box.uow_factory(), clock=clock, actor=ACTOR, requests=requests)
    finally:
        box.close()
    return first_due, count, time.perf_counter() - started


def worker(url: str, expected: int, give_up_at: float, out: Any) -> None:
    """The worker process: ``run_worker`` until ``expected`` timers fired (or ``give_up_at``)."""
    box = build_container(Settings(database_url=url), clock=SystemClock(), migrate_schema=False)
    clock = box.clock
    stop = threading.Event()
    claimed: list[float] = []
    committed: list[float] = []
    batches: list[int] = []

    def on_tick(result: TickResult) -> None:
        after = (clock.now() - result.now).total_seconds()
        claimed.extend(result.lateness_seconds)
        committed.extend(late + after for late in result.lateness_seconds)
        batches.append(result.claimed)
        if len(claimed) >= expected:
            stop.set()

    def watchdog() -> None:
        while not stop.is_set() and time.monotonic() < give_up_at:
            time.sleep(0.2)
        stop.set()

    threading.Thread(target=watchdog, daemon=True).start()
    out.put(("ready", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    try:
        stats = run_worker(box, stop=stop, on_tick=on_tick)
    finally:
        box.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put(("done", (claimed, committed, batches, stats.failed, peak)))


def one_run(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    engine = make_engine(target.url)
    loads = agent_loads(engine)
    remove_tickets_above(engine, args.backlog)
    try:
        lead = args.lead
        if lead is None:
            rate = seeding_rate(target, args)
            remove_tickets_above(engine, args.backlog)
            lead = 5 + 1.3 * args.rate * args.duration / rate
        while True:
            first_due, count, seconds = seed_load(target, args, lead)
            margin = (first_due - datetime.now(UTC)).total_seconds()
            log(
                f"{target.kind}: {count:,} load tickets opened in {seconds:.1f} s; first due in {margin:.1f} s"
            )
            if margin >= 3.0:
                break
            remove_tickets_above(engine, args.backlog)
            lead = lead * 2 + seconds
            log(f"{target.kind}: seeding overran the first due instant; again with a lead of {lead:.0f} s")
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        give_up_at = time.monotonic() + margin + args.duration + 60
        child = ctx.Process(target=worker, args=(target.url, count, give_up_at, queue))
        child.start()
        kind, rss_after_start = queue.get(timeout=120)
        assert kind == "ready"
        process = psutil.Process(child.pid)
        peak_rss = 0.0
        result = None
        while result is None:
            with contextlib.suppress(psutil.NoSuchProcess):
                peak_rss = max(peak_rss, process.memory_info().rss / 2**20)
            try:
                kind, result = queue.get(timeout=0.05)
            except queues.Empty:  # keep sampling
                continue
        child.join()
        claimed, committed, batches, failed, ru_peak = result
        if len(claimed) < count or failed:
            raise SystemExit(f"the worker fired {len(claimed)} of {count} timers ({failed} failed)")
        return {
            "claimed": claimed,
            "committed": committed,
            "batches": batches,
            "rss_peak": peak_rss,
            "ru_peak": ru_peak,
            "rss_start": rss_after_start,
        }
    finally:
        remove_tickets_above(engine, args.backlog)
        restore_agent_loads(engine, loads)
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backlog", type=int, default=1_000_000, help="open tickets already stored")
    parser.add_argument("--rate", type=float, default=300, help="timers falling due per second")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument(
        "--group", type=int, default=10, help="tickets per open_tickets call (same due instant)"
    )
    parser.add_argument(
        "--lead", type=float, help="seconds from the start of seeding to the first due (default: measured)"
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--fresh-backlog", action="store_true", help="rebuild the cached backlogs")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    rows = []
    for kind in kinds(args.db):
        target = backlog_database(kind, args.backlog, args, fresh=args.fresh_backlog)
        runs = []
        for repeat in range(args.repeats):
            run = one_run(target, args)
            runs.append(run)
            log(
                f"{kind} repeat {repeat + 1}: p99 committed {percentile(run['committed'], 0.99) * 1000:.0f} ms, "
                f"peak RSS {run['rss_peak']:.0f} MB"
            )
        rows.append((target, runs))
    print()
    print("### Figure 4: lateness and memory under steady load")
    print()
    print(f"- Command: `{command_line()}` (revision {git_revision()})")
    print(
        f"- {args.backlog:,} open tickets stored; {args.rate:g} timers/s falling due for {args.duration:g} s "
        f"(groups of {args.group}); worker = `run_worker` in its own process, system clock; "
        f"{args.repeats} repeat(s), median over repeats"
    )
    print()
    print(
        "| database | fired | p50 / p99 / max committed lateness | p99 claimed lateness | timers/tick "
        "| peak RSS (psutil) | ru_maxrss | target |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|---|")
    for target, runs in rows:
        p50 = median([percentile(r["committed"], 0.5) for r in runs])
        p99 = median([percentile(r["committed"], 0.99) for r in runs])
        top = median([max(r["committed"]) for r in runs])
        p99c = median([percentile(r["claimed"], 0.99) for r in runs])
        rss = median([r["rss_peak"] for r in runs])
        ru = median([r["ru_peak"] for r in runs])
        per_tick = median([median(r["batches"]) for r in runs])
        fired = len(runs[0]["claimed"])
        ok = p99 <= P99_TARGET_S and rss <= RSS_TARGET_MB
        print(
            f"| {target.label} | {fired:,} | {p50 * 1000:.0f} / {p99 * 1000:.0f} / {top * 1000:.0f} ms "
            f"| {p99c * 1000:.0f} ms | {per_tick:g} | {rss:.0f} MB | {ru:.0f} MB "
            f"| p99 <= {P99_TARGET_S:g} s, RSS <= {RSS_TARGET_MB} MB: **{'met' if ok else 'NOT met'}** |"
        )
    print()
    print(f"Machine: {machine_facts([Target('postgres', args.postgres)] if 'postgres' in args.db else [])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
