"""Shared helpers for the escalation-core benchmarks (bench_create, bench_burst, bench_tick_scaling,
bench_lateness). Everything sevflow does here goes through its public code paths:
``build_container``, ``Container.sync_policy``, ``services.tickets.open_tickets``,
``services.timers.tick`` and ``entrypoints.worker.run_worker``. The only SQL written here is
for scaffolding: creating and dropping scratch databases, the bare-insert baseline, and
multiplying an already-seeded backlog of not-due tickets (``multiply_backlog``).

Databases: SQLite files go to ``--workdir`` (default ``$TMPDIR/sevflow-bench``); PostgreSQL
scratch databases named ``sevflow_bench_*`` are created on the server of
``SEVFLOW_BENCH_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and dropped afterwards unless a script says it keeps them as a cache.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.engine import Engine, make_url

import sevflow.policy
from sevflow.adapters.db.engine import make_engine
from sevflow.adapters.db.types import UTCDateTime
from sevflow.bootstrap import Container, build_container
from sevflow.config import Settings
from sevflow.domain.severity import Severity
from sevflow.services.actors import Actor
from sevflow.services.ports import Clock
from sevflow.services.tickets import NewTicket, open_tickets
from sevflow.testing import FakeClock

STARTER = Path(sevflow.policy.__file__).resolve().parent / "starter.yaml"
PG_SERVER = os.environ.get("SEVFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "sevflow-bench"
ACTOR = Actor("bench")

# Tuesday 3 March 2026, 10:00 in Berlin (CET): inside office hours, not a holiday.
OFFICE_MORNING = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
# Backlog tickets are opened on Tuesday 5 March 2030, so none of their timers falls due while a
# benchmark runs (on the fake 2026 clock, or on the real clock).
BACKLOG_START = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)

LINES = ("mobile", "payments", "platform")
TIERS = ("enterprise", "business", "standard")


# == requests ====================================================================================


def office_request(i: int) -> NewTicket:
    """A Sev3 or Sev4 ticket on the Berlin office calendar. Opened in office hours, its first
    due moment is the owner's handoff timeout 15 business minutes later (nothing else is due
    within 90 minutes), so each ticket contributes exactly one due timer to a burst."""
    line, tier = LINES[i % 3], TIERS[(i // 3) % 3]
    return NewTicket(
        title=f"export to CSV times out (case {i})",
        service_line=line,
        customer=f"customer-{i % 997}",
        customer_tier=tier,
        description="Reported via the portal; the customer attached a HAR file.",
        severity=Severity.SEV4 if i % 4 == 3 else Severity.SEV3,
        severity_reason="triaged by the first-line agent",
    )


def mixed_request(i: int) -> NewTicket:
    """The creation benchmark's mix: mostly office-hours Sev3/Sev4, 4 % Sev2 found by the intake
    rules (checkout down), 1 % Sev1 by keyword (data loss: opens the approval gate and pages)."""
    if i % 100 == 7:
        return NewTicket(
            title=f"data loss after the nightly import (case {i})",
            service_line=LINES[i % 3],
            customer=f"customer-{i % 997}",
            customer_tier=TIERS[i % 3],
        )
    if i % 25 == 11:
        return NewTicket(
            title=f"checkout down: payment failed for every card (case {i})",
            service_line="payments",
            customer=f"customer-{i % 997}",
            customer_tier=TIERS[i % 3],
            services=("checkout",),
            users_affected=40,
        )
    return office_request(i)


def around_the_clock_request(i: int) -> NewTicket:
    """A Sev2 enterprise ticket (24x7 calendar): its first due moment is the handoff timeout
    exactly 15 wall-clock minutes after opening; the next one (first response 75 %) 7.5 minutes
    after that."""
    return NewTicket(
        title=f"webhook deliveries delayed (case {i})",
        service_line=LINES[i % 3],
        customer=f"customer-{i % 997}",
        customer_tier="enterprise",
        description="Deliveries arrive minutes late since this morning.",
        severity=Severity.SEV2,
        severity_reason="triaged by the first-line agent",
    )


# == databases ===================================================================================


@dataclass(frozen=True)
class Target:
    """A database a benchmark runs on: ``kind`` is ``sqlite`` or ``postgres``."""

    kind: str
    url: str

    @property
    def label(self) -> str:
        return "SQLite (WAL)" if self.kind == "sqlite" else "PostgreSQL"


def add_common_arguments(parser: argparse.ArgumentParser, *, databases: str = "sqlite,postgres") -> None:
    parser.add_argument(
        "--db", default=databases, help=f"comma-separated: sqlite, postgres (default {databases})"
    )
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="where SQLite files go")
    parser.add_argument("--postgres", default=PG_SERVER, help="a PostgreSQL URL on the server to use")


def kinds(arg: str) -> list[str]:
    result = [k.strip() for k in arg.split(",") if k.strip()]
    for k in result:
        if k not in ("sqlite", "postgres"):
            raise SystemExit(f"--db: unknown database {k!r}; use sqlite and/or postgres")
    return result


def _admin_engine(url: str) -> Engine:
    """An autocommit engine on the maintenance database of ``url``'s PostgreSQL server."""
    server = make_url(url).set(database="postgres")
    return make_engine(server, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)


def pg_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    assert database is not None
    return Path(database)


def database_exists(target: Target) -> bool:
    if target.kind == "sqlite":
        return sqlite_path(target.url).exists()
    name = make_url(target.url).database
    admin = _admin_engine(target.url)
    try:
        with admin.connect() as conn:
            return (
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                is not None
            )
    finally:
        admin.dispose()


def drop_database(target: Target) -> None:
    if target.kind == "sqlite":
        path = sqlite_path(target.url)
        for suffix in ("", "-wal", "-shm", ".worker.lock"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    name = make_url(target.url).database
    admin = _admin_engine(target.url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def empty_database(kind: str, name: str, args: argparse.Namespace) -> Target:
    """A new, empty database (an old one of the same name is dropped first)."""
    if kind == "sqlite":
        args.workdir.mkdir(parents=True, exist_ok=True)
        target = Target("sqlite", sqlite_url(args.workdir / f"{name}.db"))
        drop_database(target)
        return target
    target = Target("postgres", pg_url(args.postgres, name))
    drop_database(target)
    admin = _admin_engine(args.postgres)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return target


def copy_database(source: Target, name: str, args: argparse.Namespace) -> Target:
    """A copy of ``source`` (nobody may be connected to it): a file copy for SQLite (after a WAL
    checkpoint), ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL."""
    if source.kind == "sqlite":
        src = sqlite_path(source.url)
        with sqlite3.connect(src) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target = Target("sqlite", sqlite_url(args.workdir / f"{name}.db"))
        drop_database(target)
        shutil.copyfile(src, sqlite_path(target.url))
        return target
    target = Target("postgres", pg_url(args.postgres, name))
    drop_database(target)
    admin = _admin_engine(args.postgres)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(source.url).database}"'))
    finally:
        admin.dispose()
    return target


@contextmanager
def scratch(kind: str, name: str, args: argparse.Namespace) -> Iterator[Target]:
    target = empty_database(kind, name, args)
    try:
        yield target
    finally:
        drop_database(target)


def container_for(target: Target, clock: Clock, *, migrate: bool = True) -> Container:
    """``build_container`` for the target with the starter policy active."""
    box = build_container(
        Settings(database_url=target.url, policy_path=STARTER), clock=clock, migrate_schema=migrate
    )
    box.sync_policy()
    return box


@contextmanager
def signed_in_page_client(
    target: Target, now: datetime, *, user: str, role: str
) -> Iterator[tuple[Container, Any]]:
    """The dashboard's app over ``target`` in-process (a ``TestClient``, its lifespan started),
    the fake clock at ``now``, signed in through the login form as ``user`` (created with
    ``role`` if missing). Yields the container and the client."""
    from fastapi.testclient import TestClient

    from sevflow.adapters.passwords import Argon2Hasher
    from sevflow.entrypoints.api.app import create_app
    from sevflow.services import accounts

    password = "bench dashboard password"
    box = build_container(
        Settings(database_url=target.url, policy_path=STARTER, cookie_secure=False),
        clock=FakeClock(now),
        hasher=Argon2Hasher(fast=True),
    )
    try:
        box.sync_policy()
        with box.uow_factory() as uow:
            known = uow.users.find(user)
            if known is not None:  # made by an earlier run, maybe with another password
                uow.users.update(replace(known, password_hash=box.hasher.hash(password)))
                uow.commit()
        if known is None:
            accounts.create_user(
                box.uow_factory(),
                clock=box.clock,
                hasher=box.hasher,
                actor=ACTOR,
                name=user,
                role=role,
                password=password,
            )
        with TestClient(create_app(box), follow_redirects=False) as client:
            signed = client.post("/login", data={"name": user, "password": password, "next": "/"})
            assert signed.status_code == 303, signed.text
            yield box, client
    finally:
        box.close()


# == seeding =====================================================================================


def open_in_batches(
    box: Container,
    clock: FakeClock,
    make: Callable[[int], NewTicket],
    ids: range,
    *,
    batch: int,
    step: timedelta = timedelta(seconds=1),
) -> float:
    """Open tickets ``make(i) for i in ids`` through ``open_tickets``, ``batch`` per transaction,
    moving the fake clock by ``step`` after each batch. Returns the seconds it took."""
    started = time.perf_counter()
    for start in range(ids.start, ids.stop, batch):
        requests = [make(i) for i in range(start, min(start + batch, ids.stop))]
        open_tickets(box.uow_factory(), clock=clock, actor=ACTOR, requests=requests)
        clock.advance(seconds=step.total_seconds())
    return time.perf_counter() - started


_COPIED = (
    "status, is_open, severity, service_line, customer, customer_tier, owner, tier, team, created_at, "
    "updated_at, state, title, deadline_at, deadline_clock, at_risk_at, stalled_at, sla_breached, sla_paused, "
    "gate, gate_due_at"
)
"""Ticket columns a copy takes as they are (all but the id, version, policy and external id)."""


def multiply_backlog(engine: Engine, copies: int) -> None:
    """Make ``copies`` extra copies of every ticket now stored, with their events, timers and
    outbox rows, by ``INSERT ... SELECT`` (ids shifted by multiples of the current maximum,
    idempotency keys renumbered). Only for tickets whose timers lie far in the future: it is a
    fast way to grow the backlog the timer engine must *not* look at."""
    if copies <= 0:
        return
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            # the copies update indexes all over the file: without a big page cache SQLite
            # spends its time re-reading pages (10 minutes instead of 2 for a million tickets)
            conn.execute(text("PRAGMA cache_size = -2000000"))
        block = int(conn.execute(text("SELECT max(id) FROM tickets")).scalar_one())
        outbox_block = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar_one())
        if engine.dialect.name == "postgresql":
            copies_sql = f"generate_series(1, {copies}) AS k(n)"
            key = "CAST(o.ticket_id + k.n * :block AS TEXT) || ':' || CAST(o.event_seq AS TEXT) || ':' || split_part(o.idempotency_key, ':', 3)"
        else:
            copies_sql = f"(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {copies}) SELECT n FROM c) AS k"
            key = "CAST(o.ticket_id + k.n * :block AS TEXT) || ':' || CAST(o.event_seq AS TEXT) || ':' || substr(o.idempotency_key, length(CAST(o.ticket_id AS TEXT)) + length(CAST(o.event_seq AS TEXT)) + 3)"
        params = {"block": block, "outbox_block": outbox_block}
        conn.execute(
            text(
                f"INSERT INTO tickets (id, version, policy_version, external_id, {_COPIED}) "
                "SELECT t.id + k.n * :block, t.version, t.policy_version, NULL, "
                + ", ".join(f"t.{c}" for c in _COPIED.split(", "))
                + f" FROM tickets t CROSS JOIN {copies_sql} WHERE t.id <= :block"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO ticket_events (ticket_id, seq, kind, at, actor, reason, rule, key, policy_version, data) "
                "SELECT e.ticket_id + k.n * :block, e.seq, e.kind, e.at, e.actor, e.reason, e.rule, e.key, "
                f"e.policy_version, e.data FROM ticket_events e CROSS JOIN {copies_sql} WHERE e.ticket_id <= :block"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO timers (ticket_id, key, due_at) "
                f"SELECT m.ticket_id + k.n * :block, m.key, m.due_at FROM timers m CROSS JOIN {copies_sql} "
                "WHERE m.ticket_id <= :block"
            ),
            params,
        )
        conn.execute(
            text(
                "INSERT INTO outbox (id, ticket_id, event_seq, idempotency_key, event_kind, recipients, payload, "
                "status, attempts, created_at, next_attempt_at) "
                f"SELECT o.id + k.n * :outbox_block, o.ticket_id + k.n * :block, o.event_seq, {key}, "
                "o.event_kind, o.recipients, o.payload, o.status, o.attempts, o.created_at, o.next_attempt_at "
                f"FROM outbox o CROSS JOIN {copies_sql} WHERE o.ticket_id <= :block"
            ),
            params,
        )
        if engine.dialect.name == "postgresql":
            for table in ("tickets", "outbox"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


BACKLOG_SEED = 5_000
"""Backlog tickets opened through the service; the rest of a backlog are SQL copies of them."""


def backlog_target(kind: str, size: int, args: argparse.Namespace) -> Target:
    name = f"sevflow_bench_backlog_{size}"
    if kind == "sqlite":
        return Target("sqlite", sqlite_url(args.workdir / f"{name}.db"))
    return Target("postgres", pg_url(args.postgres, name))


def backlog_database(kind: str, size: int, args: argparse.Namespace, *, fresh: bool = False) -> Target:
    """A database holding ``size`` open tickets none of whose timers falls due before 2030,
    cached between runs (``fresh`` rebuilds it). The first ``min(size, 5,000)`` are opened
    through ``open_tickets`` (office-hours Sev3/Sev4 on 5 March 2030, one second per batch of
    1,000), the rest are copies made by ``multiply_backlog`` -- ``size`` must be a multiple of
    the seed. Tickets have ids ``1..size``; anything above belongs to a benchmark run."""
    seed = min(size, BACKLOG_SEED)
    if size % seed:
        raise SystemExit(f"backlog size {size} must be a multiple of {seed}")
    target = backlog_target(kind, size, args)
    if database_exists(target) and not fresh:
        engine = make_engine(target.url)
        try:
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT count(*) FROM tickets WHERE id <= :n"), {"n": size})
                if stored.scalar_one() == size:
                    return target
        except sqlalchemy.exc.DBAPIError:
            pass
        finally:
            engine.dispose()
    target = empty_database(kind, f"sevflow_bench_backlog_{size}", args)
    log(
        f"{kind}: building a backlog of {size:,} open tickets ({seed:,} through open_tickets, then SQL copies)"
    )
    clock = FakeClock(BACKLOG_START)
    box = container_for(target, clock)
    try:
        seconds = open_in_batches(box, clock, office_request, range(seed), batch=1_000)
        log(f"{kind}: {seed:,} tickets opened in {seconds:.0f} s")
        started = time.perf_counter()
        multiply_backlog(box.engine, size // seed - 1)
        log(f"{kind}: copied up to {size:,} tickets in {time.perf_counter() - started:.0f} s")
    finally:
        box.close()
    return target


def remove_tickets_above(engine: Engine, last_id: int) -> None:
    """Delete the tickets with ids above ``last_id`` and everything that refers to them (what a
    benchmark run added to a cached backlog)."""
    with engine.begin() as conn:
        for table in ("outbox", "timers", "ticket_events"):
            conn.execute(text(f"DELETE FROM {table} WHERE ticket_id > :n"), {"n": last_id})
        conn.execute(text("DELETE FROM tickets WHERE id > :n"), {"n": last_id})


def agent_loads(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            str(name): int(load) for name, load in conn.execute(text("SELECT name, open_tickets FROM agents"))
        }


def restore_agent_loads(engine: Engine, loads: dict[str, int]) -> None:
    with engine.begin() as conn:
        for name, load in loads.items():
            conn.execute(
                text("UPDATE agents SET open_tickets = :load WHERE name = :name"),
                {"load": load, "name": name},
            )


def analyze(target: Target) -> None:
    """``ANALYZE`` the database, as after any bulk load (autovacuum would do it a little later
    on PostgreSQL): without statistics PostgreSQL's planner scans whole tables for the
    ``ticket_id IN (...)`` lookups of a tick."""
    engine = make_engine(target.url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        else:
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


# == baseline ====================================================================================

_bare_metadata = MetaData()
BARE = Table(
    "bench_bare_insert",
    _bare_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, nullable=False),
    Column("key", String(200), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
)


def bare_insert_rate(url: str, seconds: float = 3.0) -> tuple[int, float]:
    """One row per transaction into a scratch table through an engine from ``make_engine``
    (same pragmas, driver and pool as sevflow), for ``seconds``. Returns ``(rows, elapsed)``."""
    engine = make_engine(url)
    try:
        _bare_metadata.create_all(engine)
        statement = BARE.insert()
        at = OFFICE_MORNING
        rows = 0
        started = time.perf_counter()
        deadline = started + seconds
        while True:
            with engine.begin() as conn:
                conn.execute(statement, {"ticket_id": rows, "key": f"handoff:{rows}", "due_at": at})
            rows += 1
            if rows % 100 == 0 and time.perf_counter() >= deadline:
                break
        return rows, time.perf_counter() - started
    finally:
        engine.dispose()


def drop_bare_table(url: str) -> None:
    engine = make_engine(url)
    try:
        _bare_metadata.drop_all(engine)
    finally:
        engine.dispose()


def _bare_child(url: str, seconds: float, start_at: float, out: Any) -> None:
    while time.monotonic() < start_at:
        time.sleep(0.001)
    rows, elapsed = bare_insert_rate(url, seconds)
    out.put((rows, elapsed))


def bare_insert_rate_parallel(url: str, processes: int, seconds: float = 3.0) -> float:
    """Rows per second of ``processes`` processes each running ``bare_insert_rate`` at once."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    engine = make_engine(url)
    try:
        _bare_metadata.create_all(engine)
    finally:
        engine.dispose()
    queue = ctx.Queue()
    start_at = time.monotonic() + 3.0
    children = [
        ctx.Process(target=_bare_child, args=(url, seconds, start_at, queue)) for _ in range(processes)
    ]
    for child in children:
        child.start()
    results = [queue.get(timeout=120) for _ in children]
    for child in children:
        child.join()
    return sum(rows for rows, _ in results) / max(elapsed for _, elapsed in results)


# == reporting ===================================================================================


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by the nearest-rank method."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 1)))
    return ordered[min(rank, len(ordered)) - 1]


def machine_facts(targets: Sequence[Target]) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    facts = [
        f"{os.cpu_count()} cores ({cpu})",
        f"Python {platform.python_version()}",
        f"SQLAlchemy {sqlalchemy.__version__}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    for target in targets:
        if target.kind == "postgres":
            engine = make_engine(target.url)
            try:
                with engine.connect() as conn:
                    version = conn.execute(text("SHOW server_version")).scalar_one()
                facts.append(f"PostgreSQL {version.split()[0]}")
                import psycopg

                facts.append(f"psycopg {psycopg.__version__}")
            finally:
                engine.dispose()
            break
    return ", ".join(facts)


def command_line() -> str:
    return " ".join([".venv/bin/python", *[_quote(a) for a in sys.argv]])


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./=,:" for c in arg) else repr(arg)


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "src"], capture_output=True, text=True).stdout
        return rev + ("+local changes" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
