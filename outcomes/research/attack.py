"""The attacker's linear program: how tightly published values pin down a suppressed cell.

The attacker knows every published value and that zeros are published, so each suppressed
cell is at least 1; the release is protected when every primary
cell can still reach the protection level (u >= 11) and no suppressed cell is pinned.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linprog

from outcomes.research.cube import ALL
from outcomes.research.disclosure import Release
from outcomes.research.suppression import PRIMARY, PUBLISHED

Equations = tuple[sparse.csr_matrix, npt.NDArray[np.float64]]
"""Rows over the interior cells and the values they sum to."""


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


def suppressed_rows(release: Release) -> sparse.csr_matrix:
    """The suppressed cells of a release, each at least 1 since zeros are published."""
    shape = tuple(len(d.categories) for d in release.dimensions)
    return cell_rows(shape)[release.status.ravel() != PUBLISHED]


def _bounds(
    equations: Equations, at_least_one: sparse.csr_matrix | None
) -> dict[str, Any]:
    a_eq, b_eq = equations
    problem: dict[str, Any] = {"A_eq": a_eq, "b_eq": b_eq, "bounds": (0, None), "method": "highs"}
    if at_least_one is not None and at_least_one.shape[0]:
        problem.update(A_ub=-at_least_one, b_ub=-np.ones(at_least_one.shape[0]))
    return problem


def greatest(equations: Equations, target: sparse.csr_matrix,
             at_least_one: sparse.csr_matrix | None = None) -> float:
    """The greatest value of target over non-negative tables meeting the equations."""
    high = linprog(-target.toarray().ravel(), **_bounds(equations, at_least_one))
    if high.status == 2:
        raise ValueError("the published values are inconsistent")
    return np.inf if high.status == 3 else float(-high.fun)


def least(equations: Equations, target: sparse.csr_matrix,
          at_least_one: sparse.csr_matrix | None = None) -> float:
    """The least value of target over non-negative tables meeting the equations."""
    low = linprog(target.toarray().ravel(), **_bounds(equations, at_least_one))
    if low.status == 2:
        raise ValueError("the published values are inconsistent")
    return float(low.fun)


def feasible_interval(
    equations: Equations, target: sparse.csr_matrix,
    at_least_one: sparse.csr_matrix | None = None,
) -> tuple[float, float]:
    """The least and greatest value of target over non-negative tables meeting the equations,
    where every row of `at_least_one` sums to 1 or more."""
    return (least(equations, target, at_least_one),
            greatest(equations, target, at_least_one))


def unprotected_cells(release: Release) -> list[tuple[str, ...]]:
    """Suppressed cells an attacker pins down, and primary cells it proves below protection.

    The attacker models every suppressed cell as at least 1 (zeros are published). Each
    solution found is a table the attacker cannot rule out, so a cell already seen at the
    protection level (primary) or at two values (complementary) needs no program of its own.
    """
    shape = tuple(len(d.categories) for d in release.dimensions)
    rows = cell_rows(shape)
    problem = _bounds(release_equations(release), suppressed_rows(release))
    labels = [(*d.categories, ALL) for d in release.dimensions]
    seen: list[npt.NDArray[np.float64]] = []
    exposed = []
    for index in np.argwhere(release.status != PUBLISHED):
        flat = int(np.ravel_multi_index(tuple(index), release.status.shape))
        objective = rows[flat].toarray().ravel()
        values = [float(objective @ x) for x in seen]
        primary = release.status[tuple(index)] == PRIMARY
        if values and (max(values) >= release.protection - 1e-6 if primary
                       else max(values) - min(values) >= 1 - 1e-6):
            continue
        high = linprog(-objective, **problem)
        if high.status == 2:
            raise ValueError("the published values are inconsistent")
        top = np.inf if high.status == 3 else float(-high.fun)
        if high.status == 0:
            seen.append(high.x)
        if primary:
            # The true count, below the threshold, is feasible: reaching protection is enough.
            exposed_here = top < release.protection - 1e-6
        else:
            low = linprog(objective, **problem)
            seen.append(low.x)
            exposed_here = top - float(low.fun) < 1 - 1e-6
        if exposed_here:
            exposed.append(tuple(cats[i] for cats, i in zip(labels, index, strict=True)))
    return exposed
