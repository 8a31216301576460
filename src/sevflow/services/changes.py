"""Persisting what a use case did to a ticket: one place, one shape, inside the caller's
transaction. Every use case ends here, so events, outbox rows, timers and agent loads can never
drift apart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sevflow.domain.errors import Conflict
from sevflow.domain.escalation import Decision, run_due
from sevflow.domain.outcomes import outcome_of
from sevflow.domain.policy import Policy
from sevflow.domain.staffing import Staffing
from sevflow.domain.tickets import Ticket
from sevflow.domain.triage_record import corrections_of, record_of
from sevflow.services.ports import TimerRow, UnitOfWork


@dataclass(frozen=True)
class Before:
    """Who owned the ticket and whether it was open before the use case (for agent loads)."""

    owner: str | None
    is_open: bool

    @classmethod
    def of(cls, ticket: Ticket) -> Before:
        return cls(ticket.owner, ticket.status.is_open)


NEW = Before(None, False)


def staffing_for(uow: UnitOfWork, policy: Policy, service_line: str, *, now: datetime) -> Staffing:
    """Load and presence at ``now`` of everybody who could own a ticket of ``service_line`` (an
    unknown service line is refused with the allowed ones). Away: marked away, or replaced by an
    override of an on-call rotation at ``now`` (vacation cover), so the secondary covers."""
    line = policy.service_line(service_line)
    names = {p for pair in line.owners.values() for p in (pair.primary, pair.secondary)}
    names |= {m for team in line.teams.values() for m in (*team.members, team.lead)}
    names.add(line.manager)
    staffing = uow.agents.staffing(sorted(names))
    if not policy.oncall.schedules:
        return staffing
    covered = policy.oncall.away(now) & names
    return Staffing(staffing.load, staffing.away | covered) if covered else staffing


def settle(ticket: Ticket, now: datetime, staffing: Staffing) -> Decision:
    """Fire whatever the change made due at once; return the decision with the timers."""
    return run_due(ticket, now, staffing)


def timer_rows(ticket_id: int, decision: Decision) -> list[TimerRow]:
    """The ticket's one timer: its next due moment. The later ones need no row -- when this one
    fires, the engine decides afresh and stores the next; any change to the ticket does too."""
    if not decision.upcoming:
        return []
    due = decision.upcoming[0]
    return [TimerRow(ticket_id, due.key, due.at)]


@dataclass
class Change:
    """A ticket a use case changed, how it was before, and what is due next."""

    ticket: Ticket
    before: Before
    decision: Decision


def save_changes(uow: UnitOfWork, changes: Sequence[Change], *, now: datetime) -> None:
    """Write the tickets (insert new ones in bulk, optimistic update for the others), their
    pending events, queued notifications, timers, the owners' load changes, the outcome of a
    ticket that closed (or its removal, when one reopens), and how new tickets were triaged and
    people's corrections of severities -- in bulk, in the caller's transaction. Does not commit."""
    new = [c.ticket for c in changes if c.ticket.id is None]
    stored = [c.ticket for c in changes if c.ticket.id is not None]
    # a stored ticket leaving the open states (or coming back) changes the metrics' outcomes
    closing = [
        c.ticket for c in changes if (c.ticket.id is None or c.before.is_open) and not c.ticket.status.is_open
    ]  # tickets leaving the open states, and new ones already closed (imported history)
    reopened = [
        c.ticket
        for c in changes
        if c.ticket.id is not None and not c.before.is_open and c.ticket.status.is_open
    ]
    if new:
        uow.tickets.add_many(new)
        triaged = [r for r in map(record_of, new) if r is not None]
        if triaged:
            uow.triage.add(triaged)
    for ticket in stored:
        assert ticket.id is not None
        for correction in corrections_of(ticket):
            uow.triage.correct(ticket.id, correction)
    if stored:
        uow.tickets.save_many(stored)
    batch = [(c.ticket, list(c.ticket.pending)) for c in changes if c.ticket.pending]
    seqs = uow.events.append_many(batch) if batch else []
    notifications = []
    for (ticket, events), numbers in zip(batch, seqs, strict=True):
        assert ticket.id is not None
        seq_of = {id(event): seq for event, seq in zip(events, numbers, strict=True)}
        notifications += [(ticket.id, seq_of[id(e)], n.numbered(ticket.id)) for e, n in ticket.outbox]
    if notifications:
        uow.outbox.add_many(notifications, now=now)
    timers: dict[int, list[TimerRow]] = {}
    deltas: dict[str, int] = {}
    for change in changes:
        ticket = change.ticket
        assert ticket.id is not None
        ticket.pending.clear()
        ticket.outbox.clear()
        timers[ticket.id] = timer_rows(ticket.id, change.decision)
        for agent, delta in load_deltas(change.before, ticket).items():
            deltas[agent] = deltas.get(agent, 0) + delta
    uow.timers.replace_many(timers)
    for ticket in closing:
        outcome = outcome_of(ticket)
        if outcome is not None:
            uow.outcomes.record(outcome)
    for ticket in reopened:
        assert ticket.id is not None
        uow.outcomes.forget(ticket.id)
    deltas = {agent: d for agent, d in deltas.items() if d}
    if deltas:
        uow.agents.adjust_load(deltas)


def load_deltas(before: Before, ticket: Ticket) -> dict[str, int]:
    """+1 for the owner of an open ticket after, -1 for the owner of an open ticket before."""
    deltas: dict[str, int] = {}
    if before.owner is not None and before.is_open:
        deltas[before.owner] = deltas.get(before.owner, 0) - 1
    if ticket.owner is not None and ticket.status.is_open:
        deltas[ticket.owner] = deltas.get(ticket.owner, 0) + 1
    return {agent: d for agent, d in deltas.items() if d}


T = TypeVar("T")


class StaleVersion(Conflict):
    """The caller's copy of the ticket is out of date (``expected_version`` did not match)."""


def retry_once_on_conflict(work: Callable[[], T], *, retry: bool = True) -> T:
    """Run ``work`` (one whole transaction). If it lost a race on a unique row (``Conflict``:
    the same idempotency key or external id committed by a concurrent request), run it once
    more: it then finds the winner's row and answers from it. ``StaleVersion`` is the caller's
    own problem and is never retried; nor is anything when ``retry`` is false."""
    try:
        return work()
    except StaleVersion:
        raise
    except Conflict:
        if not retry:
            raise
    return work()
