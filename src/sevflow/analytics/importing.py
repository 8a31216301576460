"""Importing a ticket history: read, type, fold, and account for every row.

``import_history(path, mapping)`` returns the cases (``folding``) and an ``ImportReport``: how
many rows were read, which were rejected and why (by record and line number), which cells could
not be read (the row was kept without them), and notes (severity values the mapping does not
know, cases without a resolution). Nothing is dropped silently: rows read = rows used + rows
rejected.

Why Polars (not DuckDB): the work is column expressions over one file (parse, type, fold by
case, aggregate by group), which Polars runs multi-threaded and lazily from Python without a
SQL layer; its frames hand numeric columns to scikit-learn as NumPy arrays without copies, and
one dependency serves import, metrics and mining. DuckDB would serve as well for SQL-shaped
questions; one engine is enough.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from sevflow.analytics.cells import REJECTED, Problem, typed
from sevflow.analytics.folding import duplicates, fold
from sevflow.analytics.mapping import REQUIRED, HistoryMapping
from sevflow.analytics.reading import RECORD, read_records

Progress = Callable[[str, int, int], None]
"""``(step, done, total)``: called as the import goes (for a progress bar)."""

STEPS = ("read", "type", "fold")


@dataclass(frozen=True)
class Rejection:
    record: int
    line: int | None
    """The file line the record starts on (CSV: counting the header as line 1)."""
    reason: str


@dataclass
class ImportReport:
    source: str
    mapping: str
    rows_read: int = 0
    rows_used: int = 0
    cases: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "mapping": self.mapping,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rows_rejected": len(self.rejected),
            "cases": self.cases,
            "rejected": [{"record": r.record, "line": r.line, "reason": r.reason} for r in self.rejected],
            "unreadable_cells": [
                {"record": p.record, "field": p.field, "value": p.value, "reason": p.reason}
                for p in self.problems
            ],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class History:
    cases: pl.DataFrame
    report: ImportReport


def import_history(path: Path, mapping: HistoryMapping, *, progress: Progress | None = None) -> History:
    """The cases in ``path`` read by ``mapping``, and the report (see the module docstring).
    ``InvalidInput`` if the file cannot be read at all (encoding, columns the mapping needs)."""
    mapping.require(REQUIRED, "a history analysis")
    tell = progress or (lambda step, done, total: None)
    tell("read", 0, 3)
    records = read_records(path, mapping)
    tell("type", 1, 3)
    rows, problems = typed(records, mapping)
    if mapping.event_log is None:
        rows = duplicates(rows)
    tell("fold", 2, 3)
    cases = fold(rows)
    tell("fold", 3, 3)
    report = ImportReport(
        str(path), mapping.name, rows_read=records.height, cases=cases.height, problems=problems
    )
    bad = rows.filter(pl.col(REJECTED).is_not_null()).select(RECORD, REJECTED)
    lines = _line_numbers(path, mapping, bad[RECORD].to_list()) if bad.height else {}
    report.rejected = [Rejection(int(r), lines.get(int(r)), str(why)) for r, why in bad.iter_rows()]
    report.rows_used = report.rows_read - len(report.rejected)
    report.notes = _notes(rows, cases, mapping)
    return History(cases, report)


def _notes(rows: pl.DataFrame, cases: pl.DataFrame, mapping: HistoryMapping) -> list[str]:
    notes = []
    if "severity_raw" in rows.columns:
        unknown = rows.filter(pl.col("severity_raw").is_not_null() & pl.col("severity").is_null())
        if unknown.height:
            counts = Counter(unknown["severity_raw"].to_list())
            listed = ", ".join(f"{v!r} ({n})" for v, n in counts.most_common(10))
            notes.append(
                f"{unknown.height} row(s) have a severity the mapping's severity_values do not list: {listed}; "
                "their cases have no severity"
            )
    if "resolved" in cases.columns:
        open_cases = cases.filter(pl.col("resolved").is_null()).height
        if open_cases:
            notes.append(f"{open_cases} case(s) have no resolution time (still open, or not recorded)")
    return notes


def _line_numbers(path: Path, mapping: HistoryMapping, records: list[int]) -> dict[int, int]:
    """The line each of ``records`` starts on. JSON Lines: the record number itself. CSV: read
    with Python's csv module (a field may span lines), only as far as the last one needed."""
    if mapping.format == "jsonl":
        return {r: r for r in records}
    wanted = set(records)
    last = max(wanted)
    text = path.read_bytes().decode(mapping.encoding, errors="replace").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter)
    found: dict[int, int] = {}
    start = 1
    for index, _ in enumerate(reader):
        if index in wanted:
            found[index] = start
        if index >= last:
            break
        start = reader.line_num + 1
    return found
