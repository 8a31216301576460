"""``sevflow triage`` on a committed slice of the Mozilla data: train a model, try it, evaluate
it against the baselines, open tickets with it, override one, see the drift report, retrain
with the correction; a damaged model file is refused with a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli_runner import MODEL, POLICY, Cli

SLICE = Path(__file__).resolve().parents[1] / "fixtures" / "triage" / "bugzilla"
HISTORY = [arg for f in sorted(SLICE.glob("*.csv")) for arg in ("--history", str(f))]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli.initialised(tmp_path_factory.mktemp("triage"))
    policy = cli.directory / POLICY
    policy.write_text(policy.read_text(encoding="utf-8") + "\ntriage:\n  thresholds: {Sev1: 0.35}\n", "utf-8")
    said = cli.ok("triage", "train", *HISTORY, "--preset", "bugzilla", "--quiet")
    assert said.splitlines()[1] == "examples: 480 (Sev1 160, Sev2 80, Sev3 80, Sev4 160); corrections: 0"
    assert said.splitlines()[2] == "skipped: 80 rows had no severity"
    assert "held out (latest 20%, 96 examples): macro-F1 " in said
    assert (cli.directory / MODEL).exists()
    return cli


def test_classify_shows_the_proposal_probabilities_and_pushes(trained: Cli) -> None:
    said = trained.ok("triage", "classify", "Browser crashes on startup with a blank window")
    first, *rest = said.splitlines()
    assert first.startswith("model ")
    assert " proposes Sev" in first
    assert [line.split(":")[0].strip() for line in rest] == ["Sev1", "Sev2", "Sev3", "Sev4"]


def test_evaluate_reports_the_baselines_and_writes_json(trained: Cli, tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    said = trained.ok(
        "triage", "evaluate", *HISTORY, "--preset", "bugzilla", "--task", "severity", "--leaks", "keep",
        "--json", str(out), "--quiet",
    )  # fmt: skip
    assert "naive Bayes" in said
    assert "majority" in said
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(d["task"], d["leaks_removed"], d["test"]) for d in data] == [("severity", False, 96)]
    assert [r["name"] for r in data[0]["results"]] == [
        "majority",
        "naive Bayes",
        "sevflow",
        "sevflow, most probable",
    ]


def test_tickets_opened_with_the_model_record_overrides_for_the_report_and_retraining(
    trained: Cli, tmp_path: Path
) -> None:
    cli = trained.copy_to(tmp_path)
    (tmp_path / MODEL).write_bytes((trained.directory / MODEL).read_bytes())
    created = cli.json(
        "ticket", "create", "--title", "Browser crashes when printing", "--service-line", "payments",
        "--customer", "Globex", "--tier", "standard",
    )  # fmt: skip
    assert created["proposed_severity"] == created["severity"]
    target = "Sev4" if created["severity"] != "Sev4" else "Sev3"
    cli.ok(
        "ticket", "override-severity", str(created["id"]), target, "--reason", "cosmetic only", "--as", "ana"
    )
    report = cli.json("triage", "report", "--weeks", "1")
    assert report["total"] == {"triaged": 1, "overridden": 1}
    assert report["by_severity"] == {created["severity"]: {"triaged": 1, "overridden": 1}}
    said = cli.ok("triage", "retrain", "--quiet")
    assert "corrections: 1" in said
    assert (tmp_path / "sevflow-model.previous.npz").exists()


def test_a_damaged_model_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    (tmp_path / MODEL).write_text("not a model", encoding="utf-8")
    code, said = cli.fails("triage", "classify", "anything")
    assert code == 2
    assert said.startswith(f"error: {tmp_path / MODEL} is not a sevflow model file")
    code, said = cli.fails("triage", "train", "--preset", "bugzilla", "--quiet")
    assert said == "error: name the labelled history with --history FILE (repeat it for several files)\n"
