"""Recording an imported history as closed tickets, so the dashboard's metrics cover it.

``record_history`` turns each closed case into a ticket (``domain.history``) under the active
policy and stores it with its events and its outcome (the metrics' sums) -- in batches, one
transaction each. A case whose external id is already stored is skipped, so an interrupted
import can be run again; cases still open in the history are counted and left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sevflow.domain.escalation import Decision
from sevflow.domain.history import HistoricCase, closed_ticket
from sevflow.services.actors import Actor
from sevflow.services.changes import NEW, Change, save_changes
from sevflow.services.ports import Clock, UnitOfWorkFactory

NOTHING_DUE = Decision((), ())


@dataclass(frozen=True)
class Recorded:
    recorded: int
    already_stored: int
    still_open: int


def record_history(
    uow_factory: UnitOfWorkFactory,
    *,
    clock: Clock,
    actor: Actor,
    cases: Sequence[HistoricCase],
    batch: int = 1_000,
    progress: Callable[[int, int], None] | None = None,
) -> Recorded:
    """Store the closed ``cases`` as tickets (see the module docstring). Every case is checked
    against the policy before anything is written: an unknown service line or tier is refused
    with the allowed ones, and nothing is stored."""
    now = clock.now()
    closed = [c for c in cases if c.resolved_at is not None or c.closed_at is not None]
    with uow_factory() as uow:
        policy = uow.policies.active()
    tickets = [closed_ticket(policy, c, actor=actor.name) for c in closed]  # refuses before any write
    recorded = already = 0
    for start in range(0, len(tickets), batch):
        chunk = tickets[start : start + batch]
        with uow_factory() as uow:
            stored = uow.tickets.ids_by_external_id([t.external_id for t in chunk if t.external_id])
            fresh = [t for t in chunk if t.external_id not in stored]
            save_changes(uow, [Change(t, NEW, NOTHING_DUE) for t in fresh], now=now)
            uow.commit()
        recorded += len(fresh)
        already += len(chunk) - len(fresh)
        if progress is not None:
            progress(start + len(chunk), len(tickets))
    return Recorded(recorded, already, len(cases) - len(closed))
