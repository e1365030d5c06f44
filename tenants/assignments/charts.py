"""Server-side SVG bar charts for the dashboards (no script, no CDN): horizontal bars, one per office, each with
its value written beside it and a <title>, so the chart reads without colour and the page's table holds the
same figures for screen readers."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR, GAP, LABEL, WIDTH = 22, 10, 120, 360


def bars(title: str, rows: list[tuple[str, float]], unit: str = "件", scale: float | None = None) -> SafeString:
    """``scale``: the value of a full bar (100 for a percentage); by default the largest value."""
    top = scale or max((v for _, v in rows), default=0) or 1
    height = len(rows) * (BAR + GAP) + GAP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {LABEL + WIDTH + 90} {height}" width="100%" class="kd-chart"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        w = round(WIDTH * min(value, top) / top)
        shown = f"{value:,.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"
        parts.append(f'<text x="{LABEL - 8}" y="{y + BAR - 6}" text-anchor="end" font-size="14">{escape(label)}</text>'
                     f'<rect x="{LABEL}" y="{y}" width="{w}" height="{BAR}" fill="#0031d8">'
                     f'<title>{escape(label)}: {shown}{unit}</title></rect>'
                     f'<text x="{LABEL + w + 6}" y="{y + BAR - 6}" font-size="14">{shown}{unit}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
