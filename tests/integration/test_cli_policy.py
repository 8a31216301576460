from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sevflow.bootstrap import build_container
from sevflow.config import Settings
from sevflow.entrypoints.cli.app import app
from sevflow.policy.loader import load_policy
from sevflow.policy.starter import load_starter_policy, starter_policy_text
from sevflow.services.policies import active_policy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
BROKEN = FIXTURES / "many-problems.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def starter_file(tmp_path: Path) -> Path:
    path = tmp_path / "sevflow-policy.yaml"
    path.write_text(starter_policy_text(), encoding="utf-8")
    return path


def test_checking_the_starter_policy_prints_its_matrix_tiers_teams_and_version(
    runner: CliRunner, starter_file: Path
) -> None:
    result = runner.invoke(app, ["policy", "check", str(starter_file)])

    assert result.exit_code == 0, result.output
    version = load_policy(starter_file).version
    assert f"Acme support escalation policy -- valid, version {version}" in result.stdout
    assert "15m / 30m / 4h" in result.stdout  # Sev1 x enterprise
    assert "24h / 80h / 160h" in result.stdout  # Sev4 x standard
    assert "L1 → L2 → L3 → engineering → management" in result.stdout
    assert "payments-l1" in result.stdout
    assert "mobile-mgmt" in result.stdout
    assert "berlin-office (Europe/Berlin): Mon-Fri 09:00-12:00, 13:00-18:00" in result.stdout
    assert "14 escalation rules, 6 severity rules, 1 decision gate;" in result.stdout


def test_checking_a_broken_policy_prints_every_problem_with_file_and_path_and_exits_1(
    runner: CliRunner,
) -> None:
    result = runner.invoke(app, ["policy", "check", str(BROKEN)])

    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{BROKEN}: 26 problems"
    assert len(lines) == 27
    assert lines[1] == (
        f"{BROKEN}: severities: Sev4 is not defined; define each of Sev1, Sev2, Sev3, Sev4 with a title and a definition"
    )
    assert (
        f"{BROKEN}: rules[2].when.clock: unknown clock 'resolutoin'; allowed: first_response, update, resolution"
        in (lines)
    )
    assert lines[-1] == (
        f"{BROKEN}: manual_escalation.customer_after.platinum: unknown customer tier 'platinum'; allowed: gold, silver"
    )


def test_check_json_gives_a_machine_readable_summary(runner: CliRunner, starter_file: Path) -> None:
    result = runner.invoke(app, ["policy", "check", str(starter_file), "--json"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert summary["source"] == str(starter_file)
    assert summary["version"] == load_policy(starter_file).version
    assert summary["tiers"] == ["L1", "L2", "L3", "engineering", "management"]
    assert summary["counts"] == {"rules": 14, "severity_rules": 6, "gates": 1}
    assert summary["sla"][0] == {
        "severity": "Sev1",
        "customer_tier": "enterprise",
        "first_response_minutes": 15,
        "update_minutes": 30,
        "resolution_minutes": 240,
        "calendar": "24x7",
    }
    assert summary["service_lines"]["payments"]["teams"]["L1"] == {
        "name": "payments-l1",
        "lead": "lena",
        "members": ["ana", "ben", "carla"],
    }


def test_check_json_lists_the_problems_of_a_broken_policy(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policy", "check", str(BROKEN), "--json"])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["source"] == str(BROKEN)
    assert len(report["problems"]) == 26
    assert report["problems"][1] == {"path": "severities.Sev3.definition", "message": "required, but missing"}


def test_checking_a_file_that_does_not_exist_says_so_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"

    result = runner.invoke(app, ["policy", "check", str(missing)])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{missing}: 1 problem",
        f"{missing}: (file): no such file; `sevflow init` writes a starter policy",
    ]


def test_init_writes_the_starter_policy_and_creates_the_database_with_it_active(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEVFLOW_DATABASE_URL", raising=False)
    target = tmp_path / "new" / "dir"

    result = runner.invoke(app, ["init", "--dir", str(target)])

    assert result.exit_code == 0, result.output
    written = target / "sevflow-policy.yaml"
    database = target / "sevflow.db"
    assert result.stdout.splitlines()[:3] == [
        f"Wrote the starter policy to {written}",
        f"Created the database sqlite:///{database} with that policy active",
        f"Next: edit the policy, check it with `sevflow policy check {written}`, then",
    ]
    assert written.read_text(encoding="utf-8") == starter_policy_text()
    assert runner.invoke(app, ["policy", "check", str(written)]).exit_code == 0
    box = build_container(Settings(database_url=f"sqlite:///{database}"), migrate_schema=False)
    try:
        assert active_policy(box.uow_factory()).version == load_starter_policy().version
    finally:
        box.close()


def test_init_refuses_to_overwrite_an_existing_policy(runner: CliRunner, tmp_path: Path) -> None:
    existing = tmp_path / "sevflow-policy.yaml"
    existing.write_text("name: my edited policy\n", encoding="utf-8")

    result = runner.invoke(app, ["init", "--dir", str(tmp_path)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {existing} already exists; it was left unchanged "
        "(pass --force to overwrite it with the starter policy)\n"
    )
    assert existing.read_text(encoding="utf-8") == "name: my edited policy\n"


def test_init_with_force_overwrites_an_existing_policy(runner: CliRunner, tmp_path: Path) -> None:
    existing = tmp_path / "sevflow-policy.yaml"
    existing.write_text("name: my edited policy\n", encoding="utf-8")

    result = runner.invoke(app, ["init", "--dir", str(tmp_path), "--force"])

    assert result.exit_code == 0, result.output
    assert existing.read_text(encoding="utf-8") == starter_policy_text()
