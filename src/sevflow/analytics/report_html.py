"""The analysis as one self-contained HTML file: styles and SVG charts inline, nothing to fetch,
so it opens offline and can be mailed. It opens with a one-screen executive summary (volumes,
attainment, escalation rate, top drivers, proposed changes); the detail tables follow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from sevflow.analytics import charts
from sevflow.analytics.analysis import Analysis, rows

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "n/a" if v is None else f"{v:.0%}"
    env.filters["num"] = lambda v, d=1: "n/a" if v is None else f"{v:,.{d}f}"
    env.filters["minutes"] = _minutes
    return env


def _minutes(value: int | None) -> str:
    if value is None:
        return "n/a"
    if value % 1440 == 0:
        return f"{value // 1440}d"
    if value % 60 == 0:
        return f"{value // 60}h"
    return f"{value}m"


def render(a: Analysis) -> str:
    weeks = rows(a.backlog)
    labels = [w["week"][:10] for w in weeks]
    weekly = charts.lines(
        labels,
        {"opened": [w["opened"] for w in weeks], "open at week's end": [w["open_at_end"] for w in weeks]},
        title="Cases opened per week, and the backlog",
    )
    attainment = rows(a.attainment)
    attainment_chart = charts.bars(
        [f"{r['severity']} {r['tier']}" for r in attainment],
        [r["resolution_within_target"] for r in attainment],
        title="Resolved within the policy's target (business time)",
        percent=True,
    )
    summary: dict[str, Any] = {
        "cases": a.report.cases,
        "rows": a.report.rows_read,
        "rejected": len(a.report.rejected),
        "first": labels[0] if labels else None,
        "last": labels[-1] if labels else None,
        "overall": a.overall,
    }
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            a=a,
            summary=summary,
            weekly=weekly,
            attainment=attainment,
            attainment_chart=attainment_chart,
            groups={name: rows(frame) for name, frame in a.groups.items() if name != "week"},
            suggestions=rows(a.suggestions),
            time_at_team=rows(a.time_at_team.head(25)),
            report=a.report.to_dict(),
        )
    )


def write(a: Analysis, path: Path) -> None:
    """Write the report to ``path`` (through a temporary file, so a failure leaves no half file)."""
    text = render(a)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
