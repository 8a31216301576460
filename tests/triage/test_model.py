"""The severity model: calibrated probabilities, explanations, and a plain-data artifact that
loads only when compatible."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity
from sevflow.triage import artifact
from sevflow.triage.artifact import ModelFileError
from sevflow.triage.classifier import ModelClassifier, load_classifier
from sevflow.triage.features import TicketText, prepare
from sevflow.triage.model import TriageModel
from tests.triage.model_fixture import labelled


@pytest.fixture(scope="module")
def model() -> TriageModel:
    tickets, labels = labelled()
    return TriageModel.fit(tickets, labels)


def test_probabilities_sum_to_one_and_favour_the_class_whose_words_a_ticket_uses(model: TriageModel) -> None:
    probs = model.probabilities(
        [TicketText("total outage, everything down"), TicketText("typo and wording on the page")]
    )
    assert model.classes == ["Sev1", "Sev2", "Sev3", "Sev4"]
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (probs[0].argmax(), probs[1].argmax()) == (0, 3)
    assert probs[0, 0] > 0.5


def test_an_opinion_names_the_words_and_fields_that_pushed_toward_each_severity(model: TriageModel) -> None:
    opinion = model.opinion(
        TicketText("Outage: payments down", "", {"service_line": "payments"}), version="v1"
    )
    assert opinion.most_probable() is Severity.SEV1
    top = [p.feature for p in opinion.pushes[Severity.SEV1]]
    assert top[0] == "outage"
    assert {"down", "service line: payments"} <= set(top[1:])
    assert all(p.weight > 0 for p in opinion.pushes[Severity.SEV1])
    assert opinion.model == "v1"


def test_classifying_one_ticket_gives_the_same_features_as_the_batch_path(model: TriageModel) -> None:
    for title in ("outage down", "Ünïcödé 東京 outage!!", "", "zzz unknown words"):
        texts, fields, _ = prepare([TicketText(title, "body", {"channel": "email"})])
        columns, values = model.space.transform_one(texts[0], fields[0])
        batch = model.space.transform(texts, fields)
        assert columns.tolist() == batch.indices.tolist()
        assert np.allclose(values, batch.data)


def test_a_saved_model_loads_with_the_same_id_and_the_same_probabilities(
    model: TriageModel, tmp_path: Path
) -> None:
    path = tmp_path / "model.npz"
    saved = artifact.save(path, model, {"training": {"examples": 120}})
    loaded = artifact.load(path)
    assert loaded.id == saved.id
    assert len(loaded.id) == 12
    assert loaded.summary["training"] == {"examples": 120}
    assert loaded.summary["format"] == artifact.FORMAT
    tickets = [TicketText("outage"), TicketText("slow timeout"), TicketText("configure setting")]
    assert np.allclose(loaded.model.probabilities(tickets), model.probabilities(tickets))
    assert not path.with_name("model.npz.partial").exists()


def test_a_model_of_another_format_is_refused_with_what_to_do(model: TriageModel, tmp_path: Path) -> None:
    path = tmp_path / "old.npz"
    artifact.save(path, model, {})
    with np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    summary = json.loads(str(arrays["summary"]))
    arrays["summary"] = np.array(json.dumps({**summary, "format": 99, "sevflow": "9.0"}))
    np.savez(path, **arrays)
    with pytest.raises(
        ModelFileError, match=r"is a model of format 99 \(made by sevflow 9.0\); .* retrain it"
    ):
        artifact.load(path)


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_text("not a zip", encoding="utf-8")
    with pytest.raises(ModelFileError, match="is not a sevflow model file"):
        artifact.load(junk)
    with pytest.raises(ModelFileError, match=r"no model file at .*; train one with: sevflow triage train"):
        artifact.load(tmp_path / "missing.npz")


def test_a_model_of_other_labels_cannot_be_used_at_intake(tmp_path: Path) -> None:
    tickets, labels = labelled(10)
    two = TriageModel.fit(
        tickets, ["severe" if label in ("Sev1", "Sev2") else "non-severe" for label in labels]
    )
    path = tmp_path / "two.npz"
    artifact.save(path, two, {})
    with pytest.raises(ModelFileError, match=r"predicts non-severe, severe, not severities Sev1\.\.Sev4"):
        artifact.load(path)
    assert artifact.load(path, for_intake=False).model.classes == ["non-severe", "severe"]


def test_a_two_class_model_gives_calibrated_probabilities_for_both(tmp_path: Path) -> None:
    tickets, labels = labelled(10)
    two = TriageModel.fit(
        tickets, ["severe" if label in ("Sev1", "Sev2") else "non-severe" for label in labels]
    )
    probs = two.probabilities([TicketText("outage down breach"), TicketText("typo cosmetic wording")])
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert probs[0, 1] > 0.5 > probs[1, 1]


def test_training_needs_two_severities_with_enough_examples_each() -> None:
    with pytest.raises(InvalidInput, match=r"examples of two severities at least; got only \['Sev1'\]"):
        TriageModel.fit([TicketText("a")] * 6, ["Sev1"] * 6)
    with pytest.raises(InvalidInput, match=r"5 examples of each severity at least; too few of: Sev2 \(2\)"):
        TriageModel.fit([TicketText("a")] * 8, ["Sev1"] * 6 + ["Sev2"] * 2)


def test_an_unusable_model_file_leaves_intake_on_the_rules_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"\x00")
    with caplog.at_level(logging.ERROR, logger="sevflow.triage.classifier"):
        assert load_classifier(junk) is None
    assert "severity model not loaded, intake uses the policy's rules alone" in caplog.text
    assert load_classifier(None) is None


def test_a_model_that_fails_on_a_ticket_gives_no_opinion_instead_of_raising(
    model: TriageModel, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    classifier = ModelClassifier(artifact.save(tmp_path / "m.npz", model, {}))
    fields = {
        "service_line": "x",
        "customer_tier": "y",
        "channel": "api",
        "services": (),
        "users_affected": 0,
    }
    assert classifier.opinion(title="outage", description="", **fields) is not None  # type: ignore[arg-type]
    classifier.artifact.model.coef_t = np.zeros((1, 1), dtype=np.float32)  # broken on purpose
    with caplog.at_level(logging.ERROR):
        assert classifier.opinion(title="outage", description="", **fields) is None  # type: ignore[arg-type]
    assert "intake uses the rules alone" in caplog.text
