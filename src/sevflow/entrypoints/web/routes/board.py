"""The SLA board (the home page): open tickets by SLA state and severity, with filters, live
countdowns, and the list refreshed every few seconds (``/board/live``, polled by HTMX)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from sevflow.domain.records import BoardQuery
from sevflow.domain.severity import Severity
from sevflow.entrypoints.web.pages import pages_of
from sevflow.entrypoints.web.viewer import Viewer, ViewerOf
from sevflow.services import board as service

router = APIRouter(include_in_schema=False)

SHOWN = 50
"""Tickets listed per group at first ("show more" adds as many again)."""
MAX_SHOWN = 2000


@dataclass(frozen=True)
class Filters:
    """The board's filters as given in the query string; ``problems`` name the ones ignored."""

    service_line: str = ""
    team: str = ""
    tier: str = ""
    customer_tier: str = ""
    owner: str = ""
    severity: str = ""
    shown: int = SHOWN

    def query(self) -> BoardQuery:
        return BoardQuery(
            service_line=self.service_line or None,
            team=self.team or None,
            tier=self.tier or None,
            customer_tier=self.customer_tier or None,
            owner=self.owner or None,
        )

    def link(self, **changes: object) -> str:
        """This board's query string with ``changes``."""
        values = {**self.__dict__, **changes}
        parts = [
            f"{k}={v}" for k, v in values.items() if v not in ("", None) and not (k == "shown" and v == SHOWN)
        ]
        return "?" + "&".join(parts) if parts else "?"


def _checked(viewer: Viewer, given: Filters) -> tuple[Filters, dict[str, str]]:
    choices = service.board_choices(viewer.box.read_uow_factory())
    allowed = {
        "service_line": choices.service_lines,
        "team": choices.teams,
        "tier": choices.tiers,
        "customer_tier": choices.customer_tiers,
        "severity": tuple(s.value for s in Severity),
    }
    problems: dict[str, str] = {}
    values = dict(given.__dict__)
    for name, options in allowed.items():
        value = values[name]
        if value and value not in options:
            problems[name] = f"unknown: {value!r}; choose one of {', '.join(options)}"
            values[name] = ""
    return Filters(**values), problems


def _board_context(viewer: Viewer, filters: Filters) -> dict[str, Any]:
    box = viewer.box
    filters, problems = _checked(viewer, filters)
    board = service.sla_board(
        box.read_uow_factory(),
        now=box.clock.now(),
        actor=viewer.actor,
        query=filters.query(),
        shown=filters.shown,
        severity=Severity(filters.severity) if filters.severity else None,
    )
    return {
        "board": board,
        "filters": filters,
        "problems": problems,
        "choices": service.board_choices(box.read_uow_factory()),
        "severities": service.SEVERITIES,
        "groups": service.GROUP_ORDER,
        "SHOWN": SHOWN,
    }


Text = Annotated[str, Query(max_length=200)]
Shown = Annotated[int, Query(ge=1, le=MAX_SHOWN)]


async def filters_of(
    service_line: Text = "",
    team: Text = "",
    tier: Text = "",
    customer_tier: Text = "",
    owner: Text = "",
    severity: Text = "",
    shown: Shown = SHOWN,
) -> Filters:
    return Filters(service_line, team, tier, customer_tier, owner.strip(), severity, shown)


FiltersOf = Annotated[Filters, Depends(filters_of)]


@router.get("/")
def board_page(request: Request, viewer: ViewerOf, filters: FiltersOf) -> Response:
    context = _board_context(viewer, filters)
    return pages_of(request).render(request, "board.html", actor=viewer.actor, csrf=viewer.csrf, **context)


@router.get("/board/live")
def board_live(request: Request, viewer: ViewerOf, filters: FiltersOf) -> Response:
    """The board's counts and lists alone, for the page to swap in (no reload)."""
    context = _board_context(viewer, filters)
    return pages_of(request).render(
        request, "_board_body.html", actor=viewer.actor, csrf=viewer.csrf, **context
    )
