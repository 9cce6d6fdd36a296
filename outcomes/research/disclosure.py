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

Differencing across snapshots (new patients arriving) is outside this guarantee; noise
(`epsilon`) or coarser time dimensions address it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import reduce
from itertools import product
from typing import Any

import numpy as np

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
    primary: int
    complementary: int
    noise: Noise | None


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
    rows: list[Row] = []
    totals: list[Row] = []
    primary = complementary = 0
    for key in product(*labels):
        cells = list(selection)
        for name, category in zip(shown, key, strict=True):
            if category != ALL:
                axis, dim = by_name[name]
                cells[axis] = [dim.index(category)]
        value, is_primary = _slice_value(release, cells)
        if value is None:
            primary += is_primary
            complementary += not is_primary
        (totals if ALL in key else rows).append((key, value))
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
        primary=primary,
        complementary=complementary,
        noise=release.noise,
    )


def _slice_value(release: Release, cells: list[list[int]]) -> tuple[int | None, bool]:
    """The patients in a product of category sets, from published cells only; and if primary."""
    alternatives = []
    for axis, chosen in enumerate(cells):
        total = release.values.shape[axis] - 1
        rest = [i for i in range(total) if i not in chosen]
        if not rest:
            alternatives.append([([total], [1])])
        elif len(chosen) == 1:
            alternatives.append([(chosen, [1])])
        else:
            # A partial selection is its own sum, or the total minus the unselected categories.
            alternatives.append(
                [(chosen, [1] * len(chosen)), ([total, *rest], [1] + [-1] * len(rest))]
            )
    for choice in product(*alternatives):
        index = np.ix_(*(cats for cats, _ in choice))
        if (release.status[index] != PUBLISHED).any():
            continue
        signs = reduce(np.multiply.outer, [np.array(sign) for _, sign in choice])
        value = int((release.values[index] * signs).sum())
        # Derivable anyway, but a small count is never printed.
        if 0 < value < release.threshold:
            return None, True
        return value, False
    first = [alt[0][0] for alt in alternatives]
    if all(len(alt) == 1 and len(cats) == 1 for alt, cats in zip(alternatives, first, strict=True)):
        return None, bool(release.status[tuple(cats[0] for cats in first)] == PRIMARY)
    return None, False


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
                "suppressed": {"primary": table.primary, "complementary": table.complementary},
                "noise": None
                if table.noise is None
                else {"mechanism": table.noise.mechanism, "epsilon": str(table.noise.epsilon)},
            }
            for name, table in tables.items()
        },
        "rule": "counts from 1 to threshold - 1 suppressed, zeros published; complementary "
        "suppression so no suppressed cell can be narrowed below the threshold's width",
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
