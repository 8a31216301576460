"""Related incidents of a ticket: the most similar open and recent tickets, and the open
near-duplicates on its service line within the policy's window (a likely shared incident).

The index lives in the process (``IncidentIndex``). Before each lookup it takes in the tickets
opened since it last looked (their triage records, in pages), and a ticket it still believes open
but the store shows closed is marked closed and the lookup runs again: the store is the truth,
the index a fast way to candidates."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sevflow.domain.access import Action
from sevflow.domain.related import RelatedIncident, RelatedTicket
from sevflow.domain.triage_policy import RelatedPolicy
from sevflow.services.actors import Actor
from sevflow.services.ports import IncidentIndex, UnitOfWork

PAGE = 50_000
"""Triage records read per query while the index catches up."""
ROUNDS = 3
"""Lookups at most, each after closing tickets the last one showed open but the store has closed."""


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
            if not closed:
                break
            index.close(closed)
        shown = []
        for f in found:
            row = rows.get(f.ticket_id)
            if row is not None:
                shown.append(RelatedIncident(f, row.title, row.severity, row.status))
            else:  # closed (the index may not know yet, if it still did after the last round)
                f = replace(f, open=False, likely_shared=False)
                other = uow.tickets.get(f.ticket_id)
                shown.append(RelatedIncident(f, other.title, other.severity.value, other.status.value))
    return shown
