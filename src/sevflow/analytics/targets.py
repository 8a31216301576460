"""SLA targets measured against a history: what the policy's targets would have achieved, and what
targets the history supports.

Times are counted as the policy counts them: in business time on the calendar of each case's
SLA cell (severity × customer tier), with ``domain.calendar``. A case's customer tier is its
``customer_tier`` if the policy knows it, else ``default_tier`` (histories often have none).

``attainment(cases, policy, default_tier)``: per severity × tier, how many cases had a
resolution (and first response) time and the share within the policy's target; and the
**on-time escalation rate**: of the escalated cases, the share whose first team change came
before their resolution target ran out (escalated in time, rather than after the breach).

``suggestions(cases, policy, default_tier, shares)``: per severity × tier, the business-time
resolution (and first-response) target that each share of the history met -- the share's
quantile, rounded up to a round duration -- beside the policy's current target and its
attainment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import polars as pl

from sevflow.analytics.metrics import derive, ended
from sevflow.domain.policy import Policy
from sevflow.domain.severity import Severity

ROUND_MINUTES = (5, 10, 15, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 960, 1440)
"""Suggested targets are rounded up to one of these, or to whole days (1440-minute steps) above."""


def round_up_minutes(minutes: float) -> int:
    """The smallest round duration (``ROUND_MINUTES``, then whole days) of at least ``minutes``."""
    for step in ROUND_MINUTES:
        if minutes <= step:
            return step
    return math.ceil(minutes / 1440) * 1440


def business_times(cases: pl.DataFrame, policy: Policy, default_tier: str) -> pl.DataFrame:
    """``cases`` (derived) with ``tier`` (the SLA cell's customer tier), business minutes to
    resolution and first response, the policy's targets in minutes, and ``escalated_on_time``
    (null for cases never escalated or without an escalation instant)."""
    policy.customer_tier(default_tier)  # InvalidInput naming the policy's tiers
    d = cases if "escalated_at" in cases.columns else derive(cases)
    have = set(d.columns)
    case_end = ended(have)
    rows = d.select(
        "created",
        pl.col("severity") if "severity" in have else pl.lit(None, pl.String).alias("severity"),
        pl.col("customer_tier")
        if "customer_tier" in have
        else pl.lit(None, pl.String).alias("customer_tier"),
        (case_end if case_end is not None else pl.lit(None)).alias("end"),
        (pl.col("first_response") if "first_response" in have else pl.lit(None)).alias("first_response"),
        "first_response_hours",
        "escalated_at",
    ).rows()
    tiers: list[str] = []
    res: list[float | None] = []
    first: list[float | None] = []
    res_target: list[int | None] = []
    first_target: list[int | None] = []
    on_time: list[bool | None] = []
    for created, severity, tier, end, answered, first_hours, escalated_at in rows:
        tier = tier if tier in policy.customer_tiers else default_tier
        tiers.append(tier)
        if severity is None:
            res.append(None)
            first.append(None)
            res_target.append(None)
            first_target.append(None)
            on_time.append(None)
            continue
        target = policy.target(Severity(severity), tier)
        calendar = policy.calendar(target.calendar)
        res_target.append(target.resolution_minutes)
        first_target.append(target.first_response_minutes)
        res.append(None if end is None else calendar.business_seconds(created, end) / 60)
        if answered is not None:
            first.append(calendar.business_seconds(created, answered) / 60)
        else:
            first.append(None if first_hours is None else first_hours * 60)  # given as minutes: wall-clock
        if escalated_at is None:
            on_time.append(None)
        else:
            deadline: datetime = calendar.add(created, target.resolution_minutes * 60)
            on_time.append(escalated_at <= deadline)
    return d.with_columns(
        pl.Series("tier", tiers, dtype=pl.String),
        pl.Series("resolution_business_min", res, dtype=pl.Float64),
        pl.Series("first_response_business_min", first, dtype=pl.Float64),
        pl.Series("resolution_target_min", res_target, dtype=pl.Int64),
        pl.Series("first_response_target_min", first_target, dtype=pl.Int64),
        pl.Series("escalated_on_time", on_time, dtype=pl.Boolean),
    )


def attainment(cases: pl.DataFrame, policy: Policy, default_tier: str) -> pl.DataFrame:
    """Per severity × tier: cases, the policy's targets, the share of cases with a time that
    met each, and the on-time escalation rate (see the module docstring)."""
    t = business_times(cases, policy, default_tier).filter(pl.col("severity").is_not_null())
    met_res = pl.col("resolution_business_min") <= pl.col("resolution_target_min")
    met_first = pl.col("first_response_business_min") <= pl.col("first_response_target_min")
    return (
        t.group_by("severity", "tier")
        .agg(
            pl.len().alias("cases"),
            pl.col("resolution_target_min").first(),
            pl.col("resolution_business_min").is_not_null().sum().alias("resolved"),
            met_res.mean().alias("resolution_within_target"),
            pl.col("first_response_target_min").first(),
            pl.col("first_response_business_min").is_not_null().sum().alias("answered"),
            met_first.mean().alias("first_response_within_target"),
            pl.col("escalated_on_time").is_not_null().sum().alias("escalated"),
            pl.col("escalated_on_time").mean().alias("escalated_on_time_rate"),
        )
        .sort("severity", "tier")
    )


def suggestions(
    cases: pl.DataFrame, policy: Policy, default_tier: str, shares: Sequence[float] = (0.8, 0.9)
) -> pl.DataFrame:
    """Per severity × tier and share: the round business-time targets that share of cases met
    (``None`` without times), beside the policy's targets and their attainment."""
    for share in shares:
        if not 0 < share < 1:
            raise ValueError(f"a share must be between 0 and 1 (exclusive), got {share}")
    t = business_times(cases, policy, default_tier).filter(pl.col("severity").is_not_null())
    current = attainment(cases, policy, default_tier)
    rows = []
    for (severity, tier), group in t.group_by("severity", "tier", maintain_order=True):
        resolution = group["resolution_business_min"].drop_nulls()
        answered = group["first_response_business_min"].drop_nulls()
        for share in shares:
            rows.append(
                {
                    "severity": severity,
                    "tier": tier,
                    "share": share,
                    "cases": group.height,
                    "resolution_suggested_min": _quantile_round(resolution, share),
                    "first_response_suggested_min": _quantile_round(answered, share),
                }
            )
    table = pl.DataFrame(
        rows,
        schema={
            "severity": pl.String,
            "tier": pl.String,
            "share": pl.Float64,
            "cases": pl.Int64,
            "resolution_suggested_min": pl.Int64,
            "first_response_suggested_min": pl.Int64,
        },
    )
    keep = [
        "severity",
        "tier",
        "resolution_target_min",
        "resolution_within_target",
        "first_response_target_min",
    ]
    return table.join(current.select(keep), on=["severity", "tier"], how="left").sort(
        "severity", "tier", "share"
    )


def _quantile_round(values: pl.Series, share: float) -> int | None:
    if values.len() == 0:
        return None
    q = values.quantile(share, "linear")
    return None if q is None else round_up_minutes(float(q))
