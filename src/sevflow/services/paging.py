"""What a one-click acknowledgement link shows before its button is pressed: the ticket, and
whether the page it was sent for is still open or how it ended."""

from __future__ import annotations

from dataclasses import dataclass

from sevflow.domain.events import Event, EventKind
from sevflow.domain.tickets import Ticket
from sevflow.services.ports import UnitOfWork


@dataclass(frozen=True)
class PageLinkView:
    ticket: Ticket
    page: int
    open: bool
    """The page is the ticket's open page: the button acknowledges it."""
    ended: Event | None
    """How the page ended (acknowledged by whom, or exhausted), when it is over."""


def page_for_link(uow: UnitOfWork, *, ticket_id: int, page: int) -> PageLinkView:
    """The ticket and the state of its page number ``page`` (``NotFound`` for no ticket)."""
    with uow:
        ticket = uow.tickets.get(ticket_id)
        is_open = ticket.page is not None and ticket.page.number == page
        ended = None
        if not is_open:
            over = (EventKind.PAGE_ACKNOWLEDGED, EventKind.PAGE_EXHAUSTED)
            ended = next(
                (
                    s.event
                    for s in uow.events.for_ticket(ticket_id)
                    if s.event.kind in over and s.event.data.get("page") == page
                ),
                None,
            )
    return PageLinkView(ticket, page, is_open, ended)
