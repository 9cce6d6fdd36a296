"""Chart geometry for "my charts": pure functions from dated values to SVG coordinates.

Templates draw what these return as inline SVG (no script, no style attributes: the CSP
forbids both), and show the same values in a table for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH = 640
LINE_HEIGHT = 180
MARGIN_LEFT = 120
MARGIN_RIGHT = 12
MARGIN_TOP = 10
MARGIN_BOTTOM = 26
ROW_HEIGHT = 22
ROW_GAP = 6
SERIES_CLASSES = 6


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    day: date
    value: float


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    css_class: str
    points: tuple[Point, ...]
    path: str
    """An SVG path ``d`` joining the points in date order; empty for a single point."""


@dataclass(frozen=True, slots=True)
class BandArea:
    """A horizontal stripe for a score band (e.g. "moderate depression")."""

    label: str
    css_class: str
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class LineChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[Series, ...]
    bands: tuple[BandArea, ...]


@dataclass(frozen=True, slots=True)
class TimelineRow:
    label: str
    start: date
    end: date | None
    """None while still ongoing."""


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    css_class: str
    x: float
    y: float
    width: float
    height: float
    label_y: float
    start: date
    end: date | None


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_bottom: float
    x_ticks: tuple[Tick, ...]
    bars: tuple[Bar, ...]


def time_scale(start: date, end: date, left: float, right: float) -> Callable[[date], float]:
    """Map days in [start, end] linearly onto [left, right]."""
    offset = value_scale(0, max((end - start).days, 1), left, right)

    def x(day: date) -> float:
        return offset((day - start).days)

    return x


def value_scale(low: float, high: float, bottom: float, top: float) -> Callable[[float], float]:
    """Map values in [low, high] linearly onto [bottom, top], rounded to tenths: on a y axis
    `bottom` is the larger coordinate (SVG y grows downwards); on an x axis pass left, right."""
    span = (high - low) or 1

    def y(value: float) -> float:
        return round(bottom - (value - low) / span * (bottom - top), 1)

    return y


def date_ticks(start: date, end: date, most: int = 6) -> list[date]:
    """At most ``most`` tick dates: month starts over long ranges, evenly spaced days otherwise."""
    if end <= start:
        return [start]
    days = (end - start).days
    if days > 62:
        months = []
        cursor = date(start.year, start.month, 1)
        while cursor <= end:
            if cursor >= start:
                months.append(cursor)
            cursor = date(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1)
        step = -(-len(months) // most)
        return months[::step]
    step_days = max(1, -(-days // (most - 1)))
    return [start + timedelta(days=offset) for offset in range(0, days + 1, step_days)]


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[date, float]]]],
    *,
    start: date,
    end: date,
    low: float,
    high: float,
    y_labels: Mapping[float, str] | None = None,
    bands: Sequence[tuple[str, float, float]] = (),
    height: int = LINE_HEIGHT,
) -> LineChart:
    """A line per named series of (day, value), over [start, end] and values [low, high].

    ``y_labels`` names the y ticks (e.g. 0 → "None" … 3 → "Severe"); without it the
    ticks are the bounds. ``bands`` are (label, low, high) stripes drawn behind the lines.
    Points outside the date range are left out.
    """
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, height - MARGIN_BOTTOM
    x = time_scale(start, end, left, right)
    y = value_scale(low, high, bottom, top)
    drawn = []
    for index, (name, values) in enumerate(series):
        points = tuple(
            Point(x(day), y(value), day, value)
            for day, value in sorted(values)
            if start <= day <= end
        )
        path = (
            "M" + " L".join(f"{p.x} {p.y}" for p in points) if len(points) > 1 else ""
        )
        drawn.append(Series(name, f"series-{index % SERIES_CLASSES}", points, path))
    labels = y_labels or {low: _number(low), high: _number(high)}
    y_ticks = tuple(Tick(y(value), label) for value, label in sorted(labels.items()))
    band_areas = tuple(
        BandArea(label, f"band-{index % 2}", y(band_high), round(y(band_low) - y(band_high), 1))
        for index, (label, band_low, band_high) in enumerate(bands)
    )
    return LineChart(
        WIDTH, height, left, right, top, bottom, _x_ticks(start, end, x), y_ticks,
        tuple(drawn), band_areas,
    )


def timeline(rows: Sequence[TimelineRow], *, start: date, end: date) -> Timeline:
    """A horizontal bar per row, clipped to [start, end]; ongoing rows run to ``end``.

    Rows entirely outside the range are left out.
    """
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    x = time_scale(start, end, left, right)
    bars: list[Bar] = []
    for row in rows:
        row_end = row.end or end
        if row_end < start or row.start > end:
            continue
        top = MARGIN_TOP + len(bars) * (ROW_HEIGHT + ROW_GAP)
        x0, x1 = x(max(row.start, start)), x(min(row_end, end))
        bars.append(
            Bar(
                row.label, f"series-{len(bars) % SERIES_CLASSES}", x0, top,
                max(round(x1 - x0, 1), 2.0), ROW_HEIGHT, top + ROW_HEIGHT * 0.7,
                row.start, row.end,
            )
        )
    bottom = MARGIN_TOP + max(len(bars), 1) * (ROW_HEIGHT + ROW_GAP)
    return Timeline(
        WIDTH, bottom + MARGIN_BOTTOM, left, right, bottom, _x_ticks(start, end, x), tuple(bars)
    )


def _x_ticks(start: date, end: date, x: Callable[[date], float]) -> tuple[Tick, ...]:
    long_range = (end - start).days > 62
    return tuple(
        Tick(x(day), day.strftime("%b %Y") if long_range else day.strftime("%d %b"))
        for day in date_ticks(start, end)
    )


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


# Bar charts (treatment reports) ----------------------------------------------------------------

BAR_WIDTH = 420
BAR_LABEL_HEIGHT = 16
BAR_HEIGHT = 16
BAR_GAP = 10
BAR_TEXT_ROOM = 120
"""Room kept right of the longest bar for its count and percentage."""


@dataclass(frozen=True, slots=True)
class HorizontalBar:
    """One answer: its label above, its bar below; a hidden count has no bar at all."""

    label: str
    count: int | None
    """None when the count is hidden (masked)."""
    percent: int | None
    """Share of the distribution's total, only when no count of it is hidden."""
    label_y: float
    y: float
    width: float
    text_x: float
    text_y: float


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    plot_right: float
    bars: tuple[HorizontalBar, ...]
    by_share: bool
    """True: bar lengths are shares of the total (0-100 %); False: of the largest count."""


def bar_chart(rows: Sequence[tuple[str, int | None]], *, shares: bool = True) -> BarChart:
    """Horizontal bars for (label, count) rows where a hidden count is None.

    `shares` is False for distributions whose counts do not add up to one whole (a patient
    may report several side effects; a list cut to its first ten): no percentages then.

    With no hidden count, each bar is its share of the total and carries its percentage.
    With a hidden count, the total would give it away (total minus the shown counts), so
    bars are drawn against the largest shown count and no percentage is written; a hidden
    count is never drawn as a bar, whatever its length might be.
    """
    plot_right = BAR_WIDTH - BAR_TEXT_ROOM
    shown = [count for _label, count in rows if count is not None]
    by_share = shares and len(shown) == len(rows)
    scale = (sum(shown) if by_share else max(shown, default=0)) or 1
    total = sum(shown)
    bars = []
    for index, (label, count) in enumerate(rows):
        top = MARGIN_TOP + index * (BAR_LABEL_HEIGHT + BAR_HEIGHT + BAR_GAP)
        bar_y = top + BAR_LABEL_HEIGHT
        width = 0.0 if count is None else round(count / scale * plot_right, 1)
        percent = round(100 * count / total) if by_share and total and count is not None else None
        bars.append(HorizontalBar(label, count, percent, top + BAR_LABEL_HEIGHT - 4, bar_y,
                                  width, width + 6 if count is not None else 0,
                                  bar_y + BAR_HEIGHT * 0.75))
    height = MARGIN_TOP + len(rows) * (BAR_LABEL_HEIGHT + BAR_HEIGHT + BAR_GAP) + 4
    return BarChart(BAR_WIDTH, height, plot_right, tuple(bars), by_share)


# One combined timeline ("my charts, together") ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Panel:
    """A line chart or the treatments timeline, placed at `offset` in the combined drawing."""

    title: str
    kind: str
    geometry: LineChart | Timeline
    offset: float


@dataclass(frozen=True, slots=True)
class Marker:
    """A treatment change, numbered, drawn as a line through every panel."""

    number: int
    x: float
    day: date
    label: str


@dataclass(frozen=True, slots=True)
class Combined:
    width: int
    height: int
    panels: tuple[Panel, ...]
    markers: tuple[Marker, ...]
    plot_top: float


PANEL_TITLE = 18


def combined(panels: Sequence[tuple[str, str, LineChart | Timeline]],
             changes: Sequence[tuple[date, str]], *, start: date, end: date) -> Combined:
    """Stack the charts of one period on a shared time axis (they are all drawn with the
    same scale), the treatments last, so doses and changes sit under the lines they may
    explain; each change in [start, end] becomes a numbered line through all of them."""
    placed: list[Panel] = []
    offset = 0.0
    ordered = [p for p in panels if p[1] != "timeline"] + [p for p in panels if p[1] == "timeline"]
    for title, kind, geometry in ordered:
        placed.append(Panel(title, kind, geometry, offset + PANEL_TITLE))
        offset += PANEL_TITLE + geometry.height
    x = time_scale(start, end, MARGIN_LEFT, WIDTH - MARGIN_RIGHT)
    markers = tuple(
        Marker(number, x(day), day, label)
        for number, (day, label) in enumerate(
            sorted((c for c in changes if start <= c[0] <= end), key=lambda c: c[0]), start=1)
    )
    return Combined(WIDTH, round(offset) + 4, tuple(placed), markers, PANEL_TITLE)
