"""History analysis: ``sevflow analyze`` from CSV to the finished HTML report and JSON, on the
whole UCI ServiceNow event log (141,712 rows) and on a synthetic history 20 times its size.

Each run is a fresh ``sevflow analyze FILE --preset servicenow --out report.html --json
results.json --quiet`` process; its wall time and peak resident memory (GNU ``time -f %M``) are
recorded. Baseline, measured in the same run: a fresh Python process that only
reads the same file with ``polars.read_csv`` (every column, as text) -- the floor for anything
that reads it.

The synthetic history resamples the real one: ``--factor`` copies of every row, copy ``k`` with
its incident numbers suffixed ``-k`` and its five date columns shifted by ``k`` x 52 weeks (weekdays
and hours are kept). It is written once to ``--workdir`` and reused.

Targets: the real log in under 10 s and 1 GB; 20x in under 60 s and 4 GB, and the cost per row
not growing with the size.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

REAL = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "uci-incident-event-log"
    / "incident_event_log.csv"
)
DATES = ("opened_at", "sys_created_at", "sys_updated_at", "resolved_at", "closed_at")
SEVFLOW = Path(sys.executable).with_name("sevflow")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float


def measured(command: list[str], cwd: Path) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(
            f"{' '.join(command)} failed ({status}): {process.stderr.read().decode() if process.stderr else ''}"
        )
    return Run(seconds, usage.ru_maxrss / 1024)  # KB on Linux


def scaled(source: Path, factor: int, workdir: Path) -> Path:
    target = workdir / f"incident_event_log_x{factor}.csv"
    if target.exists():
        return target
    frame = pl.read_csv(source, infer_schema=False)
    copies = []
    for k in range(factor):
        shift = pl.duration(weeks=52 * k)
        copies.append(
            frame.with_columns(
                (pl.col("number") + f"-{k}").alias("number"),
                *[
                    pl.when(pl.col(c) == "?")
                    .then(pl.lit("?"))
                    .otherwise(
                        (pl.col(c).str.to_datetime("%d/%m/%Y %H:%M", strict=False) + shift).dt.strftime(
                            "%d/%m/%Y %H:%M"
                        )
                    )
                    .alias(c)
                    for c in DATES
                ],
            )
        )
    partial = target.with_suffix(".partial")
    pl.concat(copies).write_csv(partial)
    partial.replace(target)
    return target


def run_file(path: Path, repeats: int, workdir: Path) -> tuple[list[Run], list[Run]]:
    analyze = [
        str(SEVFLOW),
        "analyze",
        str(path),
        "--preset",
        "servicenow",
        "--out",
        str(workdir / "report.html"),
        "--json",
        str(workdir / "results.json"),
        "--quiet",
    ]
    baseline = [sys.executable, "-c", f"import polars as pl; pl.read_csv({str(path)!r}, infer_schema=False)"]
    sevflow_runs, baseline_runs = [], []
    for _ in range(repeats):
        sevflow_runs.append(measured(analyze, workdir))
        baseline_runs.append(measured(baseline, workdir))
    return sevflow_runs, baseline_runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--factor", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "sevflow-bench")
    parser.add_argument("--source", type=Path, default=REAL)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.prepare:  # in a process of its own: see below
        big = scaled(args.source, args.factor, args.workdir)
        for path in (args.source, big):
            print(pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item())
        return
    # Making the big file and counting rows take a lot of memory; done here, this process's pages
    # would count in the measured children's peaks (Linux keeps a forked child's high-water mark
    # across exec), so another process does it.
    prepared = subprocess.run(
        [
            sys.executable,
            __file__,
            "--prepare",
            "--factor",
            str(args.factor),
            "--workdir",
            str(args.workdir),
            "--source",
            str(args.source),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    big = args.workdir / f"incident_event_log_x{args.factor}.csv"
    rows = {args.source: int(prepared[0]), big: int(prepared[1])}
    print(
        f"- Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python {platform.python_version()}, polars {pl.__version__}; load average {os.getloadavg()[0]:.2f} at the start"
    )
    print(
        f"- Command: `.venv/bin/python bench/bench_analyze.py --repeats {args.repeats} --factor {args.factor}`\n"
    )
    print(
        "| history | rows | sevflow analyze (median) | all repeats | peak memory | baseline: polars.read_csv "
        "| its peak memory | ratio | per 100k rows |"
    )
    print("|---|--:|--:|---|--:|--:|--:|--:|--:|")
    for path, count in rows.items():
        runs, base = run_file(path, args.repeats, args.workdir)
        median = statistics.median(r.seconds for r in runs)
        peak = max(r.peak_mb for r in runs)
        floor = statistics.median(r.seconds for r in base)
        label = "real" if path == args.source else f"{args.factor}x"
        print(
            f"| {label} | {count:,} | {median:.2f} s | {', '.join(f'{r.seconds:.2f}' for r in runs)} | {peak:,.0f} MB "
            f"| {floor:.2f} s | {max(r.peak_mb for r in base):,.0f} MB | {median / floor:.1f}x "
            f"| {median / count * 100_000:.2f} s |"
        )
    print(f"\nLoad average {os.getloadavg()[0]:.2f} at the end.")


if __name__ == "__main__":
    main()
