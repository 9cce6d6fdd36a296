"""Researcher vetting, projects and exports through HTTP, with their disclosure guarantees."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.audit import AuditEntry
from outcomes.research.attack import (
    feasible_interval,
    release_equations,
    selection_row,
    suppressed_rows,
)
from outcomes.research.cube import ALL
from outcomes.research.disclosure import Release
from outcomes.research.models import (
    ConsentRecord,
    ExportJob,
    ResearchApplication,
    ResearchProject,
    StoredRelease,
)
from outcomes.research.suppression import PRIMARY
from tests.helpers import Visitor
from tests.research_support import (
    DEMO,
    apply,
    approved_researcher,
    demo_table,
    make_admin,
    new_snapshot,
    read_zip,
    run_jobs,
    seed_patients,
    settings,
)

__all__ = ["demo_table", "settings"]

# Big cells, small cells and an empty one: suppression has work to do.
CELLS = {
    ("ra", "female", "2024"): 40, ("ra", "male", "2024"): 3, ("ra", "female", "2025"): 25,
    ("ra", "male", "2025"): 14, ("ms", "female", "2024"): 12, ("ms", "male", "2024"): 7,
    ("ms", "female", "2025"): 2, ("ms", "male", "2025"): 30, ("pd", "female", "2024"): 16,
    ("pd", "male", "2024"): 18, ("pd", "female", "2025"): 5, ("pd", "male", "2025"): 22,
}


def query(visitor: Visitor, statement: Any) -> Any:
    async def work(runtime: Any) -> Any:
        async with runtime.sessionmaker() as db:
            return (await db.execute(statement)).all()

    return visitor.run(work)


def export(researcher: Visitor, project_id: int, **form: Any) -> Any:
    return researcher.post(f"/research/projects/{project_id}/exports",
                           {"tables": [DEMO], **form})


def finished_export(researcher: Visitor, project_id: int, **form: Any) -> tuple[int, bytes]:
    response = export(researcher, project_id, **form)
    assert response.status_code == 303, response.text
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    run_jobs(researcher)
    page = researcher.get(f"/research/exports/{job_id}")
    link = re.search(r'href="(/research/exports/\d+/download\?[^"]+)"', page.text)
    assert link, page.text
    download = researcher.get(link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    return job_id, download.content


@pytest.fixture
def admin(new_visitor: Callable[[], Visitor]) -> Visitor:
    return make_admin(new_visitor)


# ---- vetting ---------------------------------------------------------------------------------


def test_application_is_validated_and_needs_the_agreement(visitor: Visitor,
                                                          demo_table: Any) -> None:
    visitor.signup_and_login("curious_owl")
    response = apply(visitor, [DEMO], accept_dua="", institution="")
    assert response.status_code == 400
    assert 'id="accept_dua-errors"' in response.text and 'id="institution-errors"' in response.text
    assert "Treatment patterns in RA" in response.text, "what was typed is kept"
    assert apply(visitor, ["no_such_table"]).status_code == 400
    assert apply(visitor, [DEMO], dua_version="v0").status_code == 400
    assert query(visitor, select(func.count()).select_from(ResearchApplication))[0][0] == 0


def test_admin_approves_with_budget_and_grants_researcher_role(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_rosa", budget="2.5")
    (project,) = query(researcher, select(ResearchProject))[0]
    assert (project.budget_total, project.budget_spent, project.dua_version) == ("2.5", "0", "v1")
    user = query(researcher, select(User).where(User.username == "dr_rosa"))[0][0]
    assert Role.RESEARCHER in user.role_names
    page = researcher.get(f"/research/projects/{project_id}")
    assert page.status_code == 200
    assert "2.5 of 2.5 epsilon left" in page.text
    actions = [a for (a,) in query(researcher, select(AuditEntry.action))]
    assert "role.granted" in actions and "research.project_approved" in actions


def test_admin_rejects_with_a_reason_the_applicant_sees(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    applicant = new_visitor()
    applicant.signup_and_login("dr_vague")
    apply(applicant, [DEMO])
    (application_id,) = query(applicant, select(ResearchApplication.id))[0]
    assert admin.post(f"/admin/research/applications/{application_id}/reject",
                      {"reason": ""}).status_code == 400
    assert admin.post(f"/admin/research/applications/{application_id}/reject",
                      {"reason": "No ethics approval attached."}).status_code == 303
    assert "No ethics approval attached." in applicant.get("/research").text
    assert admin.post(f"/admin/research/applications/{application_id}/approve",
                      {"budget": "3"}).status_code == 404, "decided once"
    assert query(applicant, select(func.count()).select_from(ResearchProject))[0][0] == 0


def test_only_admins_vet_applications(new_visitor: Callable[[], Visitor],
                                      demo_table: Any) -> None:
    patient = new_visitor()
    patient.signup_and_login("just_patient")
    apply(patient, [DEMO])
    (application_id,) = query(patient, select(ResearchApplication.id))[0]
    assert patient.get("/admin/research").status_code == 403
    assert patient.post(f"/admin/research/applications/{application_id}/approve",
                        {"budget": "100"}).status_code == 403
    assert new_visitor().get("/admin/research").status_code == 303


def test_researchers_reach_only_their_own_projects_and_exports(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    seed_patients(admin, CELLS)
    alice, alice_project = approved_researcher(new_visitor, admin, "dr_alice")
    bob, bob_project = approved_researcher(new_visitor, admin, "dr_bob")
    job_id, _content = finished_export(alice, alice_project)
    page = alice.get(f"/research/exports/{job_id}")
    link = re.search(r'href="(/research/exports/\d+/download\?[^"]+)"', page.text)
    assert link
    for path in (f"/research/projects/{alice_project}", f"/research/exports/{job_id}",
                 link.group(1).replace("&amp;", "&")):
        assert bob.get(path).status_code == 404, path
    assert export(bob, alice_project).status_code == 404
    assert bob.post(f"/research/projects/{alice_project}/tokens", {"label": "x"}).status_code == 404
    patient = new_visitor()
    patient.signup_and_login("nosy_patient")
    assert patient.get(f"/research/projects/{alice_project}").status_code == 403
    assert patient.get(f"/research/exports/{job_id}").status_code == 403
    assert bob.get(f"/research/projects/{bob_project}").status_code == 200


# ---- exports ---------------------------------------------------------------------------------


def test_export_runs_as_a_job_with_progress_and_a_protected_archive(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_carla")
    response = export(researcher, project_id)
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    page = researcher.get(f"/research/exports/{job_id}")
    assert "<progress" in page.text and f'href="/research/exports/{job_id}"' in page.text
    assert "http-equiv" not in page.text, "no meta refresh"
    fragment = researcher.get(f"/research/exports/{job_id}", htmx=True)
    assert fragment.text.lstrip().startswith('<div id="export-progress"')
    assert 'hx-trigger="every 1s"' in fragment.text and "<progress" in fragment.text
    assert "<html" not in fragment.text

    assert run_jobs(researcher) == 1
    fragment = researcher.get(f"/research/exports/{job_id}", htmx=True)
    assert "hx-trigger" not in fragment.text, "polling stops when the job is done"
    link = re.search(r'href="(/research/exports/\d+/download\?[^"]+)"', fragment.text)
    assert link
    url = link.group(1).replace("&amp;", "&")
    archive = researcher.get(url)
    assert archive.status_code == 200
    tables, manifest = read_zip(archive.content)
    assert set(tables) == {DEMO}
    for row in tables[DEMO]:
        value = row["patients"]
        assert value == "" or not 1 <= int(value) <= 10, row
    assert any(row["patients"] == "" for row in tables[DEMO]), "small cells were suppressed"
    assert {"tables", "budget", "snapshot_at", "software_version", "rule"} <= set(manifest)
    assert manifest["tables"][DEMO]["threshold"] == 11
    described = manifest["tables"][DEMO]
    assert described["suppressed_cells"] == sum(row["patients"] == "" for row in tables[DEMO])
    # Why a cell is suppressed (small, or protecting a small one) is never said.
    assert "primary" not in json.dumps(manifest) and "complementary" not in json.dumps(described)
    assert manifest["not_released"] == {}
    assert manifest["tables"][DEMO]["noise"] is None
    assert manifest["budget"] == {"total": "3", "spent": "0", "left": "3"}
    names = [n for (n,) in query(researcher, select(User.username))]
    assert not any(name.encode() in archive.content for name in names if name.startswith("pt-"))

    forged = re.sub(r"signature=\w+", "signature=" + "0" * 64, url)
    assert researcher.get(forged).status_code == 404
    expired = re.sub(r"expires=\d+", "expires=1000", url)
    assert researcher.get(expired).status_code == 404
    actions = [a for (a,) in query(researcher, select(AuditEntry.action))]
    assert {"export.requested", "export.built", "export.downloaded"} <= set(actions)


def test_overlapping_exports_of_a_snapshot_cannot_be_differenced(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_dora")
    first, one = finished_export(researcher, project_id, condition=["ra"])
    second, two = finished_export(researcher, project_id, condition=["ra", "ms"],
                                  year_from="2025", year_to="2025")
    assert first != second
    releases = query(researcher, select(StoredRelease.release_json))
    assert len(releases) == 1, "both exports are slices of the one release of the snapshot"
    release = Release.from_json(releases[0][0])
    assert release.primary > 0
    categories = {d.name: list(d.categories) for d in release.dimensions}
    shape = tuple(len(c) for c in categories.values())
    rows, values = [], []
    # Every published number of both exports, as an equation over the interior cells.
    for (content, filters) in ((one, {"condition": ["ra"]}),
                               (two, {"condition": ["ra", "ms"], "year": ["2025"]})):
        tables, _manifest = read_zip(content)
        for row in tables[DEMO]:
            if row["patients"] == "":
                continue
            selection = []
            for name, cats in categories.items():
                chosen = filters.get(name, cats) if row[name] == ALL else [row[name]]
                selection.append([cats.index(c) for c in chosen])
            rows.append(selection_row(shape, selection))
            values.append(float(row["patients"]))
    from scipy import sparse

    published = release_equations(release)
    equations = (sparse.vstack([published[0], *rows]).tocsr(),
                 np.concatenate([published[1], np.array(values)]))
    labels = [(*cats, ALL) for cats in categories.values()]
    # Every suppressed cell is at least 1 (zeros are published): still no primary cell is
    # proved below 11.
    at_least_one = suppressed_rows(release)
    for index in np.argwhere(release.status == PRIMARY):
        selection = [[i] if i < len(labels[a]) - 1 else list(range(len(labels[a]) - 1))
                     for a, i in enumerate(index)]
        low, high = feasible_interval(equations, selection_row(shape, selection), at_least_one)
        assert low >= 1 - 1e-6 and high >= release.protection - 1e-6, index


def test_repeated_identical_request_returns_the_recorded_export(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_emil")
    first, _content = finished_export(researcher, project_id, epsilon="0.5")
    again = export(researcher, project_id, epsilon="0.5")
    assert again.headers["location"] == f"/research/exports/{first}"
    assert query(researcher, select(func.count()).select_from(ExportJob))[0][0] == 1
    (spent,) = query(researcher, select(ResearchProject.budget_spent))[0]
    assert spent == "0.5", "charged once"


def test_budget_is_charged_per_noised_release_and_refused_when_exceeded(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_fay", budget="1.5")
    _job, content = finished_export(researcher, project_id, epsilon="1")
    _tables, manifest = read_zip(content)
    assert manifest["tables"][DEMO]["noise"]["epsilon"] == "1"
    assert "Laplace" in manifest["tables"][DEMO]["noise"]["mechanism"]
    assert manifest["budget"] == {"total": "1.5", "spent": "1", "left": "0.5"}
    # Another slice of the same noised release costs nothing more.
    finished_export(researcher, project_id, epsilon="1", condition=["ra"])
    assert query(researcher, select(ResearchProject.budget_spent))[0][0] == "1"
    refused = export(researcher, project_id, epsilon="0.75")
    assert refused.status_code == 400
    assert "0.5 epsilon" in refused.text
    assert query(researcher, select(ResearchProject.budget_spent))[0][0] == "1"
    assert export(researcher, project_id, epsilon="0.5").status_code == 303
    assert query(researcher, select(ResearchProject.budget_spent))[0][0] == "1.5"
    assert export(researcher, project_id, epsilon="5").status_code == 400, "above the cap"
    assert "0 of 1.5 epsilon left" in researcher.get(f"/research/projects/{project_id}").text


def test_consent_withdrawal_takes_effect_on_the_next_snapshot(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    people = seed_patients(admin, {("ra", "female", "2024"): 13, ("ra", "male", "2024"): 12})
    seed_patients(admin, {("ms", "female", "2024"): 14}, consent=False)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_gil")

    def count(content: bytes, condition: str, sex: str) -> str:
        tables, _m = read_zip(content)
        return next(r["patients"] for r in tables[DEMO]
                    if (r["condition"], r["sex"], r["year"]) == (condition, sex, "2024"))

    _job, before = finished_export(researcher, project_id)
    assert count(before, "ra", "female") == "13"
    tables, _m = read_zip(before)
    assert "ms" not in {r["condition"] for r in tables[DEMO]}, "only consenting patients count"

    leaving = people[("ra", "female", "2024")][0]

    async def withdraw(runtime: Any) -> None:
        from outcomes.research.services import withdraw_consent

        async with runtime.sessionmaker() as db, db.begin():
            await withdraw_consent(db, await db.get_one(User, leaving))

    researcher.run(withdraw)
    _again, same_snapshot = finished_export(researcher, project_id, condition=["ra"])
    assert count(same_snapshot, "ra", "female") == "13", "one snapshot, one release"
    new_snapshot(researcher)
    _job, after = finished_export(researcher, project_id)
    assert count(after, "ra", "female") == "12"
    assert query(researcher, select(func.count()).select_from(ConsentRecord))[0][0] == 26


def test_a_failed_export_leaves_no_partial_file_and_says_why(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any, settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_hal")
    from outcomes.research import worker

    def broken_json(*_args: Any) -> str:
        raise OSError("No space left on device")

    monkeypatch.setattr(worker, "_json", broken_json)
    job_id = int(export(researcher, project_id).headers["location"].rsplit("/", 1)[1])
    run_jobs(researcher)
    page = researcher.get(f"/research/exports/{job_id}")
    assert "The export failed: No space left on device" in page.text
    assert "hx-trigger" not in page.text and "/download" not in page.text
    folder = settings.var_dir / "exports"
    assert not folder.exists() or list(folder.iterdir()) == []
    (status, path) = query(researcher, select(ExportJob.status, ExportJob.archive_path))[0]
    assert (status, path) == ("failed", "")
    assert "export.failed" in [a for (a,) in query(researcher, select(AuditEntry.action))]

    monkeypatch.undo()
    demo_table_again = demo_table
    from outcomes.research import tables as catalogue

    monkeypatch.setitem(catalogue.CATALOGUE, DEMO, demo_table_again)
    # Asking again after a failure makes a new job, which succeeds.
    finished_export(researcher, project_id)


def test_an_abandoned_running_job_is_resumed_after_its_lease(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from community.db import utcnow

    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_ida")
    job_id = int(export(researcher, project_id).headers["location"].rsplit("/", 1)[1])

    async def set_job(runtime: Any, **values: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))

    # A worker claimed it and died: while its lease runs, nobody else takes it.
    researcher.run(lambda rt: set_job(rt, status="running", attempts=1, progress=40,
                                      lease_until=utcnow() + timedelta(minutes=5)))
    assert run_jobs(researcher) == 0
    researcher.run(lambda rt: set_job(rt, lease_until=utcnow() - timedelta(seconds=1)))
    assert run_jobs(researcher) == 1
    (status, attempts) = query(researcher, select(ExportJob.status, ExportJob.attempts))[0]
    assert (status, attempts) == ("done", 2)
    # One that keeps dying is failed cleanly rather than retried forever.
    researcher.run(lambda rt: set_job(rt, status="running", attempts=3, archive_path="",
                                      lease_until=utcnow() - timedelta(seconds=1)))
    run_jobs(researcher)
    (status, error) = query(researcher, select(ExportJob.status, ExportJob.error))[0]
    assert status == "failed" and "too many times" in error


def test_export_form_rejects_bad_input(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_jo")
    assert export(researcher, project_id, tables=[]).status_code == 400
    assert export(researcher, project_id, tables=["patients"]).status_code == 400, \
        "only the tables the project was approved for"
    assert export(researcher, project_id, year_from="20x4").status_code == 400
    assert export(researcher, project_id, year_from="2025", year_to="2024").status_code == 400
    for epsilon in ("-1", "0", "1E-9999", "0.001", "NaN", "inf", "-inf", "sNaN", "1.5", "x"):
        refused = export(researcher, project_id, epsilon=epsilon)
        assert refused.status_code == 400, epsilon
        assert 'id="epsilon-errors"' in refused.text and "from 0.01 to 1.0" in refused.text
        assert f'value="{epsilon}"' in refused.text, "what was typed is kept"
    assert query(researcher, select(func.count()).select_from(ExportJob))[0][0] == 0
    assert query(researcher, select(ResearchProject.budget_spent))[0][0] == "0"


def test_a_noised_export_that_fails_before_release_charges_nothing(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_refund", budget="1")
    from outcomes.research import worker

    def broken_archive(*_args: Any) -> Any:
        raise OSError("No space left on device")

    working_archive = worker.build_archive
    monkeypatch.setattr(worker, "build_archive", broken_archive)
    job_id = int(export(researcher, project_id, epsilon="0.5").headers["location"]
                 .rsplit("/", 1)[1])
    assert query(researcher, select(ResearchProject.budget_spent))[0][0] == "0.5", "held"
    run_jobs(researcher)
    assert "The export failed" in researcher.get(f"/research/exports/{job_id}").text
    assert query(researcher, select(ResearchProject.budget_spent))[0][0] == "0"
    assert "1 of 1 epsilon left" in researcher.get(f"/research/projects/{project_id}").text
    actions = [a for (a,) in query(researcher, select(AuditEntry.action))]
    assert "research.budget_refunded" in actions
    monkeypatch.setattr(worker, "build_archive", working_archive)
    # Asked again, the export is charged once more and, released this time, stays charged.
    finished_export(researcher, project_id, epsilon="0.5")
    assert query(researcher, select(ResearchProject.budget_spent))[0][0] == "0.5"


def test_a_request_with_nothing_to_release_is_refused_before_it_is_queued(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_narrow")
    finished_export(researcher, project_id)  # the snapshot's release is now computed
    jobs = query(researcher, select(func.count()).select_from(ExportJob))[0][0]
    # No patient before 2024.
    empty = export(researcher, project_id, year_from="2020", year_to="2022")
    assert empty.status_code == 400
    assert "no data in the chosen range" in empty.text
    assert query(researcher, select(func.count()).select_from(ExportJob))[0][0] == jobs
    assert "rare" not in empty.text.lower()


def test_filters_are_chosen_from_lists_and_checked_before_queueing(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any
) -> None:
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_kim")
    page = researcher.get(f"/research/projects/{project_id}").text
    assert '<select id="condition" name="condition" multiple' in page
    assert '<option value="ra"' in page and '<option value="pd"' in page
    refused = export(researcher, project_id, condition=["ra", "zz"])
    assert refused.status_code == 400
    assert 'id="condition-errors"' in refused.text and "Choose from the list." in refused.text
    assert "rare" not in refused.text.lower()
    assert '<option value="ra" selected>' in refused.text, "what was chosen is kept"
    assert query(researcher, select(func.count()).select_from(ExportJob))[0][0] == 0


def test_the_worker_started_with_the_app_runs_jobs_and_purges_expired_archives(
    new_visitor: Callable[[], Visitor], admin: Visitor, demo_table: Any, settings: Any
) -> None:
    import asyncio
    import os
    from datetime import timedelta

    from sqlalchemy import update

    from community.app import background_jobs
    from community.background import always, running_jobs
    from community.db import utcnow
    from outcomes.research.worker import purge_expired

    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_loop")
    job_id = int(export(researcher, project_id).headers["location"].rsplit("/", 1)[1])

    async def serve_until_done(runtime: Any) -> str:
        # The worker is one of the app's background jobs, installed by research; these tests'
        # settings turn it off (KINDRED_RESEARCH_WORKER=off), as for a web-only process.
        worker = {job.name: job for job in background_jobs(runtime)}["research-export-worker"]
        assert not worker.enabled(runtime.settings)
        assert worker.enabled(replace(runtime.settings, extra={}))
        # Wait for the worker's first pass (which takes every queued job), not for the clock.
        first_pass = asyncio.Event()

        async def observed(runtime: Any) -> int:
            try:
                return await worker.run(runtime)
            finally:
                first_pass.set()

        async with running_jobs(runtime, [replace(worker, run=observed, enabled=always)]):
            await first_pass.wait()
        async with runtime.sessionmaker() as db:
            return (await db.get_one(ExportJob, job_id)).status

    assert researcher.run(serve_until_done) == "done"
    folder = settings.var_dir / "exports"
    assert len([p for p in folder.iterdir() if not p.name.startswith(".")]) == 1
    leftover = folder / ".crashed.zip.abc.part"
    leftover.write_bytes(b"partial")
    old = (utcnow() - timedelta(hours=1)).timestamp()
    os.utime(leftover, (old, old))

    async def expire(runtime: Any) -> int:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(update(ExportJob).values(
                download_expires_at=utcnow() - timedelta(seconds=1)))
        return await purge_expired(runtime)

    assert researcher.run(expire) == 1
    assert list(folder.iterdir()) == []
    page = researcher.get(f"/research/exports/{job_id}").text
    assert "/download" not in page and "has expired" in page
    again = export(researcher, project_id)
    assert again.headers["location"] != f"/research/exports/{job_id}", "built anew"


def test_filters_accept_comma_separated_slugs(demo_table: Any) -> None:
    from outcomes.research.services import parse_export_request

    project = ResearchProject(tables=[DEMO])
    parsed = parse_export_request(project, [DEMO], ["ra, ms", "ms"], [""], "2024", "", "")
    assert parsed.filters == {"condition": ["ms", "ra"], "treatment": [], "year_from": 2024,
                              "year_to": None}
    assert parsed.epsilon is None
