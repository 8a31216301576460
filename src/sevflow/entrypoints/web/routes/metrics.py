"""The metrics page: outcomes of tickets closed in the last 7, 30 or 90 days, by severity,
service line or customer tier, as charts and as a table (``/metrics.csv`` downloads it)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from sevflow.domain.outcomes import DIMENSIONS
from sevflow.entrypoints.web.pages import pages_of
from sevflow.entrypoints.web.viewer import Viewer, ViewerOf
from sevflow.services import metrics as service

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS, DEFAULT_BY = 30, "severity"
Days = Annotated[str, Query(max_length=10)]
By = Annotated[str, Query(max_length=50)]


def _checked(days: str, by: str) -> tuple[int, str, dict[str, str]]:
    problems: dict[str, str] = {}
    periods = ", ".join(str(p) for p in service.PERIODS)
    chosen = int(days) if days.isdigit() and int(days) in service.PERIODS else None
    if chosen is None:
        problems["days"] = f"{days!r} is not a period; choose {periods} days"
    if by not in DIMENSIONS:
        problems["by"] = f"{by!r} is not a breakdown; choose one of {', '.join(DIMENSIONS)}"
    return chosen or DEFAULT_DAYS, by if by in DIMENSIONS else DEFAULT_BY, problems


def _report(viewer: Viewer, days: int, by: str) -> service.MetricsReport:
    box = viewer.box
    return service.metrics(box.read_uow_factory(), now=box.clock.now(), actor=viewer.actor, days=days, by=by)


def chart_data(report: service.MetricsReport) -> dict[str, Any]:
    """What the page's charts draw (``static/sevflow.js``)."""
    return {
        "values": [value for value, _ in report.rows],
        "first_response_within": [t.first_response_within for _, t in report.rows],
        "resolution_within": [t.resolution_within for _, t in report.rows],
        "days": [d.isoformat() for d, _ in report.daily],
        "closed": [t.tickets for _, t in report.daily],
        "daily_resolution_within": [t.resolution_within for _, t in report.daily],
    }


@router.get("/metrics")
def metrics_page(
    request: Request, viewer: ViewerOf, days: Days = str(DEFAULT_DAYS), by: By = DEFAULT_BY
) -> Response:
    chosen_days, chosen_by, problems = _checked(days, by)
    report = _report(viewer, chosen_days, chosen_by)
    return pages_of(request).render(
        request,
        "metrics.html",
        actor=viewer.actor,
        csrf=viewer.csrf,
        report=report,
        problems=problems,
        periods=service.PERIODS,
        dimensions=DIMENSIONS,
        charts=json.dumps(chart_data(report)),
        status=422 if problems else 200,
    )


@router.get("/metrics.csv")
def metrics_csv(viewer: ViewerOf, days: Days = str(DEFAULT_DAYS), by: By = DEFAULT_BY) -> Response:
    chosen_days, chosen_by, problems = _checked(days, by)
    if problems:
        return Response("; ".join(problems.values()) + "\n", status_code=422, media_type="text/plain")
    report = _report(viewer, chosen_days, chosen_by)
    name = f"sevflow-metrics-{report.until.isoformat()}-{chosen_days}d-by-{chosen_by}.csv"
    return Response(
        service.as_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
