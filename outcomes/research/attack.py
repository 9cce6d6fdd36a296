"""The attacker's linear program: how tightly published values pin down a suppressed cell."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linprog

from outcomes.research.cube import ALL
from outcomes.research.disclosure import Release
from outcomes.research.suppression import PRIMARY, PUBLISHED

Equations = tuple[sparse.csr_matrix, npt.NDArray[np.float64]]


def selection_row(shape: Sequence[int], selection: Sequence[Sequence[int]]) -> sparse.csr_matrix:
    """The 0/1 row over interior cells that sums a product of category sets."""
    vectors = []
    for size, chosen in zip(shape, selection, strict=True):
        vector = np.zeros(size)
        vector[list(chosen)] = 1
        vectors.append(sparse.csr_matrix(vector))
    return sparse.csr_matrix(reduce(sparse.kron, vectors))


def cell_rows(shape: Sequence[int]) -> sparse.csr_matrix:
    """One row per cell of the extended table (row-major), summing the interior cells it covers."""
    # Along each axis a category is itself and the total is all categories: stack I over ones.
    blocks = [sparse.vstack([sparse.identity(n), np.ones((1, n))]) for n in shape]
    return sparse.csr_matrix(reduce(sparse.kron, blocks))


def release_equations(release: Release) -> Equations:
    """Every published value of a release as an equation over its interior cells."""
    shape = tuple(len(d.categories) for d in release.dimensions)
    published = release.status.ravel() == PUBLISHED
    return cell_rows(shape)[published], release.values.ravel()[published].astype(np.float64)


def feasible_interval(equations: Equations, target: sparse.csr_matrix) -> tuple[float, float]:
    """The least and greatest value of target over non-negative tables meeting the equations."""
    a_eq, b_eq = equations
    objective = target.toarray().ravel()
    bounds = (0, None)
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if low.status == 2 or high.status == 2:
        raise ValueError("the published values are inconsistent")
    return float(low.fun), np.inf if high.status == 3 else float(-high.fun)


def unprotected_cells(release: Release) -> list[tuple[str, ...]]:
    """Primary cells whose feasible interval is narrower than the release's protection."""
    shape = tuple(len(d.categories) for d in release.dimensions)
    rows = cell_rows(shape)
    equations = release_equations(release)
    labels = [(*d.categories, ALL) for d in release.dimensions]
    exposed = []
    for index in np.argwhere(release.status == PRIMARY):
        flat = int(np.ravel_multi_index(tuple(index), release.status.shape))
        low, high = feasible_interval(equations, rows[flat])
        if high - low < release.protection - 1e-6:
            exposed.append(tuple(cats[i] for cats, i in zip(labels, index, strict=True)))
    return exposed
