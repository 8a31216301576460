"""The severity model as intake consults it (``services.ports.SeverityModel``): a loaded
artifact, guarded so that a failing model never blocks a ticket."""

from __future__ import annotations

import logging
from pathlib import Path

from sevflow.domain.triage_policy import ModelOpinion
from sevflow.triage.artifact import Artifact, ModelFileError, load
from sevflow.triage.features import intake_ticket

log = logging.getLogger(__name__)


class ModelClassifier:
    """Asks a trained model for its opinion of new tickets."""

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact

    @property
    def version(self) -> str:
        return self.artifact.id

    def opinion(
        self,
        *,
        title: str,
        description: str,
        service_line: str,
        customer_tier: str,
        channel: str,
        services: tuple[str, ...],
        users_affected: int,
    ) -> ModelOpinion | None:
        ticket = intake_ticket(
            title=title,
            description=description,
            service_line=service_line,
            customer_tier=customer_tier,
            channel=channel,
            services=services,
            users_affected=users_affected,
        )
        try:
            return self.artifact.model.opinion(ticket, version=self.version)
        except Exception:  # a model bug must not block intake: the rules decide alone
            log.exception(
                "the severity model %s failed on a ticket; intake uses the rules alone", self.version
            )
            return None


def load_classifier(path: Path | None) -> ModelClassifier | None:
    """The classifier for the model file at ``path``, or ``None`` (no path, or a file that
    cannot be used: logged as an ERROR naming the reason; intake uses the rules alone)."""
    if path is None:
        return None
    try:
        artifact = load(path)
    except ModelFileError as err:
        log.error("severity model not loaded, intake uses the policy's rules alone: %s", err)
        return None
    log.info("severity model %s loaded from %s", artifact.id, path)
    return ModelClassifier(artifact)
