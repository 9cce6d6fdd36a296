"""Every enumerated answer of a treatment course or evaluation, with its label, in order."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from community.i18n import gettext as _


@dataclass(frozen=True)
class Scale:
    """An ordered set of stored values and the labels people read."""

    field: str
    choices: tuple[tuple[str, Callable[[], str]], ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.choices)

    def label(self, value: str) -> str:
        for candidate, label in self.choices:
            if candidate == value:
                return label()
        return value

    def options(self) -> list[tuple[str, str]]:
        return [(value, label()) for value, label in self.choices]


# Labels are functions so they are translated for each request's locale, not at import.
EFFECTIVENESS = Scale("effectiveness", (
    ("major", lambda: _("Major")),
    ("moderate", lambda: _("Moderate")),
    ("slight", lambda: _("Slight")),
    ("none", lambda: _("None")),
    ("cant_tell", lambda: _("Can't tell")),
))
SIDE_EFFECT_SEVERITY = Scale("side_effect_severity", (
    ("none", lambda: _("None")),
    ("mild", lambda: _("Mild")),
    ("moderate", lambda: _("Moderate")),
    ("severe", lambda: _("Severe")),
))
ADHERENCE = Scale("adherence", (
    ("always", lambda: _("Always taken as prescribed")),
    ("usually", lambda: _("Usually taken as prescribed")),
    ("sometimes", lambda: _("Sometimes taken as prescribed")),
    ("never", lambda: _("Never taken as prescribed")),
))
BURDEN = Scale("burden", (
    ("not_at_all", lambda: _("Not at all hard to take")),
    ("a_little", lambda: _("A little hard to take")),
    ("somewhat", lambda: _("Somewhat hard to take")),
    ("very", lambda: _("Very hard to take")),
))
COST = Scale("cost", (
    ("under_25", lambda: _("Under $25 a month")),
    ("25_49", lambda: _("$25–49 a month")),
    ("50_99", lambda: _("$50–99 a month")),
    ("100_199", lambda: _("$100–199 a month")),
    ("200_plus", lambda: _("$200 or more a month")),
    ("dont_know", lambda: _("Don't know")),
))
VISIBILITY = Scale("visibility", (
    ("public", lambda: _("Everyone (public)")),
    ("members", lambda: _("Signed-in members")),
    ("only_me", lambda: _("Only me")),
))
STOP_REASON = Scale("stop_reason", (
    ("side_effects", lambda: _("Side effects")),
    ("didnt_work", lambda: _("Didn't work")),
    ("cost", lambda: _("Cost")),
    ("doctors_advice", lambda: _("Doctor's advice")),
    ("finished_course", lambda: _("Finished the course")),
    ("other", lambda: _("Other")),
))
DOSE_UNIT = Scale("unit", (
    ("mg", lambda: _("mg")),
    ("mcg", lambda: _("mcg")),
    ("g", lambda: _("g")),
    ("ml", lambda: _("ml")),
    ("units", lambda: _("units")),
    ("iu", lambda: _("IU")),
    ("tablets", lambda: _("tablets")),
    ("capsules", lambda: _("capsules")),
    ("puffs", lambda: _("puffs")),
    ("drops", lambda: _("drops")),
    ("patches", lambda: _("patches")),
    ("sessions", lambda: _("sessions")),
    ("minutes", lambda: _("minutes")),
))
FREQUENCY = Scale("frequency", (
    ("once_daily", lambda: _("once a day")),
    ("twice_daily", lambda: _("twice a day")),
    ("three_daily", lambda: _("three times a day")),
    ("four_daily", lambda: _("four times a day")),
    ("every_other_day", lambda: _("every other day")),
    ("weekly", lambda: _("once a week")),
    ("two_weeks", lambda: _("every two weeks")),
    ("monthly", lambda: _("once a month")),
    ("three_months", lambda: _("every three months")),
    ("six_months", lambda: _("every six months")),
    ("yearly", lambda: _("once a year")),
    ("other", lambda: _("another schedule")),
))
# How long a stopped course lasted; only stopped courses have a fixed duration.
DURATION = Scale("duration", (
    ("under_1m", lambda: _("Less than a month")),
    ("1_6m", lambda: _("1 to 6 months")),
    ("6_12m", lambda: _("6 to 12 months")),
    ("1_2y", lambda: _("1 to 2 years")),
    ("2y_plus", lambda: _("2 years or more")),
))

EVALUATION_SCALES = (SIDE_EFFECT_SEVERITY, ADHERENCE, BURDEN, COST, VISIBILITY)


DURATION_LIMITS = (30, 183, 365, 730)
"""The days where each band of `DURATION` after the first begins."""


def duration_bucket(days: int) -> str:
    """The band of `DURATION` a course of `days` days falls in."""
    return DURATION.values[bisect_right(DURATION_LIMITS, days)]


def check_choice(scale: Scale, value: str, errors: dict[str, list[str]],
                 field: str | None = None) -> str:
    """`value` when it is on the scale; otherwise an error naming the allowed answers."""
    if value in scale.values:
        return value
    name = field or scale.field
    if not value:
        errors[name] = [_("Choose an answer.")]
    else:
        errors[name] = [
            _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(label() for _v, label in scale.choices)}
        ]
    return ""


def format_amount(amount: Decimal | None) -> str:
    """20.000 -> "20", 0.500 -> "0.5" (never scientific notation)."""
    return "" if amount is None else format(amount.normalize(), "f")
