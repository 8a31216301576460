"""HTTP API throughput and latency: ``POST /api/tickets`` and ``GET /api/tickets/{id}`` against a
real ``sevflow serve`` process (uvicorn, the timer worker running beside it, as deployed by
default), over loopback, authenticated with an API token — and, in the same run, the same
measurements against a bare FastAPI app that inserts / reads one row (bench/bare_api.py).

Per database and repeat:
  1. closed loop: ``--connections`` keep-alive connections back to back for ``--seconds``,
     driven by ``wrk`` (bench/wrk_load.py; the Python generator if wrk is not installed):
     requests per second;
  2. open loop at a fixed rate (``--create-rate``, ``--get-rate``), driven by bench/http_load.py:
     p50 / p99 latency measured from each request's scheduled instant (a server that falls
     behind pays for the queue).
Reported: medians over ``--repeats``, and sevflow's cost per request over the bare app's. Both
servers run ``--server-workers`` processes (default 2: one per core of this machine).

The load generators run on the same 2-core machine as the servers, so all compete for the CPU:
the figures are what one machine does end to end.

    .venv/bin/python bench/bench_api.py                 # both databases
    .venv/bin/python bench/bench_api.py --db sqlite --repeats 1 --seconds 3   # a quick look
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

import wrk_load
from common import (
    STARTER,
    Target,
    add_common_arguments,
    command_line,
    git_revision,
    kinds,
    log,
    machine_facts,
    median,
    scratch,
)
from cpu_use import CpuMeter, CpuUse
from http_load import closed_loop, http_request, open_loop, run
from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.services import accounts, directory
from sevflow.services.actors import Actor

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OPERATOR = Actor("bench")
TITLES = [
    "Refund stuck for customer order",
    "Checkout down for all EU customers",
    "Invoice PDF shows the wrong VAT",
    "Webhook deliveries delayed by minutes",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode} before listening")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listened on port {port} within {timeout} s")


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[int]:
    """The server started and listening on ``port``; yields its process id."""
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, process)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.returncode not in (0, -15) and process.stderr is not None:
            log(process.stderr.read().decode(errors="replace")[-2000:])


def prepare(target: Target) -> str:
    """Starter policy, customers and a user with a token; returns the token text."""
    box = build_container(Settings(database_url=target.url, policy_path=STARTER))
    try:
        box.sync_policy()
        for name, tier in (("Globex", "enterprise"), ("Initech", "business")):
            directory.put_customer(box.uow_factory(), clock=box.clock, actor=OPERATOR, name=name, tier=tier)
        accounts.create_user(
            box.uow_factory(), clock=box.clock, hasher=box.hasher, actor=OPERATOR, name="ana", role="agent"
        )
        return accounts.create_token(
            box.uow_factory(), clock=box.clock, actor=OPERATOR, user="ana", label="bench"
        ).text
    finally:
        box.close()


Requests = tuple[list[wrk_load.Request], list[wrk_load.Request]]
"""The POSTs and the GETs one server is measured with."""


def sevflow_requests(token: str) -> Requests:
    auth = {"Authorization": f"Bearer {token}"}
    bodies = [
        orjson.dumps(
            {
                "title": TITLES[i % len(TITLES)],
                "service_line": "payments",
                "customer": ("Globex", "Initech")[i % 2],
                "services": ["checkout"] if i % 4 == 1 else [],
            }
        )
        for i in range(len(TITLES))
    ]
    posts = [("POST", "/api/tickets", {**auth, "Content-Type": "application/json"}, b) for b in bodies]
    gets = [("GET", f"/api/tickets/{i}", auth, b"") for i in range(1, 501)]
    return posts, gets


def bare_requests() -> Requests:
    head = {"Content-Type": "application/json"}
    posts = [("POST", "/rows", head, orjson.dumps({"title": t})) for t in TITLES]
    gets = [("GET", f"/rows/{i}", {}, b"") for i in range(1, 501)]
    return posts, gets


def maker(requests: list[wrk_load.Request]) -> Callable[[int], bytes]:
    raw = [http_request(method, path, headers, body) for method, path, headers, body in requests]
    return lambda n: raw[n % len(raw)]


@dataclass
class Rate:
    """A closed-loop figure, from wrk or from the Python generator, and the CPU seconds each
    request cost the server, the database server and the generator."""

    rate: float
    cpu: CpuUse


def closed(
    port: int, server_pid: int, requests: list[wrk_load.Request], args: argparse.Namespace, what: str
) -> Rate:
    meter = CpuMeter(server_pid)
    if wrk_load.available():
        result = wrk_load.closed_loop(port, requests, connections=args.connections, seconds=args.seconds)
        if result.errors:
            raise SystemExit(f"{what}: {result.errors} of {result.requests} answers were errors")
        return Rate(result.rate, meter.stop().per(result.requests))
    generator_began = time.process_time()
    loaded = run(closed_loop(port, maker(requests), connections=args.connections, seconds=args.seconds))
    used = meter.stop()
    used = replace(used, generator=used.generator + time.process_time() - generator_began)
    if set(loaded.statuses) - {200, 201}:
        raise SystemExit(f"{what}: unexpected statuses {dict(loaded.statuses)}")
    return Rate(loaded.rate, used.per(sum(loaded.statuses.values())))


def measure(
    port: int, server_pid: int, requests: Requests, args: argparse.Namespace, expected: tuple[int, int]
) -> dict[str, Any]:
    """One round: warm-up (also makes the 500 tickets GET reads), then the four measurements."""
    posts, gets = requests
    post, get = maker(posts), maker(gets)
    made = 0
    while made < 500:
        made += sum(run(closed_loop(port, post, connections=4, seconds=0.5)).statuses.values())
    create = closed(port, server_pid, posts, args, "create")
    create_fixed = run(open_loop(port, post, rate=args.create_rate, seconds=args.seconds))
    read = closed(port, server_pid, gets, args, "get")
    read_fixed = run(open_loop(port, get, rate=args.get_rate, seconds=args.seconds))
    for name, result, status in (
        ("create@rate", create_fixed, expected[0]),
        ("get@rate", read_fixed, expected[1]),
    ):
        unexpected = {s: c for s, c in result.statuses.items() if s != status}
        if unexpected:
            raise SystemExit(f"{name}: unexpected statuses {unexpected} (expected {status})")
    return {"create": create, "create_fixed": create_fixed, "read": read, "read_fixed": read_fixed}


PARTS = ("server", "database", "generator")


def cpu_ms(summary: dict[str, float], measure: str) -> str:
    return " / ".join(f"{1000 * summary[f'{measure}_cpu_{part}']:.2f}" for part in PARTS)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summarize(rounds: list[dict[str, Any]]) -> dict[str, float]:
    return {
        "create_rate": median([r["create"].rate for r in rounds]),
        **{f"create_cpu_{part}": median([getattr(r["create"].cpu, part) for r in rounds]) for part in PARTS},
        **{f"read_cpu_{part}": median([getattr(r["read"].cpu, part) for r in rounds]) for part in PARTS},
        "create_fixed_rate": median([r["create_fixed"].rate for r in rounds]),
        "create_p50": median([r["create_fixed"].percentile(50) for r in rounds]),
        "create_p99": median([r["create_fixed"].percentile(99) for r in rounds]),
        "read_rate": median([r["read"].rate for r in rounds]),
        "read_fixed_rate": median([r["read_fixed"].rate for r in rounds]),
        "read_p50": median([r["read_fixed"].percentile(50) for r in rounds]),
        "read_p99": median([r["read_fixed"].percentile(99) for r in rounds]),
    }


def bench_database(
    kind: str, args: argparse.Namespace
) -> tuple[Target, dict[str, float], dict[str, float], list[str]]:
    raw: list[str] = []
    sevflow_rounds: list[dict[str, Any]] = []
    bare_rounds: list[dict[str, Any]] = []
    for repeat in range(args.repeats):
        with scratch(kind, f"sevflow_bench_api_{repeat}", args) as target:
            token = prepare(target)
            port = free_port()
            env = {**os.environ, "SEVFLOW_DATABASE_URL": target.url, "SEVFLOW_POLICY_PATH": str(STARTER)}
            if args.token_cache is not None:
                env["SEVFLOW_TOKEN_CACHE_SECONDS"] = str(args.token_cache)
            serve = [str(Path(sys.executable).parent / "sevflow"), "serve", "--port", str(port)]
            serve += ["--log-level", "warning", "--workers", str(args.server_workers)]
            log(f"{kind} repeat {repeat + 1}: sevflow serve")
            with server(serve, env, port) as pid:
                result = measure(port, pid, sevflow_requests(token), args, (201, 200))
            sevflow_rounds.append(result)
            port = free_port()
            log(f"{kind} repeat {repeat + 1}: bare FastAPI insert")
            bare_server = [
                sys.executable,
                str(HERE / "bare_api.py"),
                target.url,
                str(port),
                str(args.server_workers),
            ]
            with server(bare_server, env, port) as pid:
                bare = measure(port, pid, bare_requests(), args, (201, 200))
            bare_rounds.append(bare)
            raw.append(
                f"{kind} #{repeat + 1}: sevflow create {result['create'].rate:,.0f}/s, "
                f"@{args.create_rate}/s p99 {ms(result['create_fixed'].percentile(99))}, "
                f"get {result['read'].rate:,.0f}/s, @{args.get_rate}/s p99 {ms(result['read_fixed'].percentile(99))}; "
                f"bare insert {bare['create'].rate:,.0f}/s, bare get {bare['read'].rate:,.0f}/s"
            )
            log(raw[-1])
    return target, summarize(sevflow_rounds), summarize(bare_rounds), raw


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_arguments(parser)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--connections", type=int, default=32, help="closed-loop connections")
    parser.add_argument(
        "--server-workers", type=int, default=2, help="API processes of each server (sevflow serve --workers)"
    )
    parser.add_argument(
        "--token-cache",
        type=float,
        default=None,
        help="SEVFLOW_TOKEN_CACHE_SECONDS for sevflow (default: the server's own, 60 s on PostgreSQL, 0 on SQLite)",
    )
    parser.add_argument("--create-rate", type=int, default=500, help="fixed rate for the create latency")
    parser.add_argument("--get-rate", type=int, default=1500, help="fixed rate for the GET latency")
    args = parser.parse_args()
    results = [bench_database(kind, args) for kind in kinds(args.db)]
    servers = [Target(r[0].kind, args.postgres if r[0].kind == "postgres" else r[0].url) for r in results]
    print(f"Machine: {machine_facts(servers)}; revision {git_revision()}")
    generator = "wrk" if wrk_load.available() else "the Python generator (wrk is not installed)"
    print(
        f"Closed loop: {generator}, {args.connections} connections; servers: {args.server_workers} processes each"
    )
    print(f"Command: `{command_line()}`\n")
    print(
        "| database | measure | sevflow | bare FastAPI + one row | sevflow's cost / bare |\n"
        "|---|---|---:|---:|---:|"
    )
    for target, mine, bare, _ in results:
        rows = [
            (
                "POST create, closed loop",
                f"{mine['create_rate']:,.0f}/s",
                f"{bare['create_rate']:,.0f}/s",
                f"{bare['create_rate'] / mine['create_rate']:.2f}x",
            ),
            (
                "POST create, CPU ms per request: server / database server / wrk",
                cpu_ms(mine, "create"),
                cpu_ms(bare, "create"),
                "",
            ),
            (
                f"POST create at {args.create_rate}/s: achieved",
                f"{mine['create_fixed_rate']:,.0f}/s",
                f"{bare['create_fixed_rate']:,.0f}/s",
                "",
            ),
            (
                f"POST create at {args.create_rate}/s: p50 / p99",
                f"{ms(mine['create_p50'])} / {ms(mine['create_p99'])}",
                f"{ms(bare['create_p50'])} / {ms(bare['create_p99'])}",
                "",
            ),
            (
                "GET ticket with clocks, closed loop",
                f"{mine['read_rate']:,.0f}/s",
                f"{bare['read_rate']:,.0f}/s",
                f"{bare['read_rate'] / mine['read_rate']:.2f}x",
            ),
            (
                "GET, CPU ms per request: server / database server / wrk",
                cpu_ms(mine, "read"),
                cpu_ms(bare, "read"),
                "",
            ),
            (
                f"GET at {args.get_rate}/s: achieved",
                f"{mine['read_fixed_rate']:,.0f}/s",
                f"{bare['read_fixed_rate']:,.0f}/s",
                "",
            ),
            (
                f"GET at {args.get_rate}/s: p50 / p99",
                f"{ms(mine['read_p50'])} / {ms(mine['read_p99'])}",
                f"{ms(bare['read_p50'])} / {ms(bare['read_p99'])}",
                "",
            ),
        ]
        for measure_name, a, b, ratio in rows:
            print(f"| {target.label} | {measure_name} | {a} | {b} | {ratio} |")
    print("\nEach repeat:")
    for _, _, _, raw in results:
        for line in raw:
            print(f"- {line}")


if __name__ == "__main__":
    main()
