"""Chart geometry: scales, ticks, lines and timeline bars."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from outcomes.tracking.charts import (
    MARGIN_LEFT,
    MARGIN_RIGHT,
    WIDTH,
    TimelineRow,
    date_ticks,
    line_chart,
    time_scale,
    timeline,
    value_scale,
)

START, END = date(2026, 1, 1), date(2026, 3, 31)


def test_time_scale_maps_the_range_onto_the_plot() -> None:
    x = time_scale(START, date(2026, 1, 11), 100, 200)
    assert (x(START), x(date(2026, 1, 6)), x(date(2026, 1, 11))) == (100, 150, 200)


def test_time_scale_of_a_single_day_does_not_divide_by_zero() -> None:
    assert time_scale(START, START, 0, 10)(START) == 0


def test_value_scale_grows_upwards() -> None:
    y = value_scale(0, 3, 100, 10)
    assert (y(0), y(3), y(1.5)) == (100, 10, 55)


def test_date_ticks_use_month_starts_over_long_ranges() -> None:
    ticks = date_ticks(date(2025, 1, 15), date(2025, 12, 31))
    assert all(day.day == 1 for day in ticks)
    assert len(ticks) <= 6
    assert ticks[0] == date(2025, 2, 1)


def test_date_ticks_over_short_ranges_are_evenly_spaced() -> None:
    ticks = date_ticks(START, START + timedelta(days=30))
    assert ticks[0] == START and len(ticks) <= 6
    gaps = {(b - a).days for a, b in pairwise(ticks)}
    assert len(gaps) == 1


def test_line_chart_places_points_and_joins_them_in_date_order() -> None:
    chart = line_chart(
        [("Fatigue", [(END, 3), (START, 0), (date(2025, 12, 1), 2)])],
        start=START, end=END, low=0, high=3,
        y_labels={0: "None", 1: "Mild", 2: "Moderate", 3: "Severe"},
    )
    (series,) = chart.series
    assert [p.day for p in series.points] == [START, END], "points outside the range are dropped"
    first, last = series.points
    assert (first.x, first.y) == (MARGIN_LEFT, chart.plot_bottom)
    assert (last.x, last.y) == (WIDTH - MARGIN_RIGHT, chart.plot_top)
    assert series.path == f"M{first.x} {first.y} L{last.x} {last.y}"
    assert [t.label for t in chart.y_ticks] == ["None", "Mild", "Moderate", "Severe"]
    assert series.css_class == "series-0"


def test_a_single_point_has_no_path_but_is_drawn() -> None:
    chart = line_chart([("Mood", [(START, 4)])], start=START, end=END, low=1, high=5)
    assert chart.series[0].path == ""
    assert len(chart.series[0].points) == 1
    assert [t.label for t in chart.y_ticks] == ["1", "5"]


def test_bands_are_stripes_between_their_bounds() -> None:
    chart = line_chart([], start=START, end=END, low=0, high=27,
                       bands=[("Minimal", 0, 4), ("Severe", 20, 27)])
    minimal, severe = chart.bands
    assert minimal.y + minimal.height == chart.plot_bottom
    assert severe.y == chart.plot_top
    assert minimal.css_class != severe.css_class


def test_timeline_clips_bars_and_runs_ongoing_courses_to_the_end() -> None:
    result = timeline(
        [
            TimelineRow("Before", date(2025, 1, 1), date(2025, 6, 1)),
            TimelineRow("Methotrexate", date(2025, 12, 1), date(2026, 2, 1)),
            TimelineRow("Yoga", date(2026, 3, 1), None),
        ],
        start=START, end=END,
    )
    assert [bar.label for bar in result.bars] == ["Methotrexate", "Yoga"]
    methotrexate, yoga = result.bars
    assert methotrexate.x == MARGIN_LEFT
    assert yoga.x + yoga.width == WIDTH - MARGIN_RIGHT
    assert yoga.y > methotrexate.y
    assert result.height > yoga.y + yoga.height


def test_an_empty_timeline_still_has_a_drawable_size() -> None:
    result = timeline([], start=START, end=END)
    assert result.bars == () and result.height > 0


def test_combined_stacks_lines_above_the_treatments_and_numbers_changes() -> None:
    from outcomes.tracking.charts import combined

    lines = line_chart([("Fatigue", [(START, 1)])], start=START, end=END, low=0, high=3)
    courses = timeline([TimelineRow("Methotrexate", START, None)], start=START, end=END)
    together = combined(
        [("Treatments", "timeline", courses), ("Fatigue", "line", lines)],
        [(date(2026, 2, 1), "Dose up"), (date(2025, 6, 1), "Before the period"),
         (START, "Started")], start=START, end=END)
    assert [p.title for p in together.panels] == ["Fatigue", "Treatments"]
    assert together.panels[1].offset > together.panels[0].offset + lines.height - 1
    assert [(m.number, m.label) for m in together.markers] == [(1, "Started"), (2, "Dose up")]
    assert together.markers[0].x == MARGIN_LEFT, "the same time axis as every chart"
    assert together.height >= sum(p.geometry.height for p in together.panels)


def test_time_on_treatment_is_said_as_people_say_it() -> None:
    from outcomes.reports.charts import time_span

    assert time_span(40) == "40 days"
    assert time_span(91) == "3 months"
    assert time_span(730) == "2 years"
    assert time_span(2413) == "79 months"  # exact: where the curve stops
    assert time_span(2413, at_least=True) == "6 years"  # "still on it after 6 years"
    assert time_span(800, at_least=True) == "26 months"  # under three years: months
