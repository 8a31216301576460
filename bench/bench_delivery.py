"""Delivery: webhook notifications from the outbox to a local receiver -- deliveries per second,
and the time from a Sev1 ticket's commit to its page reaching the receiver.

    .venv/bin/python bench/bench_delivery.py [--n 20000] [--repeats 3] [--processes 1,2]
        [--pages 300] [--interval 0.075] [--db sqlite,postgres] [--no-breakdown]

The receiver (``webhook_receiver.py``) is a minimal ASGI app under uvicorn (uvloop, httptools)
in a process of its own: it answers 200, checks every signature and notes every idempotency
key with the instant (``time.time()``) it arrived.

**Throughput.** Each repeat, on a fresh scratch database with the starter policy plus a
``notifications`` section sending everything to one signed ``webhook`` channel at the receiver,
starts ``--processes`` real ``sevflow dispatcher`` processes (``run_delivery``: claim up to 500,
write each message with its template and redaction, send them concurrently --
``Dispatcher.concurrency`` in flight per process --, record the attempts, repeat), waits until
they idle on the empty outbox, then opens ``--n`` office-hours tickets through
``services.tickets.open_tickets`` on the system clock in one transaction: each queues one notice
(``assigned``), so ``--n`` messages appear in the outbox at one commit. Rate = messages / time
from that commit to the last message's arrival. Afterwards every queued key must have arrived
(missing and duplicates counted), every signature must check, and once the dispatchers are
stopped every row must be ``sent``.

Baselines, same run, same receiver, no outbox, no database: ``--n`` POSTs of the messages' mean
size, signed the same way (HMAC-SHA256, the same four headers), ``Dispatcher.concurrency`` in
flight per process, from as many processes as the dispatchers, timed the same way (a common
start instant to the last arrival): (a) through that many single-connection
``httpx.AsyncClient``s, as the webhook channel sends -- the ceiling for httpx here; (b) through
one ``httpx.AsyncClient`` with httpx's default limits, the obvious way. Both apply
``http_post.remember_missing_sniffio`` as sevflow's channel does (a process-wide import fix, see
that module), so the comparison is of the sending, not of that.

**Breakdown** (one extra drain per database, not in the medians): ``run_delivery`` in a thread
of this process, over ``--n`` messages queued beforehand, with the dispatcher's unit-of-work
factory and composer wrapped in timers: claim (the claim's transaction), compose (template +
redaction), record (the attempts' transaction); the rest of the delivery thread's time is
HTTP through httpx, the event loop and waiting for answers. CPU of this process, of the
receiver and of PostgreSQL's backends per delivery too.

**Latency.** On a fresh database whose policy has a ``paging`` section (a Sev1 pages its
on-call primary when it is created) and routes ``paged`` notices to the webhook (everything
else to ``log``), one ``sevflow dispatcher`` runs. This process opens ``--pages`` Sev1 tickets
("data loss ...": the intake rule makes them Sev1, and each queues one page) one at a time, one
every ``--interval`` seconds, through ``open_tickets``, and notes ``time.time()`` just after
each commit. Latency = the page's arrival at the receiver - its ticket's commit, over every
page. Ten warm-up tickets first are not counted.

Targets: at least 1,000 deliveries/s; p99 commit-to-receiver under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import text

from common import (
    ACTOR,
    LINES,
    STARTER,
    TIERS,
    Target,
    add_common_arguments,
    analyze,
    command_line,
    git_revision,
    kinds,
    log,
    machine_facts,
    median,
    office_request,
    percentile,
    scratch,
)
from cpu_use import CpuMeter
from sevflow.bootstrap import Container, build_container
from sevflow.config import Settings
from sevflow.entrypoints.delivery import run_delivery
from sevflow.services.dispatch import Dispatcher, DispatchReport
from sevflow.services.tickets import NewTicket, open_tickets

try:
    from sevflow.adapters.channels.http_post import remember_missing_sniffio
except ImportError:  # measuring a revision from before it existed

    def remember_missing_sniffio() -> None:
        return None


HERE = Path(__file__).resolve().parent
SECRET = "bench-delivery-signing-secret"
SECRET_ENV = "SEVFLOW_BENCH_HOOK_SECRET"
TARGET_RATE = 1_000
TARGET_P99 = 1.0
WARM_UP_PAGES = 10
CONCURRENCY = int(Dispatcher.__dataclass_fields__["concurrency"].default)
"""What each dispatcher keeps in flight (``Dispatcher.concurrency``; ``bootstrap`` keeps it)."""


# == the receiver ================================================================================


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """``webhook_receiver.py`` in its own process, and its control routes."""

    def __init__(self) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/hooks/sevflow"
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "webhook_receiver.py"), "--port", str(port), "--secret", SECRET]
        )
        self._http = httpx.Client(timeout=60)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.stats()
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("the receiver did not start") from None
                time.sleep(0.1)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stats(self) -> dict[str, int]:
        return dict(self._http.get(f"{self.base}/_stats").json())

    def report(self) -> dict[str, list[float]]:
        """Each idempotency key received -> its arrival instants (Unix seconds)."""
        return dict(self._http.get(f"{self.base}/_report").json())

    def reset(self) -> None:
        self._http.get(f"{self.base}/_reset")

    def wait_for(self, keys: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.stats()["keys"] < keys:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        self._http.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def cpu_seconds(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


# == policies, tickets, dispatchers ==============================================================


def write_policy(args: argparse.Namespace, name: str, receiver: Receiver, *, sev1_only: bool) -> Path:
    """The starter policy plus a ``notifications`` section: one signed webhook channel at the
    receiver, for everything, or (``sev1_only``) a ``paging`` section and only the pages to the
    webhook (the rest to ``log``)."""
    hook = f'    hook: {{type: webhook, url: "{receiver.url}", secret_env: {SECRET_ENV}}}\n'
    paging = ""
    if sev1_only:
        paging = "\npaging:\n  events: [created]\n  ack_within: 5m\n"
        routes = "  routes:\n    - {name: pages, when: {event: paged}, to: [hook]}\n"
        routes += "  default: [log]\n"
    else:
        routes = "  default: [hook]\n"
    path = args.workdir / f"{name}.yaml"
    path.write_text(
        STARTER.read_text(encoding="utf-8") + paging + "\nnotifications:\n  channels:\n" + hook + routes,
        encoding="utf-8",
    )
    return path


def sev1_request(i: int) -> NewTicket:
    """Made Sev1 by the starter policy's data-loss rule: with the latency policy's ``paging``
    section, its creation pages the on-call primary."""
    return NewTicket(
        title=f"data loss after the nightly import (case {i})",
        service_line=LINES[i % 3],
        customer=f"customer-{i % 997}",
        customer_tier=TIERS[i % 3],
    )


def container(target: Target, policy: Path) -> Container:
    """``build_container`` on the system clock with ``policy`` active."""
    box = build_container(Settings(database_url=target.url, policy_path=policy))
    box.sync_policy()
    return box


def open_many(box: Container, make: Callable[[int], NewTicket], ids: range, *, batch: int) -> None:
    """Open ``make(i) for i in ids``, ``batch`` per transaction, as the API and import do."""
    for start in range(ids.start, ids.stop, batch):
        requests = [make(i) for i in range(start, min(start + batch, ids.stop))]
        open_tickets(
            box.uow_factory(),
            clock=box.clock,
            actor=ACTOR,
            requests=requests,
            read_uow=box.read_before_write(),
        )


def outbox_keys(box: Container, channel: str = "hook") -> dict[str, int]:
    """Idempotency key -> ticket id of every message queued for ``channel``."""
    with box.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT idempotency_key, ticket_id FROM outbox WHERE channel = :c"), {"c": channel}
        )
        return {str(key): int(ticket) for key, ticket in rows}


def not_sent(box: Container) -> int:
    with box.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM outbox WHERE status <> 'sent'")).scalar_one())


def start_dispatchers(
    target: Target, policy: Path, count: int, log_path: Path
) -> list[subprocess.Popen[str]]:
    """``count`` real ``sevflow dispatcher --quiet`` processes, once each has said it runs."""
    env = {
        **os.environ,
        "SEVFLOW_DATABASE_URL": target.url,
        "SEVFLOW_POLICY_PATH": str(policy),
        SECRET_ENV: SECRET,
    }
    command = [
        sys.executable,
        "-c",
        "from sevflow.entrypoints.cli.app import main; main()",
        "dispatcher",
        "--quiet",
    ]
    processes = []
    with log_path.open("a") as errors:
        for _ in range(count):
            processes.append(
                subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
            )
    for process in processes:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "sevflow dispatcher on" not in line:
            stop_dispatchers(processes)
            raise SystemExit(f"a dispatcher did not start: {line!r}; see {log_path}")
    return processes


def stop_dispatchers(processes: Sequence[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    codes = [process.wait(timeout=60) for process in processes]
    if any(codes):
        raise SystemExit(f"a dispatcher exited with {codes}")


# == throughput ==================================================================================


@dataclass
class Drain:
    rate: float
    seconds: float
    messages: int
    missing: int = 0
    duplicates: int = 0
    bad_signatures: int = 0
    unsent: int = 0
    mean_bytes: float = 0.0
    cpu_dispatchers: float = 0.0
    cpu_receiver: float = 0.0
    cpu_database: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def flaws(self) -> int:
        return self.missing + self.duplicates + self.bad_signatures + self.unsent


def check_arrivals(drain: Drain, keys: dict[str, int], receiver: Receiver) -> dict[str, list[float]]:
    stats = receiver.stats()
    arrived = receiver.report()
    drain.missing = sum(1 for k in keys if k not in arrived)
    drain.duplicates = stats["requests"] - stats["keys"]
    drain.bad_signatures = stats["bad_signatures"]
    drain.mean_bytes = stats["bytes"] / max(1, stats["requests"])
    return arrived


def throughput_run(
    kind: str, args: argparse.Namespace, receiver: Receiver, repeat: int, processes: int
) -> Drain:
    """``processes`` dispatchers drain ``--n`` messages queued at one commit (module docstring)."""
    with scratch(kind, f"sevflow_bench_delivery_{repeat}_{processes}", args) as target:
        policy = write_policy(args, "sevflow_bench_delivery_all", receiver, sev1_only=False)
        box = container(target, policy)
        try:
            dispatchers = start_dispatchers(target, policy, processes, args.workdir / "bench_delivery.log")
            try:
                time.sleep(0.5)  # past their first looks at the empty outbox
                receiver.reset()
                open_many(box, office_request, range(args.n), batch=args.n)
                committed = time.time()
                meter = CpuMeter(receiver.pid)
                cpu_before = cpu_seconds([p.pid for p in dispatchers])
                keys = outbox_keys(box)
                if len(keys) != args.n or outbox_keys(box, "log"):
                    raise SystemExit(
                        f"expected {args.n:,} webhook messages and no others, found {len(keys):,}"
                    )
                if not receiver.wait_for(len(keys), timeout=600):
                    log(f"{kind}: not every message arrived within 600 s")
                cpu_dispatchers = cpu_seconds([p.pid for p in dispatchers]) - cpu_before
                cpu = meter.stop()
            finally:
                stop_dispatchers(dispatchers)
            drain = Drain(0.0, 0.0, len(keys))
            arrived = check_arrivals(drain, keys, receiver)
            drain.seconds = max(times[0] for times in arrived.values()) - committed
            drain.rate = len(keys) / drain.seconds
            drain.unsent = not_sent(box)
            drain.cpu_dispatchers, drain.cpu_receiver, drain.cpu_database = (
                cpu_dispatchers,
                cpu.server,
                cpu.database,
            )
            return drain
        finally:
            box.close()


class _Timed:
    """Adds the wall time of the wrapped phase to ``phases[name]``."""

    def __init__(self, phases: dict[str, float]) -> None:
        self.phases = phases

    def add(self, name: str, started: float) -> None:
        self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - started


class _TimedComposer(_Timed):
    def __init__(self, composer: Any, phases: dict[str, float]) -> None:
        super().__init__(phases)
        self._composer = composer

    def compose(self, message: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._composer.compose(message)
        finally:
            self.add("compose", started)

    def digest(self, messages: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._composer.digest(messages)
        finally:
            self.add("compose", started)


class _TimedUnitOfWork(_Timed):
    """A unit of work timed from ``__enter__`` to ``__exit__``: "claim" if it claimed, else
    "record"."""

    def __init__(self, uow: Any, phases: dict[str, float]) -> None:
        super().__init__(phases)
        self._uow = uow
        self._started = 0.0
        self._name = "record"

    def __enter__(self) -> _TimedUnitOfWork:
        self._started = time.perf_counter()
        self._uow.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        try:
            return self._uow.__exit__(*exc)
        finally:
            self.add(self._name, self._started)

    @property
    def outbox(self) -> Any:
        repository = self._uow.outbox
        uow = self

        class Outbox:
            def claim(self, *args: Any, **kwargs: Any) -> Any:
                uow._name = "claim"
                return repository.claim(*args, **kwargs)

            def __getattr__(self, name: str) -> Any:
                return getattr(repository, name)

        return Outbox()

    def commit(self) -> None:
        self._uow.commit()


def instrument(box: Container, phases: dict[str, float]) -> None:
    """Make ``box.dispatcher()`` hand out dispatchers whose claim, record and compose are timed."""
    build = box.dispatcher

    def dispatcher(environ: Any = None) -> Any:
        delivery = build(environ)
        d = delivery.dispatcher
        factory = d.uow_factory
        d.uow_factory = lambda: _TimedUnitOfWork(factory(), phases)
        d.composer = _TimedComposer(d.composer, phases)
        return delivery

    box.dispatcher = dispatcher  # type: ignore[method-assign]


def breakdown_run(kind: str, args: argparse.Namespace, receiver: Receiver) -> Drain:
    """``run_delivery`` in a thread of this process, timed by phase, over ``--n`` messages."""
    with scratch(kind, "sevflow_bench_delivery_breakdown", args) as target:
        box = container(target, write_policy(args, "sevflow_bench_delivery_all", receiver, sev1_only=False))
        try:
            open_many(box, office_request, range(args.n), batch=500)
            keys = outbox_keys(box)
            analyze(target)
            phases: dict[str, float] = {}
            instrument(box, phases)
            receiver.reset()
            stop = threading.Event()
            marks: dict[str, float] = {}
            claimed = [0]

            def on_start() -> None:
                marks["start"] = time.perf_counter()

            def on_batch(report: DispatchReport) -> None:
                claimed[0] += report.claimed
                if claimed[0] >= len(keys):
                    marks["end"] = time.perf_counter()
                    stop.set()

            meter = CpuMeter(receiver.pid)
            cpu_before = time.process_time()
            thread = threading.Thread(
                target=run_delivery,
                args=(box,),
                kwargs={"stop": stop, "on_start": on_start, "on_batch": on_batch, "limit": args.batch},
            )
            thread.start()
            if not stop.wait(600):
                stop.set()
            thread.join()
            cpu_self = time.process_time() - cpu_before
            cpu = meter.stop()
            if "end" not in marks:
                raise SystemExit("the breakdown drain did not finish")
            seconds = marks["end"] - marks["start"]
            drain = Drain(len(keys) / seconds, seconds, len(keys), phases=phases)
            check_arrivals(drain, keys, receiver)
            drain.unsent = not_sent(box)
            drain.cpu_dispatchers, drain.cpu_receiver, drain.cpu_database = cpu_self, cpu.server, cpu.database
            phases["total"] = seconds
            return drain
        finally:
            box.close()


# == baselines ===================================================================================


def _baseline_child(url: str, n: int, size: int, lanes: bool, tag: str, start_at: float) -> None:
    """``n`` signed POSTs of ``size`` bytes to ``url``, ``CONCURRENCY`` in flight, from
    ``start_at`` (Unix seconds): through ``CONCURRENCY`` single-connection clients (``lanes``,
    handed out as the webhook channel does) or through one client with httpx's defaults."""
    remember_missing_sniffio()
    secret = SECRET.encode()
    pad = "x" * max(0, size - 48 - len(tag))

    async def run() -> None:
        if lanes:
            tls = httpx.create_ssl_context()
            one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            clients = [httpx.AsyncClient(timeout=10.0, verify=tls, limits=one) for _ in range(CONCURRENCY)]
        else:
            clients = [httpx.AsyncClient(timeout=10.0)]
        free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        for client in clients:
            free.put_nowait(client)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def post(i: int) -> None:
            async with gate:
                key = f"{tag}:{i}"
                body = f'{{"idempotency_key": "{key}", "pad": "{pad}"}}'.encode()
                stamp = int(time.time())
                signature = hmac.new(secret, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
                headers = {
                    "Content-Type": "application/json",
                    "Idempotency-Key": key,
                    "X-Sevflow-Timestamp": str(stamp),
                    "X-Sevflow-Signature": f"sha256={signature}",
                }
                client = await free.get() if lanes else clients[0]
                try:
                    response = await client.post(url, content=body, headers=headers)
                finally:
                    if lanes:
                        free.put_nowait(client)
                if response.status_code != 200:
                    raise SystemExit(f"baseline: the receiver answered {response.status_code}")

        try:
            await asyncio.sleep(max(0.0, start_at - time.time()))
            await asyncio.gather(*(post(i) for i in range(n)))
        finally:
            for client in clients:
                await client.aclose()

    asyncio.run(run())


def baseline_rate(receiver: Receiver, n: int, size: int, processes: int, *, lanes: bool, tag: str) -> float:
    """POSTs/s of ``processes`` processes sending ``n`` POSTs in all (``_baseline_child``),
    from their common start to the last arrival."""
    ctx = multiprocessing.get_context("spawn")
    receiver.reset()
    start_at = time.time() + 3.0  # after the children's imports
    children = [
        ctx.Process(
            target=_baseline_child,
            args=(receiver.url, n // processes, size, lanes, f"{tag}{p}", start_at),
        )
        for p in range(processes)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=600)
        if child.exitcode != 0:
            raise SystemExit(f"a baseline process failed ({child.exitcode})")
    stats = receiver.stats()
    expected = processes * (n // processes)
    if stats["keys"] != expected or stats["bad_signatures"] or stats["requests"] != expected:
        raise SystemExit(f"baseline: {stats}, expected {expected}")
    last = max(times[0] for times in receiver.report().values())
    return expected / (last - start_at)


# == latency =====================================================================================


@dataclass
class Pages:
    latencies: list[float]
    expected: int
    missing: int
    duplicates: int
    bad_signatures: int
    opened_late: float
    """How far behind its schedule the last ticket was opened (seconds)."""


def latency_run(kind: str, args: argparse.Namespace, receiver: Receiver) -> Pages:
    with scratch(kind, "sevflow_bench_delivery_latency", args) as target:
        policy = write_policy(args, "sevflow_bench_delivery_sev1", receiver, sev1_only=True)
        box = container(target, policy)
        dispatchers = start_dispatchers(target, policy, 1, args.workdir / "bench_delivery.log")
        try:
            receiver.reset()
            open_many(box, sev1_request, range(WARM_UP_PAGES), batch=1)
            if not receiver.wait_for(len(outbox_keys(box)), timeout=30):
                raise SystemExit("the warm-up pages did not arrive")
            warm = set(outbox_keys(box))
            receiver.reset()
            committed: dict[int, float] = {}
            started = time.perf_counter()
            late = 0.0
            for i in range(args.pages):
                due = started + i * args.interval
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                late = time.perf_counter() - due
                [ticket] = open_tickets(
                    box.uow_factory(),
                    clock=box.clock,
                    actor=ACTOR,
                    requests=[sev1_request(WARM_UP_PAGES + i)],
                    read_uow=box.read_before_write(),
                )
                assert ticket.id is not None
                committed[ticket.id] = time.time()
            keys = {k: t for k, t in outbox_keys(box).items() if k not in warm}
            receiver.wait_for(len(keys), timeout=60)
            stats = receiver.stats()
            arrived = receiver.report()
        finally:
            stop_dispatchers(dispatchers)
            box.close()
        latencies = [arrived[k][0] - committed[t] for k, t in keys.items() if k in arrived]
        return Pages(
            latencies=latencies,
            expected=len(keys),
            missing=len(keys) - len(latencies),
            duplicates=stats["requests"] - stats["keys"],
            bad_signatures=stats["bad_signatures"],
            opened_late=late,
        )


# == main ========================================================================================


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="messages per throughput repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--processes", default="1,2", help="comma-separated dispatcher process counts")
    parser.add_argument("--batch", type=int, default=500, help="messages claimed per batch in the breakdown")
    parser.add_argument("--pages", type=int, default=300, help="Sev1 tickets opened in the latency run")
    parser.add_argument("--interval", type=float, default=0.075, help="seconds between two Sev1 tickets")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the timed in-process drain")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--no-latency", action="store_true")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ[SECRET_ENV] = SECRET
    databases = kinds(args.db)
    counts = [int(p) for p in args.processes.split(",")]
    load_start = os.getloadavg()[0]
    receiver = Receiver()
    results = Results(args, databases, counts, load_start)
    try:
        if not args.no_throughput:
            for repeat in range(args.repeats):
                for processes in counts:
                    for kind in databases:
                        d = throughput_run(kind, args, receiver, repeat, processes)
                        results.drains.setdefault((kind, processes), []).append(d)
                        log(
                            f"{kind} x{processes} repeat {repeat + 1}: {d.rate:,.0f} deliveries/s ({d.seconds:.1f} s; "
                            f"missing {d.missing}, duplicates {d.duplicates}, bad signatures {d.bad_signatures}, "
                            f"not sent {d.unsent}; dispatcher CPU {d.cpu_dispatchers / d.messages * 1e6:,.0f} us each)"
                        )
                    size = round(median([d.mean_bytes for ds in results.drains.values() for d in ds]))
                    for lanes, table in ((True, results.ceilings), (False, results.singles)):
                        tag = f"{'lanes' if lanes else 'one'}{repeat}x{processes}-"
                        rate = baseline_rate(receiver, args.n, size, processes, lanes=lanes, tag=tag)
                        table.setdefault(processes, []).append(rate)
                    log(
                        f"baseline x{processes} repeat {repeat + 1} ({size} B): {results.ceilings[processes][-1]:,.0f}/s "
                        f"through single-connection clients, {results.singles[processes][-1]:,.0f}/s through one client"
                    )
        if not args.no_breakdown:
            for kind in databases:
                results.breakdowns[kind] = breakdown_run(kind, args, receiver)
                log(
                    f"{kind} breakdown: {results.breakdowns[kind].rate:,.0f}/s, {results.breakdowns[kind].phases}"
                )
        if not args.no_latency:
            for kind in databases:
                p = results.pages[kind] = latency_run(kind, args, receiver)
                log(
                    f"{kind} latency: p50 {ms(percentile(p.latencies, 0.5))}, p99 {ms(percentile(p.latencies, 0.99))}, "
                    f"max {ms(max(p.latencies, default=float('nan')))}; missing {p.missing}"
                )
    finally:
        receiver.close()
    results.print()
    return 0


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def us(seconds: float, n: int) -> str:
    return f"{seconds / n * 1e6:,.0f} us"


@dataclass
class Results:
    args: argparse.Namespace
    databases: list[str]
    counts: list[int]
    load_start: float
    drains: dict[tuple[str, int], list[Drain]] = field(default_factory=dict)
    ceilings: dict[int, list[float]] = field(default_factory=dict)
    singles: dict[int, list[float]] = field(default_factory=dict)
    breakdowns: dict[str, Drain] = field(default_factory=dict)
    pages: dict[str, Pages] = field(default_factory=dict)

    def print(self) -> None:
        import httpcore
        import uvicorn

        args = self.args
        facts = machine_facts([Target("postgres", args.postgres)] if "postgres" in self.databases else [])
        print()
        print("### Delivery: webhooks from the outbox")
        print()
        print(f"- Command: `{command_line()}` (revision {git_revision()})")
        print(
            f"- Machine: {facts}, httpx {httpx.__version__}, httpcore {httpcore.__version__}, uvicorn "
            f"{uvicorn.__version__}; load average {self.load_start:.2f} at the start, "
            f"{os.getloadavg()[0]:.2f} at the end"
        )
        if self.drains:
            self._throughput()
        if self.breakdowns:
            self._breakdown()
        if self.pages:
            self._latency()

    def _throughput(self) -> None:
        args = self.args
        print(
            f"- Throughput: {args.n:,} messages per repeat, {args.repeats} repeats, {CONCURRENCY} in flight "
            "per process; baselines with as many processes"
        )
        print()
        print(
            "| database | dispatchers | deliveries/s (median) | all repeats | ceiling: httpx, single-connection "
            "clients | ratio | one httpx.AsyncClient | ratio | missing / duplicates / bad signatures / not sent "
            "| target |"
        )
        print("|---|--:|--:|---|--:|--:|--:|--:|---|---|")
        for (kind, processes), ds in self.drains.items():
            rate = median([d.rate for d in ds])
            ceiling, single = median(self.ceilings[processes]), median(self.singles[processes])
            flaws = "/".join(
                str(sum(getattr(d, f) for d in ds))
                for f in ("missing", "duplicates", "bad_signatures", "unsent")
            )
            goal = f">= {TARGET_RATE:,}/s: **{'met' if rate >= TARGET_RATE else 'NOT met'}**"
            print(
                f"| {Target(kind, '').label} | {processes} | {rate:,.0f} | {', '.join(f'{d.rate:,.0f}' for d in ds)} "
                f"| {ceiling:,.0f} | {rate / ceiling:.2f} | {single:,.0f} | {rate / single:.2f} | {flaws} | {goal} |"
            )
        print()
        for processes in self.counts:
            print(
                f"Baselines with {processes} process(es), all repeats (POSTs/s): single-connection clients "
                f"{', '.join(f'{r:,.0f}' for r in self.ceilings.get(processes, []))}; one client "
                f"{', '.join(f'{r:,.0f}' for r in self.singles.get(processes, []))}."
            )
        print()
        print("CPU per delivery (median over repeats): dispatchers / receiver / PostgreSQL backends")
        print()
        for (kind, processes), ds in self.drains.items():
            n = ds[0].messages

            def mid(name: str, ds: list[Drain] = ds) -> float:
                return median([getattr(d, name) for d in ds])

            database = us(mid("cpu_database"), n) if kind == "postgres" else "-"
            print(
                f"- {Target(kind, '').label}, {processes} dispatcher(s): {us(mid('cpu_dispatchers'), n)} / "
                f"{us(mid('cpu_receiver'), n)} / {database}"
            )

    def _breakdown(self) -> None:
        print()
        print(
            "| database | claim | compose | record | HTTP, event loop, waiting | deliveries/s | this process CPU "
            "| receiver CPU | PostgreSQL CPU |"
        )
        print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
        for kind, d in self.breakdowns.items():
            n, ph = d.messages, d.phases
            rest = ph["total"] - ph.get("claim", 0.0) - ph.get("compose", 0.0) - ph.get("record", 0.0)
            cells = [
                f"{us(ph.get(name, 0.0), n)} ({ph.get(name, 0.0) / ph['total']:.0%})"
                for name in ("claim", "compose", "record")
            ]
            cells.append(f"{us(rest, n)} ({rest / ph['total']:.0%})")
            database = us(d.cpu_database, n) if kind == "postgres" else "-"
            print(
                f"| {Target(kind, '').label} | {' | '.join(cells)} | {d.rate:,.0f} | {us(d.cpu_dispatchers, n)} "
                f"| {us(d.cpu_receiver, n)} | {database} |"
            )

    def _latency(self) -> None:
        args = self.args
        print()
        print(
            f"- Latency: {args.pages} Sev1 tickets, one every {args.interval * 1000:.0f} ms, one "
            "`sevflow dispatcher` process"
        )
        print()
        print("| database | pages | p50 | p90 | p99 | max | missing / duplicates / bad signatures | target |")
        print("|---|--:|--:|--:|--:|--:|---|---|")
        for kind, p in self.pages.items():
            p99 = percentile(p.latencies, 0.99)
            ok = p.missing == 0 and p99 < TARGET_P99
            print(
                f"| {Target(kind, '').label} | {len(p.latencies)} of {p.expected} "
                f"| {ms(percentile(p.latencies, 0.5))} | {ms(percentile(p.latencies, 0.9))} | **{ms(p99)}** "
                f"| {ms(max(p.latencies, default=float('nan')))} | {p.missing}/{p.duplicates}/{p.bad_signatures} "
                f"| p99 < 1 s: **{'met' if ok else 'NOT met'}** |"
            )
        late = max(p.opened_late for p in self.pages.values())
        print()
        print(f"The last ticket was opened at most {ms(late)} behind its schedule.")


if __name__ == "__main__":
    sys.exit(main())
