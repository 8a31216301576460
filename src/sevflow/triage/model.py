"""The severity model: a linear support-vector classifier over ``features.FeatureSpace``, with
class weights balancing rare severities, and probabilities calibrated on out-of-fold scores.

Why this model: on the Mozilla data it beat logistic regression, complement and multinomial
naive Bayes and SGD on macro-F1 and on Sev1 recall (BENCHMARKS.md), trains in seconds and
scores a ticket in well under a millisecond. Its scores are not probabilities, so a multinomial
logistic regression is fitted on the classifier's 5-fold out-of-fold scores (matrix scaling):
the policy's thresholds ("propose Sev1 at P >= 0.35") then mean what they say.

Everything a prediction needs is a handful of arrays (``to_arrays``/``from_arrays``), so a
saved model is plain data (see ``artifact``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity
from sevflow.domain.triage_policy import ModelOpinion, Push
from sevflow.triage.features import FeatureSpace, TicketText, attribute, prepare

C = 0.3
"""The SVM's regularisation (chosen on the Mozilla data's training split; 0.1-1 are close)."""
FOLDS = 5


class TriageModel:
    """A fitted model: ``classes`` (labels, e.g. Sev1..Sev4), the feature space, the linear
    weights and the calibration."""

    def __init__(
        self,
        classes: Sequence[str],
        space: FeatureSpace,
        coef: np.ndarray,
        intercept: np.ndarray,
        calibration: np.ndarray,
        calibration_intercept: np.ndarray,
    ) -> None:
        self.classes = list(classes)
        self.space = space
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)
        self.coef_t = np.ascontiguousarray(self.coef.T)
        self.intercept = intercept.astype(np.float32)
        self.calibration = calibration.astype(np.float64)
        self.calibration_intercept = calibration_intercept.astype(np.float64)

    # == fitting ===========================================================================

    @classmethod
    def fit(
        cls, tickets: Sequence[TicketText], labels: Sequence[str], *, weights: Sequence[float] | None = None
    ) -> TriageModel:
        """Fitted on ``tickets`` and their ``labels`` (two classes at least, each with ``FOLDS``
        examples at least, for the calibration). ``weights`` count some examples more (agents'
        corrections, say)."""
        counts = {c: labels.count(c) for c in dict.fromkeys(labels)}
        classes = sorted(counts)
        if len(classes) < 2:
            raise InvalidInput(f"training needs examples of two severities at least; got only {classes}")
        few = [c for c in classes if counts[c] < FOLDS]
        if few:
            raise InvalidInput(
                f"training needs {FOLDS} examples of each severity at least; too few of: "
                + ", ".join(f"{c} ({counts[c]})" for c in few)
            )
        texts, fields, _ = prepare(tickets)
        space = FeatureSpace.fit(texts, fields)
        x = space.transform(texts, fields)
        y = np.array([classes.index(label) for label in labels])
        w = None if weights is None else np.asarray(weights, dtype=np.float64)
        svm = LinearSVC(C=C, class_weight="balanced")
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
        scores = cross_val_predict(
            svm,
            x,
            y,
            cv=folds,
            method="decision_function",
            params=None if w is None else {"sample_weight": w},
        )
        svm.fit(x, y, sample_weight=w)
        scores = _as_columns(scores)
        calibrator = LogisticRegression(C=10.0, max_iter=1000).fit(scores, y, sample_weight=w)
        coef, intercept = svm.coef_, svm.intercept_
        cal_coef, cal_intercept = calibrator.coef_, calibrator.intercept_
        if len(classes) == 2:  # one score and one calibration row: spell out both classes
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
            cal_coef = np.eye(2) * cal_coef[0, 0] / 2  # logits -(a s + c)/2 and (a s + c)/2
            cal_intercept = np.array([-cal_intercept[0], cal_intercept[0]]) / 2
        return cls(classes, space, coef, intercept, cal_coef, cal_intercept)

    # == predicting ========================================================================

    def decision(self, x: sp.csr_matrix) -> np.ndarray:
        """The SVM's score of every class for each row of ``x`` (one column per class)."""
        return np.asarray(x @ self.coef_t) + self.intercept

    def calibrated(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from the SVM's scores (rows sum to 1)."""
        logits = scores @ self.calibration.T + self.calibration_intercept
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def probabilities(self, tickets: Sequence[TicketText]) -> np.ndarray:
        """One row per ticket, one column per class (``classes``), rows summing to 1."""
        texts, fields, _ = prepare(tickets)
        return self.calibrated(self.decision(self.space.transform(texts, fields)))

    def opinion(self, ticket: TicketText, *, version: str, top: int = 5) -> ModelOpinion:
        """What the model says of one ticket: calibrated probabilities of each severity, and per
        severity the words and fields that pushed toward it most."""
        texts, fields, notes = prepare([ticket])
        columns, values = self.space.transform_one(texts[0], fields[0])
        scores = values @ self.coef_t[columns] + self.intercept
        probs = self.calibrated(scores.reshape(1, -1))[0]
        severities = [Severity.parse(c) for c in self.classes]
        contributions = self.coef[:, columns] * values
        ranked = attribute(self.space, texts[0], columns, contributions, top=top)
        pushes = {
            s: tuple(Push(name, weight) for name, weight in r)
            for s, r in zip(severities, ranked, strict=True)
        }
        return ModelOpinion(
            {s: float(p) for s, p in zip(severities, probs, strict=True)}, pushes, version, notes[0]
        )

    # == as plain arrays ===================================================================

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "classes": np.array(self.classes, dtype=str),
            "coef": self.coef,
            "intercept": self.intercept,
            "calibration": self.calibration,
            "calibration_intercept": self.calibration_intercept,
            **self.space.to_arrays(),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> TriageModel:
        return cls(
            arrays["classes"].tolist(),
            FeatureSpace.from_arrays(arrays),
            arrays["coef"],
            arrays["intercept"],
            arrays["calibration"],
            arrays["calibration_intercept"],
        )


def _as_columns(scores: np.ndarray) -> np.ndarray:
    return scores.reshape(-1, 1) if scores.ndim == 1 else scores
