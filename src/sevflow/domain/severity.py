"""Severities Sev1 (most urgent) to Sev4."""

from __future__ import annotations

from enum import StrEnum

from sevflow.domain.errors import InvalidInput


class Severity(StrEnum):
    """Sev1 critical outage ... Sev4 informational. Lower number = more urgent."""

    SEV1 = "Sev1"
    SEV2 = "Sev2"
    SEV3 = "Sev3"
    SEV4 = "Sev4"

    @property
    def rank(self) -> int:
        """1 for Sev1 ... 4 for Sev4."""
        return _RANK[self]

    def is_more_urgent_than(self, other: Severity) -> bool:
        return self.rank < other.rank

    def raised(self, steps: int = 1) -> Severity:
        """The severity ``steps`` levels more urgent, stopping at Sev1."""
        return Severity(f"Sev{max(1, self.rank - steps)}")

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Accepts ``Sev2``, ``sev2``, ``SEV2``, ``S2`` and ``2``; anything else is refused."""
        text = str(value).strip().lower().removeprefix("sev").removeprefix("s")
        if text in {"1", "2", "3", "4"}:
            return cls(f"Sev{text}")
        raise InvalidInput.unknown("severity", value, [s.value for s in cls])

    @classmethod
    def most_urgent(cls, *severities: Severity) -> Severity:
        return min(severities, key=_RANK.__getitem__)


_RANK = {s: int(s.value[3]) for s in Severity}
