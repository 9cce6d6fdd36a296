"""The outside attack on research releases, as a test.

An attacker holding a project's token exports the seven catalogue tables of one snapshot,
unfiltered and sliced, through /api/v1/research, and solves a linear program per table over
everything the archives say: every published count, every empty (suppressed) cell as at least
1, every omitted row as 0, and every label the manifests give about why cells are suppressed.
The release is protected when that program pins no suppressed cell to one value and cannot
prove any primary cell (a true count from 1 to 10) below 11.

Before releases stopped labelling suppressed cells, the single-cell test failed: the
manifests' primary counts of single-cell slices let the program prove primary cells of
treatment_use, side_effects, questionnaire_bands and the evaluation tables at most 10.

The data are built here, large enough that every table, `patients` and `questionnaire_bands`
included, has hundreds of suppressed cells, and small enough per table that the programs
solve in seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import product
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from litestar.testing import TestClient
from scipy import sparse
from sqlalchemy import insert, select

from community.accounts.models import User
from community.app import create_app
from community.communities.models import Community
from community.profiles.models import Profile, ProfileCondition
from community.settings import Settings
from outcomes.catalog.models import Condition, SideEffect, Symptom, Treatment
from outcomes.research.attack import exposed_targets
from outcomes.research.cube import ALL
from outcomes.research.disclosure import Release
from outcomes.research.models import (
    ConsentRecord,
    ExportJob,
    JobStatus,
    ResearchProject,
    StoredRelease,
)
from outcomes.research.suppression import PRIMARY, PUBLISHED
from outcomes.research.tables import CATALOGUE, NO_DATA, TOO_NARROW
from outcomes.tracking.models import QuestionnaireAnswer, SymptomEntry
from outcomes.treatments.models import (
    CoursePurpose,
    Evaluation,
    EvaluationEffect,
    EvaluationSideEffect,
    TreatmentCourse,
)
from tests.conftest import BACKENDS, module_database
from tests.helpers import Visitor
from tests.research_support import approved_researcher, make_admin, read_zip, run_jobs

ALL_TABLES = sorted(CATALOGUE)
PATIENTS = 1100
CONDITIONS = [f"atk-cond-{i}" for i in range(6)]
TREATMENTS = [f"atk-drug-{i}" for i in range(8)]
EVALUATED = TREATMENTS[:5]
SIDE_EFFECTS = [f"atk-effect-{i}" for i in range(10)]
YEARS = (2023, 2024, 2025)
FIRST_ID = 5_000_000  # explicit ids far above any sequence the other fixtures use


def skewed(rng: random.Random, items: list[Any], weights: Iterable[float]) -> Any:
    return rng.choices(items, weights=list(weights))[0]


def seed_community(visitor: Visitor, seed: int = 19) -> None:
    """Consenting patients with profiles, courses, evaluations, symptoms and questionnaires."""
    rng = random.Random(seed)

    async def work(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            conditions = [Condition(slug=s, name=s) for s in CONDITIONS]
            treatments = [Treatment(slug=s, name=s) for s in TREATMENTS]
            effects = [SideEffect(slug=s, name=s) for s in SIDE_EFFECTS]
            symptom = Symptom(slug="atk-fatigue", name="fatigue")
            db.add_all([*conditions, *treatments, *effects, symptom])
            communities = [Community(slug=f"{s}-community", name=s, icd10="X00",
                                     condition_slug=s) for s in CONDITIONS]
            db.add_all(communities)
            await db.flush()
            rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in (
                User, ConsentRecord, Profile, ProfileCondition, TreatmentCourse, CoursePurpose,
                Evaluation, EvaluationEffect, EvaluationSideEffect, SymptomEntry,
                QuestionnaireAnswer)}
            next_id = iter(range(FIRST_ID, FIRST_ID + 10**6))
            for n in range(PATIENTS):
                user_id = next(next_id)
                name = f"atk{n}"
                rows[User].append({"id": user_id, "username": name, "username_key": name,
                                   "email": f"{name}@example.org", "password_hash": "!"})
                rows[ConsentRecord].append({"id": next(next_id), "user_id": user_id,
                                            "version": "v1", "granted": True,
                                            "at": datetime(2026, 1, 1, tzinfo=UTC)})
                c = skewed(rng, list(range(6)), (30, 22, 16, 12, 10, 10))
                rows[Profile].append({
                    "user_id": user_id,
                    "sex": skewed(rng, ["female", "male", "intersex", None], (50, 44, 2, 4)),
                    "age_band": rng.choice(["18-24", "25-34", "35-44", "45-54", "55-64",
                                            "65-74", "75-84", "85+"]),
                    "country": skewed(rng, ["GB", "US", "DE"], (50, 35, 15))})
                rows[ProfileCondition].append({"id": next(next_id), "user_id": user_id,
                                               "community_id": communities[c].id})
                for _course in range(rng.choice((1, 1, 2, 3))):
                    t = skewed(rng, list(range(8)), (25, 18, 14, 12, 10, 8, 7, 6))
                    course_id = next(next_id)
                    started = date(rng.choice((2021, 2022, *YEARS)), rng.randint(1, 12), 1)
                    rows[TreatmentCourse].append({"id": course_id, "user_id": user_id,
                                                  "treatment_id": treatments[t].id,
                                                  "started_on": started})
                    rows[CoursePurpose].append({"id": next(next_id), "course_id": course_id,
                                                "condition_id": conditions[c].id})
                    if t >= len(EVALUATED) or rng.random() < 0.3:
                        continue
                    evaluation_id = next(next_id)
                    rows[Evaluation].append({
                        "id": evaluation_id, "course_id": course_id, "user_id": user_id,
                        "treatment_id": treatments[t].id,
                        "evaluated_on": date(rng.choice(YEARS), rng.randint(1, 12), 2),
                        "side_effect_severity": skewed(
                            rng, ["none", "mild", "moderate", "severe"], (40, 35, 18, 7)),
                        "adherence": skewed(rng, ["always", "usually", "sometimes"],
                                            (60, 30, 10)),
                        "burden": skewed(rng, ["not_at_all", "a_little", "somewhat"],
                                         (50, 35, 15)),
                        "cost": skewed(rng, ["under_25", "25_49", "50_99"], (45, 35, 20))})
                    rows[EvaluationEffect].append({
                        "id": next(next_id), "evaluation_id": evaluation_id,
                        "purpose": f"condition:{conditions[c].id}",
                        "effectiveness": skewed(rng, ["none", "slight", "moderate", "major"],
                                                (15, 30, 35, 20)),
                        "condition_id": conditions[c].id})
                    for effect in rng.sample(range(10), rng.choice((0, 1, 1, 2))):
                        rows[EvaluationSideEffect].append({
                            "evaluation_id": evaluation_id,
                            "side_effect_id": effects[effect].id})
                for _entry in range(rng.choice((0, 1, 2, 3))):
                    rows[SymptomEntry].append({
                        "id": next(next_id), "user_id": user_id, "symptom_id": symptom.id,
                        "condition_id": conditions[c].id, "severity": rng.randint(0, 3),
                        "recorded_on": date(rng.choice(YEARS), rng.choice((1, 4, 7, 10)), 5)})
                for _answer in range(rng.choice((0, 1, 2))):
                    instrument = rng.choice(("phq9", "gad7"))
                    bands = (["minimal", "mild", "moderate", "moderately-severe", "severe"]
                             if instrument == "phq9" else ["minimal", "mild", "moderate",
                                                           "severe"])
                    rows[QuestionnaireAnswer].append({
                        "id": next(next_id), "user_id": user_id, "questionnaire_id": instrument,
                        "answers": {}, "total": 0.0, "band_code": rng.choice(bands),
                        "authored_at": datetime(rng.choice(YEARS), rng.choice((2, 8)), 3,
                                                tzinfo=UTC)})
            for model, values in rows.items():
                if values:
                    await db.execute(insert(model), values)

    visitor.run(work)


# ---- the attacker ------------------------------------------------------------------------------


@dataclass
class TableKnowledge:
    """Everything the attacker has learnt about one table, as constraints on its cells."""

    dimensions: tuple[str, ...]
    categories: dict[str, list[str]] = field(default_factory=dict)
    equal: dict[tuple[tuple[int, ...], ...], float] = field(default_factory=dict)
    at_least: dict[tuple[tuple[int, ...], ...], float] = field(default_factory=dict)
    at_most: dict[tuple[tuple[int, ...], ...], float] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(self.categories[d]) for d in self.dimensions)

    def rows(self, selections: Iterable[tuple[tuple[int, ...], ...]]) -> sparse.csr_matrix:
        """One 0/1 row per selection, over the interior cells, summing the cells it covers."""
        grid = np.arange(int(np.prod(self.shape))).reshape(self.shape)
        columns = [grid[np.ix_(*selection)].ravel() for selection in selections]
        pointers = np.cumsum([0, *(len(c) for c in columns)])
        return sparse.csr_matrix(
            (np.ones(pointers[-1]), np.concatenate([*columns, np.zeros(0, dtype=int)]),
             pointers), shape=(len(columns), grid.size))

    def learn(self, rows: list[dict[str, str]], described: dict[str, Any]) -> None:
        """Read one exported slice: its rows, omitted zeros and its manifest entry."""
        filters = described["filters"]
        # A filter may name a category the unfiltered export never showed (every period is
        # listed): it has no patients, so it adds nothing to any sum.
        chosen = {d: [self.categories[d].index(c) for c in filters.get(d, self.categories[d])
                      if c in self.categories[d]] for d in self.dimensions}
        listed = {tuple(r[d] for d in self.dimensions): r["patients"] for r in rows}
        empty = []
        for key in product(*([*(self.categories[d][i] for i in chosen[d]), ALL]
                             for d in self.dimensions)):
            selection = tuple(
                tuple(chosen[d]) if category == ALL else (self.categories[d].index(category),)
                for d, category in zip(self.dimensions, key, strict=True))
            value = listed.get(key, "0")  # an omitted row has no patients
            if value == "":
                self.at_least[selection] = max(self.at_least.get(selection, 1), 1)
                empty.append(selection)
            else:
                self.equal[selection] = float(value)
        self._learn_labels(described.get("suppressed"), empty)

    def _learn_labels(self, labels: Any, empty: list[tuple[tuple[int, ...], ...]]) -> None:
        """What a manifest's primary / complementary counts tell about the empty cells."""
        if not isinstance(labels, dict) or not empty:
            return
        full = [tuple(range(n)) for n in self.shape]
        reads_one = [s for s in empty
                     if all(len(c) == 1 or c == f for c, f in zip(s, full, strict=True))]
        if labels.get("primary") == len(empty):
            for selection in empty:  # every empty cell is a count from 1 to 10
                self.at_most[selection] = 10
        elif labels.get("primary") == 0:
            for selection in reads_one:  # every empty release cell protects another: >= 11
                self.at_least[selection] = 11

    def program(self) -> dict[str, Any]:
        bounds = [(s, -v) for s, v in self.at_least.items()]
        bounds += [(s, v) for s, v in self.at_most.items()]
        signs = np.array([-1.0] * len(self.at_least) + [1.0] * len(self.at_most))
        return {
            "A_eq": self.rows(self.equal),
            "b_eq": np.array(list(self.equal.values())),
            "A_ub": sparse.diags(signs) @ self.rows(s for s, _ in bounds) if bounds else None,
            "b_ub": np.array([v for _, v in bounds]) if bounds else None,
            "bounds": (0, None), "method": "highs",
        }


def read_table_categories(knowledge: TableKnowledge, rows: list[dict[str, str]]) -> None:
    """Each dimension's categories, from the unfiltered export (every category has a row)."""
    for d in knowledge.dimensions:
        knowledge.categories[d] = sorted({r[d] for r in rows} - {ALL})


@dataclass
class Attack:
    """A project's exports of one snapshot, and the linear programs they allow."""

    tables: dict[str, TableKnowledge]

    @classmethod
    def from_archives(cls, unfiltered: bytes, others: list[bytes]) -> Attack:
        files, manifest = read_zip(unfiltered)
        tables = {}
        for name, described in manifest["tables"].items():
            knowledge = TableKnowledge(tuple(described["dimensions"]))
            read_table_categories(knowledge, files[name])
            knowledge.learn(files[name], described)
            tables[name] = knowledge
        attack = cls(tables)
        for content in others:
            attack.learn(content)
        return attack

    def learn(self, content: bytes) -> None:
        files, manifest = read_zip(content)
        for name, described in manifest["tables"].items():
            self.tables[name].learn(files[name], described)

    def exposed(self, name: str, release: Release) -> list[str]:
        """Suppressed cells of a release this attacker pins, or proves below 11 if primary."""
        knowledge = self.tables[name]
        assert knowledge.dimensions == tuple(d.name for d in release.dimensions)
        labels = [(*d.categories, ALL) for d in release.dimensions]
        indices = np.argwhere(release.status != PUBLISHED)
        # Categories the attacker never saw have no patients: a total is over the seen ones.
        targets = knowledge.rows(tuple(
            tuple(range(len(knowledge.categories[d]))) if labels[a][i] == ALL
            else (knowledge.categories[d].index(labels[a][i]),)
            for a, (d, i) in enumerate(zip(knowledge.dimensions, index, strict=True)))
            for index in indices)
        primary = np.array([release.status[tuple(index)] == PRIMARY for index in indices])
        exposed = exposed_targets(knowledge.program(), targets, primary, 11)
        return ["/".join(labels[a][i] for a, i in enumerate(indices[k])) for k in exposed]


# ---- the tests ---------------------------------------------------------------------------------


def api_export_or_refused(researcher: Visitor, token: str, **request: Any) -> int | None:
    """The export's job id, or None when the API refuses it (too narrow, or no data)."""
    response = researcher.client.post("/api/v1/research/exports",
                                      json={"tables": ALL_TABLES, **request},
                                      headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 422:
        assert ("too narrow" in response.text or "no data" in response.text) and (
            "rare" not in response.text), response.text
        return None
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def api_export(researcher: Visitor, token: str, **request: Any) -> int:
    job = api_export_or_refused(researcher, token, **request)
    assert job is not None, request
    return job


def download(researcher: Visitor, token: str, job_id: int) -> bytes:
    headers = {"Authorization": f"Bearer {token}"}
    status = researcher.client.get(f"/api/v1/research/exports/{job_id}", headers=headers).json()
    assert status["status"] == "done", status
    archive = researcher.client.get(status["download_url"], headers=headers)
    assert archive.status_code == 200
    return archive.content


@dataclass
class World:
    """One app over one seeded database, shared by this module's tests on one backend."""

    new_visitor: Callable[[], Visitor]
    admin: Visitor


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The data are built once per backend; each test works in a project of its own, and
    every project exports the same snapshot (as in the issue's attack)."""
    folder = tmp_path_factory.mktemp("attack")
    with module_database(request, folder) as url:
        settings = Settings(database_url=url,
                            secret_key="test-secret-key-0123456789abcdef0123456789",
                            var_dir=folder / "var", base_url="http://testserver.local",
                            extra={"research_worker": "off"})
        with TestClient(create_app(settings), base_url="http://testserver.local") as client:

            def new_visitor() -> Visitor:
                return Visitor(client, httpx.Cookies())

            admin = make_admin(new_visitor)
            seed_community(admin)
            yield World(new_visitor, admin)


def project_with_token(world: World, name: str) -> tuple[Visitor, str, int]:
    researcher, project_id = approved_researcher(world.new_visitor, world.admin, name,
                                                 tables_=ALL_TABLES)
    page = researcher.post(f"/research/projects/{project_id}/tokens", {"label": "attack"})
    token = page.text.split('<code id="new-token">', 1)[1].split("<", 1)[0]
    return researcher, token, project_id


def service_export(researcher: Visitor, project_id: int, request: dict[str, Any]) -> int | None:
    """Queue an export as the API does (same parsing, same service), without the HTTP round
    trip; None when it is refused (too narrow, or no data), as the API refuses it."""
    from outcomes.research import services

    async def work(runtime: Any) -> int | None:
        async with runtime.sessionmaker() as db, db.begin():
            project = await db.get_one(ResearchProject, project_id)
            parsed = services.parse_export_request(
                project, request["tables"], request.get("conditions", []),
                request.get("treatments", []), request.get("year_from"),
                request.get("year_to"), None, await services.filter_choices(db, project))
            try:
                job, _new = await services.request_export(db, project, parsed,
                                                          actor_id=project.owner_id, via="api")
            except services.NothingToRelease as refused:
                assert set(refused.reasons.values()) <= {TOO_NARROW, NO_DATA}, refused.reasons
                return None
            return job.id

    return researcher.run(work)


def archives_on_disk(researcher: Visitor, job_ids: Iterable[int]) -> dict[int, bytes]:
    """The archives the worker built, read where the download serves them from."""

    async def work(runtime: Any) -> list[tuple[int, str, str]]:
        async with runtime.sessionmaker() as db:
            return [tuple(row) for row in (await db.execute(
                select(ExportJob.id, ExportJob.status, ExportJob.archive_path)
                .where(ExportJob.id.in_(list(job_ids))))).all()]

    found = {}
    for job_id, status, path in researcher.run(work):
        assert status == JobStatus.DONE, (job_id, status)
        found[job_id] = Path(path).read_bytes()
    return found


def stored_releases(researcher: Visitor) -> dict[str, Release]:
    async def work(runtime: Any) -> dict[str, Release]:
        async with runtime.sessionmaker() as db:
            rows = (await db.execute(select(StoredRelease.table_name,
                                            StoredRelease.release_json))).all()
        return {name: Release.from_json(text) for name, text in rows}

    return researcher.run(work)


def assert_survives(attack: Attack, releases: dict[str, Release]) -> None:
    assert set(releases) == set(ALL_TABLES)
    exposed = {name: attack.exposed(name, release) for name, release in releases.items()}
    assert exposed == {name: [] for name in releases}


def test_single_cell_slices_with_labels_recover_nothing(world: World) -> None:
    researcher, token, _project = project_with_token(world, "dr_slicer")
    unfiltered = api_export(researcher, token)
    rng = random.Random(7)
    # One condition, one treatment, one year: the narrowest slice of every filterable table.
    triples = rng.sample(list(product(CONDITIONS, EVALUATED, YEARS)), 24)
    sliced = [api_export(researcher, token, conditions=[c], treatments=[t], year_from=y,
                         year_to=y) for c, t, y in triples]
    assert run_jobs(researcher) == 1 + len(sliced)
    releases = stored_releases(researcher)
    for name, release in releases.items():
        # Hundreds of suppressed cells in every table, so the attack has work to do.
        assert release.primary + release.complementary >= 200, (name, release.primary)
        assert release.primary >= 50, name
    archives = [download(researcher, token, job) for job in sliced]
    for content in archives:
        _files, manifest = read_zip(content)
        for described in manifest["tables"].values():
            assert set(described) >= {"suppressed_cells"}
            assert "primary" not in str(described) and "complementary" not in str(described)
    attack = Attack.from_archives(download(researcher, token, unfiltered), archives)
    assert_survives(attack, releases)


def test_two_hundred_random_filtered_exports_recover_nothing(world: World) -> None:
    researcher, token, project_id = project_with_token(world, "dr_two_hundred")
    unfiltered = api_export(researcher, token)
    # The releases are recorded first, so requests are checked against them as they come
    # (whatever ran before): one that would release nothing is refused as too narrow or as
    # having no data in its years, and says nothing else. The project goes on until 200 exports were made.
    assert run_jobs(researcher) == 1
    rng = random.Random(200)
    through_api = 5  # a handful through the API, the rest through the service it calls
    jobs: list[int] = []
    refused = 0
    while len(jobs) < 200:
        request: dict[str, Any] = {"tables": rng.sample(ALL_TABLES, rng.randint(1, 3))}
        if rng.random() < 0.7:
            request["conditions"] = rng.sample(CONDITIONS, rng.randint(1, 3))
        if rng.random() < 0.7:
            request["treatments"] = rng.sample(TREATMENTS, rng.randint(1, 3))
        if rng.random() < 0.6:
            low = rng.choice((2021, 2022, *YEARS))
            request["year_from"], request["year_to"] = low, rng.choice(
                [y for y in (2021, 2022, *YEARS) if y >= low])
        job = (api_export_or_refused(researcher, token, **request)
               if len(jobs) < through_api else service_export(researcher, project_id, request))
        if job is None:
            refused += 1
        else:
            jobs.append(job)
    assert refused <= 100, refused
    run_jobs(researcher)
    archives = archives_on_disk(researcher, jobs)
    for job in jobs[:through_api]:
        assert download(researcher, token, job) == archives[job]
    attack = Attack.from_archives(download(researcher, token, unfiltered), [])
    for job in dict.fromkeys(jobs):
        attack.learn(archives[job])
    assert_survives(attack, stored_releases(researcher))


def test_an_export_releases_the_tables_with_data_and_names_the_others(world: World) -> None:
    researcher, token, _project = project_with_token(world, "dr_partial")
    job = api_export(researcher, token, year_from=2021, year_to=2022)
    run_jobs(researcher)
    files, manifest = read_zip(download(researcher, token, job))
    # Symptoms start in 2023; courses in 2021.
    assert manifest["not_released"] == {
        name: "no data in the chosen range" for name in ALL_TABLES
        if name not in ("treatment_use", "patients")}
    assert set(files) == set(manifest["tables"]) == {"treatment_use", "patients"}
