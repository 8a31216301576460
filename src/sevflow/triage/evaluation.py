"""How good the severity model is, on a time-ordered held-out split, next to two baselines.

Two tasks, each with and without label-leaking tokens (``remove_leaks``):

- ``severity``: Sev1..Sev4 as the mapping translates them. sevflow's model decides as intake
  does (``TriagePolicy.model_proposal``: the thresholds, then the most probable); its plain
  most-probable decision is reported too.
- ``severe``: the classic two-class task of Lamkanfi et al. (MSR 2010): severe (Sev1 and Sev2)
  against non-severe (Sev4), Sev3 left out. A two-class model is trained for it; it says
  "severe" once P(severe) reaches the policy's Sev1 threshold (the same cost-sensitive choice).

Baselines on the same split and text: the majority class, and multinomial naive Bayes on word
counts (the paper's method).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.naive_bayes import MultinomialNB

from sevflow.domain.severity import Severity
from sevflow.domain.triage_policy import ModelOpinion, TriagePolicy
from sevflow.triage.examples import Examples, time_split
from sevflow.triage.features import TicketText
from sevflow.triage.model import TriageModel
from sevflow.triage.text import clean_text

SEVERE, NON_SEVERE = "severe", "non-severe"
_LEAKS = re.compile(
    r"(?i)\[[^\]]*(?:block|blocker|critical|major|minor|trivial|crash)[^\]]*\]"
    r"|\b(?:blockers?|blocking|blocks?|critical|crit|major|normal|minor|trivial|severe|severity"
    r"|enhancement|crash(?:es|ed|ing|er)?)\b"
)


def remove_leaks(text: str) -> str:
    """``text`` without tokens that name a severity (``[BLOCKER]``, "critical", "trivial"...) or
    give one away ("crash": Bugzilla's definition of critical), as the data set's provenance warns."""
    return _LEAKS.sub(" ", text)


@dataclass(frozen=True)
class Scores:
    """One classifier's figures on the held-out examples."""

    name: str
    classes: list[str]
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    """class -> precision, recall, f1, support."""
    confusion: list[list[int]]
    """Rows: the true class; columns: the decided class (both in ``classes`` order)."""

    def recall(self, label: str) -> float:
        return self.per_class[label]["recall"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "classes": self.classes,
            "macro_f1": round(self.macro_f1, 4),
            "per_class": {c: {k: round(v, 4) for k, v in m.items()} for c, m in self.per_class.items()},
            "confusion": self.confusion,
        }


def scores(name: str, truth: Sequence[str], decided: Sequence[str], classes: Sequence[str]) -> Scores:
    labels = list(classes)
    p, r, f, s = precision_recall_fscore_support(truth, decided, labels=labels, zero_division=0)
    per_class = {
        c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, c in enumerate(labels)
    }
    macro = float(f1_score(truth, decided, labels=labels, average="macro", zero_division=0))
    matrix = confusion_matrix(truth, decided, labels=labels).tolist()
    return Scores(name, labels, macro, per_class, matrix)


@dataclass
class TaskResult:
    task: str
    leaks_removed: bool
    classes: list[str]
    train: int
    test: int
    key_class: str
    """The class whose recall matters most (Sev1, or severe)."""
    threshold: float
    results: list[Scores] = field(default_factory=list)
    seconds_to_train: float = 0.0

    def result(self, name: str) -> Scores:
        return next(r for r in self.results if r.name == name)

    def beats_baselines(self) -> bool:
        """sevflow's decision beats naive Bayes on macro-F1 and on the key class's recall, and
        the majority class on macro-F1. (When the majority class is the key class, as in the
        Mozilla data, the constant classifier's recall of it is 1.0 by construction: nothing
        that ever says anything else can beat that, so recall is compared with naive Bayes.)"""
        ours, bayes, majority = self.result("sevflow"), self.result("naive Bayes"), self.result("majority")
        key = self.key_class
        return (
            ours.macro_f1 > bayes.macro_f1
            and ours.recall(key) > bayes.recall(key)
            and ours.macro_f1 > majority.macro_f1
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "leaks_removed": self.leaks_removed,
            "classes": self.classes,
            "train": self.train,
            "test": self.test,
            "key_class": self.key_class,
            "threshold": self.threshold,
            "seconds_to_train": round(self.seconds_to_train, 1),
            "beats_baselines": self.beats_baselines(),
            "results": [r.to_dict() for r in self.results],
        }


def evaluate(
    examples: Examples,
    *,
    policy: TriagePolicy,
    held_out: float = 0.2,
    tasks: Sequence[str] = ("severity", "severe"),
    leaks: Sequence[bool] = (False, True),
    progress: Callable[[str], None] | None = None,
) -> list[TaskResult]:
    """Train on the earlier examples and score the latest ``held_out`` share, per task and with
    leaking tokens kept and removed."""
    tell = progress or (lambda what: None)
    train_rows, test_rows = time_split(examples, held_out)
    outcome = []
    for task in tasks:
        for removed in leaks:
            tell(f"{task}{' without leaking tokens' if removed else ''}")
            outcome.append(
                _task(examples, train_rows, test_rows, task=task, leaks_removed=removed, policy=policy)
            )
    return outcome


def _task(
    examples: Examples,
    train_rows: list[int],
    test_rows: list[int],
    *,
    task: str,
    leaks_removed: bool,
    policy: TriagePolicy,
) -> TaskResult:
    label_of = _severe_label if task == "severe" else (lambda s: s.value)
    train = [n for n in train_rows if label_of(examples.labels[n]) is not None]
    test = [n for n in test_rows if label_of(examples.labels[n]) is not None]

    def ticket(n: int) -> TicketText:
        t = examples.tickets[n]
        return replace(t, title=remove_leaks(t.title), body=remove_leaks(t.body)) if leaks_removed else t

    x_train, x_test = [ticket(n) for n in train], [ticket(n) for n in test]
    y_train = [str(label_of(examples.labels[n])) for n in train]
    y_test = [str(label_of(examples.labels[n])) for n in test]
    classes = sorted(set(y_train), key=_order)
    key = SEVERE if task == "severe" else Severity.SEV1.value
    threshold = policy.thresholds.get(Severity.SEV1, 0.5)
    result = TaskResult(task, leaks_removed, classes, len(train), len(test), key, threshold)

    majority = Counter(y_train).most_common(1)[0][0]
    result.results.append(scores("majority", y_test, [majority] * len(y_test), classes))
    result.results.append(scores("naive Bayes", y_test, _naive_bayes(x_train, y_train, x_test), classes))

    started = time.perf_counter()
    model = TriageModel.fit(x_train, y_train)
    result.seconds_to_train = time.perf_counter() - started
    probs = model.probabilities(x_test)
    most_probable = [model.classes[i] for i in probs.argmax(axis=1)]
    if task == "severe":
        severe = probs[:, model.classes.index(SEVERE)]
        decided = [SEVERE if p >= threshold else NON_SEVERE for p in severe]
    else:
        decided = as_intake_decides(policy, model.classes, probs)
    result.results.append(scores("sevflow", y_test, decided, classes))
    result.results.append(scores("sevflow, most probable", y_test, most_probable, classes))
    return result


def as_intake_decides(policy: TriagePolicy, classes: list[str], probs: np.ndarray) -> list[str]:
    """The severity intake would propose for each row, by the one rule in the domain."""
    severities = [Severity.parse(c) for c in classes]
    decided = []
    for row in probs:
        opinion = ModelOpinion({s: float(p) for s, p in zip(severities, row, strict=True)}, {}, "evaluation")
        decided.append(policy.model_proposal(opinion)[0].value)
    return decided


def _naive_bayes(x_train: list[TicketText], y_train: list[str], x_test: list[TicketText]) -> list[str]:
    def text(t: TicketText) -> str:
        return clean_text(t.title, t.body).text

    counts = CountVectorizer()
    model = MultinomialNB().fit(counts.fit_transform([text(t) for t in x_train]), y_train)
    return [str(c) for c in model.predict(counts.transform([text(t) for t in x_test]))]


def _severe_label(severity: Severity) -> str | None:
    if severity in (Severity.SEV1, Severity.SEV2):
        return SEVERE
    return NON_SEVERE if severity is Severity.SEV4 else None


def _order(label: str) -> tuple[int, str]:
    ranks: Mapping[str, int] = {SEVERE: 0, NON_SEVERE: 1}
    return (ranks.get(label, 2), label)
