"""The related-incident index as the services use it (``services.ports.IncidentIndex``): the
``RelatedIndex`` of ``triage.related`` behind a lock, fed with triage records."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from sevflow.domain.related import RelatedTicket
from sevflow.domain.triage_policy import RelatedPolicy
from sevflow.domain.triage_record import TriageRecord
from sevflow.triage.related import Incident, RelatedIndex

FLOOR = 0.05
"""The index keeps candidates from this similarity; each policy's ``min_score`` then applies."""


class IncidentFinder:
    """One per process; every method takes the lock (the index is not thread-safe)."""

    def __init__(self) -> None:
        self._index = RelatedIndex(min_score=FLOOR)
        self._lock = threading.Lock()
        self._known = 0

    def __len__(self) -> int:
        return len(self._index)

    def known_up_to(self) -> int:
        return self._known

    def add(self, records: Sequence[TriageRecord]) -> None:
        incidents = [
            Incident(r.ticket_id, f"{r.title}\n{r.description}", r.service_line, r.opened_at, True)
            for r in records
        ]
        with self._lock:
            self._index.add_many(incidents)
            self._known = max([self._known, *(r.ticket_id for r in records)])

    def close(self, ticket_ids: Sequence[int]) -> None:
        with self._lock:
            for ticket_id in ticket_ids:
                self._index.close(ticket_id)

    def similar(
        self, text: str, *, now: datetime, service_line: str, settings: RelatedPolicy, exclude: int | None
    ) -> list[RelatedTicket]:
        with self._lock:
            found = self._index.similar(
                text,
                now=now,
                service_line=service_line,
                limit=settings.limit,
                recent=timedelta(minutes=settings.recent_minutes),
                window=timedelta(minutes=settings.window_minutes),
                near_duplicate=settings.near_duplicate,
                exclude=exclude,
            )
        return [r for r in found if r.score >= settings.min_score]
