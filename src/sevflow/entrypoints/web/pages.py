"""Rendering pages: the Jinja2 environment (templates and static files ship in the package) and
``Pages.render``, which gives every template the signed-in actor, the CSRF token for its forms
and the clock's ``now``.

Times are shown in UTC with a ``<time datetime=...>`` element; ``static/sevflow.js`` turns the
deadlines into live countdowns in the browser."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from sevflow.domain.access import Action
from sevflow.domain.sla_marks import BoardGroup
from sevflow.services.actors import Actor

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

GROUP_LABELS = {
    BoardGroup.BREACHED: "Breached",
    BoardGroup.AT_RISK: "At risk",
    BoardGroup.ON_TRACK: "On track",
    BoardGroup.PAUSED: "Paused",
}


def duration(seconds: float | None) -> str:
    """``1d 2h``, ``2h 5m``, ``5m 3s``, ``42s``; negative as ``-5m 3s``; ``None`` as a dash."""
    if seconds is None:
        return "–"
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes}m"
    if minutes:
        return f"{sign}{minutes}m {secs}s"
    return f"{sign}{secs}s"


def instant(at: datetime | None) -> str:
    """An instant as ``2026-03-02 10:15 UTC`` (seconds shown only when not zero)."""
    if at is None:
        return "–"
    text = at.strftime("%Y-%m-%d %H:%M:%S" if at.second else "%Y-%m-%d %H:%M")
    return f"{text} UTC"


def iso(at: datetime | None) -> str:
    return "" if at is None else at.isoformat()


def label(value: object) -> str:
    """``waiting_on_customer`` -> ``waiting on customer``."""
    return str(getattr(value, "value", value)).replace("_", " ")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(("html",)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(duration=duration, instant=instant, iso=iso, label=label)
    env.globals.update(GROUP_LABELS=GROUP_LABELS, Action=Action)
    return env


class Pages:
    def __init__(self) -> None:
        self.env = environment()

    def render(
        self,
        request: Request,
        template: str,
        /,
        *,
        actor: Actor | None,
        csrf: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        html = self.env.get_template(template).render(
            request=request, actor=actor, csrf=csrf, path=request.url.path, **context
        )
        return HTMLResponse(html, status_code=status, headers=headers)


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages
