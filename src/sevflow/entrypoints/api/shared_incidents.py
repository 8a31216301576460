"""After a ticket opens through the API: look for open near-duplicates (a likely shared
incident) once the response has gone, so the lookup never slows the create."""

from __future__ import annotations

import logging

from fastapi import BackgroundTasks

from sevflow.bootstrap import Container
from sevflow.services import related

log = logging.getLogger(__name__)


def look_for_shared_incident(background: BackgroundTasks, box: Container, ticket_id: int) -> None:
    """Queue the lookup to run after the response (``related.note_shared_incident``)."""
    background.add_task(_note, box, ticket_id)


def _note(box: Container, ticket_id: int) -> None:
    try:
        related.note_shared_incident(
            box.uow_factory(), box.read_uow_factory(), box.incidents, clock=box.clock, ticket_id=ticket_id
        )
    except Exception:  # the ticket is open and answered; this is a hint, never a failure
        log.exception("looking for incidents shared with ticket #%s failed", ticket_id)
