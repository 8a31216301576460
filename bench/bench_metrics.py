"""The dashboard's metrics page over 1,000,000 closed tickets: server time to render it.

    .venv/bin/python bench/bench_metrics.py [--closed 1000000] [--repeats 20] [--db sqlite,postgres] [--fresh]

The database (cached between runs; ``--fresh`` rebuilds it) holds ``--closed`` closed tickets
spread evenly over the 120 days before Thursday 2 April 2026, with their outcomes in
``ticket_outcomes`` — severities, service lines, customer tiers, times, targets met or missed
and escalations varying with the ticket id — made with ``INSERT ... SELECT`` (a million tickets
through the services would take hours, and the page never reads a ticket). ``daily_outcomes`` is
then built from them with one ``GROUP BY``: the sums that recording each outcome keeps up to
date one by one as tickets close (the contract tests check those against ``Totals``). Each run
also checks that the page's 90-day figures equal the baseline's.

Each measurement is one ``GET /metrics?days=D&by=B`` (the whole page with its charts' data)
through the real ASGI app in-process, signed in as a manager, for D in 7, 30, 90 and B in
severity, service line, customer tier: median of ``--repeats`` after two warm-ups. Baseline in the
same run: the same 90-day figures by severity computed straight from ``ticket_outcomes`` with
one ``GROUP BY`` over the tickets (what the page would cost without the daily sums).
Target: the page under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import text

from common import (
    Target,
    add_common_arguments,
    command_line,
    container_for,
    database_exists,
    empty_database,
    git_revision,
    kinds,
    log,
    machine_facts,
    pg_url,
    signed_in_page_client,
    sqlite_url,
)
from sevflow.adapters.db.engine import make_engine
from sevflow.domain.outcomes import TOTAL_FIELDS
from sevflow.services import metrics
from sevflow.services.actors import Actor
from sevflow.testing import FakeClock

NOW = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)
DAYS_OF_HISTORY = 120
TARGET_MS = 1000.0

# every value a function of the ticket id n, so both databases hold the same history
_TICKETS = """
INSERT INTO tickets (id, version, policy_version, external_id, status, is_open, severity, service_line,
    customer, customer_tier, owner, tier, team, created_at, updated_at, state, title)
SELECT n, 3, :policy, NULL, 'closed', {false}, 'Sev' || (1 + n % 4),
    CASE n % 3 WHEN 0 THEN 'payments' WHEN 1 THEN 'platform' ELSE 'mobile' END,
    'Customer ' || (n % 500), CASE n % 5 WHEN 0 THEN 'enterprise' WHEN 1 THEN 'business' ELSE 'standard' END,
    'agent' || (n % 40), 'L1', 'payments-l1', {created}, {closed}, '{{}}', 'Closed ticket ' || n
FROM {series}
"""
_OUTCOMES = """
INSERT INTO ticket_outcomes (ticket_id, day, closed_at, severity, service_line, customer_tier,
    first_response_seconds, first_response_met, resolution_seconds, resolution_met, escalations, escalations_on_time)
SELECT t.id, {day}, t.updated_at, t.severity, t.service_line, t.customer_tier,
    CASE WHEN t.id % 17 = 0 THEN NULL ELSE 300 + (CAST(t.id AS BIGINT) * 7919) % 14400 END,
    CASE WHEN t.id % 17 = 0 THEN {false} ELSE (300 + (CAST(t.id AS BIGINT) * 7919) % 14400) <= 7200 END,
    CASE WHEN t.id % 23 = 0 THEN NULL ELSE 3600 + (CAST(t.id AS BIGINT) * 104729) % 172800 END,
    CASE WHEN t.id % 23 = 0 THEN NULL ELSE (3600 + (CAST(t.id AS BIGINT) * 104729) % 172800) <= 86400 END,
    t.id % 3 / 2 + t.id % 7 / 6, t.id % 3 / 2
FROM tickets t
"""
_DAILY = f"""
INSERT INTO daily_outcomes (day, severity, service_line, customer_tier, {", ".join(TOTAL_FIELDS)})
SELECT day, severity, service_line, customer_tier, count(*),
    count(first_response_seconds), sum(CASE WHEN first_response_met THEN 1 ELSE 0 END),
    coalesce(sum(first_response_seconds), 0),
    count(resolution_seconds), sum(CASE WHEN resolution_met THEN 1 ELSE 0 END), coalesce(sum(resolution_seconds), 0),
    sum(CASE WHEN escalations > 0 THEN 1 ELSE 0 END), sum(escalations), sum(escalations_on_time)
FROM ticket_outcomes GROUP BY day, severity, service_line, customer_tier
"""
# the figures of the page's 90-day table by severity, straight from the outcomes
_UNAGGREGATED = """
SELECT severity, count(*), count(first_response_seconds), sum(CASE WHEN first_response_met THEN 1 ELSE 0 END),
    sum(first_response_seconds), count(resolution_seconds), sum(CASE WHEN resolution_met THEN 1 ELSE 0 END),
    sum(resolution_seconds), sum(CASE WHEN escalations > 0 THEN 1 ELSE 0 END), sum(escalations),
    sum(escalations_on_time)
FROM ticket_outcomes WHERE day >= :since AND day <= :until GROUP BY severity
"""


def history(kind: str, closed: int, args: argparse.Namespace, *, fresh: bool) -> Target:
    name = f"sevflow_bench_metrics_{closed}"
    target = (
        Target("sqlite", sqlite_url(args.workdir / f"{name}.db"))
        if kind == "sqlite"
        else Target("postgres", pg_url(args.postgres, name))
    )
    if database_exists(target) and not fresh:
        engine = make_engine(target.url)
        try:
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM ticket_outcomes")).scalar_one() == closed:
                    return target
        except Exception:  # any trouble with a cached database: build it again
            pass
        finally:
            engine.dispose()
    target = empty_database(kind, name, args)
    log(f"{kind}: building {closed:,} closed tickets with their outcomes")
    box = container_for(target, FakeClock(NOW))
    try:
        policy = box.read_uow_factory()
        with policy as uow:
            version = uow.policies.active().version
        started = time.perf_counter()
        spread = DAYS_OF_HISTORY * 86400
        if kind == "postgres":
            series = f"generate_series(1, {closed}) AS g(n)"
            closed_at = (
                f"timestamptz '{NOW.isoformat()}' - make_interval(secs => ({spread} * n::bigint) / {closed})"
            )
            created = f"{closed_at} - interval '2 hours'"
            day = "to_char(t.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
            false = "false"
        else:
            series = f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {closed}) SELECT n FROM s)"
            stamp = f"strftime('%Y-%m-%d %H:%M:%f', '{NOW.strftime('%Y-%m-%d %H:%M:%S')}', '-' || (({spread} * n) / {closed}) || ' seconds')"
            closed_at = stamp + " || '000'"
            created = closed_at
            day = "substr(t.updated_at, 1, 10)"
            false = "0"
        with box.engine.begin() as conn:
            if kind == "sqlite":
                conn.execute(text("PRAGMA cache_size = -1000000"))
            conn.execute(
                text(_TICKETS.format(false=false, created=created, closed=closed_at, series=series)),
                {"policy": version},
            )
            conn.execute(text(_OUTCOMES.format(day=day, false=false)))
            conn.execute(text(_DAILY))
        log(f"{kind}: built in {time.perf_counter() - started:.0f} s")
    finally:
        box.close()
    return target


def measure(target: Target, repeats: int) -> dict[str, float]:
    result: dict[str, float] = {}
    with signed_in_page_client(target, NOW, user="bench-manager", role="manager") as (box, client):
        for days in (7, 30, 90):
            for by in ("severity", "service_line", "customer_tier"):
                times = []
                for n in range(repeats + 2):
                    started = time.perf_counter()
                    page = client.get(f"/metrics?days={days}&by={by}")
                    elapsed = time.perf_counter() - started
                    assert page.status_code == 200, page.text[:300]
                    if n >= 2:
                        times.append(elapsed)
                result[f"{days}/{by}"] = statistics.median(times) * 1000
        base = []
        for n in range(max(3, repeats // 4) + 1):
            started = time.perf_counter()
            with box.engine.connect() as conn:
                rows = conn.execute(text(_UNAGGREGATED), {"since": "2026-01-03", "until": "2026-04-02"}).all()
            if n:
                base.append(time.perf_counter() - started)
        # the page's sums are the outcomes' sums: the same figures both ways
        report = metrics.metrics(
            box.read_uow_factory(), now=NOW, actor=Actor("bench"), days=90, by="severity"
        )
        assert {sev: tuple(int(v) for v in rest) for sev, *rest in rows} == {
            sev: tuple(t.__dict__.values()) for sev, t in report.rows
        }
        result["baseline"] = statistics.median(base) * 1000
        with box.engine.connect() as conn:
            result["daily_rows"] = conn.execute(text("SELECT count(*) FROM daily_outcomes")).scalar_one()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_arguments(parser)
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached history")
    args = parser.parse_args()
    rows = []
    for kind in kinds(args.db):
        target = history(kind, args.closed, args, fresh=args.fresh)
        log(f"{kind}: measuring the metrics page over {args.closed:,} closed tickets")
        got = measure(target, args.repeats)
        rows.append((target, got))
        log(f"{kind}: {got}")
    print(machine_facts([t for t, _ in rows]))
    print(f"Command: `{command_line()}`; revision {git_revision()}\n")
    print(
        "| database | closed tickets | daily rows | page, 7 days | page, 30 days | page, 90 days (slowest breakdown) | baseline: 90 days straight from the outcomes | baseline / page | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for target, got in rows:
        worst = {
            d: max(got[f"{d}/{b}"] for b in ("severity", "service_line", "customer_tier"))
            for d in (7, 30, 90)
        }
        verdict = "met" if max(worst.values()) < TARGET_MS else "**not met**"
        print(
            f"| {target.label} | {args.closed:,} | {int(got['daily_rows']):,} | {worst[7]:.1f} ms | {worst[30]:.1f} ms | "
            f"{worst[90]:.1f} ms | {got['baseline']:.1f} ms | {got['baseline'] / worst[90]:.1f}x | < {TARGET_MS:.0f} ms: {verdict} |"
        )
    print(f"\nMedians of {args.repeats} requests per period and breakdown; every breakdown:")
    for target, got in rows:
        print(f"- {target.label}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in got.items() if "/" in k))


if __name__ == "__main__":
    sys.exit(main())
