"""Labelled examples from history files, the time-ordered split, and the evaluation against
the baselines (on a committed slice of the Mozilla data)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sevflow.analytics.mapping import parse_mapping, preset
from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity
from sevflow.domain.triage_policy import TriagePolicy
from sevflow.triage.evaluation import evaluate, remove_leaks, scores
from sevflow.triage.examples import read_examples, time_split

SLICE = Path(__file__).resolve().parents[1] / "fixtures" / "triage" / "bugzilla"
FILES = sorted(SLICE.glob("*.csv"))


def test_the_bugzilla_preset_reads_labelled_summaries_and_counts_what_it_skips() -> None:
    examples = read_examples(FILES, preset("bugzilla"))
    assert examples.counts() == {"Sev1": 160, "Sev2": 80, "Sev3": 80, "Sev4": 160}
    assert dict(examples.skipped) == {"had no severity": 80}  # N/A
    assert examples.raw_labels[0] == "blocker"
    assert examples.tickets[0].title == FILES[0].read_text(encoding="utf-8").splitlines()[0].rsplit(";", 1)[0]
    assert examples.source[:2] == [(0, 1), (0, 2)]


def test_without_dates_the_latest_share_of_every_file_is_held_out() -> None:
    examples = read_examples(FILES, preset("bugzilla"))
    train, test = time_split(examples, 0.25)
    assert (len(train), len(test)) == (360, 120)
    held = [examples.source[n] for n in test]
    assert all(position > 60 for _, position in held)
    assert {file for file, _ in held} == {0, 1, 2, 3, 4, 5}


def test_with_dates_the_latest_examples_are_held_out_whatever_the_file_order(tmp_path: Path) -> None:
    history = tmp_path / "h.csv"
    rows = [
        f"{n},2026-01-{30 - n:02d}T10:00:00Z,Issue number {n},{'P1' if n % 2 else 'P3'}" for n in range(10)
    ]
    history.write_text("id,opened,title,priority\n" + "\n".join(rows) + "\n", encoding="utf-8")
    mapping = parse_mapping(
        {
            "columns": {"id": "id", "created": "opened", "title": "title", "severity": "priority"},
            "severity_values": {"P1": "Sev1", "P3": "Sev3"},
        },
        "m.yaml",
    )
    examples = read_examples([history], mapping)
    assert examples.created[0] == datetime(2026, 1, 30, 10, tzinfo=UTC)
    train, test = time_split(examples, 0.2)
    # the file lists the newest first: the held-out examples are its first rows
    assert [examples.tickets[n].title for n in test] == ["Issue number 0", "Issue number 1"]
    assert len(train) == 8


def test_a_mapping_without_severity_or_text_is_refused_for_triage(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"must name the column of: severity \(for severity triage\)"):
        read_examples(FILES, parse_mapping({"columns": {"title": "column_0"}, "header": False}, "m"))
    with pytest.raises(InvalidInput, match="must name the column of: title or text"):
        read_examples(FILES, parse_mapping({"columns": {"severity": "column_1"}, "header": False}, "m"))
    empty = tmp_path / "e.csv"
    empty.write_text("only;N/A\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"no labelled examples in .*: 1 had no severity"):
        read_examples([empty], preset("bugzilla"))


def test_label_naming_tokens_are_removed_but_other_words_stay() -> None:
    assert remove_leaks("[BLOCKER]Need architecture for text widget").split() == [
        "Need",
        "architecture",
        "for",
        "text",
        "widget",
    ]
    assert remove_leaks("Crashes on a critical path, minor typo").split() == ["on", "a", "path,", "typo"]


def test_scores_give_per_class_precision_recall_and_the_confusion_matrix() -> None:
    result = scores("m", ["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert result.per_class["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert result.per_class["b"]["precision"] == pytest.approx(2 / 3)
    assert result.confusion == [[1, 1], [0, 2]]
    assert result.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)


def test_evaluation_reports_both_tasks_with_and_without_leaks_next_to_the_baselines() -> None:
    examples = read_examples(FILES, preset("bugzilla"))
    results = evaluate(examples, policy=TriagePolicy({Severity.SEV1: 0.35}))
    assert [(r.task, r.leaks_removed) for r in results] == [
        ("severity", False),
        ("severity", True),
        ("severe", False),
        ("severe", True),
    ]
    four, _, two, _ = results
    assert (four.train, four.test, four.key_class, four.threshold) == (384, 96, "Sev1", 0.35)
    assert four.classes == ["Sev1", "Sev2", "Sev3", "Sev4"]
    # severe: Sev1+Sev2 (192 train / 48 test) against Sev4 (128 / 32); Sev3 left out
    assert (two.train, two.test, two.classes) == (320, 80, ["severe", "non-severe"])
    names = [s.name for s in four.results]
    assert names == ["majority", "naive Bayes", "sevflow", "sevflow, most probable"]
    majority = four.result("majority")
    assert majority.per_class["Sev1"]["recall"] == 1.0  # Sev1 is the training majority here
    assert sum(map(sum, four.result("sevflow").confusion)) == 96


def test_history_service_lines_are_read_under_the_policys_names(tmp_path: Path) -> None:
    history = tmp_path / "h.csv"
    history.write_text(
        "title,priority,category\nCheckout down,P1,Category 23\nTypo,P3,Other\n", encoding="utf-8"
    )
    mapping = parse_mapping(
        {
            "columns": {"title": "title", "severity": "priority", "service_line": "category"},
            "severity_values": {"P1": "Sev1", "P3": "Sev3"},
            "policy_names": {"service_line": {"Category 23": "payments"}},
        },
        "m.yaml",
    )
    examples = read_examples([history], mapping)
    assert [dict(t.fields) for t in examples.tickets] == [
        {"service_line": "payments"},
        {"service_line": "Other"},
    ]
