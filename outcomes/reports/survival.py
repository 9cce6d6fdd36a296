"""Time on treatment: how long people stay on a treatment, as a Kaplan–Meier curve, masked.

Each patient counts once, as everywhere in the report: a former patient by the days their
latest course lasted (they stopped), a current patient by the days since their open course
began (still on it: censored, for all we know they will stay on it longer).

Kaplan–Meier: on each day t with stops, the share still on it is multiplied by
1 − stops(t) / at_risk(t), where at_risk(t) counts everyone whose time is t days or more.
On a tie, stops come first: someone still on it on day t was at risk on day t.

What may be drawn (`masked_curve`, with `fewer_than` = 5 by default): the curve is a few
steps, each pooling the stops of consecutive days, and

1. no step is computed from fewer than `fewer_than` people at risk: the curve ends before
   the first stop with fewer at risk;
2. every step pools at least `fewer_than` stops;
3. between the "on it at the start" figures of two steps, 0 or at least `fewer_than`
   people leave while still on it (the table shows both figures and the stops, so their
   difference is as good as shown);
4. a step never crosses the limits of the bands of "How long people took it before
   stopping" (`scales.DURATION_LIMITS`), nor leaves 1 to `fewer_than - 1` stops of a band
   outside every step: that chart's counts minus the steps' give no small count either;
5. what is left undrawn holds 0 or at least `fewer_than` stops and 0 or at least
   `fewer_than` people still on it (the totals are on the page).

After its last step the curve runs flat only when nobody left stopped later, and only as
long as `fewer_than` people were still on it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from outcomes.treatments.scales import DURATION_LIMITS


@dataclass(frozen=True, slots=True)
class Moment:
    """One day of the unmasked estimate."""

    day: int
    at_risk: int
    stopped: int
    censored: int
    still_on: float
    """The share still on it after this day."""


def kaplan_meier(stopped: Mapping[int, int], ongoing: Mapping[int, int]) -> list[Moment]:
    """The Kaplan–Meier estimate on every day someone stopped or was last seen on it.

    `stopped` is patients per days on it before stopping; `ongoing` patients per days on
    it so far."""
    at_risk = sum(stopped.values()) + sum(ongoing.values())
    share = 1.0
    moments = []
    for day in sorted(set(stopped) | set(ongoing)):
        stops, censored = stopped.get(day, 0), ongoing.get(day, 0)
        if stops:
            share *= 1 - stops / at_risk
        moments.append(Moment(day, at_risk, stops, censored, share))
        at_risk -= stops + censored
    return moments


@dataclass(frozen=True, slots=True)
class Step:
    """Stops pooled over days `first_day` to `last_day`, drawn as one drop at `last_day`."""

    first_day: int
    last_day: int
    at_risk: int
    """People on it on `first_day`."""
    stopped: int
    still_on: float
    """The share still on it after `last_day` (the exact estimate on that day)."""


@dataclass(frozen=True, slots=True)
class Curve:
    patients: int
    steps: tuple[Step, ...]
    flat_until: int | None
    """The day the curve runs flat to after its last step (None: it ends there)."""
    flat_at_risk: int | None
    """People on it when the flat part begins (all still on it: nobody left stopped)."""
    cut_short: bool
    """Whether some stops are left undrawn."""

    @property
    def drawn(self) -> bool:
        return bool(self.steps) or self.flat_until is not None

    @property
    def last_day(self) -> int:
        return max(self.flat_until or 0, self.steps[-1].last_day if self.steps else 0)

    def median_day(self) -> int | None:
        """The first day after which at most half were still on it, if drawn."""
        return next((step.last_day for step in self.steps if step.still_on <= 0.5), None)


def band_of(day: int, limits: Sequence[int] = DURATION_LIMITS) -> int:
    return bisect_right(limits, day)


def masked_curve(stopped: Mapping[int, int], ongoing: Mapping[int, int], *,
                 fewer_than: int = 5, limits: Sequence[int] = DURATION_LIMITS) -> Curve:
    """The curve as it may be drawn (the rules in this module's docstring)."""
    moments = kaplan_meier(stopped, ongoing)
    patients = sum(stopped.values()) + sum(ongoing.values())
    total_stops = sum(stopped.values())

    def allowed(count: int) -> bool:
        return count == 0 or count >= fewer_than

    # Stops later in the same band, for rule 4.
    later_in_band = [0] * len(moments)
    following: dict[int, int] = {}
    for index in range(len(moments) - 1, -1, -1):
        band = band_of(moments[index].day, limits)
        later_in_band[index] = following.get(band, 0)
        following[band] = following.get(band, 0) + moments[index].stopped

    steps: list[tuple[Step, int]] = []  # with the people who left still on it during each
    first_day, at_risk, stops, censored, band = 0, patients, 0, 0, -1
    for index, moment in enumerate(moments):
        if moment.stopped and moment.at_risk < fewer_than:
            break
        if moment.stopped:
            if stops and band_of(moment.day, limits) != band:
                break
            band = band_of(moment.day, limits)
        stops += moment.stopped
        censored += moment.censored
        if (moment.stopped and stops >= fewer_than and allowed(censored)
                and allowed(later_in_band[index])):
            steps.append((Step(first_day, moment.day, at_risk, stops, moment.still_on),
                          censored))
            first_day = moment.day + 1
            at_risk = moment.at_risk - moment.stopped - moment.censored
            stops = censored = 0
    undrawn_stops = total_stops - sum(step.stopped for step, _c in steps)
    undrawn_on_it = patients - total_stops - sum(c for _step, c in steps)
    while steps and not (allowed(undrawn_stops) and allowed(undrawn_on_it)):
        step, left_on_it = steps.pop()
        undrawn_stops += step.stopped
        undrawn_on_it += left_on_it
    if patients < fewer_than or not (allowed(undrawn_stops) and allowed(undrawn_on_it)):
        return Curve(patients, (), None, None, total_stops > 0)
    flat_until = None
    if undrawn_stops == 0 and undrawn_on_it >= fewer_than:
        # The day the `fewer_than`-th longest of those still on it was last seen.
        longest = 0
        for day in sorted(ongoing, reverse=True):
            longest += ongoing[day]
            if longest >= fewer_than:
                flat_until = day
                break
    return Curve(patients, tuple(step for step, _c in steps), flat_until,
                 None if flat_until is None else undrawn_on_it, undrawn_stops > 0)


def days_on(started_on: dt.date, stopped_on: dt.date | None, today: dt.date) -> int:
    """Days on a course: until it stopped, or so far (never negative)."""
    return max(0, ((stopped_on or today) - started_on).days)


def today() -> dt.date:
    """The day people still on a treatment are counted to (UTC, as `cohorts.this_year`)."""
    return dt.datetime.now(dt.UTC).date()
