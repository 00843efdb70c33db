"""Server-side SVG charts (no JavaScript): bars, funnel, sentiment timeline; labelled for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

SENTIMENT_VALUE = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}


def bar_chart(
    bars: Sequence[tuple[str, int]],
    width: int = 480,
    height: int = 120,
    title: str = "",
    labels: bool = False,
) -> Markup:
    """Vertical bars with a tooltip (``<title>``) per bar (and the label under each with ``labels``)."""
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
    if labels:
        every = max(1, -(-len(bars) * 36 // width))  # one label per 36 px at most
        parts.extend(
            f'<text x="{i * slot + slot / 2:.1f}" y="{height + 12}" font-size="10" text-anchor="middle" '
            f'class="axis">{escape(label)}</text>'
            for i, (label, _) in enumerate(bars)
            if i % every == 0
        )
        parts.append(
            f'<text x="{width}" y="10" font-size="10" text-anchor="end" class="axis">max {top}</text>'
        )
    else:
        first = escape(bars[0][0]) if bars else ""
        parts.append(f'<text x="0" y="{height + 12}" font-size="10">{first}</text>')
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


def funnel(steps: Sequence[tuple[str, int, str]], width: int = 560, row: int = 34) -> Markup:
    """Horizontal bars, one per step (label, count, caption such as the share of the first step)."""
    top = max((v for _, v, _ in steps), default=0) or 1
    label_w, height = 170, row * len(steps)
    parts = [
        f'<svg class="chart funnel" role="img" aria-label="{escape(" → ".join(s[0] for s in steps))}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value, caption) in enumerate(steps):
        y = i * row
        w = max(value / top * (width - label_w - 90), 2 if value else 0)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row / 2 + 5}" text-anchor="end" class="axis">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row - 10}" rx="4" '
            f'class="bar step-{i}">'
            f"<title>{escape(label)} : {value}</title></rect>"
            f'<text x="{label_w + w + 8:.1f}" y="{y + row / 2 + 5}" class="value">{escape(caption)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def grouped_bars(
    groups: Sequence[tuple[str, int, int]], legend: tuple[str, str], width: int = 560, height: int = 140
) -> Markup:
    """Two bars per group (e.g. answered and qualified per hour of day), with x labels and a legend."""
    top = max((max(a, b) for _, a, b in groups), default=0) or 1
    slot = min(width / max(len(groups), 1), 48)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(legend[0])} / {escape(legend[1])}" '
        f'viewBox="0 0 {width} {height + 34}" width="{width}" height="{height + 34}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, first, second) in enumerate(groups):
        x = i * slot
        for j, value in enumerate((first, second)):
            h = value / top * height
            parts.append(
                f'<rect x="{x + 2 + j * (slot - 4) / 2:.1f}" y="{height - h:.1f}" '
                f'width="{(slot - 6) / 2:.1f}" height="{h:.1f}" class="bar series-{j}">'
                f"<title>{escape(label)} · {escape(legend[j])} : {value}</title></rect>"
            )
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{height + 13}" text-anchor="middle" class="axis">'
                     f"{escape(label)}</text>")  # fmt: skip
    parts.append(
        f'<rect x="0" y="{height + 22}" width="10" height="10" class="bar series-0"/>'
        f'<text x="14" y="{height + 31}" class="axis">{escape(legend[0])}</text>'
        f'<rect x="150" y="{height + 22}" width="10" height="10" class="bar series-1"/>'
        f'<text x="164" y="{height + 31}" class="axis">{escape(legend[1])}</text></svg>'
    )
    return Markup("".join(parts))
