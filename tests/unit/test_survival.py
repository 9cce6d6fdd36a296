"""Time on treatment: the Kaplan–Meier estimate, and what of it may be drawn.

The rules are checked against the raw days, counted here, never with the module's own
pooling; the estimate against a published example and a plain product."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes.reports.survival import band_of, kaplan_meier, masked_curve

# The 6-MP arm of Freireich et al. (1963), the textbook Kaplan–Meier example (Kleinbaum &
# Klein, "Survival Analysis", table 2.1): weeks in remission, + for still in remission.
SIX_MP = "6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+"
SIX_MP_ESTIMATE = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}


def parse(times: str) -> tuple[Counter[int], Counter[int]]:
    stopped: Counter[int] = Counter()
    ongoing: Counter[int] = Counter()
    for item in times.split():
        if item.endswith("+"):
            ongoing[int(item[:-1])] += 1
        else:
            stopped[int(item)] += 1
    return stopped, ongoing


def test_kaplan_meier_matches_the_textbook_example() -> None:
    stopped, ongoing = parse(SIX_MP)
    estimate = {m.day: round(m.still_on, 3) for m in kaplan_meier(stopped, ongoing)
                if m.stopped}
    assert estimate == SIX_MP_ESTIMATE


def test_ties_and_censoring() -> None:
    """On day 6 three stop and one is still on it: all four were at risk on day 6, and the
    one still on it is no longer at risk on day 7."""
    moments = {m.day: m for m in kaplan_meier(*parse(SIX_MP))}
    assert (moments[6].at_risk, moments[6].stopped, moments[6].censored) == (21, 3, 1)
    assert moments[7].at_risk == 17
    assert moments[7].still_on == pytest.approx(18 / 21 * 16 / 17)
    # Days on which someone is only last seen leave the estimate where it was.
    assert moments[9].still_on == moments[7].still_on
    # A censoring on the day of a stop counts at risk that day (10: one of 15 stops).
    assert moments[10].at_risk == 15 and moments[10].censored == 1
    assert moments[10].still_on == pytest.approx(moments[7].still_on * 14 / 15)


def test_the_textbook_example_in_steps_of_five() -> None:
    """Until week 23, every possible step would leave 1 to 4 people still in remission
    between two "at risk" figures, or 1 to 4 stops after it: one step of all nine stops,
    then flat while five are still followed (the fifth longest was last seen in week 25)."""
    curve = masked_curve(*parse(SIX_MP), fewer_than=5, limits=())
    assert [(s.first_day, s.last_day, s.at_risk, s.stopped) for s in curve.steps] == [
        (0, 23, 21, 9)]
    assert round(curve.steps[0].still_on, 3) == SIX_MP_ESTIMATE[23]
    assert curve.flat_until == 25 and not curve.cut_short
    assert curve.median_day() == 23


def test_steps_pool_five_stops_and_keep_the_exact_estimate() -> None:
    stopped = Counter({10: 2, 12: 2, 15: 1, 40: 5, 41: 1, 90: 6})
    ongoing = Counter({20: 5, 100: 5, 200: 6})
    curve = masked_curve(stopped, ongoing, limits=())
    exact = {m.day: m.still_on for m in kaplan_meier(stopped, ongoing)}
    assert [(s.first_day, s.last_day, s.at_risk, s.stopped) for s in curve.steps] == [
        (0, 15, 33, 5), (16, 40, 28, 5), (41, 90, 18, 7)]
    assert [s.still_on for s in curve.steps] == [exact[15], exact[40], exact[90]]
    # Nobody stopped after day 90: flat as long as five were still on it (the fifth
    # longest was last seen on day 200).
    assert curve.flat_until == 200 and curve.flat_at_risk == 11 and not curve.cut_short
    assert curve.median_day() == 90 and curve.last_day == 200


def test_people_leaving_still_on_it_between_steps_are_none_or_five() -> None:
    """Two last seen on day 20 would read as "28 at risk, 5 stopped, then 21 at risk" (and
    the totals on the page give away the same after the last step): no second step."""
    stopped = Counter({10: 5, 40: 5, 90: 6})
    curve = masked_curve(stopped, Counter({20: 2, 300: 9}), limits=())
    assert [(s.first_day, s.last_day, s.stopped) for s in curve.steps] == [(0, 10, 5)]
    assert curve.cut_short
    five = masked_curve(stopped, Counter({20: 5, 300: 9}), limits=())
    assert [(s.first_day, s.last_day, s.stopped) for s in five.steps] == [
        (0, 10, 5), (11, 40, 5), (41, 90, 6)]


def test_a_step_from_fewer_than_five_at_risk_is_not_drawn() -> None:
    stopped = Counter({10: 5, 20: 2, 21: 1, 22: 1, 23: 1})
    curve = masked_curve(stopped, Counter({5: 5}), limits=())
    # After day 10 five are left: the stops on days 21 to 23 have 3, 2 and 1 at risk.
    assert [s.last_day for s in curve.steps] == [10]
    assert curve.cut_short and curve.flat_until is None


def test_fewer_than_five_people_show_nothing() -> None:
    curve = masked_curve(Counter({3: 2}), Counter({9: 2}))
    assert not curve.drawn and curve.patients == 4


def test_everyone_still_on_it_is_a_flat_line() -> None:
    curve = masked_curve(Counter(), Counter({30: 3, 60: 3, 400: 1}))
    assert curve.steps == () and curve.flat_until == 30 and not curve.cut_short


def test_steps_keep_within_the_duration_bands() -> None:
    """Five stops just before day 30 and one after could make one step of six; the chart of
    durations shows "under a month: 5" and a step crossing day 30 would give away the one."""
    stopped = Counter({25: 5, 31: 1, 40: 5})
    curve = masked_curve(stopped, Counter({500: 10}), limits=(30,))
    assert [(s.first_day, s.last_day, s.stopped) for s in curve.steps] == [(0, 25, 5), (26, 40, 6)]
    crossing = masked_curve(Counter({25: 3, 31: 3}), Counter({500: 10}), limits=(30,))
    assert not crossing.steps


def stops_between(stopped: Counter[int], first: int, last: int) -> int:
    return sum(n for day, n in stopped.items() if first <= day <= last)


def at_risk_on(stopped: Counter[int], ongoing: Counter[int], day: int) -> int:
    return sum(n for d, n in (*stopped.items(), *ongoing.items()) if d >= day)


def estimate_after(stopped: Counter[int], ongoing: Counter[int], day: int) -> float:
    share = 1.0
    for stop_day in sorted(d for d in stopped if d <= day):
        share *= 1 - stopped[stop_day] / at_risk_on(stopped, ongoing, stop_day)
    return share


histograms = st.dictionaries(st.integers(0, 900), st.integers(1, 6), max_size=40).map(Counter)


@settings(max_examples=400, deadline=None)
@given(stopped=histograms, ongoing=histograms, fewer_than=st.sampled_from([3, 5]))
def test_no_drawn_figure_singles_anyone_out(stopped: Counter[int], ongoing: Counter[int],
                                            fewer_than: int) -> None:
    curve = masked_curve(stopped, ongoing, fewer_than=fewer_than)

    def allowed(count: int) -> bool:
        return count == 0 or count >= fewer_than

    patients = sum(stopped.values()) + sum(ongoing.values())
    assert curve.patients == patients
    if patients < fewer_than:
        assert not curve.drawn
    if not curve.drawn:
        assert curve.cut_short == (sum(stopped.values()) > 0)
        return
    next_first = 0
    for index, step in enumerate(curve.steps):
        assert step.first_day == next_first
        next_first = step.last_day + 1
        assert step.last_day in stopped
        assert step.stopped == stops_between(stopped, step.first_day, step.last_day)
        assert step.stopped >= fewer_than
        assert step.at_risk == at_risk_on(stopped, ongoing, step.first_day)
        assert all(at_risk_on(stopped, ongoing, day) >= fewer_than for day in stopped
                   if step.first_day <= day <= step.last_day)
        assert step.still_on == pytest.approx(estimate_after(stopped, ongoing, step.last_day))
        first_stop = min(d for d in stopped if d >= step.first_day)
        assert band_of(first_stop) == band_of(step.last_day)
        following = (curve.steps[index + 1].at_risk if index + 1 < len(curve.steps)
                     else at_risk_on(stopped, ongoing, step.last_day + 1))
        assert allowed(step.at_risk - step.stopped - following)
    drawn_to = curve.steps[-1].last_day if curve.steps else -1
    for band in range(5):
        undrawn = sum(n for d, n in stopped.items() if band_of(d) == band and d > drawn_to)
        if any(band_of(d) == band and d <= drawn_to for d in stopped):
            assert allowed(undrawn)
    undrawn_stops = sum(n for d, n in stopped.items() if d > drawn_to)
    undrawn_on_it = sum(n for d, n in ongoing.items() if d > drawn_to)
    assert allowed(undrawn_stops) and allowed(undrawn_on_it)
    assert curve.cut_short == (undrawn_stops > 0)
    if curve.flat_until is not None:
        assert undrawn_stops == 0 and curve.flat_until > drawn_to
        assert curve.flat_at_risk == undrawn_on_it
        assert at_risk_on(stopped, ongoing, curve.flat_until) >= fewer_than
        assert at_risk_on(stopped, ongoing, curve.flat_until + 1) < fewer_than
