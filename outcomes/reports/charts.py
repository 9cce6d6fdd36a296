"""Report distributions as drawn bar charts with their numbers in a table.

The geometry is the one chart module of "my charts" (`outcomes.tracking.charts`); this
module only decides what is shown: a count from 1 to `fewer_than - 1` is hidden, and so is
every count a release withheld (None).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from community.i18n import gettext as _
from community.i18n import ngettext
from outcomes.reports.survival import Curve, Step
from outcomes.tracking.charts import BarChart, Tick, bar_chart, value_scale

Shown = list[tuple[str, int | None]]
"""(label, count) where None is a hidden count."""


@dataclass(frozen=True, slots=True)
class BarBlock:
    """One drawn distribution and the same numbers as table rows for screen readers."""

    key: str
    title: str
    chart: BarChart
    rows: tuple[tuple[str, str, str], ...]
    """(answer, patients, share) as written; share is empty when not shown."""
    hidden_text: str
    kind: ClassVar[str] = "bars"

    @property
    def empty(self) -> bool:
        return not any(bar.count is None or bar.count for bar in self.chart.bars)

    @property
    def has_hidden(self) -> bool:
        return any(bar.count is None for bar in self.chart.bars)

    @property
    def with_share(self) -> bool:
        return self.chart.by_share


def mask(rows: Sequence[tuple[str, int]], fewer_than: int) -> Shown:
    """Counts from 1 to fewer_than - 1 hidden."""
    return [(label, None if 0 < count < fewer_than else count) for label, count in rows]


def bar_block(key: str, title: str, rows: Shown, hidden_text: str, *,
              shares: bool = True) -> BarBlock:
    chart = bar_chart(rows, shares=shares)
    table = tuple(
        (bar.label, hidden_text if bar.count is None else str(bar.count),
         "" if bar.percent is None else f"{bar.percent} %")
        for bar in chart.bars
    )
    return BarBlock(key, title, chart, table, hidden_text)


def distribution_block(key: str, title: str, rows: Sequence[tuple[str, int]],
                       fewer_than: int, *, shares: bool = True) -> BarBlock:
    """A report distribution with small counts hidden as "fewer than N"."""
    return bar_block(key, title, mask(rows, fewer_than),
                     _("fewer than %(n)d") % {"n": fewer_than}, shares=shares)


Row = tuple[str, str, int | None]


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    blocks: tuple[Any, ...]
    """`BarBlock`, `CurveBlock` or `NoteBlock`, told apart by their `kind`."""


def _block(key: str, title: str, rows: Sequence[Row], fewer_than: int, hidden_text: str,
           *, shares: bool = True) -> BarBlock:
    shown: Shown = [(label, None if count is None or 0 < count < fewer_than else count)
                    for _key, label, count in rows]
    return bar_block(key, title, shown, hidden_text, shares=shares)


def report_sections(report: Any, fewer_than: int, *, hidden_text: str = "",
                    prefix: str = "", purposes: bool = True,
                    time_on: CurveBlock | NoteBlock | None = None) -> list[Section]:
    """Every distribution of a treatment report as a drawn chart, grouped as the page reads.

    `report` is an `outcomes.reports.services.TreatmentReport` (of everyone, or of a
    narrowed release whose hidden counts are None); `time_on` goes under stopping."""
    hidden = hidden_text or _("fewer than %(n)d") % {"n": fewer_than}

    def block(key: str, title: str, rows: Sequence[Row], *, shares: bool = True) -> BarBlock:
        return _block(prefix + key, title, rows, fewer_than, hidden, shares=shares)

    effectiveness = tuple(
        block(f"effectiveness-{index}", _("For %(purpose)s") % {"purpose": name}, rows)
        for index, (_key, name, rows) in enumerate(report.effectiveness, start=1)
    )
    sections = [
        Section(_("What people take it for"),
                (block("purposes", _("Purposes"), report.purposes, shares=False),)),
        Section(_("Effectiveness"), effectiveness),
        Section(_("Side effects"), (
            block("severity", _("Severity"), report.side_effect_severity),
            block("side-effects", _("Most reported side effects"), report.side_effects,
                  shares=False))),
        Section(_("Taking it"), (
            block("adherence", _("Adherence"), report.adherence),
            block("burden", _("Burden"), report.burden),
            block("cost", _("Monthly cost"), report.cost),
            block("doses", _("Current doses"), report.doses, shares=False))),
        Section(_("Stopping"), (
            block("durations", _("How long people took it before stopping"), report.durations),
            *(() if time_on is None else (time_on,)),
            block("stop-reasons", _("Reasons for stopping"), report.stop_reasons))),
    ]
    if purposes and report.switched_to:
        sections[-1] = Section(sections[-1].title, (*sections[-1].blocks, block(
            "switched-to", _("What people who stopped it started next"), report.switched_to,
            shares=False)))
    # A narrowed view leaves purposes out: its condition filter already is one.
    return sections if purposes else sections[1:]


def _bounds(rows: Sequence[Row], hidden_most: int | None) -> tuple[int, int | None]:
    """Least and greatest total the rows may have; a hidden count is between 1 and
    `hidden_most` (None: unknown, as a narrowed release's may be large)."""
    shown = sum(count or 0 for _k, _l, count in rows)
    hidden = sum(1 for _k, _l, count in rows if count is None)
    if hidden and hidden_most is None:
        return shown + hidden, None
    return shown + hidden, shown + hidden * (hidden_most or 0)


def summary_in_words(report: Any, fewer_than: int, *, narrowed: bool = False) -> str:
    """A sentence or two over what the charts show, claiming only what the shown counts
    prove: nothing is said that would need a hidden count."""
    hidden_most = None if narrowed else fewer_than - 1
    parts: list[str] = []
    if report.effectiveness:
        _key, purpose, raw = report.effectiveness[0]
        rows = [(k, label, None if count is None or 0 < count < fewer_than else count)
                for k, label, count in raw]
        low, high = _bounds(rows, hidden_most)
        counts = {k: count or 0 for k, _l, count in rows}
        good = counts["major"] + counts["moderate"]
        some = good + counts["slight"]
        exact = low == high
        if low >= fewer_than and high is not None:
            people = (_("Most of the %(n)d people who evaluated it for %(purpose)s")
                      % {"n": low, "purpose": purpose} if exact else
                      _("Most people who evaluated it for %(purpose)s") % {"purpose": purpose})
            if 2 * good > high:
                parts.append(_("%(people)s say it works moderately or better.")
                             % {"people": people})
            elif 2 * some > high:
                parts.append(_("%(people)s say it works at least slightly.")
                             % {"people": people})
            elif exact:
                parts.append(_("Of the %(n)d people who evaluated it for %(purpose)s, fewer "
                               "than half say it works at least slightly.")
                             % {"n": low, "purpose": purpose})
    side_effects = [row for row in report.side_effects if row[2] is not None]
    top = max(side_effects, key=lambda row: row[2] or 0, default=None)
    certain = not narrowed or all(row[2] is not None for row in report.side_effects)
    if top is not None and (top[2] or 0) >= fewer_than and certain:
        parts.append(_("The most reported side effect is %(name)s.") % {"name": top[1]})
    severity = report.side_effect_severity
    shown_severity = [row for row in severity if row[2] is not None and row[2] >= fewer_than]
    most = max(shown_severity, key=lambda row: row[2] or 0, default=None)
    if most is not None and (not narrowed or all(row[2] is not None for row in severity)):
        parts.append(_("Side effects are most often rated “%(label)s”.")
                     % {"label": most[1]})
    switches = [row for row in getattr(report, "switched_to", []) if (row[2] or 0) >= fewer_than]
    if switches and not narrowed:
        parts.append(_("People who stopped it most often moved to %(name)s.")
                     % {"name": switches[0][1]})
    if not parts:
        return _("Too few people have evaluated it yet to sum it up in words.")
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class ComparedMeasure:
    """One measure (e.g. adherence) drawn for each compared treatment on the same scale."""

    title: str
    blocks: tuple[tuple[str, BarBlock], ...]
    """(treatment name, chart) per treatment."""


def compared_measures(reports: Sequence[Any], condition_purpose: str,
                      fewer_than: int) -> list[ComparedMeasure]:
    """The measures of a comparison, each with the same answers in the same order for every
    treatment and its own masking per cell."""
    def effectiveness(report: Any) -> list[Row]:
        for key, _name, rows in report.effectiveness:
            if key == condition_purpose:
                return list(rows)
        return []

    measures = (
        ("effectiveness", _("Effectiveness for this condition"), effectiveness, True),
        ("severity", _("Side effect severity"), lambda r: r.side_effect_severity, True),
        ("side-effects", _("Most reported side effects"), lambda r: r.side_effects, False),
        ("adherence", _("Adherence"), lambda r: r.adherence, True),
        ("burden", _("Burden"), lambda r: r.burden, True),
        ("cost", _("Monthly cost"), lambda r: r.cost, True),
        ("stop-reasons", _("Reasons for stopping"), lambda r: r.stop_reasons, True),
    )
    result = []
    for key, title, rows_of, shares in measures:
        blocks = []
        for index, report in enumerate(reports, start=1):
            rows = rows_of(report)
            blocks.append((report.treatment.name, _block(
                f"compare-{key}-{index}", f"{report.treatment.name}: {title}", rows, fewer_than,
                _("fewer than %(n)d") % {"n": fewer_than}, shares=shares)))
        result.append(ComparedMeasure(title, tuple(blocks)))
    return result


# Time on treatment ---------------------------------------------------------------------------

CURVE_WIDTH = 640
CURVE_HEIGHT = 240
CURVE_LEFT, CURVE_RIGHT, CURVE_TOP, CURVE_BOTTOM = 72, 610, 12, 204
DAYS_PER_MONTH = 30.44
TICK_MONTHS = (1, 2, 3, 6, 12, 24, 36, 60, 120)
MOST_TICKS = 5


@dataclass(frozen=True, slots=True)
class CurvePoint:
    x: float
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class CurveChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    path: str
    """An SVG path `d`: flat lines and drops, from 100 % on day 0."""
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    points: tuple[CurvePoint, ...]
    """One mark at the end of each step, with what it says."""


@dataclass(frozen=True, slots=True)
class CurveBlock:
    """How long people stay on a treatment: the curve, its table and what it says."""

    key: str
    title: str
    chart: CurveChart | None
    """None when nothing may be drawn."""
    rows: tuple[tuple[str, str, str, str], ...]
    """(days, on it at the start, stopped, still on it at the end) as written."""
    words: str
    notes: tuple[str, ...]
    kind: ClassVar[str] = "curve"


@dataclass(frozen=True, slots=True)
class NoteBlock:
    """A figure that is not drawn here, and why."""

    key: str
    title: str
    text: str
    kind: ClassVar[str] = "note"


def time_span(days: int, *, at_least: bool = False) -> str:
    """Days as people say them: days under two months, then months, then whole years.
    `at_least`: the span may be rounded down to whole years from three years on ("after 6
    years", not "after 79 months")."""
    if days < 60:
        return ngettext("%(num)d day", "%(num)d days", days) % {"num": days}
    months = round(days / DAYS_PER_MONTH)
    if at_least and months >= 36:
        months -= months % 12
    if months >= 24 and months % 12 == 0:
        return ngettext("%(num)d year", "%(num)d years", months // 12) % {"num": months // 12}
    return ngettext("%(num)d month", "%(num)d months", months) % {"num": months}


def _percent(share: float) -> str:
    return f"{round(100 * share)} %"


def _tick_days(last_day: int) -> list[tuple[float, str]]:
    """(day, label) of 0 and at most `MOST_TICKS` more, at whole weeks, months or years: one
    unit per axis."""
    if last_day < 60:
        step = next((s for s in (7, 14, 28) if last_day / s <= MOST_TICKS), 28)
        return [(day, "0" if day == 0 else time_span(day))
                for day in range(0, last_day + 1, step)]
    months = next((m for m in TICK_MONTHS if last_day / (m * DAYS_PER_MONTH) <= MOST_TICKS),
                  TICK_MONTHS[-1])
    ticks: list[tuple[float, str]] = [(0, "0")]
    count = 1
    while count * months * DAYS_PER_MONTH <= last_day:
        total = count * months
        label = (ngettext("%(num)d year", "%(num)d years", total // 12) % {"num": total // 12}
                 if months % 12 == 0 else
                 ngettext("%(num)d month", "%(num)d months", total) % {"num": total})
        ticks.append((count * months * DAYS_PER_MONTH, label))
        count += 1
    return ticks


def _day_ticks(last_day: int, x: Callable[[float], float]) -> tuple[Tick, ...]:
    return tuple(Tick(x(day), label) for day, label in _tick_days(last_day))


# Where a time-on-treatment table starts a new row: 1, 2 and 4 weeks, then 1, 3 and 6 months,
# 1, 2, 3, 5 and 10 years (as survival tables are read: "still on it after a year").
LANDMARK_DAYS = (7, 14, 28, 61, 91, 183, 365, 730, 1096, 1826, 3652)


def _between_landmarks(curve: Curve) -> tuple[Step, ...]:
    """The curve's steps merged within each interval between two landmarks: what its table
    lists and its marks point at. A curve over years has hundreds of steps; a table row per
    step would be a page of numbers. Every merged figure was already on the curve (people on
    it at the interval's start, the share still on it at its end) or is a sum of its stops."""
    bounds = LANDMARK_DAYS
    merged: list[Step] = []
    for step in curve.steps:
        interval = sum(step.last_day >= bound for bound in bounds)
        if merged and sum(merged[-1].last_day >= bound for bound in bounds) == interval:
            first = merged[-1]
            merged[-1] = Step(first.first_day, step.last_day, first.at_risk,
                              first.stopped + step.stopped, step.still_on)
        else:
            merged.append(step)
    return tuple(merged)


def curve_chart(curve: Curve) -> CurveChart:
    """The curve's geometry: a step down at the end of each step, flat in between."""
    last_day = max(curve.last_day, 1)
    x = value_scale(0, last_day, CURVE_LEFT, CURVE_RIGHT)
    y = value_scale(0, 1, CURVE_BOTTOM, CURVE_TOP)
    path = [f"M{x(0)} {y(1)}"]
    points = []
    for step in curve.steps:
        path.append(f"H{x(step.last_day)} V{y(step.still_on)}")
    for step in _between_landmarks(curve):
        points.append(CurvePoint(x(step.last_day), y(step.still_on), _(
            "%(percent)s still on it after %(time)s") % {
                "percent": _percent(step.still_on), "time": time_span(step.last_day)}))
    if curve.flat_until is not None:
        path.append(f"H{x(curve.flat_until)}")
    y_ticks = tuple(Tick(y(share), _percent(share)) for share in (0, 0.25, 0.5, 0.75, 1))
    return CurveChart(CURVE_WIDTH, CURVE_HEIGHT, CURVE_LEFT, CURVE_RIGHT, CURVE_TOP,
                      CURVE_BOTTOM, " ".join(path), _day_ticks(last_day, x), y_ticks,
                      tuple(points))


def _span(first: int, last: int) -> str:
    return _("%(first)d–%(last)d") % {"first": first, "last": last}


def curve_block(curve: Curve, fewer_than: int, *, key: str = "time-on") -> CurveBlock:
    """The time-on-treatment figure; what cannot be drawn is said, never guessed."""
    title = _("How long people stay on it")
    notes = [_("Each person counts once: people who stopped by how long their last course "
               "lasted, people still on it by how long so far (they may stay longer). Each "
               "step pools at least %(n)d stops, and none is drawn from fewer than %(n)d "
               "people still on it.") % {"n": fewer_than}]
    if not curve.drawn:
        return CurveBlock(key, title, None, (), _(
            "Too few people have taken it, or stopped it, to draw this without singling "
            "anyone out."), tuple(notes))
    rows = [(_span(step.first_day, step.last_day), str(step.at_risk), str(step.stopped),
             _percent(step.still_on)) for step in _between_landmarks(curve)]
    if curve.flat_until is not None:
        first = curve.steps[-1].last_day + 1 if curve.steps else 0
        share = curve.steps[-1].still_on if curve.steps else 1.0
        rows.append((_span(first, curve.flat_until), str(curve.flat_at_risk), "0",
                     _percent(share)))
    median = curve.median_day()
    if median is not None:
        words = _("Half or more had stopped within %(time)s.") % {"time": time_span(median)}
    else:
        share = curve.steps[-1].still_on if curve.steps else 1.0
        words = _("%(percent)s were still on it after %(time)s.") % {
            "percent": _percent(share), "time": time_span(curve.last_day, at_least=True)}
    if curve.cut_short:
        notes.append(_("After %(time)s the curve stops: the later stops are too few, or too "
                       "few people were still on it, to draw them without singling anyone "
                       "out.") % {"time": time_span(curve.last_day)})
    return CurveBlock(key, title, curve_chart(curve), tuple(rows), words, tuple(notes))
