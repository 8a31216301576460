"""A trained severity model on disk: one ``.npz`` file of plain arrays (no pickle, so loading a
model file cannot run code) plus a JSON summary: the model's id, when and from what it was
trained, its held-out figures and the policy version it was trained beside.

Loading checks compatibility: the file format, the classes (Sev1..Sev4 for intake) and the
arrays' shapes. Anything wrong raises ``ModelFileError`` saying what and what to do; intake
then runs on the rules alone (``classifier.load_classifier``).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sevflow import __version__
from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity
from sevflow.triage.model import TriageModel

FORMAT = 1
"""The artifact layout this sevflow writes and reads."""


class ModelFileError(InvalidInput):
    """A model file that cannot be used: missing, unreadable, or from an incompatible version."""


@dataclass(frozen=True)
class Artifact:
    model: TriageModel
    summary: dict[str, Any]
    """``id``, ``format``, ``trained_at``, ``sevflow``, ``training`` (files, examples, counts),
    ``metrics`` (held-out), ``policy_version``; see ``save``."""

    @property
    def id(self) -> str:
        return str(self.summary["id"])


def model_id(arrays: dict[str, np.ndarray]) -> str:
    """12 hex digits of the SHA-256 of the arrays: the same training gives the same id."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()[:12]


def save(path: Path, model: TriageModel, summary: dict[str, Any]) -> Artifact:
    """Write ``model`` and ``summary`` to ``path`` (replacing it only once fully written)."""
    arrays = model.to_arrays()
    full = {
        **summary,
        "id": model_id(arrays),
        "format": FORMAT,
        "sevflow": __version__,
        "classes": model.classes,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    payload: dict[str, Any] = {"summary": np.array(json.dumps(full, sort_keys=True)), **arrays}
    with partial.open("wb") as f:
        np.savez_compressed(f, **payload)
    partial.replace(path)
    return Artifact(model, full)


def load(path: Path, *, for_intake: bool = True) -> Artifact:
    """The model in ``path``; ``ModelFileError`` if it cannot be used. ``for_intake``: its
    classes must be severities (Sev1..Sev4)."""
    if not path.is_file():
        raise ModelFileError(f"no model file at {path}; train one with: sevflow triage train")
    try:
        # opened here, so the file is closed even when numpy gives up on it half-way
        with path.open("rb") as f, np.load(f, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ModelFileError(f"{path} is not a sevflow model file ({err})") from None
    if "summary" not in arrays:
        raise ModelFileError(f"{path} is not a sevflow model file (it has no summary)")
    try:
        summary = json.loads(str(arrays.pop("summary")))
    except json.JSONDecodeError as err:
        raise ModelFileError(f"{path} has an unreadable summary ({err})") from None
    found = summary.get("format")
    if found != FORMAT:
        raise ModelFileError(
            f"{path} is a model of format {found!r} (made by sevflow {summary.get('sevflow', '?')}); this "
            f"sevflow {__version__} reads format {FORMAT}: retrain it with sevflow triage retrain"
        )
    classes = [str(c) for c in arrays.get("classes", np.array([])).tolist()]
    if for_intake:
        try:
            [Severity.parse(c) for c in classes]
        except InvalidInput:
            raise ModelFileError(
                f"{path} predicts {', '.join(classes) or 'nothing'}, not severities Sev1..Sev4"
            ) from None
    try:
        model = TriageModel.from_arrays(arrays)
    except (KeyError, ValueError) as err:
        raise ModelFileError(f"{path} is incomplete or damaged ({err})") from None
    width = len(model.space.names)
    if model.coef.shape != (len(classes), width) or model.calibration.shape[0] != len(classes):
        raise ModelFileError(
            f"{path} is damaged: its weights are {model.coef.shape}, its features {width} and classes {len(classes)}"
        )
    return Artifact(model, summary)
