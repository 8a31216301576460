"""The starter policy shipped with sevflow (``starter.yaml``, package data)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sevflow.domain.policy import Policy
from sevflow.policy.loader import load_policy_text

POLICY_FILE_NAME = "sevflow-policy.yaml"
STARTER_SOURCE = "starter policy (built in)"


def starter_policy_text() -> str:
    """The documented starter policy, as YAML text."""
    return resources.files("sevflow.policy").joinpath("starter.yaml").read_text(encoding="utf-8")


def load_starter_policy() -> Policy:
    return load_policy_text(starter_policy_text(), STARTER_SOURCE)


def write_starter_policy(directory: Path, *, force: bool = False) -> Path:
    """Write the starter policy to ``directory/sevflow-policy.yaml`` and return that path.

    Creates ``directory`` if needed. Raises ``FileExistsError`` if the file exists and
    ``force`` is false -- an edited policy is never overwritten by accident.
    """
    target = directory / POLICY_FILE_NAME
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists; pass --force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_policy_text(), encoding="utf-8")
    return target
