"""Inline SVG charts for the report: no script, no fonts or files to fetch.

`line_chart` draws series of (x, y) points with axes, a legend and optional marked points;
`timeline` draws one bar per task. Every series is one `<path class="series">` and every
bar one `<rect class="bar">`, so a test can count what was drawn. Hovering a point or a
bar shows its `<title>`.
"""

import math
from html import escape

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22")
WIDTH, HEIGHT = 350, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 40, 36


def ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    return [round(first + i * step, 10) for i in range(int(math.ceil((high - first) / step)) + 1)]


def _label(value: float) -> str:
    if abs(value) >= 10000:
        return f"{value / 1000:g}k"
    return f"{value:g}" if abs(value) >= 0.01 or value == 0 else f"{value:.1e}"


def line_chart(title: str, series: list[dict], x_label: str, y_label: str) -> str:
    """`series`: [{"name", "points": [(x, y, hover text)], "marks": [(x, y, hover text)]}]."""
    points = [(x, y) for s in series for x, y, _ in s["points"]]
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" data-series="{len(series)}">',
             f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" class="title">{escape(title)}</text>']
    if not points:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no data yet</text></svg>')
        return "".join(parts)
    xs, ys = ticks(min(x for x, _ in points), max(x for x, _ in points)), ticks(min(y for _, y in points), max(y for _, y in points))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    sx = lambda x: LEFT + (x - xs[0]) / (xs[-1] - xs[0]) * plot_w
    sy = lambda y: TOP + plot_h - (y - ys[0]) / (ys[-1] - ys[0]) * plot_h
    for x in xs:
        parts.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{TOP}" y2="{TOP + plot_h}" class="grid"/>'
                     f'<text x="{sx(x):.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">{_label(x)}</text>')
    for y in ys:
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 4}" y="{sy(y) + 4:.1f}" text-anchor="end">{_label(y)}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" text-anchor="middle">{escape(x_label)}</text>'
                 f'<text x="14" y="{TOP + plot_h / 2}" text-anchor="middle" transform="rotate(-90 14 {TOP + plot_h / 2})">'
                 f'{escape(y_label)}</text>')
    for index, s in enumerate(series):
        color = COLORS[index % len(COLORS)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for i, (x, y, _) in enumerate(s["points"]))
        parts.append(f'<path class="series" data-name="{escape(s["name"])}" d="{path}" stroke="{color}" fill="none" stroke-width="1.8"/>')
        for x, y, text in s["points"]:
            parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{color}"><title>{escape(text)}</title></circle>')
        for x, y, text in s.get("marks", []):
            parts.append(f'<circle class="mark" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="6" fill="none" stroke="{color}" '
                         f'stroke-width="2"><title>{escape(text)}</title></circle>')
        if len(series) > 1:
            parts.append(f'<rect x="{LEFT + 100 * index}" y="24" width="10" height="10" fill="{color}"/>'
                         f'<text x="{LEFT + 14 + 100 * index}" y="33">{escape(s["name"][:14])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def timeline(bars: list[dict], colors: dict[str, str]) -> str:
    """`bars`: [{"label", "start", "end" (seconds from the run's start), "group", "text"}], one row each."""
    row, width = 14, 1060
    height = TOP + BOTTOM + row * max(len(bars), 1)
    parts = [f'<svg class="chart timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" data-series="{len(bars)}">']
    if not bars:
        parts.append(f'<text x="{width / 2}" y="{TOP}" text-anchor="middle">no task has run yet</text></svg>')
        return "".join(parts)
    xs = ticks(0, max(bar["end"] for bar in bars) / 60)
    left, plot_w = 300, width - 300 - RIGHT
    sx = lambda minutes: left + minutes / xs[-1] * plot_w
    for x in xs:
        parts.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{TOP}" y2="{height - BOTTOM}" class="grid"/>'
                     f'<text x="{sx(x):.1f}" y="{height - BOTTOM + 14}" text-anchor="middle">{_label(x)}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">minutes since the run started</text>')
    for index, bar in enumerate(bars):
        y = TOP + index * row
        start, end = sx(bar["start"] / 60), sx(bar["end"] / 60)
        parts.append(f'<text x="{left - 6}" y="{y + 10}" text-anchor="end" class="small">{escape(bar["label"][:48])}</text>'
                     f'<rect class="bar" x="{start:.1f}" y="{y + 2}" width="{max(end - start, 1.5):.1f}" height="{row - 4}" '
                     f'fill="{colors.get(bar["group"], COLORS[-2])}"><title>{escape(bar["text"])}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)
