"""Folding typed rows into cases: one row per case, with what happened to it over time.

An event log (many rows per case, the mapping's ``event_log``) is sorted by its ``order_by``
column (then file order) within each case and folded:

- what is known early comes from the first row that has it: opening time, severity as opened
  (``severity``), impact, urgency, channel, service line, category, customer tier, title, text,
  first team (``team_first``);
- what is known late from the last row that has it: resolution and closing times (a reopened
  case's last resolution counts), ``severity_final``, ``team_last``, ``made_sla``;
- ``severity_max`` is the most urgent severity the case ever had; ``reassignments`` and
  ``reopens`` the highest count seen (they are cumulative);
- ``teams`` lists the teams in the order they held the case (a team listed again after another
  is a hand-back: ping-pong), and ``history`` every change of status or team with its instant.

A file with one row per case is folded the same way; an ``id`` seen again there is a duplicate
and its later rows are rejected (``duplicates``).
"""

from __future__ import annotations

import polars as pl

from sevflow.analytics.cells import ORDER, REJECTED
from sevflow.analytics.reading import RECORD

EARLY = (
    "severity",
    "severity_raw",
    "impact",
    "urgency",
    "channel",
    "service_line",
    "category",
    "customer_tier",
    "title",
    "text",
)
LATE = ("resolved", "closed", "made_sla", "assignee")


def duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    """For one-row-per-case files: ``REJECTED`` set on every row whose id an earlier row had."""
    first = pl.col(RECORD).min().over("id")
    reason = pl.lit("duplicate id: record ") + first.cast(pl.String) + pl.lit(" has it already")
    seen_before = pl.col("id").is_not_null() & (pl.col(RECORD) != first)
    return frame.with_columns(
        pl.when(pl.col(REJECTED).is_null() & seen_before)
        .then(reason)
        .otherwise(pl.col(REJECTED))
        .alias(REJECTED)
    )


def fold(frame: pl.DataFrame) -> pl.DataFrame:
    """The cases of ``frame``'s accepted rows (``REJECTED`` null), in order of first appearance."""
    rows = frame.filter(pl.col(REJECTED).is_null())
    keys = [ORDER, RECORD] if ORDER in rows.columns else [RECORD]
    rows = rows.sort(["id", *keys], nulls_last=True)
    have = set(rows.columns)
    # a team or status change: the row's value differs from the case's previous known value
    changed: dict[str, pl.Expr] = {}
    for name in ("team", "status"):
        if name in have:
            previous = pl.col(name).forward_fill().shift(1).over("id")
            changed[name] = pl.col(name).is_not_null() & (previous.is_null() | (pl.col(name) != previous))
    rows = rows.with_columns(
        (pl.any_horizontal(list(changed.values())) if changed else pl.lit(False)).alias("__changed"),
        changed.get("team", pl.lit(False)).alias("__team_changed"),
    )
    when = pl.col("updated") if "updated" in have else pl.col("created")
    aggs: list[pl.Expr] = [
        pl.col(RECORD).min().alias("record"),
        pl.len().alias("events"),
        pl.col("created").drop_nulls().first().alias("created"),
    ]
    for name in EARLY:
        if name in have:
            aggs.append(pl.col(name).drop_nulls().first().alias(name))
    for name in LATE:
        if name in have:
            aggs.append(pl.col(name).drop_nulls().last().alias(name))
    if "first_response" in have:
        aggs.append(pl.col("first_response").drop_nulls().min().alias("first_response"))
    if "first_response_minutes" in have:
        aggs.append(pl.col("first_response_minutes").drop_nulls().first().alias("first_response_minutes"))
    if "severity" in have:
        aggs += [
            pl.col("severity").drop_nulls().last().alias("severity_final"),
            pl.col("severity").drop_nulls().min().alias("severity_max"),
        ]
    for name in ("reassignments", "reopens"):
        if name in have:
            aggs.append(pl.col(name).max().alias(name))
    if "team" in have:
        aggs += [
            pl.col("team").drop_nulls().first().alias("team_first"),
            pl.col("team").drop_nulls().last().alias("team_last"),
            pl.col("team").filter(pl.col("__team_changed")).alias("teams"),
        ]
    history = [when.alias("at")]
    history += [pl.col(n).alias(n) for n in ("status", "team") if n in have]
    aggs.append(
        pl.struct(history).filter(pl.col("__changed") | (pl.int_range(pl.len()) == 0)).alias("history")
    )
    return rows.group_by("id").agg(aggs).sort("record")
