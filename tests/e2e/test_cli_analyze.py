"""``sevflow analyze`` on a committed slice of the real ServiceNow event log (120 incidents, 768
rows): its figures agree with ones computed independently by
tests/fixtures/history/expected_slice.py (standard library only, not sevflow's code), it writes
an offline HTML report and JSON, and the policy it proposes loads with ``sevflow policy check``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.e2e.cli_runner import Cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "history"
SLICE = FIXTURES / "servicenow_slice.csv"
EXPECTED = json.loads((FIXTURES / "expected_slice.json").read_text(encoding="utf-8"))


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_the_slices_figures_match_an_independent_count(cli: Cli, tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    cli.ok("analyze", str(SLICE), "--preset", "servicenow", "--json", str(results), "--quiet")
    data = json.loads(results.read_text(encoding="utf-8"))
    assert (data["import"]["rows_read"], data["import"]["rows_rejected"], data["import"]["cases"]) == (
        768,
        0,
        120,
    )
    got = {r["severity"]: r for r in data["by"]["severity"]}
    assert set(got) == set(EXPECTED["by_severity"])
    for severity, expected in EXPECTED["by_severity"].items():
        for measure, value in expected.items():
            assert got[severity][measure] == pytest.approx(value, abs=1e-5), (severity, measure)


def test_the_report_is_one_offline_html_file_opening_with_the_summary(cli: Cli, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    printed = cli.ok("analyze", str(SLICE), "--preset", "servicenow", "--out", str(report), "--quiet")
    assert printed.endswith("768 rows, 120 cases, 0 rejected, 0 unreadable cell(s)\n")
    html = report.read_text(encoding="utf-8")
    assert (
        html.index('id="summary"') < html.index("Over time") < html.index("SLA attainment against the policy")
    )
    assert "<svg" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert "<script" not in html


MAPPING = """
columns: {id: id, created: opened, resolved: solved, severity: priority, service_line: product, made_sla: sla_met}
severity_values: {P3: Sev3}
policy_names: {service_line: {"Web shop": payments}}
"""


def test_a_strong_driver_becomes_a_rule_and_the_proposed_policy_loads_with_policy_check(
    cli: Cli, tmp_path: Path
) -> None:
    lines = ["id,opened,solved,priority,product,sla_met"]
    for day in range(100):  # web-shop tickets miss their SLA except every fifth day; others the reverse
        for product in ("Web shop", "Other"):
            missed = (day % 5 != 0) if product == "Web shop" else (day % 5 == 0)
            lines.append(
                f"{day}-{product[0]},2026-{1 + day // 28:02d}-{1 + day % 28:02d}T10:00:00Z,"
                f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T11:00:00Z,P3,{product},{'false' if missed else 'true'}"
            )
    history = tmp_path / "history.csv"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    proposed = tmp_path / "proposed.yaml"
    cli.ok(
        "analyze",
        str(history),
        "--mapping",
        str(mapping),
        "--json",
        str(tmp_path / "r.json"),
        "--propose",
        str(proposed),
        "--quiet",
    )
    rules = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["proposed_rules"]
    assert [(r["name"], r["when"]) for r in rules] == [
        (
            "history-breached-service-line-payments",
            {"service_line": "payments", "clock": "resolution", "consumed_percent": 50},
        )
    ]
    assert (
        "On the 50 later cases it would have caught 20 of their breached cases (recall 80%), with precision 80%, and 5 extra escalation(s)."
        in rules[0]["description"]
    )
    starter = cli.json(
        "policy",
        "check",
        "--json",
        str(Path(__file__).resolve().parents[2] / "src/sevflow/policy/starter.yaml"),
    )
    checked = cli.json("policy", "check", "--json", str(proposed))
    assert checked["ok"] is True
    assert checked["counts"]["rules"] == starter["counts"]["rules"] + 1


def test_a_mapping_and_a_preset_together_or_neither_are_refused(cli: Cli) -> None:
    assert cli.fails("analyze", str(SLICE), "--out", "r.html") == (
        2,
        "error: give either --preset NAME or --mapping FILE (one of them)\n",
    )
    assert cli.fails("analyze", str(SLICE), "--preset", "remedy", "--out", "r.html") == (
        2,
        "error: unknown preset 'remedy'; allowed: bugzilla, jira, servicenow, zendesk\n",
    )


def test_history_import_stores_the_slices_closed_cases_once(tmp_path: Path) -> None:
    cli = Cli.initialised(tmp_path)
    args = (
        "history",
        "import",
        str(SLICE),
        "--preset",
        "servicenow",
        "--service-line",
        "payments",
        "--tier",
        "business",
        "--quiet",
    )
    assert cli.ok(*args) == (
        "768 rows, 120 cases (0 rows rejected): 120 stored as closed tickets, 0 already stored, "
        "0 still open (left out)\n"
    )
    assert cli.ok(*args).endswith("0 stored as closed tickets, 120 already stored, 0 still open (left out)\n")
    code, message = cli.fails("history", "import", str(SLICE), "--preset", "servicenow")
    assert code == 2
    with SLICE.open(newline="", encoding="utf-8") as f:
        categories = sorted({row["category"] for row in csv.DictReader(f)})
    shown = ", ".join(categories[:10]) + (" ..." if len(categories) > 10 else "")
    assert message == (
        f"error: {len(categories)} service line(s) of the history are not in the policy ({shown}); name them in "
        "the mapping's policy_names, or give --service-line for all of them (the policy's: payments, platform, mobile)\n"
    )
