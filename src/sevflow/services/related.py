"""Related incidents of a ticket: the most similar open and recent tickets, and the open
near-duplicates on its service line within the policy's window (a likely shared incident).

The index lives in the process (``IncidentIndex``). Before each lookup it takes in the tickets
opened since it last looked (their triage records, in pages); a ticket it still believes open
but the store shows closed is marked closed (and a reopened one open again) and the lookup runs
again: the store is the truth, the index a fast way to candidates."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sevflow.domain.access import Action
from sevflow.domain.events import SYSTEM
from sevflow.domain.related import RelatedIncident, RelatedTicket, SharedWith, note_likely_shared
from sevflow.domain.triage_policy import RelatedPolicy
from sevflow.services.actors import Actor
from sevflow.services.changes import (
    Before,
    Change,
    retry_once_on_conflict,
    save_changes,
    settle,
    staffing_for,
)
from sevflow.services.ports import Clock, IncidentIndex, UnitOfWork

PAGE = 50_000
"""Triage records read per query while the index catches up."""
ROUNDS = 3
"""Lookups at most, each after correcting tickets the last one showed open but the store has
closed, or the other way round (reopened)."""


def catch_up(uow: UnitOfWork, index: IncidentIndex) -> int:
    """Add every ticket opened since the index last looked (inside ``uow``'s transaction);
    returns how many."""
    added = 0
    while True:
        records = uow.triage.after(index.known_up_to(), PAGE)
        if not records:
            return added
        index.add(records)
        added += len(records)


def related_incidents(
    uow: UnitOfWork, index: IncidentIndex, *, ticket_id: int, actor: Actor, now: datetime
) -> list[RelatedIncident]:
    """The tickets most like ``ticket_id``'s title and description, best first (staff only: they
    may be other customers' tickets)."""
    with uow:
        ticket = uow.tickets.get(ticket_id)
        actor.require(Action.TICKET_AUDIT, ticket_customer=ticket.customer)
        settings = ticket.policy.triage.related if ticket.policy.triage else RelatedPolicy()
        catch_up(uow, index)
        text = f"{ticket.title}\n{ticket.description}"
        found: list[RelatedTicket] = []
        rows = {}
        for _ in range(ROUNDS):
            found = index.similar(
                text, now=now, service_line=ticket.service_line, settings=settings, exclude=ticket_id
            )
            rows = {row.id: row for row in uow.tickets.rows_by_id([f.ticket_id for f in found])}
            closed = [f.ticket_id for f in found if f.open and f.ticket_id not in rows]
            reopened = [f.ticket_id for f in found if not f.open and f.ticket_id in rows]
            if not closed and not reopened:
                break
            index.close(closed)
            index.add([r for t in reopened for r in uow.triage.after(t - 1, 1) if r.ticket_id == t])
        shown = []
        for f in found:
            row = rows.get(f.ticket_id)
            if row is not None:
                shown.append(RelatedIncident(f, row.title, row.severity, row.status, row.owner))
            else:  # closed (the index may not know yet, if it still did after the last round)
                f = replace(f, open=False, likely_shared=False)
                other = uow.tickets.get(f.ticket_id)
                shown.append(
                    RelatedIncident(f, other.title, other.severity.value, other.status.value, other.owner)
                )
    return shown


def note_shared_incident(
    uow: UnitOfWork, read_uow: UnitOfWork, index: IncidentIndex, *, clock: Clock, ticket_id: int
) -> list[int]:
    """Right after a ticket opens: if open near-duplicates on its service line were opened
    within the policy's window, record on it that they are probably one incident and tell the
    owners (``domain.related.note_likely_shared``). Returns their ids ([] if none). Safe to
    repeat: a set of tickets is recorded once."""
    now = clock.now()
    found = related_incidents(read_uow, index, ticket_id=ticket_id, actor=Actor(SYSTEM), now=now)
    shared = [
        SharedWith(r.found.ticket_id, r.found.score, r.title, r.owner) for r in found if r.found.likely_shared
    ]
    if not shared:
        return []

    def attempt() -> None:
        with uow:
            ticket = uow.tickets.get(ticket_id, for_update=True)
            before = Before.of(ticket)
            note_likely_shared(ticket, shared, now=now)
            if not ticket.pending:
                return
            staffing = staffing_for(uow, ticket.policy, ticket.service_line, now=now)
            save_changes(uow, [Change(ticket, before, settle(ticket, now, staffing))], now=now)
            uow.commit()

    retry_once_on_conflict(attempt)
    return [s.ticket_id for s in shared]
