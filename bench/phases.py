"""Where the time goes: CPU per ticket (opening) or per fired timer (tick), split by phase.

    .venv/bin/python bench/phases.py create [--n 10000] [--db sqlite]
    .venv/bin/python bench/phases.py tick [--n 3000] [--db postgres]

Not a figure: a diagnostic for BENCHMARKS.md. It runs the public paths (``open_tickets`` in
batches of 500; ``tick(limit=200)`` on a burst of handoff timeouts, as bench_burst.py) on a
scratch database, with the domain and repository entry points wrapped in timers that add up
their process CPU time. Nested phases are not subtracted (``save tickets`` includes the
snapshot and its JSON). "other" is everything not listed: SQLAlchemy's statement set-up, the
unit of work, the services' own loops.
"""

from __future__ import annotations

import argparse
import collections
import functools
import sys
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from common import (
    ACTOR,
    OFFICE_MORNING,
    add_common_arguments,
    analyze,
    container_for,
    drop_database,
    empty_database,
    mixed_request,
    office_request,
    open_in_batches,
)
from sevflow.adapters.db import context
from sevflow.adapters.db.repositories import agents, events, outbox, tickets, timers
from sevflow.domain.tickets import Ticket
from sevflow.services import changes
from sevflow.services import tickets as ticket_service
from sevflow.services import timers as timer_service
from sevflow.testing import FakeClock

spent: collections.Counter[str] = collections.Counter()


def timed(owner: Any, name: str, label: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started

    setattr(owner, name, wrapper)


def instrument() -> None:
    timed(Ticket, "open", "Ticket.open (domain)")
    timed(ticket_service, "settle", "run_due (domain)")
    timed(timer_service, "settle", "run_due (domain)")
    timed(Ticket, "to_snapshot", "to_snapshot (domain)")
    timed(changes, "timer_rows", "timer rows")
    timed(tickets.SqlTicketRepository, "lock_many", "load + lock tickets")
    timed(tickets.SqlTicketRepository, "add_many", "insert tickets")
    timed(tickets.SqlTicketRepository, "save_many", "save tickets")
    timed(events.SqlEventRepository, "append_many", "events")
    timed(outbox.SqlOutboxRepository, "add_many", "outbox")
    timed(timers.SqlTimerRepository, "replace_many", "timers")
    timed(timers.SqlTimerRepository, "claim_due", "claim due timers")
    timed(agents.SqlAgentRepository, "staffing", "staffing")
    timed(agents.SqlAgentRepository, "adjust_load", "agent loads")
    timed(context.SqlContext, "commit", "commit")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["create", "tick"])
    parser.add_argument("--n", type=int, help="tickets (create: 10,000; tick: 3,000)")
    add_common_arguments(parser, databases="sqlite")
    args = parser.parse_args(argv)
    n = args.n or (10_000 if args.what == "create" else 3_000)
    kind = args.db.split(",")[0]
    target = empty_database(kind, f"sevflow_bench_phases_{args.what}", args)
    clock = FakeClock(OFFICE_MORNING)
    box = container_for(target, clock)
    try:
        if args.what == "create":
            open_in_batches(box, clock, mixed_request, range(10**7, 10**7 + 500), batch=500)  # warm-up
            requests = [mixed_request(i) for i in range(n)]
            instrument()
            started, wall = time.process_time(), time.perf_counter()
            for start in range(0, n, 500):
                ticket_service.open_tickets(
                    box.uow_factory(), clock=clock, actor=ACTOR, requests=requests[start : start + 500]
                )
                clock.advance(seconds=1)
        else:
            open_in_batches(box, clock, office_request, range(n), batch=1_000)
            analyze(target)
            clock.set(OFFICE_MORNING + timedelta(minutes=16, seconds=n // 1_000 + 1))
            timer_service.tick(box.uow_factory, clock=clock, limit=200)  # warm-up
            instrument()
            started, wall = time.process_time(), time.perf_counter()
            while timer_service.tick(box.uow_factory, clock=clock, limit=200).claimed:
                pass
            n -= 200
        cpu, wall = time.process_time() - started, time.perf_counter() - wall
    finally:
        box.close()
        drop_database(target)
    unit = "ticket" if args.what == "create" else "fired timer"
    print(
        f"{args.what} on {kind}: {n:,} in {wall:.2f} s ({n / wall:,.0f}/s); CPU {cpu / n * 1e6:.0f} us per {unit}"
    )
    print(f"| phase | CPU us per {unit} |")
    print("|---|--:|")
    for label, seconds in spent.most_common():
        print(f"| {label} | {seconds / n * 1e6:.0f} |")
    top = {
        "Ticket.open (domain)",
        "run_due (domain)",
        "load + lock tickets",
        "insert tickets",
        "save tickets",
    }
    top |= {
        "events",
        "outbox",
        "timers",
        "claim due timers",
        "staffing",
        "agent loads",
        "commit",
        "timer rows",
    }
    print(f"| other | {(cpu - sum(v for k, v in spent.items() if k in top)) / n * 1e6:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
