"""Charts as inline SVG, drawn on the server: no charting library, no CDN. Pure.

Every text that reaches the markup (labels are users' words) is escaped here; the
templates insert the result as it is.
"""

from collections.abc import Sequence
from html import escape

WIDTH = 640
ROW = 26
LEFT = 150  # room for the row labels
RIGHT = 60  # room for the values


def _number(value: float, unit: str) -> str:
    text = f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"
    return f"{text}{unit}"


def bars(
    rows: Sequence[tuple[str, float | None]],
    *,
    maximum: float,
    title: str,
    unit: str = "",
    threshold: float | None = None,
    threshold_label: str = "",
) -> str:
    """Horizontal bars, one a row, on a scale from 0 to ``maximum``; a dashed line at
    ``threshold``, and bars below it in the warning colour. A None value is drawn as "–"."""
    height = ROW * len(rows) + 30
    span = WIDTH - LEFT - RIGHT
    scale = span / maximum if maximum else 0
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(rows):
        y = 10 + index * ROW
        parts.append(
            f'<text class="chart-label" x="{LEFT - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        if value is None:
            parts.append(f'<text class="chart-value" x="{LEFT}" y="{y + 15}">–</text>')
            continue
        below = threshold is not None and value < threshold
        width = max(1.0, value * scale)
        parts.append(
            f'<rect class="{"bar low" if below else "bar"}" x="{LEFT}" y="{y + 3}" '
            f'width="{width:.1f}" height="{ROW - 8}" rx="2"/>'
        )
        parts.append(
            f'<text class="chart-value" x="{LEFT + width + 6:.1f}" y="{y + 15}">'
            f"{escape(_number(value, unit))}</text>"
        )
    if threshold is not None:
        x = LEFT + threshold * scale
        parts.append(
            f'<line class="threshold" x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 18}"/>'
        )
        parts.append(
            f'<text class="chart-note" x="{x:.1f}" y="{height - 4}" text-anchor="middle">'
            f"{escape(threshold_label or _number(threshold, unit))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def columns(points: Sequence[tuple[str, int]], *, title: str) -> str:
    """Vertical columns over time (one a day), the tallest reaching the top; the first and
    last day and the tallest column are labelled."""
    height, base, top = 180, 150, 20
    count = max(1, len(points))
    step = (WIDTH - 40) / count
    peak = max((value for _, value in points), default=0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="20" y1="{base}" x2="{WIDTH - 20}" y2="{base}"/>',
    ]
    for index, (day, value) in enumerate(points):
        x = 20 + index * step
        tall = (base - top) * value / peak if peak else 0
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{base - tall:.1f}" '
            f'width="{max(1.0, step - 2):.1f}" height="{tall:.1f}">'
            f"<title>{escape(day)}: {value}</title></rect>"
        )
        if value == peak and peak:
            parts.append(
                f'<text class="chart-value" x="{x + step / 2:.1f}" y="{base - tall - 4:.1f}" '
                f'text-anchor="middle">{value}</text>'
            )
    if points:
        parts.append(
            f'<text class="chart-note" x="20" y="{height - 8}">{escape(points[0][0])}</text>'
        )
        parts.append(
            f'<text class="chart-note" x="{WIDTH - 20}" y="{height - 8}" text-anchor="end">'
            f"{escape(points[-1][0])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
