"""Line charts over days as inline SVG, drawn on the server: no script, no chart library.

Each chart is an `<svg role="img">` with a <title> and a <desc> that says what it shows in words (the
totals of each line), axes with labels, and a legend; the page puts the same numbers in a table beside it
for anyone who cannot see the lines. Colours come from presentation attributes, which a strict Content
Security Policy allows (inline `style` is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from markupsafe import Markup

COLORS = ("#1f5fbf", "#1e6b35", "#a4161a", "#8a5a00", "#6b4f9e", "#0f7b8a")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 56


@dataclass(frozen=True)
class Line:
    label: str
    values: list[int]  # one per day, in the order of the chart's days


def fill_days(days: list[str]) -> list[str]:
    """Every day from the first to the last (a day without events is a zero, not a gap)."""
    if not days:
        return []
    first, last = date.fromisoformat(min(days)), date.fromisoformat(max(days))
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def nice_max(value: int) -> int:
    """A round top for the y axis: 1, 2, 5, 10, 20, 50... the first at least `value`."""
    scale = 1
    while True:
        for multiple in (1, 2, 5):
            if multiple * scale >= value:
                return multiple * scale
        scale *= 10


def ticks(top: int) -> list[int]:
    """Four or five round steps up to `top`."""
    step = 1 if top <= 5 else top // 4 if str(top)[0] == "2" else top // 5
    return list(range(0, top + 1, step))


def line_chart(chart_id: str, title: str, days: list[str], lines: list[Line]) -> Markup:
    """An accessible SVG line chart; `days` are ISO dates, each line has one value per day."""
    top = nice_max(max((max(line.values, default=0) for line in lines), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max(1, len(days) - 1)

    def x(i: int) -> float:
        return LEFT + (plot_w * i / span if len(days) > 1 else plot_w / 2)

    def y(v: int) -> float:
        return TOP + plot_h - plot_h * v / top

    totals = ", ".join(f"{line.label} {sum(line.values):,}" for line in lines)
    period = f"from {days[0]} to {days[-1]}" if days else "with no data yet"
    desc = f"Daily counts {period}. Totals: {totals}." if days else "No data yet."
    parts = [f'<svg class="chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>']
    for tick in ticks(top):  # horizontal grid and y labels
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#d5dae0" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#59616b">{tick:,}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#59616b"/>')
    label_every = max(1, len(days) // 8)
    for i, day in enumerate(days):  # x labels, thinned to about eight
        if i % label_every == 0 or i == len(days) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" font-size="11" '
                         f'fill="#59616b">{escape(day[5:])}</text>')
    for n, line in enumerate(lines):
        color = COLORS[n % len(COLORS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(line.values))
        if len(line.values) > 1:
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        for i, v in enumerate(line.values):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}">'
                         f'<title>{escape(line.label)} on {escape(days[i])}: {v:,}</title></circle>')
        legend_x = LEFT + (n % 4) * 165
        legend_y = HEIGHT - 22 + (n // 4) * 14
        parts.append(f'<rect x="{legend_x}" y="{legend_y - 9}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{legend_y}" font-size="12" fill="#1b1f24">'
                     f'{escape(line.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
