"""Statistical disclosure control for research exports: releases, slices and manifests.

One table is computed once per data snapshot as the full cube over all its dimensions,
filter dimensions (year, condition, treatment...) included, and suppressed once with all of
its margins (see `suppression`). Every export is a slice of that release: each number it
shows is a release cell or a sum and difference of published release cells, so nothing in
any slice, or in any combination of slices of the same snapshot, says more than the release,
whose suppressed cells are protected against the whole linear system of cells and margins.

Tables of one export that share a margin (patients by condition x sex and by condition x
age band share the condition totals) are slices of one joint cube (condition x age band x
sex): the shared totals are then literally the same release cells, and the joint release's
protection covers every combination of its margins, which one-suppression-per-table cannot.

What a slice shows is a function of the release's published values and of which cells are
suppressed, never of a hidden count: a derived value is a sum and difference of published
cells, an empty cell only says "suppressed" (never why: a primary 1 to 10 and a
complementary cell look the same, in the files and in the manifest), and an omitted row only
says "zero", which the attacker the suppression is built against already models (every
suppressed cell at least 1). So all slices of one snapshot together tell an attacker no more
than the release, whose primary cells keep the interval rule (see `suppression`).

Differencing across snapshots (new patients arriving) is outside this guarantee; noise
(`epsilon`) or coarser time dimensions address it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import product
from typing import Any

import numpy as np
import numpy.typing as npt

from outcomes.research.cube import ALL, Counts, Cube, Dimension
from outcomes.research.privacy import MECHANISM, PrivacyBudget, noisy_counts
from outcomes.research.suppression import COMPLEMENTARY, PRIMARY, PUBLISHED, Status, suppress

DEFAULT_THRESHOLD = 11

Row = tuple[tuple[str, ...], int | None]


@dataclass(frozen=True)
class Noise:
    """How a release was noised, recorded for its manifest."""

    epsilon: Decimal
    scale: float
    contributions: int
    mechanism: str = MECHANISM


@dataclass(frozen=True, eq=False)
class Release:
    """A suppressed (optionally noised) cube with all margins; holds published values only."""

    dimensions: tuple[Dimension, ...]
    values: Counts
    status: Status
    threshold: int
    protection: int
    noise: Noise | None = None

    @property
    def primary(self) -> int:
        """Number of cells suppressed for being from 1 to threshold - 1."""
        return int((self.status == PRIMARY).sum())

    @property
    def complementary(self) -> int:
        """Number of cells suppressed to protect the primary ones."""
        return int((self.status == COMPLEMENTARY).sum())

    def value(self, key: Sequence[str]) -> int | None:
        """A published cell or margin (ALL where summed), None when suppressed."""
        index = tuple(d.index(c) for d, c in zip(self.dimensions, key, strict=True))
        return int(self.values[index]) if self.status[index] == PUBLISHED else None

    def to_json(self) -> str:
        """Serialise the release so it can be stored once and served again unchanged."""
        published = self.status.ravel() == PUBLISHED
        return json.dumps(
            {
                "dimensions": [[d.name, list(d.categories)] for d in self.dimensions],
                "threshold": self.threshold,
                "protection": self.protection,
                "noise": None
                if self.noise is None
                else {
                    "epsilon": str(self.noise.epsilon),
                    "scale": self.noise.scale,
                    "contributions": self.noise.contributions,
                    "mechanism": self.noise.mechanism,
                },
                "values": [
                    int(v) if ok else None
                    for v, ok in zip(self.values.ravel(), published, strict=True)
                ],
                "status": self.status.ravel().tolist(),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Release:
        """Load a release written by to_json."""
        data = json.loads(text)
        dimensions = tuple(Dimension(name, tuple(cats)) for name, cats in data["dimensions"])
        shape = tuple(len(d.categories) + 1 for d in dimensions)
        noise = data["noise"]
        return cls(
            dimensions=dimensions,
            values=np.array([v or 0 for v in data["values"]], dtype=np.int64).reshape(shape),
            status=np.array(data["status"], dtype=np.int8).reshape(shape),
            threshold=data["threshold"],
            protection=data["protection"],
            noise=None
            if noise is None
            else Noise(
                Decimal(noise["epsilon"]),
                noise["scale"],
                noise["contributions"],
                noise["mechanism"],
            ),
        )


def build_release(
    cube: Cube,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    protection: int | None = None,
    epsilon: Decimal | str | None = None,
    contributions: int = 1,
) -> Release:
    """Suppress a cube and all its margins once; with epsilon, noise the counts first."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    noise = None
    if epsilon is not None:
        eps = Decimal(epsilon)
        counts, scale = noisy_counts(cube.counts, eps, contributions)
        # Margins are sums of the noisy cells: consistent, and post-processing costs no epsilon.
        cube = Cube(cube.dimensions, counts)
        noise = Noise(eps, scale, contributions)
    protection = threshold if protection is None else protection
    extended = cube.extended()
    status = suppress(extended, threshold, protection)
    return Release(
        dimensions=cube.dimensions,
        values=np.where(status == PUBLISHED, extended, 0),
        status=status,
        threshold=threshold,
        protection=protection,
        noise=noise,
    )


@dataclass(frozen=True)
class PublishedTable:
    """What a researcher receives: one slice of a release, its totals and its protection."""

    dimensions: tuple[str, ...]
    filters: Mapping[str, tuple[str, ...]]
    rows: tuple[Row, ...]
    totals: tuple[Row, ...]
    threshold: int
    noise: Noise | None

    @property
    def suppressed(self) -> int:
        """How many cells of the slice are suppressed, whatever the reason."""
        return sum(value is None for _, value in (*self.rows, *self.totals))

    @property
    def published(self) -> int:
        """How many cells of the slice show a count above zero."""
        return sum(bool(value) for _, value in (*self.rows, *self.totals))


def slice_release(
    release: Release,
    filters: Mapping[str, Sequence[str]] | None = None,
    dimensions: Sequence[str] | None = None,
) -> PublishedTable:
    """The table over `dimensions` (default: all) of the patients within `filters`."""
    names = [d.name for d in release.dimensions]
    shown = list(names if dimensions is None else dimensions)
    filters = filters or {}
    for name in [*shown, *filters]:
        if name not in names:
            raise KeyError(f"unknown dimension {name!r}")
    if len(set(shown)) != len(shown):
        raise ValueError("a dimension is shown twice")
    selection: list[list[int]] = []
    for dim in release.dimensions:
        chosen = filters.get(dim.name, dim.categories)
        indices = sorted({dim.index(c) for c in chosen if c != ALL})
        if not indices:
            raise ValueError(f"the filter on {dim.name!r} selects nothing")
        selection.append(indices)

    by_name = {d.name: (i, d) for i, d in enumerate(release.dimensions)}
    labels = [
        [*(by_name[n][1].categories[i] for i in selection[by_name[n][0]]), ALL] for n in shown
    ]
    values = _slice_values(release, selection, [n in shown for n in names])
    # The computed axes follow the release's order; the table lists them in `shown` order.
    order = [names.index(n) for n in shown]
    values = values.reshape([v for i, v in enumerate(values.shape) if names[i] in shown])
    kept = [names.index(n) for n in names if n in shown]
    values = values.transpose([kept.index(axis) for axis in order])
    rows: list[Row] = []
    totals: list[Row] = []
    for key, value in zip(product(*labels), values.ravel().tolist(), strict=True):
        (totals if ALL in key else rows).append((key, None if value < 0 else value))
    return PublishedTable(
        dimensions=tuple(shown),
        filters={
            d.name: tuple(d.categories[i] for i in sel)
            for d, sel in zip(release.dimensions, selection, strict=True)
            if d.name in filters
        },
        rows=tuple(rows),
        totals=tuple(totals),
        threshold=release.threshold,
        noise=release.noise,
    )


_ALTERNATIVES = 2


def _axis_maps(
    size: int, chosen: list[int], shown: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """How one axis of the slice is read from the release's axis, in two alternatives.

    Returns maps[alternative, output position, release position] of signs, and the release
    position each output position reads alone (-1 when it sums several). A shown axis has
    one output per chosen category and one for all of them; a hidden axis only the latter.
    A partial selection is its own sum, or the total minus the unselected categories.
    """
    total = size - 1
    outputs = [[i] for i in chosen] if shown else []
    outputs.append(chosen)
    maps = np.zeros((_ALTERNATIVES, len(outputs), size))
    single = np.full(len(outputs), -1, dtype=np.intp)
    for position, cells in enumerate(outputs):
        rest = [i for i in range(total) if i not in cells]
        if not rest:
            maps[:, position, total] = 1
            single[position] = total
        elif len(cells) == 1:
            maps[:, position, cells[0]] = 1
            single[position] = cells[0]
        else:
            maps[0, position, cells] = 1
            maps[1, position, total] = 1
            maps[1, position, rest] = -1
    return maps, single


def _slice_values(
    release: Release, selection: list[list[int]], shown: list[bool]
) -> npt.NDArray[np.int64]:
    """Every cell of a slice at once: its value, or -1 where suppressed.

    A cell is published through the first combination of alternatives (in the order of
    `itertools.product` over the axes) that reads published release cells only; a derived
    value from 1 to threshold - 1 is suppressed, though derivable, so a small count is never
    printed. Both decisions read published values and the suppression pattern only.
    """
    per_axis = [
        _axis_maps(size, chosen, show)
        for size, chosen, show in zip(release.values.shape, selection, shown, strict=True)
    ]
    values = release.values.astype(np.float64)
    hidden = (release.status != PUBLISHED).astype(np.float64)
    result = np.full([len(single) for _, single in per_axis], -1, dtype=np.int64)
    unresolved = np.ones(result.shape, dtype=bool)
    needs_both = [bool((maps[0] != maps[1]).any()) for maps, _ in per_axis]
    for choice in product(*(range(_ALTERNATIVES if both else 1) for both in needs_both)):
        total, touched = values, hidden
        for axis, ((maps, _), alternative) in enumerate(zip(per_axis, choice, strict=True)):
            total = _apply(total, maps[alternative], axis)
            touched = _apply(touched, np.abs(maps[alternative]), axis)
        readable = unresolved & (touched == 0)
        derived = np.rint(total).astype(np.int64)
        is_small = readable & (derived > 0) & (derived < release.threshold)
        result[readable & ~is_small] = derived[readable & ~is_small]
        unresolved &= ~readable
    return result


def _apply(array: npt.NDArray[np.float64], matrix: npt.NDArray[np.float64],
           axis: int) -> npt.NDArray[np.float64]:
    """Map one axis of an array through a matrix (outputs x inputs)."""
    return np.moveaxis(np.tensordot(matrix, array, axes=([1], [axis])), 0, axis)


RULE = (
    "Counts from 1 to threshold - 1 are suppressed (shown empty), and so are as many other "
    "cells as it takes, chosen by complementary suppression, that no combination of published "
    "numbers in any export of this snapshot proves a suppressed count to be below the "
    "threshold: even knowing that every suppressed cell is at least 1, every suppressed count "
    "from 1 to threshold - 1 could be threshold or more, and no suppressed cell has only one "
    "possible value. Empty cells do not say why they are suppressed. Zeros are published: a "
    "combination of categories that is not listed has no patients."
)


def manifest(
    tables: Mapping[str, PublishedTable],
    *,
    snapshot_at: datetime,
    software_version: str,
    budget: PrivacyBudget | None = None,
) -> dict[str, Any]:
    """How an export was protected: tables, filters, threshold, suppression, noise, budget."""
    return {
        "tables": {
            name: {
                "dimensions": list(table.dimensions),
                "filters": {dim: list(cats) for dim, cats in table.filters.items()},
                "threshold": table.threshold,
                # One number: the reason a cell is suppressed (small, or protecting a small
                # one) would tell an attacker which cells are from 1 to 10.
                "suppressed_cells": table.suppressed,
                "noise": None
                if table.noise is None
                else {"mechanism": table.noise.mechanism, "epsilon": str(table.noise.epsilon)},
            }
            for name, table in tables.items()
        },
        "rule": RULE,
        "budget": None
        if budget is None
        else {
            "total": str(budget.total),
            "spent": str(budget.spent),
            "left": str(budget.remaining),
        },
        "snapshot_at": snapshot_at.isoformat(),
        "software_version": software_version,
    }
