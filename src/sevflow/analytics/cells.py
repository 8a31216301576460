"""Turning text cells into typed fields, by the mapping, and saying which cells could not be read.

Instants: ISO 8601 with an offset (or ``Z``) is read as written; anything else is tried with
ISO 8601 without an offset and then the mapping's ``timestamp_formats``, in order, as local time
in the mapping's ``zone`` (a time in a spring-forward gap counts as the hour after it, an
ambiguous one as its first occurrence), and stored as UTC. Counts are whole numbers, ``made_sla``
a boolean by ``true_values``/``false_values``, severity ``Sev1``..``Sev4`` by
``severity_values`` (or written as ``Sev1``/``1``), anything else text.

A required cell (``id``, ``created``) that is missing or unreadable rejects its row; an
unreadable optional cell is left empty and reported (``Problem``), and the row is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sevflow.analytics.mapping import HistoryMapping
from sevflow.analytics.reading import RECORD

INSTANTS = ("created", "first_response", "resolved", "closed", "updated")
COUNTS = ("reassignments", "reopens")
NUMBERS = ("first_response_minutes",)
BOOLEANS = ("made_sla",)
SEVERITY = "severity"
ORDER = "__order"
REJECTED = "__rejected"

_ISO_AWARE = tuple(f"%Y-%m-%d{t}%H:%M{s}%z" for t in ("T", " ") for s in (":%S%.f", ":%S", ""))
_ISO_NAIVE = (*(f"%Y-%m-%d{t}%H:%M{s}" for t in ("T", " ") for s in (":%S%.f", ":%S", "")), "%Y-%m-%d")
_UTC = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Problem:
    record: int
    field: str
    value: str
    reason: str


def instant_expr(column: str, mapping: HistoryMapping) -> pl.Expr:
    """The UTC instant in text column ``column`` (null where none of the forms fits)."""
    text = pl.col(column).str.replace(r"Z$", "+00:00")
    with_offset = [f for f in mapping.timestamp_formats if "%z" in f or "%:z" in f]
    without = [f for f in mapping.timestamp_formats if f not in with_offset]
    aware = [
        text.str.to_datetime(f, strict=False, time_unit="us", time_zone="UTC")
        for f in (*_ISO_AWARE, *with_offset)
    ]
    naive = pl.coalesce(
        [text.str.to_datetime(f, strict=False, time_unit="us") for f in (*_ISO_NAIVE, *without)]
    )
    local = naive.dt.replace_time_zone(mapping.zone, ambiguous="earliest", non_existent="null")
    after_gap = (naive + pl.duration(hours=1)).dt.replace_time_zone(
        mapping.zone, ambiguous="earliest", non_existent="null"
    )
    return pl.coalesce([*aware, pl.coalesce([local, after_gap]).dt.convert_time_zone("UTC")]).cast(_UTC)


def severity_expr(column: str, mapping: HistoryMapping) -> pl.Expr:
    raw = pl.col(column)
    known = {k: v.value for k, v in mapping.severity_values.items()}
    spelled = raw.str.to_lowercase().str.replace(r"^(sev|s|p)?\s*([1-4])$", "Sev$2")
    direct = pl.when(spelled.str.contains(r"^Sev[1-4]$")).then(spelled)
    return pl.coalesce([raw.replace_strict(known, default=None, return_dtype=pl.String), direct])


def typed(records: pl.DataFrame, mapping: HistoryMapping) -> tuple[pl.DataFrame, list[Problem]]:
    """``records`` (text cells, see ``reading``) as typed sevflow fields, plus ``RECORD``,
    ``ORDER`` (the event log's order, if it has one) and ``REJECTED`` (why a row is rejected, else
    null); and the problems of optional cells, by record."""
    values: dict[str, pl.Expr] = {}
    expected: dict[str, str] = {}
    for field, column in mapping.columns.items():
        raw = pl.col(column)
        if field in INSTANTS:
            values[field] = instant_expr(column, mapping)
            expected[field] = "not a time in any of the forms: " + ", ".join(
                ["ISO 8601", *mapping.timestamp_formats]
            )
        elif field in COUNTS:
            values[field] = raw.str.replace_all(r"[,\s]", "").cast(pl.Int64, strict=False)
            expected[field] = "not a whole number"
        elif field in NUMBERS:
            values[field] = raw.str.replace(",", ".").cast(pl.Float64, strict=False)
            expected[field] = "not a number"
        elif field in BOOLEANS:
            lower = raw.str.to_lowercase()
            values[field] = (
                pl.when(lower.is_in(mapping.true_values))
                .then(True)
                .when(lower.is_in(mapping.false_values))
                .then(False)
                .otherwise(None)
            )
            expected[field] = (
                "not a yes/no value (" + "/".join([*mapping.true_values, *mapping.false_values]) + ")"
            )
        elif field == SEVERITY:
            values[field] = severity_expr(column, mapping)
            values["severity_raw"] = raw
            listed = ", ".join(repr(k) for k in mapping.severity_values) or "none"
            expected[field] = f"not a severity (severity_values lists {listed}; or write Sev1..Sev4)"
        else:
            values[field] = raw
    columns = [pl.col(RECORD), *(v.alias(f) for f, v in values.items())]
    columns += [pl.col(mapping.columns[f]).alias(f"__raw_{f}") for f in expected]
    order = mapping.event_log.order_by if mapping.event_log else None
    if order:
        as_number = pl.col(order).str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)
        as_instant = instant_expr(order, mapping).dt.epoch("us").cast(pl.Float64)
        columns.append(pl.coalesce([as_number, as_instant]).alias(ORDER))
    frame = records.select(columns)
    rejected = (
        pl.when(pl.col("id").is_null())
        .then(pl.lit("no id"))
        .when(pl.col("__raw_created").is_null())
        .then(pl.lit("no opening time (created)"))
        .when(pl.col("created").is_null())
        .then(pl.lit("created: '") + pl.col("__raw_created") + pl.lit("' is " + expected["created"]))
        .otherwise(None)
    )
    frame = frame.with_columns(rejected.alias(REJECTED))
    problems: list[Problem] = []
    for field, what in expected.items():
        if field == "created":
            continue
        bad = frame.filter(
            pl.col(REJECTED).is_null() & pl.col(f"__raw_{field}").is_not_null() & pl.col(field).is_null()
        )
        for record, value in bad.select(RECORD, f"__raw_{field}").iter_rows():
            problems.append(Problem(int(record), field, str(value), what))
    problems.sort(key=lambda p: (p.record, p.field))
    return frame.drop([c for c in frame.columns if c.startswith("__raw_")]), problems
