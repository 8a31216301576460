"""A pending decision gate on a ticket."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sevflow.domain.severity import Severity


@dataclass(frozen=True)
class GateState:
    """A pending decision gate. While pending, the ticket runs as ``severity`` (fail safe)."""

    name: str
    severity: Severity
    previous: Severity
    opened_at: datetime
    due_at: datetime
    round: int
    number: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "severity": self.severity.value,
            "previous": self.previous.value,
            "opened_at": self.opened_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "round": self.round,
            "number": self.number,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateState:
        return cls(
            name=str(data["name"]),
            severity=Severity(data["severity"]),
            previous=Severity(data["previous"]),
            opened_at=datetime.fromisoformat(data["opened_at"]),
            due_at=datetime.fromisoformat(data["due_at"]),
            round=int(data["round"]),
            number=int(data["number"]),
        )
