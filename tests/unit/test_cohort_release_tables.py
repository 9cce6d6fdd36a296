"""A narrowed report's tables are decided in one pass over them all, stacked: each exactly as
if decided alone (the existing view-by-view oracle checks deciding one table alone)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes.reports.cohorts import _extended, _released, _released_tables


@settings(max_examples=200, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), tables=st.integers(1, 5),
       mean=st.sampled_from([0.5, 2.0, 5.0, 20.0]), seed=st.integers(0, 2**32 - 1),
       fewer_than=st.sampled_from([3, 5]))
def test_tables_decided_together_equal_each_decided_alone(
        shape: list[int], tables: int, mean: float, seed: int, fewer_than: int) -> None:
    rng = np.random.default_rng(seed)
    stacked = rng.poisson(mean, size=(tables, *shape))
    offered = rng.random(tuple(n + 1 for n in shape)) < 0.85
    together = _released_tables(stacked, fewer_than, offered)
    assert len(together) == tables
    for counts, table in zip(stacked, together, strict=True):
        alone = _released(counts, fewer_than, offered)
        assert (table.extended == _extended(counts)).all()
        assert (table.status == alone.status).all()


def test_a_table_is_not_decided_by_its_neighbours() -> None:
    """A table whose narrow cells are all safe keeps them when stacked beside one whose
    differences would hide them (no operation crosses tables)."""
    safe = np.array([[10, 0], [0, 10]])
    risky = np.array([[3, 1], [1, 3]])
    offered = np.ones((3, 3), dtype=bool)
    first, second = _released_tables(np.stack([safe, risky]), 5, offered)
    assert (first.status == _released(safe, 5, offered).status).all()
    assert (second.status == _released(risky, 5, offered).status).all()
    assert not (first.status == second.status).all()
