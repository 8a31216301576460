from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sevflow.entrypoints.cli import sla_cmd
from sevflow.entrypoints.cli.app import app
from sevflow.policy.starter import starter_policy_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
MINIMAL = str(FIXTURES / "minimal.yaml")
FRIDAY_1630_BERLIN = "2026-03-27T16:30:00+01:00"  # the last Friday before summer time starts


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def starter_file(tmp_path: Path) -> str:
    path = tmp_path / "sevflow-policy.yaml"
    path.write_text(starter_policy_text(), encoding="utf-8")
    return str(path)


def deadline_json(runner: CliRunner, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["sla", "deadline", *args, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_four_business_hours_from_friday_1630_in_berlin_land_on_monday_1130(runner: CliRunner) -> None:
    # Friday: 16:30-18:00 counts 90 minutes; Monday (now CEST): 09:00-11:30 the other 150.
    payload = deadline_json(
        runner, "--minutes", "240", "--calendar", "berlin-office", "--start", FRIDAY_1630_BERLIN
    )

    assert payload == {
        "deadline": "2026-03-30T09:30:00Z",
        "deadline_local": "2026-03-30T11:30:00+02:00",
        "calendar": "berlin-office",
        "zone": "Europe/Berlin",
        "business_minutes": 240,
        "start": "2026-03-27T15:30:00Z",
        "wall_clock_minutes": 3960,
        "policy": "starter policy (built in)",
        "policy_version": payload["policy_version"],
        "severity": None,
        "customer_tier": None,
        "target": None,
    }


def test_a_policy_target_is_counted_on_the_calendar_of_its_sla_cell(runner: CliRunner) -> None:
    # Sev3 x gold: first response within 4h on the "berlin" calendar.
    payload = deadline_json(
        runner,
        "--policy",
        MINIMAL,
        "--severity",
        "Sev3",
        "--tier",
        "gold",
        "--target",
        "first_response",
        "--start",
        FRIDAY_1630_BERLIN,
    )

    assert payload["deadline"] == "2026-03-30T09:30:00Z"
    assert payload["deadline_local"] == "2026-03-30T11:30:00+02:00"
    assert payload["calendar"] == "berlin"
    assert payload["business_minutes"] == 240
    assert (payload["severity"], payload["customer_tier"], payload["target"]) == (
        "Sev3",
        "gold",
        "first_response",
    )
    assert payload["policy"] == MINIMAL


def test_a_deadline_that_uses_up_the_day_exactly_is_the_closing_time_not_the_next_opening(
    runner: CliRunner,
) -> None:
    # Sev2 x gold: resolution 1h30m; Friday 16:30 + 90 minutes is Friday 18:00 sharp.
    payload = deadline_json(
        runner, "--policy", MINIMAL, "--severity", "sev2", "--tier", "gold", "--target", "resolution",
        "--start", FRIDAY_1630_BERLIN,
    )  # fmt: skip

    assert payload["deadline"] == "2026-03-27T17:00:00Z"
    assert payload["deadline_local"] == "2026-03-27T18:00:00+01:00"


def test_a_sev1_target_on_the_24x7_calendar_counts_every_minute(runner: CliRunner) -> None:
    payload = deadline_json(
        runner, "--policy", MINIMAL, "--severity", "Sev1", "--tier", "gold", "--target", "update",
        "--start", "2026-03-28T23:50:00Z",
    )  # fmt: skip

    assert payload["deadline"] == "2026-03-29T00:20:00Z"
    assert payload["deadline_local"] == "2026-03-29T00:20:00+00:00"
    assert payload["business_minutes"] == 30


def test_the_starter_sev3_enterprise_resolution_from_friday_evening_is_due_wednesday(
    runner: CliRunner, starter_file: str
) -> None:
    payload = deadline_json(
        runner, "--policy", starter_file, "--severity", "Sev3", "--tier", "enterprise",
        "--target", "resolution", "--start", FRIDAY_1630_BERLIN,
    )  # fmt: skip

    assert payload["deadline"] == "2026-04-01T14:30:00Z"
    assert payload["business_minutes"] == 1440


def test_the_readable_output_shows_the_deadline_in_utc_and_in_the_calendar_zone(runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        ["sla", "deadline", "--minutes", "240", "--calendar", "berlin-office", "--start", FRIDAY_1630_BERLIN],
    )

    assert result.exit_code == 0, result.output
    assert "Mon 2026-03-30 11:30:00 CEST  (Europe/Berlin)" in result.stdout
    assert "2026-03-30T09:30:00Z" in result.stdout
    assert "Fri 2026-03-27 16:30:00 CET  =  2026-03-27T15:30:00Z" in result.stdout
    assert "240 business minutes (4h); 66h of wall-clock time" in result.stdout
    assert "berlin-office (Europe/Berlin): Mon-Fri 09:00-12:00, 13:00-18:00" in result.stdout


def test_without_start_the_deadline_counts_from_now(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    class StoppedClock:
        def now(self) -> datetime:
            return datetime(2026, 3, 27, 15, 30, 0, 123456, tzinfo=UTC)

    monkeypatch.setattr(sla_cmd, "SystemClock", StoppedClock)

    payload = deadline_json(runner, "--minutes", "240", "--calendar", "berlin-office")

    assert payload["start"] == "2026-03-27T15:30:00Z"
    assert payload["deadline"] == "2026-03-30T09:30:00Z"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--policy", MINIMAL, "--severity", "Sev9", "--tier", "gold", "--target", "resolution"],
            "unknown severity 'Sev9'; allowed: Sev1, Sev2, Sev3, Sev4",
        ),
        (
            ["--policy", MINIMAL, "--severity", "Sev2", "--tier", "platinum", "--target", "resolution"],
            "unknown customer tier 'platinum'; allowed: gold, silver",
        ),
        (
            ["--policy", MINIMAL, "--severity", "Sev2", "--tier", "gold", "--target", "respond"],
            "unknown target 'respond'; allowed: first_response, update, resolution",
        ),
        (
            ["--minutes", "60", "--calendar", "berlin"],
            "unknown calendar 'berlin'; allowed: 24x7, berlin-office, new-york-office",
        ),
        (
            ["--minutes", "60", "--calendar", "24x7", "--start", "2026-03-27T16:30:00"],
            "--start 2026-03-27T16:30:00 has no time-zone offset; give one, e.g. 2026-03-27T16:30:00+01:00 or ...Z",
        ),
        (
            ["--minutes", "60", "--calendar", "24x7", "--start", "next friday"],
            "--start 'next friday' is not an ISO-8601 timestamp; expected e.g. 2026-03-27T16:30:00+01:00",
        ),
        (
            ["--minutes", "an hour", "--calendar", "24x7"],
            "--minutes expects a whole number of business minutes, got 'an hour'",
        ),
        (["--minutes", "-5", "--calendar", "24x7"], "--minutes must be 0 or more, got -5"),
        (
            ["--severity", "Sev2", "--tier", "gold"],
            "missing --target; give --severity, --tier and --target (an SLA target of --policy), "
            "or --minutes and --calendar",
        ),
        (
            ["--minutes", "60"],
            "missing --calendar; give --severity, --tier and --target (an SLA target of --policy), "
            "or --minutes and --calendar",
        ),
        (
            ["--policy", MINIMAL, "--severity", "Sev2", "--minutes", "60", "--calendar", "berlin"],
            "give --severity, --tier and --target (an SLA target of --policy), or --minutes and --calendar, "
            "not both",
        ),
        (
            [],
            "nothing to compute; give --severity, --tier and --target (an SLA target of --policy), "
            "or --minutes and --calendar",
        ),
        (
            ["--severity", "Sev2", "--tier", "gold", "--target", "resolution"],
            "--severity/--tier/--target need --policy FILE: the SLA targets are your policy's",
        ),
    ],
)
def test_bad_input_is_one_clear_line_on_stderr_with_exit_code_2(
    runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["sla", "deadline", *args])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {message}\n"


def test_a_policy_file_with_problems_is_bad_input_pointing_to_policy_check(runner: CliRunner) -> None:
    broken = str(FIXTURES / "many-problems.yaml")

    result = runner.invoke(
        app, ["sla", "deadline", "--policy", broken, "--minutes", "5", "--calendar", "24x7"]
    )

    assert result.exit_code == 2
    assert result.stderr == (
        f"error: policy {broken} has 26 problems, the first: severities: Sev4 is not defined; define each of "
        f"Sev1, Sev2, Sev3, Sev4 with a title and a definition; run `sevflow policy check {broken}` to see all\n"
    )
