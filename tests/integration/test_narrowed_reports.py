"""People like me: narrowed treatment reports, their masking and differencing attacks."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from community.profiles.models import Profile
from outcomes.reports import cohorts, services
from outcomes.reports.models import StoredCohortRelease, TreatmentSummary
from outcomes.reports.summaries import pair_contributions
from outcomes.research.suppression import PUBLISHED
from tests.conftest import BACKENDS, shared_visitor
from tests.helpers import Visitor, statements_of
from tests.integration.test_treatments import load_vocabularies
from tests.report_population import seed_population

RENDERED_COUNTS = (
    r'id="group-patients">(\d+)<',
    r'<dd id="current-patients">(\d+)<',
    r"<td>(\d+)</td>",
    r'<text class="value"[^>]*>(\d+)',
)


def populate(visitor: Visitor, patients: int = 160, **options: Any) -> None:
    async def _seed(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            await seed_population(db, patients=patients, **options)
            await db.commit()

    visitor.run(_seed)


def seed_the_population(visitor: Visitor) -> Visitor:
    load_vocabularies(visitor)
    populate(visitor, patients=400, conditions=("type-2-diabetes", "obesity"))
    return visitor


@pytest.fixture
def population(visitor: Visitor) -> Visitor:
    """The population, for a test that changes it."""
    return seed_the_population(visitor)


@pytest.fixture(scope="module", params=BACKENDS)
def seen_population(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[Visitor]:
    """The population seeded once per backend, for the tests that only read its pages and
    releases (a view builds and stores a release, which is the same for every reader)."""
    with shared_visitor(request, tmp_path_factory.mktemp("population")) as visitor:
        yield seed_the_population(visitor)


def release_of(visitor: Visitor, slug: str = "metformin") -> services.ReleaseBundle:
    async def _build(runtime: Any) -> services.ReleaseBundle:
        async with runtime.sessionmaker() as db:
            treatment, summary = await services.treatment_with_summary(db, slug)
            return await services.cohort_release(db, treatment, summary, fewer_than=5)

    return visitor.run(_build)  # type: ignore[no-any-return]


def rendered_counts(page: str) -> list[int]:
    return [int(n) for pattern in RENDERED_COUNTS for n in re.findall(pattern, page)]


def every_narrowing(choices: cohorts.Choices) -> list[cohorts.Narrowing]:
    options = [[""] + [value for value, _label in offered] for offered in
               (choices.age_band, choices.sex, choices.condition, choices.years)]
    return [cohorts.Narrowing(*values) for values in itertools.product(*options)]


def true_adherence(visitor: Visitor, *, sex: str) -> dict[str, int]:
    """Female (or male) patients of metformin by the adherence of their latest evaluation,
    counted from the raw rows."""
    async def _count(runtime: Any) -> dict[str, int]:
        async with runtime.sessionmaker() as db:
            treatment, _summary = await services.treatment_with_summary(db, "metformin")
            sexes = dict((await db.execute(select(Profile.user_id, Profile.sex))).tuples().all())
            counts: dict[str, int] = {}
            for (user_id, _t), contribution in (await pair_contributions(db, treatment.id)).items():
                for key in contribution:
                    if key[:2] == ("answer", "adherence") and sexes.get(user_id) == sex:
                        counts[key[2]] = counts.get(key[2], 0) + 1
            return counts

    return visitor.run(_count)  # type: ignore[no-any-return]


def test_a_narrowed_report_shows_the_groups_figures(seen_population: Visitor) -> None:
    page = seen_population.get("/treatments/metformin?sex=female").text
    assert "People like this" in page and 'class="tag">Female<' in page
    assert "<svg class=\"chart bars\"" in page and 'class="chart-data visually-hidden"' in page
    adherence = page.split('id="narrowed-adherence"')[1].split("</figure>")[0]
    shown = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td>', adherence))
    assert shown, "some adherence figure of the group is shown"
    truth = true_adherence(seen_population, sex="female")
    labels = {"always": "Always taken as prescribed", "usually": "Usually taken as prescribed",
              "sometimes": "Sometimes taken as prescribed", "never": "Never taken as prescribed"}
    for value, label in labels.items():
        if label in shown:
            assert int(shown[label]) == truth.get(value, 0)
    whole = seen_population.get("/treatments/metformin").text
    assert "People like this" not in whole


def test_a_narrowing_with_too_few_people_shows_nothing(seen_population: Visitor) -> None:
    release = release_of(seen_population).release
    few = next(n for n in every_narrowing(release.choices)
               if 0 < release.patients.extended[release.index(n)] < 5)
    page = seen_population.get(f"/treatments/metformin?{few.query()}").text
    assert 'id="too-few"' in page
    narrowed = page.split('id="narrowed-title"')[1].split("Evaluations shared by patients")[0]
    assert "<svg" not in narrowed and not re.search(r"\d", narrowed.split('id="too-few"')[1]
                                                     .split("</p>")[0].replace("5", ""))


def test_values_not_on_offer_are_ignored(seen_population: Visitor) -> None:
    page = seen_population.get("/treatments/metformin?sex=robot&condition=999999").text
    assert "People like this" not in page
    assert 'id="current-patients"' in page


def test_no_count_from_one_to_four_in_any_combination(seen_population: Visitor) -> None:
    bundle = release_of(seen_population)
    narrowings = every_narrowing(bundle.release.choices)
    assert len(narrowings) > 150
    shown_groups = 0
    for narrowing in narrowings:
        page = seen_population.get(f"/treatments/metformin?{narrowing.query()}").text
        counts = rendered_counts(page)
        assert not [n for n in counts if 1 <= n <= 4], narrowing
        shown_groups += '<text class="value"' in page
    assert shown_groups > 10, "the test data narrows to groups large enough to show"


def test_no_pair_of_pages_differs_by_one_to_four(seen_population: Visitor) -> None:
    """The differencing attack over pairs of pages: subtract what a view shows from what a
    wider view (the same filters with some dropped) shows, for every answer and every pair;
    no difference may be a count of 1 to 4 people."""
    bundle = release_of(seen_population)
    release = bundle.release
    pages = {n: release.answers_in(n) for n in every_narrowing(release.choices)
             if services.narrowed_report(bundle, n, 5).report is not None}
    whole = release.answers_in(cohorts.Narrowing())
    pairs = small = 0
    for narrowing, answers in pages.items():
        filters = [i for i, value in enumerate(narrowing.values) if value]
        for size in range(1, len(filters) + 1):
            for dropped in itertools.combinations(filters, size):
                wider = cohorts.Narrowing(*("" if i in dropped else v
                                            for i, v in enumerate(narrowing.values)))
                wider_answers = pages.get(wider, whole if not wider.narrows else None)
                if wider_answers is None:
                    continue
                for question, counts in answers.items():
                    for answer, count in counts.items():
                        other = wider_answers[question][answer]
                        if count is None or other is None:
                            continue
                        pairs += 1
                        small += 0 < other - count < 5
    assert pairs > 1000
    assert small == 0


def test_hidden_counts_include_every_small_one(seen_population: Visitor) -> None:
    """Every true count from 1 to 4 of a narrowed view is hidden (read from the raw cube)."""
    release = release_of(seen_population).release
    for table in [release.patients, *release.answers.values()]:
        small = (table.extended >= 1) & (table.extended < 5)
        assert not (small & (table.status == PUBLISHED)).any()


def test_people_like_me_uses_the_viewers_profile(population: Visitor) -> None:
    population.signup_and_login("curious_wren")
    assert population.post("/account/profile", data={
        "sex": "female", "sex_visibility": "members", "age_band": "55-64",
        "age_band_visibility": "members", "country": "", "country_visibility": "members",
        "about": "", "about_visibility": "members"}).status_code in {200, 303}
    page = population.get("/treatments/metformin?like_me=1").text
    assert 'class="tag">55-74<' in page and 'class="tag">Female<' in page


def test_narrowed_views_follow_profile_changes(population: Visitor) -> None:
    """A narrowed figure depends on profiles: a profile change shows at the next view."""
    def figures(page: str) -> str:
        return page.split('id="narrowed-title"')[1].split('Evaluations shared by patients')[0]

    before = figures(population.get("/treatments/metformin?sex=male").text)

    async def _switch(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            males = (await db.scalars(select(Profile).where(Profile.sex == "male")
                                      .order_by(Profile.user_id).limit(30))).all()
            for profile in males:
                profile.sex = "female"
            await db.commit()

    population.run(_switch)
    after = figures(population.get("/treatments/metformin?sex=male").text)
    assert after != before


def test_narrowed_reports_read_a_constant_number_of_queries(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    populate(visitor, patients=60, seed=3)
    url = "/treatments/metformin?sex=female"
    visitor.get(url)
    small = len(statements_of(visitor, url))
    populate(visitor, patients=120, seed=4)
    visitor.get(url)
    assert len(statements_of(visitor, url)) == small


def test_the_filters_offer_every_age_band_and_sex(seen_population: Visitor) -> None:
    choices = release_of(seen_population).release.choices
    assert [v for v, _l in choices.age_band] == list(cohorts.AGE_GROUPS)
    assert {v for v, _l in choices.sex} == {"female", "male"}
    assert choices.condition, "conditions with enough patients are offered"


def test_a_release_is_built_once_per_version_for_every_process(
        population: Visitor, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first narrowed view of a version builds its release and stores it; a process
    that has nothing in memory reads it instead of building; a write makes a new version,
    whose release is built and stored in its place."""
    url = "/treatments/metformin?sex=female"

    def narrowed(page: str) -> str:
        return page.split('id="narrowed-title"')[1].split("Evaluations shared by patients")[0]

    async def stored(runtime: Any) -> tuple[int, int | None]:
        async with runtime.sessionmaker() as db:
            row = (await db.execute(
                select(StoredCohortRelease.treatment_version, TreatmentSummary.version)
                .join(TreatmentSummary,
                      TreatmentSummary.treatment_id == StoredCohortRelease.treatment_id))).one()
            return row[0], row[1]

    async def forget(runtime: Any) -> None:
        runtime.fragments.clear()

    first = narrowed(population.get(url).text)
    built_for, current = population.run(stored)
    assert built_for == current

    def never(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the stored release should have been read")

    population.run(forget)
    with monkeypatch.context() as patched:
        patched.setattr(cohorts, "build_release", never)
        assert narrowed(population.get(url).text) == first
        assert narrowed(population.get(url + "&age_band=55-74").text)

    populate(population, patients=20, seed=9)
    population.get(url)
    built_for, current = population.run(stored)
    assert built_for == current
