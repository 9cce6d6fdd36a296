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

    The attacker models every suppressed cell as at least 1 (zeros are published); see
    `exposed_targets` for how the programs are solved.
    """
    shape = tuple(len(d.categories) for d in release.dimensions)
    problem = _bounds(release_equations(release), suppressed_rows(release))
    labels = [(*d.categories, ALL) for d in release.dimensions]
    indices = np.argwhere(release.status != PUBLISHED)
    flat = np.ravel_multi_index(tuple(indices.T), release.status.shape)
    primary = release.status.ravel()[flat] == PRIMARY
    exposed = exposed_targets(problem, cell_rows(shape)[flat], primary, release.protection)
    return [tuple(cats[i] for cats, i in zip(labels, indices[k], strict=True))
            for k in exposed]


_TOLERANCE = 1e-6


def exposed_targets(
    problem: dict[str, Any], targets: sparse.csr_matrix, primary: npt.NDArray[np.bool_],
    protection: float,
) -> list[int]:
    """Which targets (rows over the program's variables) the attacker's program exposes.

    A primary target is exposed when its greatest feasible value is below `protection`; any
    other target when its greatest and least feasible values are less than 1 apart.

    Every feasible solution found is a table the attacker cannot rule out, so a target already
    seen at `protection` (primary) or at two values 1 apart (other) needs no program of its
    own. Solutions are first sought for many targets at once: one program pushes every open
    target towards the value that would settle it (up, then down), which settles most of
    them; the programs of the rest, one or two per target, decide.
    """
    targets = sparse.csr_matrix(targets)
    count, size = targets.shape
    low, high = np.full(count, np.inf), np.full(count, -np.inf)

    def see(x: npt.NDArray[np.float64]) -> None:
        values = targets @ x
        np.minimum(low, values, out=low)
        np.maximum(high, values, out=high)

    def unsettled() -> npt.NDArray[np.bool_]:
        return ~np.where(primary, high >= protection - _TOLERANCE,
                         high - low >= 1 - _TOLERANCE)

    def solve(objective: npt.NDArray[np.float64], **extra: Any) -> Any:
        result = linprog(objective, **{**problem, **extra})
        if result.status == 2:
            raise ValueError("the published values are inconsistent")
        return result

    start = solve(np.zeros(size))
    if start.status == 0:
        see(start.x)
    _settle_together(problem, targets, primary, protection, solve, see, unsettled, low, high)

    exposed = []
    for k in np.flatnonzero(unsettled()):
        if not unsettled()[k]:
            continue
        objective = targets[k].toarray().ravel()
        top_result = solve(-objective)
        top = np.inf if top_result.status == 3 else float(-top_result.fun)
        if top_result.status == 0:
            see(top_result.x)
        if primary[k]:
            # The true count, below the threshold, is feasible: reaching protection is enough.
            exposed_here = top < protection - _TOLERANCE
        else:
            bottom = solve(objective)
            see(bottom.x)
            exposed_here = top - float(bottom.fun) < 1 - _TOLERANCE
        if exposed_here:
            exposed.append(int(k))
    return exposed


def _settle_together(
    problem: dict[str, Any], targets: sparse.csr_matrix, primary: npt.NDArray[np.bool_],
    protection: float, solve: Any, see: Any, unsettled: Any,
    low: npt.NDArray[np.float64], high: npt.NDArray[np.float64],
) -> None:
    """Programs over many targets at once, each solution a table the attacker can't rule out.

    Each target k gets a variable t_k <= its value (up) or <= minus its value (down), capped
    at the value that would settle it; the program maximises the sum of the t_k. Rounds go on
    while they settle targets.
    """
    size = targets.shape[1]
    a_ub, b_ub = problem.get("A_ub"), problem.get("b_ub")
    for _round in range(12):
        settled_before = int((~unsettled()).sum())
        for direction in (1, -1):
            # Down: only the targets that are not primary need a second value.
            chosen = np.flatnonzero(unsettled() if direction > 0 else unsettled() & ~primary)
            if not len(chosen):
                continue
            if direction > 0:
                goal = np.where(primary[chosen], protection,
                                np.where(np.isfinite(low[chosen]), low[chosen] + 1, protection))
            else:
                goal = -(high[chosen] - 1)
            m = len(chosen)
            # t_k - direction * target_k . x <= 0
            rows = sparse.hstack([-direction * targets[chosen], sparse.identity(m)]).tocsr()
            if a_ub is not None:
                rows = sparse.vstack([sparse.hstack(
                    [a_ub, sparse.csr_matrix((a_ub.shape[0], m))]), rows]).tocsr()
                bounds_ub = np.concatenate([b_ub, np.zeros(m)])
            else:
                bounds_ub = np.zeros(m)
            a_eq = problem["A_eq"]
            extra = {
                "A_eq": sparse.hstack([a_eq, sparse.csr_matrix((a_eq.shape[0], m))]).tocsr(),
                "A_ub": rows, "b_ub": bounds_ub,
                "bounds": [(0, None)] * size + [(None, float(g)) for g in goal],
            }
            result = solve(np.concatenate([np.zeros(size), -np.ones(m)]), **extra)
            if result.status == 0:
                see(result.x[:size])
        if int((~unsettled()).sum()) == settled_before:
            return
