"""Drivers of an outcome: risk ratios with confidence intervals on earlier cases, precision,
recall and extra escalations on later ones; the intervals checked against worked values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from sevflow.analytics.drivers import find_drivers, risk_ratio, wilson

START = datetime(2026, 1, 1, 10, tzinfo=UTC)


def test_the_wilson_interval_and_the_risk_ratio_match_worked_values() -> None:
    assert wilson(0, 10) == (0.0, pytest.approx(0.27753, abs=1e-5))
    assert wilson(5, 10) == (pytest.approx(0.23659, abs=1e-5), pytest.approx(0.76341, abs=1e-5))
    # 20/50 against 10/100: RR 4, SE(ln RR) = sqrt(1/20 - 1/50 + 1/10 - 1/100) = sqrt(0.12)
    rr, low, high = risk_ratio(20, 50, 10, 100)
    assert (rr, low, high) == (4.0, pytest.approx(2.02856, abs=1e-4), pytest.approx(7.88724, abs=1e-4))


def history() -> pl.DataFrame:
    """Two cases a day for 100 days, one by phone and one by e-mail; e-mail cases escalate
    except every fifth day, phone cases only every fifth day."""
    rows = []
    for day in range(100):
        for channel in ("Phone", "Email"):
            escalated = (day % 5 != 0) if channel == "Email" else (day % 5 == 0)
            rows.append({"created": START + timedelta(days=day), "channel": channel, "escalated": escalated})
    return pl.DataFrame(rows)


def test_a_driver_found_on_earlier_months_is_checked_on_later_ones() -> None:
    report = find_drivers(history(), "escalated", min_cases=30)
    # the earliest 75 % of the cases train: days 0..74 (150 cases); days 75..99 test (50)
    assert (report.train_cases, report.test_cases) == (150, 50)
    assert report.split_at == START + timedelta(days=75)
    top = report.drivers[0]
    assert (top.attribute, top.value, top.train_cases) == ("channel", "Email", 75)
    assert (top.train_rate, top.rate_without, top.risk_ratio) == (0.8, 0.2, pytest.approx(4.0))
    assert top.ci_low == pytest.approx(2.50861, abs=1e-4)
    # later days: e-mail escalated on 20 of 25; 25 escalations in all
    assert (top.test_cases, top.test_precision, top.test_caught, top.test_recall, top.test_extra) == (
        25,
        0.8,
        20,
        0.8,
        5,
    )
    assert [(d.attribute, d.value) for d in report.drivers] == [("channel", "Email"), ("channel", "Phone")]


def test_attribute_values_with_too_few_cases_are_not_ranked() -> None:
    report = find_drivers(history(), "escalated", min_cases=76)
    assert report.drivers == []
