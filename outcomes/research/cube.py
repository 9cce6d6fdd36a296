"""Aggregate tables of patient counts over named dimensions, with all their margins."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, product

import numpy as np
import numpy.typing as npt

ALL = "*"
"""The category of a margin: the total over every category of a dimension."""

Counts = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Dimension:
    """A named dimension with a finite, ordered list of categories."""

    name: str
    categories: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.categories:
            raise ValueError(f"dimension {self.name!r} has no categories")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError(f"dimension {self.name!r} repeats a category")
        if ALL in self.categories:
            raise ValueError(f"{ALL!r} is reserved for totals")

    def index(self, category: str) -> int:
        """Position of a category; the total (ALL) sits after the last one."""
        if category == ALL:
            return len(self.categories)
        try:
            return self.categories.index(category)
        except ValueError:
            raise KeyError(f"{category!r} is not a category of {self.name!r}") from None


@dataclass(frozen=True, eq=False)
class Cube:
    """Counts of distinct patients, one per combination of categories (the interior cells)."""

    dimensions: tuple[Dimension, ...]
    counts: Counts

    def __post_init__(self) -> None:
        if not self.dimensions:
            raise ValueError("a cube needs at least one dimension")
        if len({d.name for d in self.dimensions}) != len(self.dimensions):
            raise ValueError("dimension names must be unique")
        counts = np.array(self.counts, dtype=np.int64)
        if counts.shape != tuple(len(d.categories) for d in self.dimensions):
            raise ValueError(f"counts have shape {counts.shape}, dimensions need another")
        if (counts < 0).any():
            raise ValueError("counts cannot be negative")
        counts.flags.writeable = False
        object.__setattr__(self, "counts", counts)

    @classmethod
    def from_counts(
        cls, dimensions: Mapping[str, Sequence[str]], counts: Mapping[tuple[str, ...], int]
    ) -> Cube:
        """Build a cube from sparse counts keyed by category tuples; absent keys count 0."""
        dims = tuple(Dimension(name, tuple(cats)) for name, cats in dimensions.items())
        array = np.zeros(tuple(len(d.categories) for d in dims), dtype=np.int64)
        for key, count in counts.items():
            if len(key) != len(dims):
                raise KeyError(f"{key!r} does not name one category per dimension")
            array[tuple(d.index(c) for d, c in zip(dims, key, strict=True))] += count
        return cls(dims, array)

    @property
    def names(self) -> tuple[str, ...]:
        """The dimension names, in order."""
        return tuple(d.name for d in self.dimensions)

    def count(self, key: Sequence[str]) -> int:
        """The count of a cell, or of a margin where the key holds ALL."""
        index = tuple(d.index(c) for d, c in zip(self.dimensions, key, strict=True))
        return int(self.extended()[index])

    def margin(self, names: Iterable[str]) -> Cube:
        """The table over the named dimensions, summing out all others."""
        keep = set(names)
        unknown = keep - set(self.names)
        if unknown:
            raise KeyError(f"unknown dimensions {sorted(unknown)}")
        summed = tuple(i for i, d in enumerate(self.dimensions) if d.name not in keep)
        kept = tuple(d for d in self.dimensions if d.name in keep)
        if not kept:
            raise ValueError("a margin keeps at least one dimension; the grand total is count()")
        return Cube(kept, self.counts.sum(axis=summed))

    def margins(self) -> dict[tuple[str, ...], Cube]:
        """Every proper margin that keeps at least one dimension, keyed by the kept names."""
        return {
            kept: self.margin(kept)
            for size in range(len(self.names) - 1, 0, -1)
            for kept in combinations(self.names, size)
        }

    def extended(self) -> Counts:
        """The counts with a total appended to every axis: every cell and margin in one array."""
        array = self.counts
        for axis in range(array.ndim):
            array = np.concatenate([array, array.sum(axis=axis, keepdims=True)], axis=axis)
        return array

    def cells(self) -> Iterator[tuple[tuple[str, ...], int]]:
        """Every publishable cell, interior and margin, with ALL where a dimension is summed."""
        extended = self.extended()
        labels = [(*d.categories, ALL) for d in self.dimensions]
        for index in product(*(range(len(cats)) for cats in labels)):
            key = tuple(cats[i] for cats, i in zip(labels, index, strict=True))
            yield key, int(extended[index])


def fold_rare(cube: Cube, dimension: str, min_count: int, other: str = "Other") -> Cube:
    """Fold the categories of a dimension whose total is below min_count into `other`."""
    axis = cube.names.index(dimension)
    categories = cube.dimensions[axis].categories
    totals = cube.counts.sum(axis=tuple(i for i in range(cube.counts.ndim) if i != axis))
    # Empty categories fold too: keeping only them would tell that the folded ones are non-empty.
    rare = [i for i, cat in enumerate(categories) if totals[i] < min_count and cat != other]
    if not rare:
        return cube
    kept = [i for i in range(len(categories)) if i not in rare and categories[i] != other]
    folded = np.take(cube.counts, rare, axis=axis).sum(axis=axis, keepdims=True)
    if other in categories:
        folded = folded + np.take(cube.counts, [categories.index(other)], axis=axis)
    counts = np.concatenate([np.take(cube.counts, kept, axis=axis), folded], axis=axis)
    new_dimension = Dimension(dimension, (*(categories[i] for i in kept), other))
    dimensions = (*cube.dimensions[:axis], new_dimension, *cube.dimensions[axis + 1 :])
    return Cube(dimensions, counts)
