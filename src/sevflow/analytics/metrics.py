"""What a history says about a team's support: the measures, by group and by week.

``derive(cases)`` adds per-case measures to the folded cases (``folding``):

- ``resolution_hours`` (opening to the last resolution, else closing; wall-clock hours) and
  ``first_response_hours`` (from ``first_response`` or ``first_response_minutes``);
- ``reassigned`` (any reassignment), ``handbacks`` (times the case went back to a team that had
  already had it: A → B → A is one) and ``ping_pong`` (at least one), ``reopened``;
- ``escalated``: reassigned, or its severity became more urgent, or it passed through more than
  one team; ``escalated_at``: the first instant its team changed;
- ``week``: the Monday (UTC) of the week it was opened.

``by_group(cases, by)`` sums them per group (``by``: any case columns, e.g. ``["severity"]``,
``["service_line"]``, ``["team_first"]``, ``["customer_tier"]``, ``["week"]``): volume; median,
p90 and mean resolution and first-response hours; reassignments per case; the shares escalated,
reopened, ping-ponged and meeting the SLA as the history recorded it (``made_sla``).
Quantiles interpolate linearly between ranks (as pandas and NumPy do by default).

``backlog(cases)``: the cases open at the end of each week. ``time_at_team(cases)``: how long
cases stayed with each team, from their history (the last team until resolution).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import polars as pl

HOUR_US = 3_600_000_000
_UTC = pl.Datetime("us", "UTC")


def _hours(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_microseconds() / HOUR_US


def ended(columns: Iterable[str]) -> pl.Expr | None:
    """When a case ended: its (last) resolution, else its closing; ``None`` if the history has
    neither column."""
    present = [c for c in ("resolved", "closed") if c in set(columns)]
    return pl.coalesce([pl.col(c) for c in present]) if present else None


def derive(cases: pl.DataFrame) -> pl.DataFrame:
    """``cases`` with the per-case measures of the module docstring."""
    have = set(cases.columns)
    end = ended(have)
    columns: list[pl.Expr] = [
        pl.col("created").dt.truncate("1w").alias("week"),
        (_hours(end, pl.col("created")) if end is not None else pl.lit(None, pl.Float64)).alias(
            "resolution_hours"
        ),
    ]
    if "first_response" in have:
        first = _hours(pl.col("first_response"), pl.col("created"))
        if "first_response_minutes" in have:
            first = pl.coalesce([first, pl.col("first_response_minutes") / 60])
    elif "first_response_minutes" in have:
        first = pl.col("first_response_minutes") / 60
    else:
        first = pl.lit(None, pl.Float64)
    columns.append(first.alias("first_response_hours"))
    reassigned = (pl.col("reassignments").fill_null(0) > 0) if "reassignments" in have else pl.lit(False)
    columns.append(reassigned.alias("reassigned"))
    columns.append(
        ((pl.col("reopens").fill_null(0) > 0) if "reopens" in have else pl.lit(False)).alias("reopened")
    )
    teams = pl.col("teams") if "teams" in have else pl.lit([], pl.List(pl.String))
    handbacks = (teams.list.len() - teams.list.unique().list.len()).fill_null(0)
    columns += [handbacks.alias("handbacks"), (handbacks > 0).alias("ping_pong")]
    raised = (
        (pl.col("severity_max") < pl.col("severity")).fill_null(False)
        if {"severity", "severity_max"} <= have
        else pl.lit(False)
    )
    columns.append((reassigned | raised | (teams.list.len().fill_null(0) > 1)).alias("escalated"))
    frame = cases.with_columns(columns)
    return frame.with_columns(_escalated_at(frame).alias("escalated_at"))


def _escalated_at(frame: pl.DataFrame) -> pl.Series:
    """The first instant a case's team differed from its first team (null if never)."""
    if "history" not in frame.columns or "team_first" not in frame.columns:
        return pl.Series("escalated_at", [None] * frame.height, dtype=pl.Datetime("us", "UTC"))
    steps = (
        frame.select("id", "team_first", "history")
        .with_row_index("__row")
        .explode("history")
        .unnest("history")
    )
    if "team" not in steps.columns:
        return pl.Series("escalated_at", [None] * frame.height, dtype=pl.Datetime("us", "UTC"))
    first = (
        steps.filter(pl.col("team").is_not_null() & (pl.col("team") != pl.col("team_first")))
        .group_by("__row")
        .agg(pl.col("at").min().alias("escalated_at"))
    )
    joined = frame.with_row_index("__row").select("__row").join(first, on="__row", how="left").sort("__row")
    return joined["escalated_at"]


def by_group(cases: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """One row per group of ``by`` with the measures of the module docstring, largest first."""
    d = derive(cases) if "escalated" not in cases.columns else cases
    have = set(d.columns)
    aggs = [
        pl.len().alias("volume"),
        pl.col("resolution_hours").median().alias("resolution_median_h"),
        pl.col("resolution_hours").quantile(0.9, "linear").alias("resolution_p90_h"),
        pl.col("resolution_hours").mean().alias("resolution_mean_h"),
        pl.col("first_response_hours").median().alias("first_response_median_h"),
        pl.col("first_response_hours").quantile(0.9, "linear").alias("first_response_p90_h"),
        pl.col("first_response_hours").mean().alias("first_response_mean_h"),
        (
            pl.col("reassignments").fill_null(0).mean()
            if "reassignments" in have
            else pl.lit(None, pl.Float64)
        ).alias("reassignments_per_case"),
        pl.col("escalated").mean().alias("escalated_share"),
        pl.col("reopened").mean().alias("reopen_rate"),
        pl.col("ping_pong").mean().alias("ping_pong_share"),
        (
            pl.col("made_sla").cast(pl.Float64).mean() if "made_sla" in have else pl.lit(None, pl.Float64)
        ).alias("made_sla_share"),
    ]
    return d.group_by(by).agg(aggs).sort(["volume", *by], descending=[True, *([False] * len(by))])


def backlog(cases: pl.DataFrame) -> pl.DataFrame:
    """Cases open at the end of each week (Monday 00:00 UTC of the next week) from the first
    week with an opening to the last with an opening or a resolution: ``week``, ``opened``,
    ``resolved``, ``open_at_end``."""
    d = derive(cases) if "week" not in cases.columns else cases
    end = ended(d.columns)
    if end is None:
        end = pl.lit(None, _UTC)
    opened = d.group_by("week").agg(pl.len().alias("opened"))
    done = (
        d.filter(end.is_not_null())
        .group_by(end.dt.truncate("1w").alias("week"))
        .agg(pl.len().alias("resolved"))
    )
    span = pl.concat([d.select("week"), done.select("week")])["week"]
    first, last = span.min(), span.max()
    if not isinstance(first, datetime) or not isinstance(last, datetime):  # no cases at all
        return pl.DataFrame(
            schema={
                "week": pl.Datetime("us", "UTC"),
                "opened": pl.UInt32,
                "resolved": pl.UInt32,
                "open_at_end": pl.Int64,
            }
        )
    weeks = pl.DataFrame(
        {"week": pl.datetime_range(first, last, "1w", eager=True, time_zone="UTC", time_unit="us")}
    )
    table = (
        weeks.join(opened, on="week", how="left")
        .join(done, on="week", how="left")
        .with_columns(pl.col("opened").fill_null(0), pl.col("resolved").fill_null(0))
        .sort("week")
    )
    running = pl.col("opened").cast(pl.Int64).cum_sum() - pl.col("resolved").cast(pl.Int64).cum_sum()
    return table.with_columns(running.alias("open_at_end"))


def time_at_team(cases: pl.DataFrame) -> pl.DataFrame:
    """Hours cases spent with each team (from each team change to the next, the last until the
    case's resolution or closing): ``team``, ``cases``, ``median_h``, ``p90_h``, ``total_h``."""
    if "history" not in cases.columns:
        return pl.DataFrame(
            schema={
                "team": pl.String,
                "cases": pl.UInt32,
                "median_h": pl.Float64,
                "p90_h": pl.Float64,
                "total_h": pl.Float64,
            }
        )
    end = ended(cases.columns)
    if end is None:
        end = pl.lit(None, _UTC)
    steps = cases.select("id", end.alias("__end"), "history").explode("history").unnest("history")
    if "team" not in steps.columns:
        return time_at_team(cases.drop("history"))
    # only the rows where the team changes start a stay; a stay ends where the next one starts
    steps = steps.filter(pl.col("team").is_not_null())
    steps = steps.filter((pl.col("team") != pl.col("team").shift(1).over("id")).fill_null(True))
    stays = steps.with_columns(pl.col("at").shift(-1).over("id").alias("__next")).with_columns(
        pl.coalesce(["__next", "__end"]).alias("__until")
    )
    stays = stays.filter(pl.col("__until").is_not_null()).with_columns(
        _hours(pl.col("__until"), pl.col("at")).clip(lower_bound=0).alias("hours")
    )
    per_case = stays.group_by("id", "team").agg(pl.col("hours").sum())
    return (
        per_case.group_by("team")
        .agg(
            pl.len().alias("cases"),
            pl.col("hours").median().alias("median_h"),
            pl.col("hours").quantile(0.9, "linear").alias("p90_h"),
            pl.col("hours").sum().alias("total_h"),
        )
        .sort(["total_h", "team"], descending=[True, False])
    )
