"""Server-rendered SVG charts for the dashboard: items out through the day, the last closing sweeps.

The data comes from the ledger and the sweep records (read only); the SVG is built here with every
text escaped, so a template may include it as it is. Each chart is also given as plain data (the
JSON twin's `chart` values), so a script can read what the picture shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from custody.models.core import to_text
from custody.reports.out import outstanding_where
from custody.store.core import Store

WIDTH, HEIGHT = 640, 200
PAD_L, PAD_R, PAD_T, PAD_B = 36, 12, 12, 28
CHANGES = {"checked_out": 1, "returned": -1}  # what moves the number of items out


@dataclass(frozen=True)
class Point:
    at: datetime
    out: int


def out_through_day(store: Store, tz: ZoneInfo, now: datetime) -> list[Point]:
    """How many items were out from the day's start (office time) to now: one point per change,
    counted back from what is out now through today's check-outs and returns."""
    m = store.m
    start = datetime.combine(now.astimezone(tz).date(), time(0), tz)
    current = m.Item.select().where(outstanding_where(m)).count()
    E = m.Event  # noqa: N806 - the store's table
    changes = list(
        E.select(E.at, E.kind)
        .where(E.kind.in_(tuple(CHANGES)) & (E.at >= to_text(start)) & (E.at <= to_text(now)))
        .order_by(E.seq.desc())
        .tuples()
    )
    points = [Point(now, current)]
    level = current
    for at, kind in changes:
        points.append(Point(datetime.fromisoformat(at), level))
        level = max(0, level - CHANGES[kind])
        points.append(Point(datetime.fromisoformat(at) - timedelta(microseconds=1), level))
    points.append(Point(start, level))
    return sorted(points, key=lambda p: p.at)


def last_sweeps(store: Store, n: int = 30) -> list[tuple[str, int, int]]:
    """The last `n` recorded closing sweeps, oldest first: (day, items outstanding, safes unclosed)."""
    m = store.m
    S = m.SweepRecord  # noqa: N806
    rows = list(
        S.select(S.day, S.outstanding, S.unclosed)
        .where(S.kind.in_(("closing", "grace", "manual")))
        .order_by(S.at.desc(), S.id.desc())
        .limit(n)
        .tuples()
    )
    return [(str(day), out, unclosed) for day, out, unclosed in reversed(rows)]


def _frame(label: str, ymax: int) -> list[str]:
    h = HEIGHT - PAD_T - PAD_B
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    steps = min(ymax, 4) or 1
    for i in range(steps + 1):
        value = round(ymax * i / steps)
        y = PAD_T + h - (h * value / ymax if ymax else 0)
        parts.append(f'<line class="grid" x1="{PAD_L}" y1="{y:.1f}" x2="{WIDTH - PAD_R}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
    parts.append(f'<line class="axis" x1="{PAD_L}" y1="{PAD_T + h}" x2="{WIDTH - PAD_R}" y2="{PAD_T + h}"/>')
    return parts


def day_chart(points: list[Point], tz: ZoneInfo, label: str) -> str:
    """A step line of the items out, from midnight to now."""
    if not points:
        return ""
    ymax = max(1, max(p.out for p in points))
    start, end = points[0].at, points[-1].at
    span = max((end - start).total_seconds(), 1.0)
    w, h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def x(at: datetime) -> float:
        return PAD_L + w * (at - start).total_seconds() / span

    def y(value: int) -> float:
        return PAD_T + h - h * value / ymax

    parts = _frame(label, ymax)
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(p.at):.1f},{y(p.out):.1f}" for i, p in enumerate(points))
    parts.append(f'<path class="line" d="{path}"/>')
    for hour in range(0, 24, 3):
        at = datetime.combine(start.astimezone(tz).date(), time(hour), tz)
        if start <= at <= end and x(at) < WIDTH - PAD_R - 40:  # clear of the "now" label
            parts.append(f'<text x="{x(at):.1f}" y="{HEIGHT - 8}" text-anchor="middle">{hour:02d}:00</text>')
    parts.append(
        f'<text x="{WIDTH - PAD_R}" y="{HEIGHT - 8}" text-anchor="end">'
        f"{escape(end.astimezone(tz).strftime('%H:%M'))}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def sweeps_chart(rows: list[tuple[str, int, int]], label: str) -> str:
    """A bar per recorded sweep: red where something was still out or a safe unclosed."""
    ymax = max([1, *(out for _, out, _ in rows)])
    w, h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    parts = _frame(label, ymax)
    slot = w / max(len(rows), 1)
    for i, (day, out, unclosed) in enumerate(rows):
        bar_h = max(h * out / ymax, 2.0)
        cls = "bar bad" if out or unclosed else "bar ok"
        x0 = PAD_L + i * slot + slot * 0.15
        parts.append(
            f'<rect class="{cls}" x="{x0:.1f}" y="{PAD_T + h - bar_h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{bar_h:.1f}"><title>{escape(day)}: {out}</title></rect>'
        )
        if i == 0 or i == len(rows) - 1 or len(rows) <= 8:
            parts.append(
                f'<text x="{x0 + slot * 0.35:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                f"{escape(day[5:])}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def points_json(points: list[Point], tz: ZoneInfo) -> list[dict[str, Any]]:
    return [{"at": p.at.astimezone(tz).isoformat(timespec="seconds"), "out": p.out} for p in points]
