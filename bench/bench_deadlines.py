"""Deadline computation: sevflow's BusinessCalendar against the businesstimedelta package.

    .venv/bin/python bench/bench_deadlines.py [--cases 20000] [--repeats 7] [--btd-repeats 3] [--seed N]

Two realistic Berlin calendars, both with the Berlin public holidays 2024-2029 (from the
``holidays`` package) plus two company days (24 and 31 December), given to both libraries as the
same frozenset of dates:

- ``office``: Mon-Fri 09:00-17:00 (businesstimedelta: ``WorkDayRule`` + ``HolidayRule``);
- ``split``:  Mon-Fri 09:00-12:00 and 13:00-18:00 (``WorkDayRule`` 09-18 + ``LunchTimeRule`` 12-13
  + ``HolidayRule``).

Cases (seeded): starts over 2025-2026, 80 % at a random second, 20 % exactly on a window edge
(opening, lunch, closing - on working days, weekends and holidays alike); durations 40 % common SLA
targets (15 min .. 5 days), 40 % a random number of seconds up to three working days, 20 % chosen
so that the deadline lands exactly on a window end (noon or closing, up to a week later).
Every deadline is computed by both libraries and must agree to the microsecond (the results of the
first timed repeat of each side are compared, so the slow library runs no extra pass); the script
exits with status 1 at the first disagreement and prints it. ``business_seconds`` is compared the
same way, on 20 000 spans of up to two weeks of real time.

Conventions checked rather than assumed: both libraries put a deadline that lands exactly at a
window end *at* that end (17:00, not 09:00 the next morning), and both count a start exactly at
closing time from the next opening. One convention differs, so it is left out of the cases and
said here: for a duration of 0, sevflow returns the start itself (its contract) while
businesstimedelta returns the next opening when the start is outside working hours. Starts are
whole seconds because ``businesstimedelta``'s ``difference`` drops microseconds.

Timing: the median of several repeats of the whole case list, wall clock (``perf_counter``), one
thread; the machine is shared, so medians rather than means. sevflow is measured *cold* (a fresh calendar per repeat, so building its per-year window
tables is included) and *warm* (the tables already built, as in a long-running worker).
businesstimedelta keeps no cache, so it has one figure. Ratio = businesstimedelta / sevflow.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

import businesstimedelta as btd
import holidays
import pytz

from sevflow.domain.calendar import BusinessCalendar

ZONE = "Europe/Berlin"
FIRST_START, LAST_START = datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
SLA_MINUTES = (15, 30, 60, 120, 240, 480, 960, 1440, 2400)
HOLIDAYS = frozenset(holidays.country_holidays("DE", subdiv="BE", years=range(2024, 2030))) | {
    date(year, 12, day) for year in range(2024, 2030) for day in (24, 31)
}


@dataclass(frozen=True)
class Setup:
    name: str
    description: str
    windows: tuple[tuple[clock, clock], ...]
    make_ours: Callable[[], BusinessCalendar]
    make_theirs: Callable[[], btd.Rules]

    @property
    def daily_seconds(self) -> int:
        return sum((b.hour - a.hour) * 3600 for a, b in self.windows)


def _ours(name: str, windows: Sequence[tuple[clock, clock]]) -> Callable[[], BusinessCalendar]:
    return lambda: BusinessCalendar(name, ZONE, {d: list(windows) for d in range(5)}, HOLIDAYS)


def _theirs(lunch: bool, end: clock) -> Callable[[], btd.Rules]:
    def make() -> btd.Rules:
        tz = pytz.timezone(ZONE)
        rules = [btd.WorkDayRule(start_time=clock(9), end_time=end, working_days=[0, 1, 2, 3, 4], tz=tz)]
        if lunch:
            rules.append(
                btd.LunchTimeRule(
                    start_time=clock(12), end_time=clock(13), working_days=[0, 1, 2, 3, 4], tz=tz
                )
            )
        rules.append(btd.HolidayRule(HOLIDAYS, tz=tz))
        return btd.Rules(rules)

    return make


SETUPS = (
    Setup(
        "office",
        "Mon-Fri 09:00-17:00",
        ((clock(9), clock(17)),),
        _ours("office", [(clock(9), clock(17))]),
        _theirs(False, clock(17)),
    ),
    Setup(
        "split",
        "Mon-Fri 09:00-12:00 + 13:00-18:00",
        ((clock(9), clock(12)), (clock(13), clock(18))),
        _ours("split", [(clock(9), clock(12)), (clock(13), clock(18))]),
        _theirs(True, clock(18)),
    ),
)


# -- cases -----------------------------------------------------------------------------------


def make_cases(setup: Setup, n: int, rnd: random.Random) -> list[tuple[datetime, int]]:
    zone = ZoneInfo(ZONE)
    edges = sorted({t for window in setup.windows for t in window})
    reference = setup.make_ours()
    span = int((LAST_START - FIRST_START).total_seconds())
    cases = []
    for _ in range(n):
        if rnd.random() < 0.8:
            start = FIRST_START + timedelta(seconds=rnd.randrange(span))
        else:
            day = FIRST_START.date() + timedelta(days=rnd.randrange(span // 86400))
            start = datetime.combine(day, rnd.choice(edges), zone).astimezone(UTC)
        pick = rnd.random()
        if pick < 0.4:
            seconds = 60 * rnd.choice(SLA_MINUTES)
        elif pick < 0.8:
            seconds = rnd.randint(1, 3 * setup.daily_seconds)
        else:
            # land exactly on a window end (noon or closing) up to a week later
            local_day = start.astimezone(zone).date() + timedelta(days=rnd.randrange(8))
            end_of_window = rnd.choice([b for _, b in setup.windows])
            target = datetime.combine(local_day, end_of_window, zone)
            seconds = reference.business_seconds(start, target) or rnd.randint(1, setup.daily_seconds)
        cases.append((start, seconds))
    return cases


def make_spans(n: int, rnd: random.Random) -> list[tuple[datetime, datetime]]:
    span = int((LAST_START - FIRST_START).total_seconds())
    out = []
    for _ in range(n):
        start = FIRST_START + timedelta(seconds=rnd.randrange(span))
        out.append((start, start + timedelta(seconds=rnd.randrange(14 * 86400))))
    return out


# -- agreement -------------------------------------------------------------------------------


def check_deadlines(
    setup: Setup, cases: Sequence[tuple[datetime, int]], ours: list[datetime], theirs: list[datetime]
) -> None:
    for index, ((start, seconds), a, b) in enumerate(zip(cases, ours, theirs, strict=True)):
        if a != b.astimezone(UTC):
            fail(setup, index, f"add({_show(start)}, {seconds} s)", _show(a), _show(b))


def check_spans(
    setup: Setup,
    spans: Sequence[tuple[datetime, datetime]],
    ours: list[int],
    theirs: list[btd.BusinessTimeDelta],
) -> None:
    for index, ((start, end), a, b) in enumerate(zip(spans, ours, theirs, strict=True)):
        if a != b.timedelta // timedelta(seconds=1):
            fail(setup, index, f"business_seconds({_show(start)}, {_show(end)})", str(a), str(b.timedelta))


def fail(setup: Setup, index: int, call: str, ours: str, theirs: str) -> None:
    print(f"\nDISAGREEMENT on calendar {setup.name!r} ({setup.description}), case #{index}:", file=sys.stderr)
    print(f"  {call}", file=sys.stderr)
    print(f"  sevflow:           {ours}", file=sys.stderr)
    print(f"  businesstimedelta: {theirs}", file=sys.stderr)
    sys.exit(1)


def _show(at: datetime) -> str:
    return f"{at.astimezone(ZoneInfo(ZONE)).isoformat(sep=' ')} ({at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z)"


# -- timing ----------------------------------------------------------------------------------


@dataclass
class Timing:
    cpu: float  # median process CPU time of one pass over all cases, seconds
    wall: float  # median wall-clock time of one pass, seconds
    results: list[Any]  # of the first repeat, for the agreement check


def timed(run: Callable[[], Callable[[], list[Any]]], repeats: int) -> Timing:
    """``run()`` prepares one repeat and returns the timed part; medians over ``repeats``."""
    cpu, wall = [], []
    results: list[Any] | None = None
    for _ in range(repeats):
        work = run()
        c0, w0 = time.process_time(), time.perf_counter()
        out = work()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        results = out if results is None else results
    assert results is not None
    return Timing(statistics.median(cpu), statistics.median(wall), results)


def bench_add(
    setup: Setup, cases: Sequence[tuple[datetime, int]], args: argparse.Namespace
) -> dict[str, Timing]:
    def ours(warm: bool) -> Callable[[], list[Any]]:
        add = setup.make_ours().add
        if warm:
            for start, seconds in cases:
                add(start, seconds)
        return lambda: [add(start, seconds) for start, seconds in cases]

    def theirs() -> Callable[[], list[Any]]:
        rules = setup.make_theirs()
        delta = btd.BusinessTimeDelta
        return lambda: [start + delta(rules, seconds=seconds) for start, seconds in cases]

    return {
        "cold": timed(lambda: ours(False), args.repeats),
        "warm": timed(lambda: ours(True), args.repeats),
        "btd": timed(theirs, args.btd_repeats),
    }


def bench_spans(
    setup: Setup, spans: Sequence[tuple[datetime, datetime]], args: argparse.Namespace
) -> dict[str, Timing]:
    def ours(warm: bool) -> Callable[[], list[Any]]:
        count = setup.make_ours().business_seconds
        if warm:
            for start, end in spans:
                count(start, end)
        return lambda: [count(start, end) for start, end in spans]

    def theirs() -> Callable[[], list[Any]]:
        rules = setup.make_theirs()
        return lambda: [rules.difference(start, end) for start, end in spans]

    return {
        "cold": timed(lambda: ours(False), args.repeats),
        "warm": timed(lambda: ours(True), args.repeats),
        "btd": timed(theirs, args.btd_repeats),
    }


# -- report ----------------------------------------------------------------------------------


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model
            )
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{model}; nproc={os.cpu_count()}; Python {platform.python_version()} ({platform.machine()}, "
        f"{platform.system()}); load average at start {load}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=7, help="repeats for sevflow (median reported)")
    parser.add_argument("--btd-repeats", type=int, default=3, help="repeats for businesstimedelta (slow)")
    parser.add_argument("--seed", type=int, default=20260301)
    args = parser.parse_args(argv)

    header = machine()
    print(f"machine: {header}", flush=True)
    rows: dict[str, list[str]] = {"cpu": [], "wall": []}
    met = {"cpu": True, "wall": True}
    for setup in SETUPS:
        rnd = random.Random(f"{args.seed}-{setup.name}")
        cases = make_cases(setup, args.cases, rnd)
        spans = make_spans(args.cases, rnd)
        print(f"[{setup.name}] timing add() on {len(cases)} cases", flush=True)
        add = bench_add(setup, cases, args)
        check_deadlines(setup, cases, add["cold"].results, add["btd"].results)
        print(f"[{setup.name}] timing business_seconds() on {len(spans)} spans", flush=True)
        count = bench_spans(setup, spans, args)
        check_spans(setup, spans, count["cold"].results, count["btd"].results)
        print(f"[{setup.name}] every result agrees with businesstimedelta", flush=True)
        for operation, t in (("add", add), ("business_seconds", count)):
            for clock_name in ("cpu", "wall"):
                n = len(cases)
                cold, warm, slow = (getattr(t[k], clock_name) for k in ("cold", "warm", "btd"))
                rows[clock_name].append(
                    f"| {setup.name} ({setup.description}) | `{operation}` | "
                    f"{cold * 1e3:,.0f} ms | {warm * 1e3:,.0f} ms | {slow * 1e3:,.0f} ms | "
                    f"{n / cold:,.0f} | {n / warm:,.0f} | {n / slow:,.0f} | "
                    f"{slow / cold:,.0f}x | {slow / warm:,.0f}x |"
                )
                if operation == "add":
                    met[clock_name] &= n / cold >= 50_000 and slow / cold >= 30

    command = (
        "`.venv/bin/python bench/bench_deadlines.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip() + "`"
    )
    print()
    print("## Deadline computation")
    print()
    print(f"- Machine: {header}")
    print(f"- Command: {command}")
    print(
        f"- {args.cases:,} seeded cases per calendar (seed {args.seed}); median of {args.repeats} repeats "
        f"(sevflow) and {args.btd_repeats} (businesstimedelta {_version('businesstimedelta')}); every result "
        "checked equal between the two libraries"
    )
    print()
    for clock_name, title in (
        ("cpu", "CPU time of the benchmark process (`time.process_time`)"),
        ("wall", "Wall clock (`time.perf_counter`; inflated whenever other processes share the cores)"),
    ):
        print(f"{title}, median time for all cases and throughput:")
        print()
        print(
            "| calendar (Berlin, with holidays) | operation | sevflow cold | sevflow warm | businesstimedelta "
            "| sevflow cold /s | sevflow warm /s | businesstimedelta /s | ratio cold | ratio warm |"
        )
        print("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
        for row in rows[clock_name]:
            print(row)
        print()
    for clock_name in ("cpu", "wall"):
        print(
            f"Targets for `add` on both calendars, cold, by {clock_name} time (>= 50,000 deadlines/s and "
            f">= 30x businesstimedelta): {'met' if met[clock_name] else 'NOT met'}"
        )
    return 0


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    raise SystemExit(main())
