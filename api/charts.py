"""Small server-side SVG charts: no script, so they work in exported HTML files and print.

Each chart carries ``role="img"`` and an ``aria-label`` summary; pages always show the same
numbers in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

COLORS = {"red": "#c62828", "yellow": "#f9a825", "green": "#2e7d32", "blue": "#1565c0"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    color: str = COLORS["blue"]


def bar_chart(title: str, bars: Sequence[Bar], unit: str = "", width: int = 640) -> Markup:
    """Horizontal bars, one row per label, value printed at the end of each bar."""
    row, label_width, top = 24, 260, 28
    height = top + row * max(1, len(bars)) + 8
    peak = max((b.value for b in bars), default=0) or 1
    span = width - label_width - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}: '
        + escape("; ".join(f"{b.label} {b.value:g}{unit}" for b in bars))
        + '">',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for n, bar in enumerate(bars):
        y = top + n * row
        length = max(1.0, span * bar.value / peak) if bar.value else 0
        label = bar.label if len(bar.label) <= 38 else bar.label[:37] + "…"
        parts += [
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>',
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{bar.color}"><title>{escape(bar.label)}: {bar.value:g}{unit}</title></rect>',
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}">{bar.value:g}{unit}</text>',
        ]
    if not bars:
        parts.append(f'<text x="{label_width}" y="{top + 15}">no data</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    title: str, x_labels: Sequence[str], series: dict[str, Sequence[float]], width: int = 640
) -> Markup:
    """Lines over ordered x labels (e.g. snapshot days); series names are ``COLORS`` keys."""
    height, left, right, top, bottom = 220, 40, 20, 28, 40
    peak = max((v for values in series.values() for v in values), default=0) or 1
    count = len(x_labels)
    step = (width - left - right) / max(1, count - 1)

    def point(i: int, value: float) -> str:
        x = left + (step * i if count > 1 else (width - left - right) / 2)
        y = top + (height - top - bottom) * (1 - value / peak)
        return f"{x:.1f},{y:.1f}"

    summary = "; ".join(
        f"{name}: " + ", ".join(f"{x} {v:g}" for x, v in zip(x_labels, values, strict=True))
        for name, values in series.items()
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}">',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        'stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak:g}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>',
    ]
    for name, values in series.items():
        color = COLORS.get(name, COLORS["blue"])
        points = " ".join(point(i, v) for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
        for i, v in enumerate(values):
            x, y = point(i, v).split(",")
            parts.append(
                f'<circle cx="{x}" cy="{y}" r="3" fill="{color}">'
                f"<title>{escape(name)} {escape(x_labels[i])}: {v:g}</title></circle>"
            )
    for i, label in enumerate(x_labels):
        if count <= 8 or i % max(1, count // 8) == 0:
            x = point(i, 0).split(",")[0]
            y = height - bottom + 16
            parts.append(f'<text x="{x}" y="{y}" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
