"""SLA targets against a history, in business time on each cell's calendar: attainment of the
policy's targets, the on-time escalation rate, and suggested targets. The hand-made history of
test_metrics under tests/fixtures/policies/minimal.yaml, every case on the silver tier:

INC1  Sev3  Mon 29 Feb 2016 02:16-06:00 Berlin: before opening hours, 0 business minutes;
      escalated at 04:00 Berlin, long before its 40 h target ran out (Fri 4 Mar 18:00)
INC2  Sev3  Tue 1 Mar 09:00-11:00 Berlin: 120 business minutes
INC3  Sev1  24x7, 12 h = 720 minutes against 8 h; escalated after 6 h, before the 8 h ran out
INC4  Sev3  still open
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sevflow.analytics import targets
from sevflow.domain.errors import InvalidInput
from sevflow.policy.loader import load_policy
from tests.analytics.test_metrics import cases  # noqa: F401  (the fixture)

POLICY = load_policy(Path(__file__).resolve().parents[1] / "fixtures" / "policies" / "minimal.yaml")


def test_attainment_counts_business_minutes_on_each_cells_calendar(cases: pl.DataFrame) -> None:  # noqa: F811
    rows = targets.attainment(cases, POLICY, "silver").rows(named=True)
    assert rows == [
        {
            "severity": "Sev1",
            "tier": "silver",
            "cases": 1,
            "resolution_target_min": 480,
            "resolved": 1,
            "resolution_within_target": 0.0,
            "first_response_target_min": 30,
            "answered": 0,
            "first_response_within_target": None,
            "escalated": 1,
            "escalated_on_time_rate": 1.0,
        },
        {
            "severity": "Sev3",
            "tier": "silver",
            "cases": 3,
            "resolution_target_min": 2400,
            "resolved": 2,
            "resolution_within_target": 1.0,
            "first_response_target_min": 480,
            "answered": 0,
            "first_response_within_target": None,
            "escalated": 1,
            "escalated_on_time_rate": 1.0,
        },
    ]
    times = targets.business_times(cases, POLICY, "silver")
    assert times["resolution_business_min"].to_list() == [0.0, 120.0, 720.0, None]


def test_suggested_targets_are_the_shares_quantile_rounded_up(cases: pl.DataFrame) -> None:  # noqa: F811
    table = targets.suggestions(cases, POLICY, "silver", shares=(0.5, 0.8))
    assert table.select(
        "severity", "share", "cases", "resolution_suggested_min", "resolution_target_min"
    ).rows() == [
        ("Sev1", 0.5, 1, 720, 480),
        ("Sev1", 0.8, 1, 720, 480),
        ("Sev3", 0.5, 3, 60, 2400),  # the median of 0 and 120 minutes is 60
        ("Sev3", 0.8, 3, 120, 2400),  # 96 minutes, rounded up
    ]


@pytest.mark.parametrize(
    ("minutes", "rounded"),
    [(0, 5), (5, 5), (5.1, 10), (61, 90), (1000, 1440), (1441, 2880), (4321, 4320 + 1440)],
)
def test_targets_round_up_to_a_round_duration(minutes: float, rounded: int) -> None:
    assert targets.round_up_minutes(minutes) == rounded


def test_an_unknown_default_tier_or_share_is_refused(cases: pl.DataFrame) -> None:  # noqa: F811
    with pytest.raises(InvalidInput, match="unknown customer tier 'bronze'; allowed: gold, silver"):
        targets.attainment(cases, POLICY, "bronze")
    with pytest.raises(ValueError, match="a share must be between 0 and 1"):
        targets.suggestions(cases, POLICY, "silver", shares=(1.0,))
