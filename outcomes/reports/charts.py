"""Report distributions as drawn bar charts with their numbers in a table.

The geometry is the one chart module of "my charts" (`outcomes.tracking.charts`); this
module only decides what is shown: a count from 1 to `fewer_than - 1` is hidden, and so is
every count a release withheld (None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from community.i18n import gettext as _
from outcomes.tracking.charts import BarChart, bar_chart

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
    blocks: tuple[BarBlock, ...]


def _block(key: str, title: str, rows: Sequence[Row], fewer_than: int, hidden_text: str,
           *, shares: bool = True) -> BarBlock:
    shown: Shown = [(label, None if count is None or 0 < count < fewer_than else count)
                    for _key, label, count in rows]
    return bar_block(key, title, shown, hidden_text, shares=shares)


def report_sections(report: Any, fewer_than: int, *, hidden_text: str = "",
                    prefix: str = "", purposes: bool = True) -> list[Section]:
    """Every distribution of a treatment report as a drawn chart, grouped as the page reads.

    `report` is an `outcomes.reports.services.TreatmentReport` (of everyone, or of a
    narrowed release whose hidden counts are None)."""
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
