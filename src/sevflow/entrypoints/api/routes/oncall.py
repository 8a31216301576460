"""Who is on call for a team at an instant, and the team's coming handoffs, from the rotations of
the active policy. Part of the directory: every staff role may read them, customers may not."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from sevflow.domain.instants import parse_instant
from sevflow.domain.oncall import Override
from sevflow.entrypoints.api.auth import Box, CallerOf
from sevflow.services import oncall
from sevflow.services.oncall import MAX_DAYS

router = APIRouter(prefix="/api/oncall", tags=["directory"])

Team = Annotated[str, Path(min_length=1, max_length=200, description="A team with an on-call rotation.")]
INSTANT = "ISO 8601 with an offset, e.g. 2026-03-27T16:30:00+01:00 or 2026-03-27T15:30:00Z"
# an unencoded "+" in a query string arrives as a space: "...T09:00:00 01:00" meant "+01:00"
_SPACED_OFFSET = re.compile(r"(.*T[0-9:.]+) ([0-9]{2}(?::?[0-9]{2})?)")


class OverrideOut(BaseModel):
    who: str
    reason: str
    start_at: datetime
    end_at: datetime
    replaces: str | None


class LayerShiftOut(BaseModel):
    layer: str
    person: str | None
    since_at: datetime | None
    until_at: datetime | None
    override: OverrideOut | None


class OnCallOut(BaseModel):
    team: str
    at: datetime
    layers: list[LayerShiftOut]
    primary: str | None
    secondary: str | None


class HandoffOut(BaseModel):
    at: datetime
    layer: str
    person: str | None
    previous: str | None


class HandoffsOut(BaseModel):
    team: str
    zone: str
    start_at: datetime
    end_at: datetime
    handoffs: list[HandoffOut]


def _instant(text: str | None, name: str) -> datetime | None:
    """The instant ``text`` names; ``InvalidInput`` (422) naming the value and the format allowed
    if it is not one, or has no offset."""
    if text is None:
        return None
    spaced = _SPACED_OFFSET.fullmatch(text.strip())
    return parse_instant(f"{spaced[1]}+{spaced[2]}" if spaced else text, name)


def _override(o: Override | None) -> dict[str, Any] | None:
    if o is None:
        return None
    return {
        "who": o.who,
        "reason": o.reason,
        "start_at": o.start_at,
        "end_at": o.end_at,
        "replaces": o.replaces,
    }


@router.get("/{team}", response_model=OnCallOut)
def who(
    team: Team,
    caller: CallerOf,
    box: Box,
    at: Annotated[str | None, Query(max_length=100, description=f"{INSTANT}. Default: now.")] = None,
) -> dict[str, Any]:
    """Who is on call for ``team`` at ``at``, layer by layer (the first is the primary, the second
    the secondary): the person, since and until when they stay on call (``null``: no change of
    person before / after), and the override that put them there, if any."""
    actor = caller.actor()
    found = oncall.who_is_on_call(
        box.read_uow_factory(), clock=box.clock, actor=actor, team=team, at=_instant(at, "at")
    )
    return {
        "team": found.team,
        "at": found.at,
        "layers": [
            {
                "layer": s.layer,
                "person": s.person,
                "since_at": s.since_at,
                "until_at": s.until_at,
                "override": _override(s.override),
            }
            for s in found.layers
        ],
        "primary": found.primary,
        "secondary": found.secondary,
    }


@router.get("/{team}/handoffs", response_model=HandoffsOut)
def handoffs(
    team: Team,
    caller: CallerOf,
    box: Box,
    start: Annotated[
        str | None, Query(alias="from", max_length=100, description=f"{INSTANT}. Default: now.")
    ] = None,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="Calendar days in the team's time zone.")] = 7,
) -> dict[str, Any]:
    """Every change of person in ``team``'s layers from ``from`` for ``days`` days (up to the same
    wall time in the team's zone ``days`` later), in time order: at which instant who takes over
    which layer from whom (handoffs of the rotation and the starts and ends of overrides)."""
    actor = caller.actor()
    found = oncall.handoffs(
        box.read_uow_factory(),
        clock=box.clock,
        actor=actor,
        team=team,
        start_at=_instant(start, "from"),
        days=days,
    )
    return {
        "team": found.team,
        "zone": found.zone,
        "start_at": found.start_at,
        "end_at": found.end_at,
        "handoffs": [
            {"at": h.at, "layer": h.layer, "person": h.person, "previous": h.previous} for h in found.items
        ],
    }
