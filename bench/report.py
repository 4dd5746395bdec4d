"""Shared by every benchmark: the machine it ran on, its section of docs/benchmarks.md, and SVG plots of
how time grows with size."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGE = DOCS / "benchmarks.md"
PLOTS = DOCS / "benchmarks"
HEADER = """# Benchmarks

Every figure the issues ask for, measured on the machine named in each section. Run them all with
`make bench` (or one with `.venv/bin/python -m bench.bench_NAME`); each benchmark rewrites only its own
section of this page and its plots under `docs/benchmarks/`.
"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}, {platform.system()}"


def write_section(title: str, body: str) -> None:
    """Replace the `## title` section of docs/benchmarks.md (or append it), stamped with date and machine."""
    DOCS.mkdir(exist_ok=True)
    text = PAGE.read_text() if PAGE.exists() else HEADER
    stamp = f"_Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}._"
    section = f"## {title}\n\n{stamp}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    PAGE.write_text(text)


def plot(name: str, title: str, x_label: str, y_label: str, series: dict[str, list[tuple[float, float]]],
         log_x: bool = True) -> str:
    """A small line chart as SVG (no plotting library needed); returns the markdown image link."""
    import math

    PLOTS.mkdir(parents=True, exist_ok=True)
    width, height, left, bottom, top, right = 560, 300, 70, 45, 30, 20
    points = [p for values in series.values() for p in values]
    xs = [math.log10(x) if log_x else x for x, _ in points]
    x_min, x_max = min(xs), max(xs)
    y_max = max(y for _, y in points) * 1.15 or 1.0
    span_x = (x_max - x_min) or 1.0

    def sx(x: float) -> float:
        value = math.log10(x) if log_x else x
        return left + (value - x_min) / span_x * (width - left - right)

    def sy(y: float) -> float:
        return height - bottom - y / y_max * (height - bottom - top)

    colors = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#333"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#333"/>',
             f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle">{x_label}</text>',
             f'<text x="14" y="{height / 2}" transform="rotate(-90 14 {height / 2})" text-anchor="middle">'
             f'{y_label}</text>']
    for tick in range(5):
        y = y_max * tick / 4
        parts.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.3g}</text>')
    for x in sorted({x for x, _ in points}):
        parts.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{x:,.0f}</text>')
    for index, (label, values) in enumerate(series.items()):
        color = colors[index % len(colors)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in sorted(values))
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in values:
            parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}"/>')
        parts.append(f'<text x="{width - right - 150}" y="{top + 14 * (index + 1)}" fill="{color}">{label}</text>')
    parts.append("</svg>")
    (PLOTS / f"{name}.svg").write_text("\n".join(parts))
    return f"![{title}](benchmarks/{name}.svg)"
