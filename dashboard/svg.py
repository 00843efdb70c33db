"""Small server-side SVG charts (no JavaScript): a bar chart and a sentiment timeline."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

SENTIMENT_VALUE = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}


def bar_chart(
    bars: Sequence[tuple[str, int]], width: int = 480, height: int = 120, title: str = ""
) -> Markup:
    """Vertical bars with a tooltip (``<title>``) per bar; labels are escaped."""
    top = max((v for _, v in bars), default=0) or 1
    slot = width / max(len(bars), 1)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height + 14}" '
        f'width="{width}" height="{height + 14}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(bars):
        h = value / top * height
        x = i * slot + 1
        parts.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{max(slot - 2, 1):.1f}" height="{h:.1f}" '
            'fill="#3b6ea8">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
    parts.append(f'<text x="0" y="{height + 12}" font-size="10">{escape(bars[0][0]) if bars else ""}</text>')
    parts.append(f'<text x="{width}" y="{height + 12}" font-size="10" text-anchor="end">{top}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sentiment_timeline(points: Sequence[tuple[int, str]], width: int = 480, height: int = 80) -> Markup:
    """Polyline of caller sentiment (-1 negative .. +1 positive) against time in the call (ms)."""
    known = [(t, SENTIMENT_VALUE[s]) for t, s in points if s in SENTIMENT_VALUE]
    parts = [
        f'<svg class="chart" role="img" aria-label="sentiment" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="0" y1="{height / 2}" x2="{width}" y2="{height / 2}" stroke="#bbb" stroke-dasharray="4"/>',
    ]
    if known:
        end = max(t for t, _ in known) or 1
        coords = [(t / end * (width - 8) + 4, (1 - v) / 2 * (height - 8) + 4) for t, v in known]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#2a7" stroke-width="2"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#2a7"/>' for x, y in coords)
    parts.append("</svg>")
    return Markup("".join(parts))
