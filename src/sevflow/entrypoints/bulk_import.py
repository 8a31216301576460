"""Importing many tickets at once, in parallel processes (``sevflow ticket import``).

Each process builds its own container on the same database and opens its share of the
tickets through ``services.tickets.open_tickets``, a batch per transaction. ``open_tickets``
works out the tickets before it takes the write lock, so on SQLite the processes compute side
by side and queue only for their short writes; on PostgreSQL they write side by side too.
Batches are dealt to the processes in turn (batch k to process k mod jobs). With one job the
tickets are opened in file order in this process.

A batch is all or nothing. If a process fails, the batches already committed stay: importing
the same file again skips every ticket whose external id is already stored.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from threading import Barrier as BarrierType

from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.domain.errors import InfrastructureError
from sevflow.entrypoints.process import settle_heap
from sevflow.services.actors import Actor
from sevflow.services.ports import Clock
from sevflow.services.tickets import NewTicket, open_tickets


@dataclass(frozen=True)
class ImportResult:
    opened: int
    seconds: float
    jobs: int


def import_tickets(
    settings: Settings,
    requests: Sequence[NewTicket],
    *,
    actor: Actor,
    jobs: int = 1,
    batch: int = 500,
    clock: Clock | None = None,
) -> ImportResult:
    """Open ``requests`` (already checked, e.g. by ``plan_import``) in batches of ``batch``,
    spread over ``jobs`` processes; ``clock`` (picklable; default the system clock) is each
    process's clock. Returns how many were opened and the wall time from the start of the
    first batch to the end of the last."""
    if jobs < 1 or batch < 1:
        raise ValueError(f"jobs and batch must be at least 1, got jobs={jobs}, batch={batch}")
    batches = [list(requests[start : start + batch]) for start in range(0, len(requests), batch)]
    jobs = max(1, min(jobs, len(batches)))
    shares = [batches[j::jobs] for j in range(jobs)]
    if jobs == 1:
        started = time.perf_counter()
        count = [0]
        _open_share(settings, shares[0], actor, clock, None, count)
        return ImportResult(count[0], time.perf_counter() - started, 1)
    context = multiprocessing.get_context("spawn")  # no fork of a process holding connections
    ready = context.Barrier(jobs + 1)
    results: multiprocessing.Queue[tuple[int, str | None]] = context.Queue()
    processes = [
        context.Process(target=_job, args=(settings, share, actor, clock, ready, results), name=f"import-{j}")
        for j, share in enumerate(shares)
    ]
    for process in processes:
        process.start()
    outcomes: list[tuple[int, str | None]] = []
    try:
        # every process has started and built its container; a process that failed while
        # starting aborts the barrier (its error is collected below)
        with contextlib.suppress(threading.BrokenBarrierError):
            ready.wait(timeout=120)
        started = time.perf_counter()
        outcomes = _collect(results, processes)
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.join()
    failures = [error for _, error in outcomes if error is not None]
    silent = len(processes) - len(outcomes)
    if silent:
        codes = ", ".join(str(p.exitcode) for p in processes)
        failures.append(f"{silent} process(es) ended without reporting (exit codes {codes})")
    opened = sum(count for count, _ in outcomes)
    if failures:
        raise InfrastructureError(
            f"{len(failures)} of {jobs} import processes failed ({failures[0]}); {opened} tickets "
            "were committed: import the same file again to add the rest (tickets whose external_id "
            "is already stored are skipped)"
        )
    return ImportResult(opened, seconds, jobs)


def _collect(
    results: multiprocessing.Queue[tuple[int, str | None]], processes: Sequence[BaseProcess]
) -> list[tuple[int, str | None]]:
    """Every process's report; stops waiting for those that died without one."""
    outcomes: list[tuple[int, str | None]] = []
    while len(outcomes) < len(processes):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if not any(p.is_alive() for p in processes):
                try:  # a report may still be in the pipe
                    while len(outcomes) < len(processes):
                        outcomes.append(results.get(timeout=1))
                except queue.Empty:
                    break
    return outcomes


def _job(
    settings: Settings,
    share: list[list[NewTicket]],
    actor: Actor,
    clock: Clock | None,
    ready: BarrierType,
    results: multiprocessing.Queue[tuple[int, str | None]],
) -> None:
    """One import process: report ``(tickets opened, error or None)``."""
    opened = [0]
    try:
        _open_share(settings, share, actor, clock, ready, opened)
        results.put((opened[0], None))
    except Exception as error:  # reported to the parent, which names it
        ready.abort()  # if it failed before the start, nobody waits for it
        results.put((opened[0], f"{type(error).__name__}: {error}"))


def _open_share(
    settings: Settings,
    share: list[list[NewTicket]],
    actor: Actor,
    clock: Clock | None,
    ready: BarrierType | None,
    opened: list[int],
) -> None:
    """Open every batch of ``share``; ``opened[0]`` counts the tickets committed so far."""
    box = build_container(settings, clock=clock, migrate_schema=False)
    try:
        if ready is not None:  # a process of its own: see settle_heap
            settle_heap()
            ready.wait(timeout=120)
        for requests in share:
            opened[0] += len(
                open_tickets(
                    box.uow_factory(),
                    clock=box.clock,
                    actor=actor,
                    requests=requests,
                    read_uow=box.read_before_write(),
                    model=box.severity_model,
                )
            )
    finally:
        box.close()
