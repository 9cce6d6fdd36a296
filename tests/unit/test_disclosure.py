"""Disclosure control: suppression, differencing attacks, slices, shared margins, noise, budget."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from outcomes.research.attack import (
    cell_rows,
    feasible_interval,
    release_equations,
    selection_row,
    suppressed_rows,
    unprotected_cells,
)
from outcomes.research.cube import ALL, Cube, Dimension, fold_rare
from outcomes.research.disclosure import (
    PublishedTable,
    Release,
    build_release,
    manifest,
    slice_release,
)
from outcomes.research.privacy import BudgetExceeded, PrivacyBudget
from outcomes.research.suppression import PRIMARY, PUBLISHED

YEARS = ("2019", "2020", "2021", "2022", "2023")


def make_cube(counts: np.ndarray, names: str = "abcd") -> Cube:
    """A cube whose dimension i is named names[i] with categories like a0, a1..."""
    dims = tuple(
        Dimension(name, tuple(f"{name}{i}" for i in range(size)))
        for name, size in zip(names, counts.shape, strict=False)
    )
    return Cube(dims, counts)


def patients(seed: int, shape: tuple[int, ...], mean: float = 14.0) -> np.ndarray:
    """Skewed small counts: many cells in 1..10, some zeros, some large."""
    rng = np.random.default_rng(seed)
    return rng.poisson(rng.gamma(1.2, mean / 1.2, shape))


cubes = st.integers(2, 3).flatmap(
    lambda ndim: st.tuples(*[st.integers(2, 4 if ndim == 2 else 3)] * ndim).flatmap(
        lambda shape: st.lists(
            st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 60)),
            min_size=int(np.prod(shape)),
            max_size=int(np.prod(shape)),
        ).map(lambda values: make_cube(np.array(values).reshape(shape)))
    )
)
quick = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def table_equations(dimensions: tuple[Dimension, ...], tables: list[PublishedTable]) -> tuple:
    """What an attacker holding these published tables knows, as equations over interior cells."""
    shape = tuple(len(d.categories) for d in dimensions)
    rows, values = [], []
    for table in tables:
        for key, value in (*table.rows, *table.totals):
            if value is None:
                continue
            selection = []
            for dim in dimensions:
                chosen = table.filters.get(dim.name, dim.categories)
                if dim.name in table.dimensions:
                    category = key[table.dimensions.index(dim.name)]
                    chosen = chosen if category == ALL else (category,)
                selection.append([dim.categories.index(c) for c in chosen])
            rows.append(selection_row(shape, selection))
            values.append(value)
    return sparse.csr_matrix(sparse.vstack(rows)), np.array(values, dtype=float)


def table_at_least_one(dimensions: tuple[Dimension, ...],
                       tables: list[PublishedTable]) -> sparse.csr_matrix:
    """What an attacker knows of the empty cells of published tables: each is at least 1."""
    shape = tuple(len(d.categories) for d in dimensions)
    rows = []
    for table in tables:
        for key, value in (*table.rows, *table.totals):
            if value is not None:
                continue
            selection = []
            for dim in dimensions:
                chosen = table.filters.get(dim.name, dim.categories)
                if dim.name in table.dimensions:
                    category = key[table.dimensions.index(dim.name)]
                    chosen = chosen if category == ALL else (category,)
                selection.append([dim.categories.index(c) for c in chosen])
            rows.append(selection_row(shape, selection))
    return sparse.csr_matrix(sparse.vstack(rows))


def assert_protected(release: Release, equations: tuple) -> None:
    """Knowing every suppressed cell is at least 1, an attacker pins no suppressed cell and
    proves no primary cell below the protection level (the interval rule, u >= 11)."""
    targets = cell_rows(tuple(len(d.categories) for d in release.dimensions))
    at_least_one = suppressed_rows(release)
    for flat, status in enumerate(release.status.ravel()):
        if status == PUBLISHED:
            continue
        low, high = feasible_interval(equations, targets[flat], at_least_one)
        assert low >= 1 - 1e-6 and high - low >= 1 - 1e-6
        if status == PRIMARY:
            assert high >= release.protection - 1e-6


def assert_no_small_counts(values: list[int | None]) -> None:
    assert all(v is None or v == 0 or v >= 11 for v in values)


@quick
@given(cube=cubes)
def test_no_published_cell_or_margin_from_1_to_10(cube: Cube) -> None:
    release = build_release(cube)
    assert_no_small_counts([release.value(key) for key, _ in cube.cells()])
    table = slice_release(release)
    assert_no_small_counts([v for _, v in (*table.rows, *table.totals)])


@quick
@given(cube=cubes, protection=st.sampled_from([11, 25]))
def test_no_suppressed_cell_can_be_recovered_from_the_published_system(
    cube: Cube, protection: int
) -> None:
    release = build_release(cube, protection=protection)
    assert_protected(release, release_equations(release))
    for key, true_count in cube.cells():
        published = release.value(key)
        assert published is None or published == true_count
        if 0 < true_count < 11:
            assert published is None


def test_zeros_are_published_and_large_cells_kept() -> None:
    release = build_release(make_cube(np.array([[0, 40, 50], [30, 0, 25]])))
    assert release.primary == release.complementary == 0
    assert release.value(("a0", "b0")) == 0
    assert release.value((ALL, ALL)) == 145


def test_margins_are_suppressed_too() -> None:
    cube = make_cube(np.array([[3, 0, 0], [40, 30, 20], [25, 35, 45]]))
    release = build_release(cube)
    assert release.value(("a0", ALL)) is None  # a row total of 3
    assert release.value((ALL, "b0")) == 68
    assert unprotected_cells(release) == []


def test_the_attacker_finds_a_cell_that_primary_suppression_alone_leaves_open() -> None:
    cube = make_cube(np.array([[5, 40], [30, 20]]))
    extended = cube.extended()
    status = np.where((extended > 0) & (extended < 11), PRIMARY, PUBLISHED).astype(np.int8)
    naive = Release(cube.dimensions, np.where(status == 0, extended, 0), status, 11, 11)
    assert unprotected_cells(naive) == [("a0", "b0")]
    assert unprotected_cells(build_release(cube)) == []


def test_suppression_is_deterministic() -> None:
    cube = make_cube(patients(3, (6, 5, 3)))
    first, second = build_release(cube), build_release(make_cube(cube.counts.copy()))
    assert first.complementary > 0
    assert np.array_equal(first.status, second.status)
    assert first.to_json() == second.to_json()


def test_a_release_survives_json_unchanged() -> None:
    release = build_release(make_cube(patients(4, (4, 3, 2))))
    again = Release.from_json(release.to_json())
    assert again.to_json() == release.to_json()
    assert slice_release(again) == slice_release(release)


@pytest.mark.parametrize("seed", range(4))
def test_overlapping_year_filters_never_reveal_a_suppressed_cell(seed: int) -> None:
    cube = Cube.from_counts(
        {"condition": ["asthma", "lupus", "ms"], "sex": ["female", "male"], "year": YEARS},
        {},
    )
    cube = Cube(cube.dimensions, patients(seed, (3, 2, 5), mean=9))
    release = build_release(cube)
    wide = slice_release(release, {"year": YEARS[1:]}, ["condition", "sex"])
    narrow = slice_release(release, {"year": YEARS[2:]}, ["condition", "sex"])
    for (key, a), (_, b) in zip(wide.rows, narrow.rows, strict=True):
        if a is not None and b is not None:
            # Their difference is the 2020 cell: it must have been published already.
            assert release.value((*key, "2020")) == a - b
    years = [
        slice_release(release, {"year": YEARS[i:j]}) for i in range(5) for j in range(i + 1, 6)
    ]
    assert_protected(release, table_equations(release.dimensions, years))


def test_tables_sharing_a_margin_do_not_reveal_each_other() -> None:
    joint = Cube.from_counts(
        {
            "condition": ["asthma", "lupus", "ms", "ra"],
            "age": ["18-39", "40-64", "65+"],
            "sex": ["female", "male"],
        },
        {},
    )
    joint = Cube(joint.dimensions, patients(11, (4, 3, 2), mean=10))
    release = build_release(joint)
    by_sex = slice_release(release, dimensions=["condition", "sex"])
    by_age = slice_release(release, dimensions=["condition", "age"])
    condition_totals = [row for row in by_sex.totals if row[0][1] == ALL]
    assert condition_totals == [row for row in by_age.totals if row[0][1] == ALL]
    assert release.primary > 0
    assert_protected(release, table_equations(release.dimensions, [by_sex, by_age]))


def test_protecting_tables_one_by_one_leaks_where_one_joint_release_does_not() -> None:
    joint = make_cube(
        np.array([[[0, 0], [1, 3], [0, 0]], [[8, 5], [0, 3], [12, 21]],
                  [[5, 16], [1, 6], [8, 18]]]),
        names="cas",
    )
    by_sex = slice_release(build_release(joint.margin(["c", "s"])))
    by_age = slice_release(build_release(joint.margin(["c", "a"])))
    assert ("c0", "a1") in [key for key, value in by_age.rows if value is None]
    c0_a1 = selection_row((3, 3, 2), [[0], [1], [0, 1]])
    equations = table_equations(joint.dimensions, [by_sex, by_age])
    known = table_at_least_one(joint.dimensions, [by_sex, by_age])
    assert feasible_interval(equations, c0_a1, known) == pytest.approx((4, 4))  # recovered

    release = build_release(joint)
    tables = [slice_release(release, dimensions=dims) for dims in (["c", "s"], ["c", "a"])]
    low, high = feasible_interval(table_equations(joint.dimensions, tables), c0_a1,
                                  table_at_least_one(joint.dimensions, tables))
    assert high >= 11 and low < high


def test_slices_sum_published_cells_and_suppress_what_they_cannot() -> None:
    cube = make_cube(patients(5, (4, 3, 5)))
    release = build_release(cube)
    table = slice_release(release, {"c": ["c1", "c2", "c3"], "a": ["a0", "a2"]}, ["b", "a"])
    assert table.dimensions == ("b", "a")
    assert table.filters == {"a": ("a0", "a2"), "c": ("c1", "c2", "c3")}
    assert len(table.rows) == 3 * 2 and len(table.totals) == 3 + 2 + 1
    for (b, a), value in table.rows:
        truth = cube.counts[int(a[1]), int(b[1]), 1:4].sum()
        assert value is None or value == truth
    assert table.suppressed == sum(v is None for _, v in (*table.rows, *table.totals)) > 0
    with pytest.raises(KeyError):
        slice_release(release, {"z": ["z0"]})
    with pytest.raises(KeyError):
        slice_release(release, {"a": ["nope"]})


def cell_by_cell(release: Release, cells: list[list[int]]) -> int | None:
    """One slice cell read the slow, obvious way: the first all-published derivation."""
    ways = []
    for axis, chosen in enumerate(cells):
        total = release.values.shape[axis] - 1
        rest = [i for i in range(total) if i not in chosen]
        if not rest:
            ways.append([{total: 1}])
        elif len(chosen) == 1:
            ways.append([{chosen[0]: 1}])
        else:
            ways.append([dict.fromkeys(chosen, 1), {total: 1, **dict.fromkeys(rest, -1)}])
    for way in product(*ways):
        terms = list(product(*(list(signs.items()) for signs in way)))
        if any(release.status[tuple(i for i, _ in term)] != PUBLISHED for term in terms):
            continue
        value = sum(int(release.values[tuple(i for i, _ in term)]) *
                    int(np.prod([sign for _, sign in term])) for term in terms)
        return None if 0 < value < release.threshold else value
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cube=cubes, data=st.data())
def test_a_slice_reads_each_cell_as_one_would_by_hand(cube: Cube, data: st.DataObject) -> None:
    release = build_release(cube)
    names = list(cube.names)
    shown = data.draw(st.permutations(names).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda n: order[:n])))
    filters = {
        d.name: data.draw(st.lists(st.sampled_from(d.categories), min_size=1, unique=True))
        for d in cube.dimensions if data.draw(st.booleans())
    }
    table = slice_release(release, filters, shown)
    selection = [sorted(d.index(c) for c in filters.get(d.name, d.categories))
                 for d in cube.dimensions]
    for key, value in (*table.rows, *table.totals):
        cells = list(selection)
        for name, category in zip(shown, key, strict=True):
            if category != ALL:
                cells[names.index(name)] = [cube.dimensions[names.index(name)].index(category)]
        expected = cell_by_cell(release, cells)
        assert value == expected, (key, value, expected)


@pytest.mark.parametrize("shape", [(5, 4, 3), (3, 3, 2, 3)])
def test_larger_cubes_are_protected_everywhere(shape: tuple[int, ...]) -> None:
    release = build_release(make_cube(patients(8, shape)))
    assert release.primary > 10
    assert unprotected_cells(release) == []


@pytest.mark.parametrize(("shape", "mean", "sparsity"),
                         [((12, 9, 8), 14.0, 0.0), ((5, 3, 4, 3, 4), 6.0, 0.6)])
def test_the_bounded_search_still_protects_every_cell(
    shape: tuple[int, ...], mean: float, sparsity: float
) -> None:
    # Axes longer than the search's shortlist; the sparse five-dimensional cube has margin
    # cells holding totals on several axes, whose only safe partners lie under them.
    counts = patients(11, shape, mean)
    counts[np.random.default_rng(12).random(shape) < sparsity] = 0
    release = build_release(make_cube(counts, "abcde"))
    assert release.primary > 50
    assert unprotected_cells(release) == []


def test_noise_is_drawn_once_and_recorded() -> None:
    cube = make_cube(patients(6, (6, 5, 3), mean=30))
    release = build_release(cube, epsilon="0.5")
    assert release.noise is not None and release.noise.epsilon == Decimal("0.5")
    stored = Release.from_json(release.to_json())
    assert slice_release(stored) == slice_release(release) == slice_release(release)
    values = [release.value(key) for key, _ in cube.cells()]
    assert all(v is None or v >= 0 for v in values)
    assert_no_small_counts(values)
    assert any(
        v is not None and v != true for v, (_, true) in zip(values, cube.cells(), strict=True)
    )
    assert unprotected_cells(release) == []


def test_budget_is_exact_and_refuses_overspending() -> None:
    budget = PrivacyBudget("1")
    for _ in range(3):
        budget.charge(0.3)
    assert budget.remaining == Decimal("0.1") and budget.spent == Decimal("0.9")
    with pytest.raises(BudgetExceeded, match=r"0\.1 epsilon left") as refused:
        budget.charge(0.2)
    assert refused.value.remaining == Decimal("0.1")
    assert budget.spent == Decimal("0.9")
    assert budget.charge("0.1") == 0
    with pytest.raises(ValueError):
        budget.charge(-1)
    assert str(PrivacyBudget(10, spent="2.25").remaining) == "7.75"
    assert str(PrivacyBudget(10).total) == "10"


def test_fold_rare_merges_small_categories_into_other() -> None:
    cube = Cube.from_counts(
        {"condition": ["asthma", "lupus", "ms", "Other"], "sex": ["f", "m"]},
        {
            ("asthma", "f"): 30,
            ("lupus", "f"): 2,
            ("lupus", "m"): 1,
            ("ms", "m"): 50,
            ("Other", "m"): 4,
        },
    )
    folded = fold_rare(cube, "condition", 11)
    assert folded.dimensions[0].categories == ("asthma", "ms", "Other")
    assert folded.count(("Other", "f")) == 2 and folded.count(("Other", "m")) == 5
    assert folded.count((ALL, ALL)) == cube.count((ALL, ALL))
    assert fold_rare(cube, "sex", 11) is cube


def test_cube_margins_are_sums_over_every_subset_of_dimensions() -> None:
    cube = make_cube(patients(9, (3, 4, 2)))
    margins = cube.margins()
    assert set(margins) == {("a", "b"), ("a", "c"), ("b", "c"), ("a",), ("b",), ("c",)}
    assert np.array_equal(margins[("a", "c")].counts, cube.counts.sum(axis=1))
    assert cube.count((ALL, "b1", ALL)) == cube.counts[:, 1, :].sum()
    assert len(list(cube.cells())) == 4 * 5 * 3


def test_manifest_describes_the_export() -> None:
    budget = PrivacyBudget("2")
    release = build_release(make_cube(patients(2, (4, 3)), names="xy"), epsilon="0.5")
    budget.charge(release.noise.epsilon if release.noise else 0)
    table = slice_release(release, {"x": ["x0", "x1"]})
    result = manifest(
        {"by_x_y": table},
        snapshot_at=datetime(2026, 1, 2, tzinfo=UTC),
        software_version="0.1.0",
        budget=budget,
    )
    described = result["tables"]["by_x_y"]
    assert described["filters"] == {"x": ["x0", "x1"]}
    assert described["threshold"] == 11
    assert described["suppressed_cells"] == table.suppressed
    assert "primary" not in str(result) and "complementary" not in str(described)
    assert described["noise"]["epsilon"] == "0.5"
    assert result["budget"] == {"total": "2", "spent": "0.5", "left": "1.5"}
    assert result["snapshot_at"].startswith("2026-01-02") and result["software_version"] == "0.1.0"


def test_every_cell_of_a_cube_is_listed_once() -> None:
    cube = make_cube(np.arange(6).reshape(2, 3))
    keys = [key for key, _ in cube.cells()]
    assert keys == list(product(("a0", "a1", ALL), ("b0", "b1", "b2", ALL)))


def test_noised_releases_take_their_categories_from_the_vocabularies() -> None:
    from outcomes.research.tables import CATALOGUE, Periods, build_cube

    spec = CATALOGUE["treatment_use"]
    domains = {"condition": ("asthma", "lupus", "ms"), "treatment": ("a", "b", "c")}
    periods = Periods("year", date(2023, 1, 1), date(2025, 6, 30))
    common = [(n, ("asthma", "a", "2024")) for n in range(40)]
    # With and without five patients on a rare treatment, and one outside the vocabulary.
    rare = [(100 + n, ("lupus", "c", "2024")) for n in range(5)] + [(200, ("ms", "zz", "2024"))]
    without = build_cube(spec, common, threshold=11, periods=periods, vocabularies=domains,
                         noised=True)
    with_rare = build_cube(spec, common + rare, threshold=11, periods=periods,
                           vocabularies=domains, noised=True)
    assert without.dimensions == with_rare.dimensions
    assert with_rare.dimensions[1].categories == ("a", "b", "c", "Other", "Unknown")
    assert with_rare.dimensions[2].categories == ("before 2023", "2023", "2024", "2025")
    assert with_rare.count(("ms", "Other", "2024")) == 1
    # Without noise, folding reads the true counts, so the shape tells: c was rare.
    plain = build_cube(spec, common + rare[:5], threshold=11, periods=periods,
                       vocabularies=domains)
    assert plain.dimensions[1].categories == ("a", "Other")
    # Under noise every category stays, whatever the noised counts: nothing is folded.
    release = build_release(with_rare, epsilon="1", contributions=5)
    assert release.noise is not None and release.dimensions == with_rare.dimensions


def test_the_per_patient_cap_draws_a_seeded_random_sample() -> None:
    from outcomes.research.tables import capped

    keys = {("c", str(year)) for year in range(2000, 2020)}
    first = [capped(keys, 3, f"7:t:{patient}") for patient in range(50)]
    assert first == [capped(keys, 3, f"7:t:{patient}") for patient in range(50)], "seeded"
    assert all(len(cells) == 3 and set(cells) <= keys for cells in first)
    earliest = sorted(keys)[:3]
    assert sum(cells == earliest for cells in first) < 5, "not the first ones in sorted order"
    assert {year for cells in first for _, year in cells} > {"2015", "2019"}
    assert capped(keys, None, "x") == sorted(keys)


def test_a_slice_with_nothing_but_suppressed_counts_is_too_narrow() -> None:
    from outcomes.research.tables import (
        CATALOGUE,
        NO_DATA,
        TOO_NARROW,
        NotReleased,
        published_table,
    )

    spec = CATALOGUE["treatment_use"]
    cube = Cube.from_counts(
        {"condition": ["asthma", "lupus"], "treatment": ["a", "b"], "year": ["2023", "2024"]},
        {("asthma", "a", "2023"): 30, ("asthma", "b", "2023"): 25, ("asthma", "a", "2024"): 3,
         ("lupus", "a", "2023"): 14, ("lupus", "b", "2024"): 4, ("lupus", "a", "2024"): 12},
    )
    release = build_release(cube)
    assert published_table(release, spec, {}).published
    reasons = []
    for filters in ({"condition": ["lupus"], "treatment": ["b"]},
                    {"condition": ["asthma"], "year_from": 2024, "year_to": 2024},
                    {"condition": ["ms"]}, {"year_from": 2019, "year_to": 2020},
                    {"condition": ["asthma"], "treatment": ["b"], "year_from": 2024}):
        with pytest.raises(NotReleased) as left:
            published_table(release, spec, filters)
        reasons.append(left.value.reason)
    assert reasons == [TOO_NARROW, TOO_NARROW, TOO_NARROW, NO_DATA, NO_DATA]
    assert all("rare" not in reason for reason in reasons)


def test_time_categories_are_every_period_from_the_start_to_the_snapshot() -> None:
    from outcomes.research.tables import Periods

    since, until = date(2024, 5, 20), date(2025, 2, 3)
    assert Periods("year", since, until).categories == ("before 2024", "2024", "2025")
    assert Periods("quarter", since, until).categories == (
        "before 2024-Q2", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1")
    months = Periods("month", since, until)
    assert months.categories[:3] == ("before 2024-05", "2024-05", "2024-06")
    assert months.categories[-1] == "2025-02" and len(months.categories) == 1 + 10
    # Earlier events count together; later ones (after the snapshot) and undated ones not.
    assert [months.place(m) for m in ("2019-07", "2024-04", "2024-05", "2025-02", "2025-03",
                                       "Unknown")] == [
        "before 2024-05", "before 2024-05", "2024-05", "2025-02", None, None]
    # A start after the snapshot leaves only the category of everything earlier.
    assert Periods("year", date(2030, 1, 1), until).categories == ("before 2030",)


def test_no_dimension_takes_its_categories_from_the_data_under_noise() -> None:
    from outcomes.research.tables import CATALOGUE, Periods, TableSpec, category_lists

    since, until = date(2023, 1, 1), date(2025, 6, 30)
    vocabulary = {name: ("x",) for name in
                  ("condition", "treatment", "side_effect", "symptom", "purpose", "country",
                   "instrument", "band")}
    for spec in CATALOGUE.values():
        periods = Periods(spec.time_dimension, since, until) if spec.time_dimension else None
        noised = category_lists(spec, periods=periods, vocabularies=vocabulary, noised=True)
        assert all(noised.values()), spec.name
        plain = category_lists(spec, periods=periods, vocabularies=vocabulary, noised=False)
        # Without noise only the vocabulary dimensions list what they find (then fold it).
        assert {name for name, listed in plain.items() if listed is None} <= {
            "condition", "treatment", "side_effect", "purpose", "country", "instrument"}
        if spec.time_dimension:
            assert plain[spec.time_dimension] == periods.categories  # type: ignore[union-attr]
    answers = CATALOGUE["evaluation_answers"]
    assert category_lists(answers, periods=Periods("year", since, until), vocabularies={},
                          noised=False)["answer"][:4] == ("none", "mild", "moderate", "severe")
    unlisted = TableSpec("t", "T", "", ("colour",), CATALOGUE["patients"].query)
    with pytest.raises(ValueError, match="no fixed categories"):
        category_lists(unlisted, periods=None, vocabularies=vocabulary, noised=False)
    with pytest.raises(ValueError, match="needs its year periods"):
        category_lists(answers, periods=None, vocabularies=vocabulary, noised=True)
