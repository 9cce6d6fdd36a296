"""Differential privacy for releases: OpenDP integer noise and a finite epsilon budget."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np
import opendp.prelude as dp

from outcomes.research.cube import Counts

MECHANISM = "discrete Laplace (OpenDP make_laplace, integer domain)"

Epsilon = Decimal | str | int | float

_MICROS = Decimal(1_000_000)


def _micros(epsilon: Epsilon, rounding: str) -> int:
    """Epsilon in integer millionths, so sums of charges are exact."""
    # str() first: Decimal(0.1) would carry the binary float's error into the budget.
    value = Decimal(str(epsilon)) if isinstance(epsilon, float) else Decimal(epsilon)
    if not value.is_finite() or value < 0:
        raise ValueError(f"epsilon must be a finite non-negative number, not {epsilon!r}")
    return int((value * _MICROS).to_integral_value(rounding=rounding))


def _epsilon(micros: int) -> Decimal:
    value = (Decimal(micros) / _MICROS).normalize()
    # normalize() writes 10 as 1E+1; manifests should read "10".
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


class BudgetExceeded(Exception):
    """A charge would spend more epsilon than the budget has left."""

    def __init__(self, remaining: Decimal) -> None:
        super().__init__(f"privacy budget exceeded: {remaining} epsilon left")
        self.remaining = remaining


class PrivacyBudget:
    """A research project's finite epsilon, counted in integer micro-epsilons."""

    def __init__(self, total: Epsilon, spent: Epsilon = 0) -> None:
        # Round in the cautious direction: the budget down, what was spent up.
        self._total = _micros(total, ROUND_FLOOR)
        self._spent = _micros(spent, ROUND_CEILING)

    @property
    def total(self) -> Decimal:
        """The epsilon granted to the project."""
        return _epsilon(self._total)

    @property
    def spent(self) -> Decimal:
        """The epsilon charged so far."""
        return _epsilon(self._spent)

    @property
    def remaining(self) -> Decimal:
        """The epsilon left to spend."""
        return _epsilon(max(self._total - self._spent, 0))

    def charge(self, epsilon: Epsilon) -> Decimal:
        """Spend epsilon and return what is left, or raise BudgetExceeded and spend nothing."""
        cost = _micros(epsilon, ROUND_CEILING)
        if cost <= 0:
            raise ValueError("a charge must be positive")
        if self._spent + cost > self._total:
            raise BudgetExceeded(self.remaining)
        self._spent += cost
        return self.remaining


def noisy_counts(counts: Counts, epsilon: Decimal, contributions: int = 1) -> tuple[Counts, float]:
    """Counts plus discrete Laplace noise for epsilon-DP, clamped at zero; also the noise scale.

    `contributions` bounds how many cells one patient can add 1 to (the L1 sensitivity).
    """
    if epsilon <= 0 or contributions < 1:
        raise ValueError("epsilon must be positive and contributions at least 1")
    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    budget = float(epsilon)
    if Decimal(budget) > epsilon:  # never let float rounding spend more than was charged
        budget = math.nextafter(budget, 0.0)
    # The smallest scale OpenDP itself certifies for (contributions, epsilon), free of float slips.
    scale = dp.binary_search_param(
        lambda s: dp.m.make_laplace(*space, scale=s), d_in=contributions, d_out=budget
    )
    measurement = dp.m.make_laplace(*space, scale=scale)
    released = np.array(measurement([int(c) for c in counts.ravel()]), dtype=np.int64)
    # Clamping is post-processing: it costs no privacy and a count of patients is never negative.
    return np.maximum(released, 0).reshape(counts.shape), float(scale)
