"""Primary and complementary cell suppression over a table and all of its margins.

The table is an "extended" array: each axis holds its categories followed by their total,
so one array carries the interior cells and every margin, tied by the equations
"categories sum to their total" along every axis.

Protection rule (the interval rule): the attacker knows every published value, every
equation, which cells are suppressed, that zeros are published (so every suppressed cell is
at least 1) and that counts are whole numbers. For every primary cell that attacker's
feasible range must reach `protection` (default: the threshold, 11): [>= 1, u] with u >= 11,
so no linear or integer program can prove the cell is small; and no suppressed cell may be
pinned to one value.

Algorithm (the hypercube method of tau-argus' GHMITER, made exact for margins): for each
primary cell, in a fixed order, choose one hypercube of 2^d cells around it and suppress
its corners. Along each axis the cell pairs with another category (signs +, -) or with the
total (signs +, +); the product of these sign vectors is a direction that keeps every
equation true, so moving the suppressed corners along it by any integer t in
[-(min(+corners) - 1), min(-corners) - 1] is an integer table, every suppressed cell still at
least 1, that agrees with all published values. That is an explicit certificate of each
corner's range, so no linear program is needed to trust the result (tests and
`attack.unprotected_cells` check it with one): a + corner q reaches q + min(-corners) - 1,
a - corner q reaches q + min(+corners) - 1, and the hypercube protects each primary corner
whose reach is at least `protection`.
Among hypercubes with no zero corner whose certified reach for the cell is enough, the one
adding the least suppressed count wins, then the fewest new cells, then the first in
index order, which makes the pattern deterministic. One hypercube always qualifies, so the
search never fails: every corner sign is + (reach unbounded) when the cell pairs with the
total on each axis where it holds a category, and, on each axis where it holds the total,
with the category of one non-zero interior cell under it (the "witness"), whose value
bounds every corner from below.

The search is bounded: along each axis only a shortlist of partners is tried (the total,
then partners already suppressed, then the smallest), so that at most `SEARCH_BUDGET`
hypercubes are weighed per primary cell whatever the table's size. Without the bound a
five-dimensional table of a few million cells weighs millions of hypercubes per cell and
the whole catalogue takes hours; with it the cost grows with the number of primary cells
only. The pattern may suppress a little more than the unbounded search would; every
hypercube kept still carries its exact certificate, so protection is unchanged.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from outcomes.research.cube import Counts

PUBLISHED, PRIMARY, COMPLEMENTARY = 0, 1, 2

Status = npt.NDArray[np.int8]
Cell = tuple[int, ...]

_UNBOUNDED = np.int64(2**62)
SEARCH_BUDGET = 256
"""At most this many hypercubes are weighed for one primary cell."""


def primary_cells(extended: Counts, threshold: int) -> npt.NDArray[np.bool_]:
    """Cells from 1 to threshold - 1, the ones that could single out a few patients."""
    # Zeros are published, as CMS's rule allows: an empty cell describes nobody. They also
    # stay fixed in every attack, which is why hypercubes with a zero corner are refused.
    return (extended >= 1) & (extended < threshold)


def suppress(extended: Counts, threshold: int, protection: int) -> Status:
    """Status of every cell of an extended table: published, primary or complementary."""
    primary = primary_cells(extended, threshold)
    suppressed = primary.copy()
    protected = np.zeros_like(primary)
    for cell in _protection_order(extended, primary):
        if protected[cell]:
            continue
        for corner, reach in _best_hypercube(extended, suppressed, cell, protection):
            suppressed[corner] = True
            protected[corner] |= reach >= protection
    status = np.full(extended.shape, PUBLISHED, dtype=np.int8)
    status[suppressed] = COMPLEMENTARY
    status[primary] = PRIMARY
    return status


def _protection_order(extended: Counts, primary: npt.NDArray[np.bool_]) -> list[Cell]:
    """Margins before interior cells, then smallest first, then index order."""

    # Margin hypercubes reach into the interior and often protect interior cells for free.
    def order(cell: Cell) -> tuple[int, int, Cell]:
        totals = sum(i == size - 1 for i, size in zip(cell, extended.shape, strict=True))
        return -totals, int(extended[cell]), cell

    return sorted((tuple(int(i) for i in cell) for cell in np.argwhere(primary)), key=order)


def _best_hypercube(
    extended: Counts, suppressed: npt.NDArray[np.bool_], cell: Cell, protection: int
) -> list[tuple[Cell, int]]:
    """The corners of the cheapest hypercube around a cell whose certified reach suffices,
    the cell first, each with the greatest value the hypercube lets an attacker give it."""
    ndim = extended.ndim
    value = extended[cell]
    # Partners kept per axis: the shortlists' product stays within the search budget.
    keep = max(2, int(SEARCH_BUDGET ** (1 / ndim)))
    witness = _witness(extended, cell)
    # Row m of `moved` says on which axes corner m takes the partner instead of the cell.
    moved = (np.arange(1, 2**ndim)[:, None] >> np.arange(ndim)) & 1 == 1
    partners, index = [], []
    sign = np.ones((len(moved),) + (1,) * ndim, dtype=np.int64)
    for axis, (size, own) in enumerate(zip(extended.shape, cell, strict=True)):
        total = size - 1
        others = np.arange(total) if own == total else np.delete(np.arange(size), own)
        signs = np.where((others == total) | (own == total), 1, -1)
        # The corner that differs from the cell on this axis alone already bounds the reach:
        # a zero there is fatal, and a - corner c caps the cell at value + c - 1.
        line = tuple(others if a == axis else i for a, i in enumerate(cell))
        swapped = extended[line]
        useful = np.flatnonzero(
            (swapped > 0) & ((signs > 0) | (swapped >= protection + 1 - value)))
        if len(useful) > keep:
            must = others == (witness[axis] if own == total else total)
            useful = _shortlist(useful, must, suppressed[line], swapped, keep)
        partners.append(others[useful])
        shape = [1] * (ndim + 1)
        shape[axis + 1] = len(partners[-1])
        take = moved[:, axis].reshape((-1,) + (1,) * ndim)
        index.append(np.where(take, partners[-1].reshape(shape), own))
        sign = sign * np.where(take, signs[useful].reshape(shape), 1)

    corners = extended[tuple(index)]
    fresh = ~suppressed[tuple(index)]
    sign = np.broadcast_to(sign, corners.shape)
    # Every suppressed cell stays at least 1: + corners (the cell among them) fall until one
    # reaches 1, - corners rise as far; - corners fall until one reaches 1, + corners rise.
    fall = np.minimum(np.where(sign > 0, corners, _UNBOUNDED).min(axis=0), value) - 1
    rise = np.where(sign < 0, corners, _UNBOUNDED).min(axis=0) - 1
    cost = (corners * fresh).sum(axis=0).ravel()
    new_cells = fresh.sum(axis=0).ravel()
    candidates = np.flatnonzero(~(corners == 0).any(axis=0) & (value + rise >= protection))
    best = candidates[np.lexsort((candidates, new_cells[candidates], cost[candidates]))[0]]
    at = np.unravel_index(best, rise.shape)
    chosen = [int(p[i]) for p, i in zip(partners, at, strict=True)]
    up, down = int(min(rise[at], _UNBOUNDED // 2)), int(min(fall[at], _UNBOUNDED // 2))
    hypercube = [(cell, int(value) + up)]
    for m in range(len(moved)):
        corner = tuple(chosen[a] if moved[m, a] else cell[a] for a in range(ndim))
        hypercube.append((corner, int(extended[corner]) + (up if sign[(m, *at)] > 0 else down)))
    return hypercube


def _witness(extended: Counts, cell: Cell) -> Cell:
    """The largest interior cell under a cell: its categories where the cell holds totals."""
    below = tuple(
        slice(0, size - 1) if own == size - 1 else own
        for own, size in zip(cell, extended.shape, strict=True)
    )
    within = np.unravel_index(int(np.argmax(extended[below])), extended[below].shape)
    coordinates = iter(int(i) for i in within)
    return tuple(next(coordinates) if own == size - 1 else own
                 for own, size in zip(cell, extended.shape, strict=True))


def _shortlist(
    useful: npt.NDArray[np.intp],
    must: npt.NDArray[np.bool_],
    suppressed: npt.NDArray[np.bool_],
    swapped: Counts,
    keep: int,
) -> npt.NDArray[np.intp]:
    """The `keep` most promising partners along one axis, in index order.

    First the partner of the hypercube that always qualifies (the total, or the witness's
    category), then partners whose cell next to the primary is already suppressed (free),
    then the smallest: the cheapest hypercubes are among these in practice.
    """
    order = np.lexsort((useful, swapped[useful], ~suppressed[useful], ~must[useful]))
    return np.sort(useful[order[:keep]])
