"""``sevflow oncall who`` and ``sevflow oncall handoffs``, in-process through ``CliRunner``, with
settings only from ``SEVFLOW_*`` variables: a SQLite database and the policy file of
``tests.api.oncall_policy`` (payments-l3: jonas and mei weekly from Mondays 09:00 Berlin,
ingrid secondary, jonas covering mei on 2026-03-25..27), activated by the command itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from sevflow.entrypoints.cli import runtime
from sevflow.entrypoints.cli.app import app
from sevflow.testing import FakeClock
from tests.api.oncall_policy import oncall_policy_text


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str) -> dict[str, str | None]:
    policy = tmp_path / "sevflow-policy.yaml"
    policy.write_text(oncall_policy_text(), encoding="utf-8")
    return {
        "SEVFLOW_DATABASE_URL": sqlite_url,
        "SEVFLOW_POLICY_PATH": str(policy),
        "SEVFLOW_DEBUG": None,
        "FORCE_COLOR": None,
        "COLUMNS": "200",
    }


def run(env: dict[str, str | None], *args: str) -> Result:
    return CliRunner().invoke(app, ["oncall", *args], env=env)


def lines(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_who_prints_each_layer_with_its_person_since_until_and_override_reason(
    env: dict[str, str | None],
) -> None:
    result = run(env, "who", "payments-l3", "--at", "2026-03-26T12:00:00Z")

    assert lines(result) == [
        "payments-l3 on call at Thu 2026-03-26 13:00 CET (Europe/Berlin)",
        "┏━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓",
        "┃ layer     ┃ person ┃ since                    ┃ until                    ┃ override                             ┃",
        "┡━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩",
        "│ primary   │ jonas  │ Wed 2026-03-25 09:00 CET │ Fri 2026-03-27 09:00 CET │ mei at a conference (instead of mei) │",
        "│ secondary │ ingrid │ Mon 2026-01-05 09:00 CET │ —                        │                                      │",
        "└───────────┴────────┴──────────────────────────┴──────────────────────────┴──────────────────────────────────────┘",
    ]


def test_an_at_without_offset_is_wall_time_in_the_teams_zone(env: dict[str, str | None]) -> None:
    # 09:00 on Monday 2026-03-09 in Berlin is mei's first minute; 08:59 is still jonas's week
    at_nine = lines(run(env, "who", "payments-l3", "--at", "2026-03-09T09:00"))
    before = lines(run(env, "who", "payments-l3", "--at", "2026-03-09T08:59"))

    assert at_nine[0] == "payments-l3 on call at Mon 2026-03-09 09:00 CET (Europe/Berlin)"
    assert at_nine[4].split("│")[1:3] == [" primary   ", " mei    "]
    assert before[4].split("│")[1:3] == [" primary   ", " jonas  "]


def test_a_wall_time_in_the_spring_forward_gap_is_the_moment_the_clocks_jump(
    env: dict[str, str | None],
) -> None:
    out = lines(run(env, "who", "payments-l3", "--at", "2026-03-29T02:30"))

    assert out[0] == "payments-l3 on call at Sun 2026-03-29 03:00 CEST (Europe/Berlin)"
    assert (
        out[4] == "│ primary   │ mei    │ Fri 2026-03-27 09:00 CET │ Mon 2026-03-30 09:00 CEST │          │"
    )


def test_who_without_at_answers_for_now(env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch) -> None:
    built = runtime.build_container

    def at_a_fixed_instant(settings: Any, **kw: Any) -> Any:
        return built(settings, clock=FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC)), **kw)

    monkeypatch.setattr(runtime, "build_container", at_a_fixed_instant)

    out = lines(run(env, "who", "payments-l3"))

    assert out[0] == "payments-l3 on call at Mon 2026-03-02 10:30 CET (Europe/Berlin)"
    assert out[4] == "│ primary   │ jonas  │ Mon 2026-03-02 09:00 CET │ Mon 2026-03-09 09:00 CET │          │"


def test_handoffs_over_the_change_to_summer_time_stay_at_nine_local(env: dict[str, str | None]) -> None:
    result = run(env, "handoffs", "payments-l3", "--from", "2026-03-20T13:00", "--days", "14")

    assert lines(result) == [
        "payments-l3 handoffs from Fri 2026-03-20 13:00 CET until Fri 2026-04-03 13:00 CEST (Europe/Berlin)",
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━┳━━━━━━━┓",
        "┃ when                      ┃ layer   ┃ from  ┃ to    ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━╇━━━━━━━┩",
        "│ Mon 2026-03-23 09:00 CET  │ primary │ jonas │ mei   │",
        "│ Wed 2026-03-25 09:00 CET  │ primary │ mei   │ jonas │",
        "│ Fri 2026-03-27 09:00 CET  │ primary │ jonas │ mei   │",
        "│ Mon 2026-03-30 09:00 CEST │ primary │ mei   │ jonas │",
        "└───────────────────────────┴─────────┴───────┴───────┘",
    ]


def test_handoffs_in_a_quiet_window_say_there_are_none(env: dict[str, str | None]) -> None:
    result = run(env, "handoffs", "payments-l3", "--from", "2026-03-03T12:00:00+01:00", "--days", "2")

    assert lines(result) == [
        "payments-l3: no handoffs from Tue 2026-03-03 12:00 CET until Thu 2026-03-05 12:00 CET (Europe/Berlin)"
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["who", "payments-l9", "--at", "2026-03-02T10:00Z"],
            1,
            "error: no on-call schedule for team 'payments-l9'; teams with one: payments-l3",
        ),
        (
            ["who", "payments-l3", "--at", "tuesday"],
            2,
            "error: --at 'tuesday' is not a date and time; write e.g. 2026-03-27T16:30 (in the team's "
            "time zone), 2026-03-27T16:30+01:00 or 2026-03-27T15:30Z",
        ),
        (
            ["handoffs", "payments-l3", "--from", "2026-03-02T10:00Z", "--days", "91"],
            2,
            "error: days must be a whole number from 1 to 90, got 91",
        ),
    ],
    ids=["unknown team", "bad time", "too many days"],
)
def test_bad_input_is_one_line_on_stderr_and_an_exit_code(
    env: dict[str, str | None], args: list[str], code: int, message: str
) -> None:
    result = run(env, *args)

    assert (result.exit_code, result.stdout, result.stderr) == (code, "", message + "\n")
