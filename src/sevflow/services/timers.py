"""The timer engine's use case: fire what is due, once, and schedule what comes next.

A tick claims due timer rows (cost follows the number of due rows, not the backlog), locks
their tickets (skipping tickets another transaction holds -- they stay due for the next tick),
lets the escalation engine fire everything due at ``now``, and saves events, outbox rows and
the tickets' new timers in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sevflow.domain.events import Event
from sevflow.domain.staffing import Staffing
from sevflow.services.changes import Before, Change, save_changes, settle, staffing_for
from sevflow.services.ports import Clock, TimerRow, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(seconds=60)
"""A ticket that fails to process has its due timers pushed back by this much (and is logged)."""


@dataclass
class TickResult:
    now: datetime
    claimed: int = 0
    tickets: int = 0
    events: int = 0
    failed: int = 0
    lateness_seconds: list[float] = field(default_factory=list)
    fired: list[tuple[int, Event]] = field(default_factory=list)
    """(ticket id, event) for every event the tick recorded, in order."""


def tick(uow_factory: UnitOfWorkFactory, *, clock: Clock, limit: int = 200) -> TickResult:
    """Fire up to ``limit`` due timer rows at ``clock.now()`` in one transaction.

    If the batch fails (a bug or a corrupt ticket), it is rolled back and the tickets are
    retried one transaction each; a ticket that still fails has its due timers pushed back by
    ``RETRY_AFTER`` so one bad ticket cannot stall the rest.
    """
    now = clock.now()
    result = TickResult(now)
    with uow_factory() as uow:
        rows = uow.timers.claim_due(now, limit)
        if not rows:
            return result
        ids = list(dict.fromkeys(r.ticket_id for r in rows))
        try:
            result.fired = _fire(uow, ids, now)
            uow.commit()
        except Exception:  # a poison ticket must not stall the engine: isolate it below
            uow.rollback()
            log.exception("timer batch failed; retrying its %d tickets one by one", len(ids))
            result.fired = []
            for ticket_id in ids:
                ok, fired = _fire_alone(uow_factory, ticket_id, now)
                result.fired += fired
                result.failed += 0 if ok else 1
    result.events = len(result.fired)
    result.claimed = len(rows)
    result.tickets = len(ids)
    result.lateness_seconds = [(now - r.due_at).total_seconds() for r in rows]
    return result


def _fire(u: UnitOfWork, ticket_ids: list[int], now: datetime) -> list[tuple[int, Event]]:
    changes = []
    fired: list[tuple[int, Event]] = []
    # loads change only when the batch is saved, so every ticket of a service line would read
    # the same staffing: read it once per line
    staffings: dict[tuple[str, str], Staffing] = {}
    for ticket in u.tickets.lock_many(ticket_ids):
        before = Before.of(ticket)
        line = (ticket.policy_version, ticket.service_line)
        staffing = staffings.get(line)
        if staffing is None:
            staffing = staffings[line] = staffing_for(u, ticket.policy, ticket.service_line, now=now)
        decision = settle(ticket, now, staffing)
        assert ticket.id is not None
        fired += [(ticket.id, event) for event in ticket.pending]
        changes.append(Change(ticket, before, decision))
    if changes:
        save_changes(u, changes, now=now)
    return fired


def _fire_alone(
    uow_factory: UnitOfWorkFactory, ticket_id: int, now: datetime
) -> tuple[bool, list[tuple[int, Event]]]:
    try:
        with uow_factory() as uow:
            fired = _fire(uow, [ticket_id], now)
            uow.commit()
            return True, fired
    except Exception:  # isolate the poison ticket; it is logged and retried later
        log.exception("ticket %s failed in the timer engine; retrying in %s", ticket_id, RETRY_AFTER)
    with uow_factory() as uow:
        later = [
            TimerRow(r.ticket_id, r.key, max(r.due_at, now) + RETRY_AFTER if r.due_at <= now else r.due_at)
            for r in uow.timers.for_ticket(ticket_id)
        ]
        uow.timers.replace(ticket_id, later)
        uow.commit()
    return False, []


def next_due_at(uow_factory: UnitOfWorkFactory) -> datetime | None:
    with uow_factory() as uow:
        return uow.timers.next_due_at()
