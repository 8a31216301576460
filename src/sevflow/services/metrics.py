"""The metrics page's figures: first-response and resolution time, the share within target,
how often tickets were escalated and how many escalations came before a target was missed — by
severity, service line or customer tier, over the last 7, 30 or 90 days. Read from the daily
sums of closed tickets' outcomes (``domain.outcomes``), so the cost follows the days asked for,
not the number of tickets."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sevflow.domain.access import Action
from sevflow.domain.errors import InvalidInput
from sevflow.domain.outcomes import DIMENSIONS, Totals
from sevflow.services.actors import Actor
from sevflow.services.ports import UnitOfWork

PERIODS = (7, 30, 90)
"""Days the page looks back over (today, UTC, included)."""


@dataclass(frozen=True)
class MetricsReport:
    now: datetime
    days: int
    by: str
    since: date
    until: date
    rows: tuple[tuple[str, Totals], ...]
    """Per value of ``by`` with closed tickets in the period, in order of the value."""
    total: Totals
    daily: tuple[tuple[date, Totals], ...]
    """Every day of the period, in order (days with no closed ticket have zero sums)."""


def metrics(uow: UnitOfWork, *, now: datetime, actor: Actor, days: int, by: str) -> MetricsReport:
    actor.require(Action.METRICS_READ)
    if days not in PERIODS:
        raise InvalidInput(f"the period is {days} days; allowed: {', '.join(str(p) for p in PERIODS)}")
    if by not in DIMENSIONS:
        raise InvalidInput.unknown("breakdown", by, DIMENSIONS)
    until = now.date()
    since = until - timedelta(days=days - 1)
    with uow:
        per_value = uow.outcomes.totals(since.isoformat(), until.isoformat(), by)
        per_day = uow.outcomes.daily(since.isoformat(), until.isoformat())
    rows = tuple(sorted(per_value.items()))
    total = sum((t for _, t in rows), Totals())
    daily = tuple(
        (d, per_day.get(d.isoformat(), Totals())) for d in (since + timedelta(days=n) for n in range(days))
    )
    return MetricsReport(now, days, by, since, until, rows, total, daily)


COLUMNS = (
    ("closed tickets", lambda t: t.tickets),
    ("mean first response (business seconds)", lambda t: _round(t.first_response_mean)),
    ("first response within target (%)", lambda t: _round(t.first_response_within, 1)),
    ("mean resolution (business seconds)", lambda t: _round(t.resolution_mean)),
    ("resolution within target (%)", lambda t: _round(t.resolution_within, 1)),
    ("escalated (%)", lambda t: _round(t.escalation_rate, 1)),
    ("escalations", lambda t: t.escalations),
    ("escalations before a missed target (%)", lambda t: _round(t.on_time_escalation_rate, 1)),
)


def _round(value: float | None, digits: int = 0) -> float | int | str:
    if value is None:
        return ""
    return round(value) if digits == 0 else round(value, digits)


def as_csv(report: MetricsReport) -> str:
    """The report's table as CSV: a row per value of the breakdown, then the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([report.by, *(name for name, _ in COLUMNS)])
    for value, totals in report.rows:
        writer.writerow([value, *(column(totals) for _, column in COLUMNS)])
    writer.writerow(["all", *(column(report.total) for _, column in COLUMNS)])
    return out.getvalue()
