"""The measures of a history, on a hand-made event log whose answers are worked out here.

INC1  Sev3  opened Mon 29 Feb 01:16, resolved 05:00 (3.73 h); Group A -> B -> A (one hand-back),
      2 reassignments, SLA missed
INC2  Sev3  opened Tue 1 Mar 08:00, resolved 10:00 (2 h), Group A only, reopened once
INC3  Sev1  opened Wed 2 Mar 00:00, resolved 12:00 (12 h), Group A -> B at 06:00
INC4  Sev3  opened Mon 7 Mar 09:00, still open, Group C
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sevflow.analytics import metrics
from sevflow.analytics.importing import import_history
from sevflow.analytics.mapping import preset
from tests.analytics.test_import import HEADER, row, utc


@pytest.fixture
def cases(tmp_path: Path) -> pl.DataFrame:
    rows = [
        row("INC1", "New", 0, "29/2/2016 01:20", "Group A"),
        row("INC1", "Active", 1, "29/2/2016 02:00", "Group A"),
        row("INC1", "Active", 2, "29/2/2016 03:00", "Group B", reassigned=1),
        row(
            "INC1",
            "Resolved",
            3,
            "29/2/2016 05:00",
            "Group A",
            reassigned=2,
            made_sla="false",
            resolved="29/2/2016 05:00",
        ),
        row("INC2", "New", 0, "1/3/2016 08:00", "Group A", opened="1/3/2016 08:00"),
        row(
            "INC2",
            "Resolved",
            1,
            "1/3/2016 10:00",
            "Group A",
            opened="1/3/2016 08:00",
            reopened=1,
            resolved="1/3/2016 10:00",
        ),
        row("INC3", "New", 0, "2/3/2016 00:00", "Group A", "1 - Critical", opened="2/3/2016 00:00"),
        row(
            "INC3",
            "Active",
            1,
            "2/3/2016 06:00",
            "Group B",
            "1 - Critical",
            opened="2/3/2016 00:00",
            reassigned=1,
        ),
        row(
            "INC3",
            "Resolved",
            2,
            "2/3/2016 12:00",
            "Group B",
            "1 - Critical",
            opened="2/3/2016 00:00",
            reassigned=1,
            resolved="2/3/2016 12:00",
        ),
        row("INC4", "New", 0, "7/3/2016 09:00", "Group C", opened="7/3/2016 09:00"),
    ]
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return import_history(path, preset("servicenow")).cases


def test_each_case_gets_its_resolution_time_hand_backs_and_first_escalation(cases: pl.DataFrame) -> None:
    d = metrics.derive(cases)
    assert d.select(
        "id", "resolution_hours", "handbacks", "ping_pong", "escalated", "reopened", "escalated_at"
    ).rows() == [
        ("INC1", pytest.approx(3 + 44 / 60), 1, True, True, False, utc("2016-02-29 03:00")),
        ("INC2", 2.0, 0, False, False, True, None),
        ("INC3", 12.0, 0, False, True, False, utc("2016-03-02 06:00")),
        ("INC4", None, 0, False, False, False, None),
    ]


def test_measures_by_severity_are_volumes_quantiles_and_shares(cases: pl.DataFrame) -> None:
    table = {r["severity"]: r for r in metrics.by_group(cases, ["severity"]).iter_rows(named=True)}
    sev3, sev1 = table["Sev3"], table["Sev1"]
    inc1 = 3 + 44 / 60
    assert sev3["volume"] == 3
    assert sev3["resolution_median_h"] == pytest.approx((inc1 + 2) / 2)
    assert sev3["resolution_p90_h"] == pytest.approx(2 + 0.9 * (inc1 - 2))
    assert sev3["resolution_mean_h"] == pytest.approx((inc1 + 2) / 2)
    assert sev3["reassignments_per_case"] == pytest.approx(2 / 3)
    assert (sev3["escalated_share"], sev3["reopen_rate"], sev3["ping_pong_share"]) == (
        pytest.approx(1 / 3),
        pytest.approx(1 / 3),
        pytest.approx(1 / 3),
    )
    assert sev3["made_sla_share"] == pytest.approx(2 / 3)
    assert sev3["first_response_median_h"] is None  # the log has no first-response time
    assert (sev1["volume"], sev1["resolution_median_h"], sev1["escalated_share"]) == (1, 12.0, 1.0)


def test_the_backlog_is_counted_at_the_end_of_each_week(cases: pl.DataFrame) -> None:
    assert metrics.backlog(cases).rows() == [
        (utc("2016-02-29 00:00"), 3, 3, 0),
        (utc("2016-03-07 00:00"), 1, 0, 1),
    ]


def test_time_at_each_team_runs_from_one_team_change_to_the_next(cases: pl.DataFrame) -> None:
    table = {r[0]: r[1:] for r in metrics.time_at_team(cases).rows()}
    # Group A: INC1 01:20-03:00 (1.67 h, and 0 h after 05:00), INC2 2 h, INC3 6 h; Group B: 2 h, 6 h
    a = 1 + 40 / 60
    assert table["Group A"] == (3, 2.0, pytest.approx(2 + 0.8 * 4), pytest.approx(a + 2 + 6))
    assert table["Group B"] == (2, 4.0, pytest.approx(2 + 0.9 * 4), 8.0)
    assert "Group C" not in table  # still open: its stay has no end yet
