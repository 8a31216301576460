"""Which attributes known early in a case's life raise the chance of an outcome (an escalation,
a missed SLA), ranked, with effect sizes and confidence intervals, checked on later cases.

Attributes known at intake (``EARLY``): severity as opened, impact, urgency, channel, service
line, category, customer tier, the hour band and weekday of arrival (UTC), and each word of the
title and text (``keyword``). The cases are
split in time: the earliest ``train_share`` of them (by opening time) train, the later ones
test -- so a driver must hold on months it was not found on.

For every attribute value with at least ``min_cases`` training cases, on the training slice:
the outcome's rate with the value and without it, the **risk ratio** with its 95 % confidence
interval (log method: SE(ln RR) = sqrt(1/a - 1/n1 + 1/c - 1/n0)), and the rate's Wilson
interval. On the test slice: the rate with the value (the **precision** of flagging it), how many
of the test outcomes it would have caught (recall), and how many test cases it would flag
without the outcome (**extra** escalations). Drivers are ranked by the lower bound of their
risk ratio; a lower bound above 1 means the effect is unlikely to be chance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from sevflow.analytics.metrics import derive

EARLY = ("severity", "impact", "urgency", "channel", "service_line", "category", "customer_tier")
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Driver:
    attribute: str
    value: str
    train_cases: int
    train_rate: float
    rate_without: float
    risk_ratio: float
    ci_low: float
    ci_high: float
    rate_ci: tuple[float, float]
    test_cases: int
    test_precision: float | None
    test_caught: int
    test_recall: float | None
    test_extra: int


@dataclass(frozen=True)
class DriverReport:
    outcome: str
    split_at: datetime
    train_cases: int
    test_cases: int
    train_rate: float
    test_rate: float
    drivers: list[Driver]


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (``(0, 1)`` for ``n`` = 0)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def risk_ratio(a: int, n1: int, c: int, n0: int, z: float = Z95) -> tuple[float, float, float]:
    """Risk ratio of ``a``/``n1`` against ``c``/``n0`` with its confidence interval (log method;
    0.5 is added to every cell when one is zero, the usual continuity correction)."""
    if min(a, c, n1 - a, n0 - c) == 0:
        a, c, n1, n0 = a + 0.5, c + 0.5, n1 + 1, n0 + 1  # type: ignore[assignment]
    rr = (a / n1) / (c / n0)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    return rr, rr * math.exp(-z * se), rr * math.exp(z * se)


def attributes(cases: pl.DataFrame) -> pl.DataFrame:
    """The early attributes of each case as text columns (missing ones left out)."""
    have = set(cases.columns)
    columns = [pl.col(a).cast(pl.String) for a in EARLY if a in have]
    hour = pl.col("created").dt.hour()
    band = (
        pl.when(hour < 6)
        .then(pl.lit("00-06"))
        .when(hour < 12)
        .then(pl.lit("06-12"))
        .when(hour < 18)
        .then(pl.lit("12-18"))
        .otherwise(pl.lit("18-24"))
    )
    columns += [band.alias("arrival_hours"), pl.col("created").dt.strftime("%a").alias("arrival_day")]
    return cases.select(columns)


def find_drivers(
    cases: pl.DataFrame,
    outcome: str,
    *,
    train_share: float = 0.75,
    min_cases: int = 30,
) -> DriverReport:
    """Drivers of the boolean case column ``outcome`` (e.g. ``escalated``, or ``breached``:
    see ``outcomes``), ranked as the module docstring says. Cases where the outcome is unknown
    are left out."""
    if not 0 < train_share < 1:
        raise ValueError(f"train_share must be between 0 and 1, got {train_share}")
    d = cases if outcome in cases.columns else derive(cases)
    d = d.filter(pl.col(outcome).is_not_null())
    if d.height < 2:
        raise ValueError(f"too few cases with a known {outcome} to split in time ({d.height})")
    # the earliest train_share of the cases (by opening time) train; the later ones test
    split_at = d["created"].sort()[min(d.height - 1, int(d.height * train_share))]
    assert isinstance(split_at, datetime)
    table = attributes(d).with_columns(d[outcome].alias("__y"), (d["created"] < split_at).alias("__train"))
    train, test = table.filter(pl.col("__train")), table.filter(~pl.col("__train"))
    n, positives = train.height, int(train["__y"].sum())
    test_positives = int(test["__y"].sum())
    drivers: list[Driver] = []
    counts: list[tuple[str, pl.DataFrame, pl.DataFrame]] = []
    for attribute in [c for c in table.columns if not c.startswith("__")]:
        grouped = train.group_by(attribute).agg(pl.len().alias("n"), pl.col("__y").sum().alias("y"))
        tested = test.group_by(attribute).agg(pl.len().alias("n"), pl.col("__y").sum().alias("y"))
        counts.append((attribute, grouped, tested))
    words = _words(d)
    if words is not None:
        # each word once per case: a case "has" the keyword or not
        flags = (
            table.select("__y", "__train")
            .with_columns(d.select(words.alias("keyword"))["keyword"])
            .explode("keyword")
            .filter(pl.col("keyword").is_not_null())
        )
        by_word = [
            part.group_by("keyword").agg(pl.len().alias("n"), pl.col("__y").sum().alias("y"))
            for part in (flags.filter(pl.col("__train")), flags.filter(~pl.col("__train")))
        ]
        counts.append(("keyword", by_word[0], by_word[1]))
    for attribute, grouped, tested in counts:
        test_counts = {v: (int(k), int(y)) for v, k, y in tested.iter_rows()}
        for value, n1, a in grouped.iter_rows():
            n1, a = int(n1), int(a)
            if value is None or n1 < min_cases or n1 == n:
                continue
            n0, c = n - n1, positives - a
            rr, low, high = risk_ratio(a, n1, c, n0)
            k, y = test_counts.get(value, (0, 0))
            drivers.append(
                Driver(
                    attribute=attribute,
                    value=str(value),
                    train_cases=n1,
                    train_rate=a / n1,
                    rate_without=c / n0,
                    risk_ratio=rr,
                    ci_low=low,
                    ci_high=high,
                    rate_ci=wilson(a, n1),
                    test_cases=k,
                    test_precision=y / k if k else None,
                    test_caught=y,
                    test_recall=y / test_positives if test_positives else None,
                    test_extra=k - y,
                )
            )
    drivers.sort(key=lambda x: (-x.ci_low, -x.risk_ratio, x.attribute, x.value))
    return DriverReport(
        outcome=outcome,
        split_at=split_at,
        train_cases=n,
        test_cases=test.height,
        train_rate=positives / n if n else 0.0,
        test_rate=test_positives / test.height if test.height else 0.0,
        drivers=drivers,
    )


STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "are",
        "was",
        "were",
        "not",
        "but",
        "have",
        "has",
        "had",
        "you",
        "your",
        "our",
        "can",
        "cannot",
        "when",
        "what",
        "which",
        "into",
        "after",
        "before",
        "about",
        "there",
        "their",
        "they",
        "them",
        "then",
        "than",
        "also",
        "after",
    ]
)


def _words(cases: pl.DataFrame) -> pl.Expr | None:
    """The distinct words (3+ letters, lower case, no stop words) of each case's title and
    text, or ``None`` when the history has neither."""
    columns = [c for c in ("title", "text") if c in cases.columns]
    if not columns:
        return None
    text = pl.concat_str([pl.col(c).fill_null("") for c in columns], separator=" ").str.to_lowercase()
    words = text.str.extract_all(r"[a-z][a-z0-9_-]{2,}").list.unique()
    return words.list.eval(pl.element().filter(~pl.element().is_in(list(STOPWORDS))))


def outcomes(cases: pl.DataFrame) -> pl.DataFrame:
    """``cases`` (derived) with ``breached``: the SLA missed as the history recorded it
    (``made_sla`` false), null where it did not record it."""
    d = cases if "escalated" in cases.columns else derive(cases)
    breached = ~pl.col("made_sla") if "made_sla" in d.columns else pl.lit(None, pl.Boolean)
    return d.with_columns(breached.alias("breached"))
