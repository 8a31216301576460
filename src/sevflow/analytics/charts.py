"""Small SVG charts for the offline report: no script, no download, just markup."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 640, 220, 36


def lines(labels: Sequence[str], series: dict[str, Sequence[float]], *, title: str) -> str:
    """A line chart of one or more series over ``labels`` (shared x axis)."""
    count = len(labels)
    top = max((v for values in series.values() for v in values), default=0) or 1
    colours = ("#2458a6", "#c4402d", "#2e8540", "#8a5a00")

    def x(i: int) -> float:
        return PAD + (WIDTH - 2 * PAD) * (i / max(1, count - 1))

    def y(v: float) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * (v / top)

    parts = [_frame(title, top)]
    for n, (name, values) in enumerate(series.items()):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        colour = colours[n % len(colours)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{PAD - 8 + 14 * n}" text-anchor="end" fill="{colour}" font-size="12">{escape(name)}</text>'
        )
    if count:
        parts.append(f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{escape(labels[0])}</text>')
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end" font-size="11">{escape(labels[-1])}</text>'
        )
    return _svg(title, parts)


def bars(labels: Sequence[str], values: Sequence[float | None], *, title: str, percent: bool = False) -> str:
    """A bar chart (``None``: no bar, labelled n/a); ``percent``: values are shares of 1."""
    top = 1.0 if percent else (max((v for v in values if v is not None), default=0) or 1)
    slot = (WIDTH - 2 * PAD) / max(1, len(labels))
    parts = [_frame(title, top * (100 if percent else 1))]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        left = PAD + i * slot + slot * 0.15
        shown = "n/a" if value is None else (f"{value:.0%}" if percent else f"{value:,.1f}")
        if value is not None:
            h = (HEIGHT - 2 * PAD) * (value / top)
            parts.append(
                f'<rect x="{left:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="#2458a6"/>'
            )
        parts.append(
            f'<text x="{left + slot * 0.35:.1f}" y="{HEIGHT - PAD - 4 - ((HEIGHT - 2 * PAD) * ((value or 0) / top)):.1f}" text-anchor="middle" font-size="11">{shown}</text>'
        )
        parts.append(
            f'<text x="{left + slot * 0.35:.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="11">{escape(label)}</text>'
        )
    return _svg(title, parts)


def _frame(title: str, top: float) -> str:
    return (
        f'<text x="{PAD}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>'
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end" font-size="10">{top:,.0f}</text>'
    )


def _svg(title: str, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}">' + "".join(parts) + "</svg>"
    )
