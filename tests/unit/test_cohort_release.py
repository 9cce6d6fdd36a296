"""A narrowed report's release decides every view at once over the array: the same cells as
deciding view by view, widest first, with the rule written out plainly (the oracle here)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes.reports.cohorts import _extended, _released
from outcomes.research.suppression import PRIMARY, PUBLISHED


def view_by_view(counts: np.ndarray, fewer_than: int, offered: np.ndarray) -> np.ndarray:
    values = _extended(counts)
    total = [n - 1 for n in values.shape]
    status = np.full(values.shape, PRIMARY, dtype=np.int8)
    widest_first = sorted((tuple(int(i) for i in cell) for cell in np.argwhere(offered)),
                          key=lambda cell: -sum(i == t for i, t in zip(cell, total, strict=True)))
    for cell in widest_first:
        value = int(values[cell])
        if 0 < value < fewer_than:
            continue
        narrowed = [axis for axis, i in enumerate(cell) if i != total[axis]]
        wider_views = [tuple(total[a] if a in dropped else i for a, i in enumerate(cell))
                       for size in range(1, len(narrowed) + 1)
                       for dropped in itertools.combinations(narrowed, size)]
        if not any(status[wider] == PUBLISHED and 0 < int(values[wider]) - value < fewer_than
                   for wider in wider_views):
            status[cell] = PUBLISHED
    return status


@settings(max_examples=300, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), mean=st.sampled_from(
    [0.5, 2.0, 5.0, 20.0]), seed=st.integers(0, 2**32 - 1), fewer_than=st.sampled_from([3, 5]))
def test_deciding_at_once_equals_deciding_view_by_view(shape: list[int], mean: float, seed: int,
                                                      fewer_than: int) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(mean, size=tuple(shape))
    offered = rng.random(tuple(n + 1 for n in shape)) < 0.85
    released = _released(counts, fewer_than, offered)
    assert (released.extended == _extended(counts)).all()
    assert (released.status == view_by_view(counts, fewer_than, offered)).all()
