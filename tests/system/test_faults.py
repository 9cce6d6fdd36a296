"""Faults: a server SIGKILLed under write load keeps every write it acknowledged; an export
job killed half-way resumes (or fails cleanly) and leaves no partial archive."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from community.app import load_all_models
from community.communities.models import Post
from community.db import make_engine, utcnow
from community.web import SESSION_COOKIE
from outcomes.reports.summaries import rebuild_summaries, summary_state
from outcomes.research.models import ExportJob, JobStatus
from outcomes.treatments.models import Evaluation
from tests.helpers import Visitor
from tests.integration.test_api_research import CELLS, bearer, create_token
from tests.research_support import (
    DEMO,
    approved_researcher,
    demo_table,
    make_admin,
    seed_patients,
    settings,
)
from tests.system.conftest import (
    REPO_ROOT,
    Browser,
    Server,
    base_env,
    kindred,
    migrate,
    start_thread,
)

__all__ = ["demo_table", "settings"]

WRITERS = 4
LOAD_SECONDS = 8.0  # an upper bound: the kill comes once enough writes were acknowledged
KILL_AFTER_ACKS = 24


def _query(database_url: str, work: Callable[[Any], Any]) -> Any:
    async def _run() -> Any:
        load_all_models()
        engine = make_engine(database_url, pool=False)
        try:
            async with engine.connect() as connection:
                return await work(connection)
        finally:
            await engine.dispose()

    return asyncio.run(_run())


def _people_with_sessions(database_url: str, var_dir: Path, names: list[str]) -> list[str]:
    """Patients created directly, with sessions, skipping the (deliberately slow) password
    hash: sign-up and sign-in over HTTP are tested elsewhere; this test is about writes."""
    from community.accounts.models import Role, User, UserRole
    from community.runtime import Runtime
    from community.settings import Settings

    async def _run() -> list[str]:
        load_all_models()
        runtime = Runtime.build(Settings(database_url=database_url, secret_key="x" * 40,
                                         var_dir=var_dir))
        tokens = []
        try:
            for name in names:
                async with runtime.sessionmaker() as db, db.begin():
                    user = User(username=name, username_key=name,
                                email=f"{name}@example.org", password_hash="!")
                    user.roles.append(UserRole(role=Role.PATIENT))
                    db.add(user)
                    await db.flush()
                    tokens.append(await runtime.sessions.create(
                        user.id, user.privilege_version, lifetime=timedelta(hours=1),
                        client_address="127.0.0.1", user_agent="system-test", db=db))
        finally:
            await runtime.close()
        return tokens

    return asyncio.run(_run())


def _course(browser: Browser) -> tuple[int, str]:
    response = browser.post("/my/treatments/new", {
        "treatment": "Methotrexate", "purpose": "Rheumatoid arthritis",
        "started_on": "2020-01-01", "amount": "15", "unit": "mg", "frequency": "weekly"})
    assert response.status_code == 303, response.text[:800]
    course_id = int(re.match(r"/my/treatments/(\d+)", response.headers["location"]).group(1))
    page = browser.get(f"/my/treatments/{course_id}/evaluations/new").text
    field = re.search(r'name="(effect_condition_\d+|effect_symptom_\d+)"', page)
    assert field, "the evaluation form names the purpose's effect field"
    return course_id, field.group(1)


def _writer(browser: Browser, number: int, thread_id: int, course: tuple[int, str],
            stop: threading.Event, acked: dict[str, list[str]], lock: threading.Lock) -> None:
    course_id, effect_field = course
    n = 0
    while not stop.is_set():
        n += 1
        try:
            if n % 2:
                body = f"writer {number} reply {n} about cooling"
                response = browser.post(f"/threads/{thread_id}/replies", {"body": body})
                if response.status_code == 303:
                    with lock:
                        acked["replies"].append(body)
            else:
                tip = f"writer {number} tip {n}"
                day = (date(2025, 12, 31) - timedelta(days=n)).isoformat()
                response = browser.post(f"/my/treatments/{course_id}/evaluations/new", {
                    "evaluated_on": day, effect_field: "moderate",
                    "side_effect_severity": "mild", "adherence": "always",
                    "burden": "a_little", "cost": "under_25", "tip": tip,
                    "visibility": "public"})
            if response.status_code == 303 and n % 2 == 0:
                with lock:
                    acked["tips"].append(tip)
            if response.status_code >= 500:
                with lock:
                    acked["errors"].append(f"{response.request.method} "
                                           f"{response.request.url.path} -> {response.status_code}")
        except httpx.HTTPError:
            return  # the server is gone: what was not acknowledged may or may not be there


@pytest.mark.long
def test_acknowledged_writes_survive_sigkill(server_database: str, tmp_path: Path) -> None:
    env = base_env(server_database, tmp_path / "var")
    migrate(env, tmp_path / "migrate.log")
    server = Server(env, tmp_path / "server.log").start()
    acked: dict[str, list[str]] = {"replies": [], "tips": [], "errors": []}
    try:
        tokens = _people_with_sessions(server_database, tmp_path / "var",
                                       [f"writer_{n}" for n in range(WRITERS)])
        browsers = [Browser(server.url) for _ in range(WRITERS)]
        for browser, token in zip(browsers, tokens, strict=True):
            browser.client.cookies.set(SESSION_COOKIE, token, domain="127.0.0.1")
            assert browser.get("/account").status_code == 200
        thread_id = start_thread(browsers[0], "rheumatoid-arthritis", "Morning stiffness",
                                 "What helps you in the first hour?")
        for browser in browsers[1:]:
            assert browser.post("/communities/rheumatoid-arthritis/join").status_code == 303
        courses = [_course(browser) for browser in browsers]

        stop, lock = threading.Event(), threading.Lock()
        workers = [threading.Thread(target=_writer, args=(browser, number, thread_id,
                                                          courses[number], stop, acked, lock))
                   for number, browser in enumerate(browsers)]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + LOAD_SECONDS
        while time.monotonic() < deadline:
            with lock:
                if len(acked["replies"]) + len(acked["tips"]) >= KILL_AFTER_ACKS:
                    break
            time.sleep(0.02)
        server.kill()  # mid-load: requests are in flight
        stop.set()
        for worker in workers:
            worker.join(timeout=20)
        assert len(acked["replies"]) + len(acked["tips"]) >= 4, f"too little load: {acked}"

        server.start()  # the same database, as an operator would
        assert Browser(server.url).get("/healthz").status_code == 200
    finally:
        server.stop()

    async def stored(connection: Any) -> tuple[set[str], set[str]]:
        bodies = set(await connection.scalars(select(Post.body)))
        tips = set(await connection.scalars(select(Evaluation.tip)))
        return bodies, tips

    bodies, tips = _query(server_database, stored)
    lost_replies = [b for b in acked["replies"] if b not in bodies]
    lost_tips = [t for t in acked["tips"] if t not in tips]
    assert not lost_replies and not lost_tips, (lost_replies, lost_tips)

    async def summaries_match(connection: Any) -> tuple[Any, Any]:
        from sqlalchemy.ext.asyncio import AsyncSession

        async with AsyncSession(bind=connection) as db:
            maintained = await summary_state(db)
            await rebuild_summaries(db)
            rebuilt = await summary_state(db)
            await db.rollback()
        return maintained, rebuilt

    maintained, rebuilt = _query(server_database, summaries_match)
    assert maintained == rebuilt, "the maintained report summaries differ from a rebuild"

    verified = subprocess.run(kindred("audit", "verify"), env=env, cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    errors = sorted(set(acked["errors"]))
    assert not errors, f"5xx answers under load: {errors}"


# ---- a research export killed half-way -------------------------------------------------------

WORKER_SCRIPT = """
import asyncio, os, sys, time
from pathlib import Path
from community.app import load_all_models
from community.runtime import Runtime
from community.settings import Settings
from outcomes.research import tables, worker
from outcomes.research.tables import TableSpec
from tests.research_support import DEMO, _demo_query

tables.CATALOGUE[DEMO] = TableSpec(DEMO, "Demo patients", "Synthetic patients for tests.",
                                   ("condition", "sex", "year"), _demo_query,
                                   categories={"sex": ("female", "male")}, max_contributions=1)
mode = sys.argv[1]
if mode == "stall":
    real_json = worker._json
    def stalled_json(spec, table):
        # The archive's .part file is open and half-written: say so, then wait to be killed.
        print("WRITING", flush=True)
        time.sleep(120)
        return real_json(spec, table)
    worker._json = stalled_json

async def main():
    load_all_models()
    settings = Settings(database_url=os.environ["DB"], secret_key="x" * 40,
                        var_dir=Path(os.environ["VAR"]), extra={"research_worker": "off"})
    runtime = Runtime.build(settings)
    try:
        if mode == "stall":
            job_id = await worker.claim_job(runtime)
            print("CLAIMED", job_id, flush=True)
            await worker.run_export_job(runtime, job_id)
        else:
            print("RAN", await worker.run_pending_jobs(runtime), flush=True)
            print("PURGED", await worker.purge_expired(runtime), flush=True)
    finally:
        await runtime.close()

asyncio.run(main())
"""


def _worker(mode: str, database_url: str, var_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "DB": database_url, "VAR": str(var_dir)}
    return subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, mode], env=env, cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def _job(visitor: Visitor, job_id: int) -> ExportJob:
    async def get(runtime: Any) -> ExportJob:
        async with runtime.sessionmaker() as db:
            return await db.get_one(ExportJob, job_id)

    return visitor.run(get)


def test_export_killed_mid_way_resumes_without_partial_files(
    new_visitor: Callable[[], Visitor], demo_table: Any, database_url: str, tmp_path: Path,
) -> None:
    admin = make_admin(new_visitor)
    seed_patients(admin, CELLS)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_crash")
    token = create_token(researcher, project_id)
    created = researcher.client.post("/api/v1/research/exports",
                                     json={"tables": [DEMO], "epsilon": "0.5"},
                                     headers=bearer(token))
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    var_dir = Path(researcher.app.state.runtime.settings.var_dir)
    exports = var_dir / "exports"

    stalled = _worker("stall", database_url, var_dir)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = stalled.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
            if line.startswith("WRITING"):
                break
        assert lines and lines[-1].startswith("WRITING"), "".join(lines)
        os.killpg(stalled.pid, signal.SIGKILL)
    finally:
        if stalled.poll() is None:
            os.killpg(stalled.pid, signal.SIGKILL)
        stalled.wait(timeout=10)

    job = _job(researcher, job_id)
    assert job.status == JobStatus.RUNNING and job.archive_path == ""
    partials = list(exports.glob(".*.part"))
    assert partials, "the killed worker was half-way through writing its archive"
    assert not list(exports.glob("*.zip"))

    # Time passes: the dead worker's lease runs out, its partial file is older than a lease.
    async def expire(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(update(ExportJob).where(ExportJob.id == job_id)
                             .values(lease_until=utcnow() - timedelta(seconds=1)))

    researcher.run(expire)
    old = time.time() - 3600
    for partial in partials:
        os.utime(partial, (old, old))

    restarted = _worker("resume", database_url, var_dir)
    output, _ = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, output

    job = _job(researcher, job_id)
    assert job.status in (JobStatus.DONE, JobStatus.FAILED), (job.status, output)
    leftovers = [p.name for p in exports.iterdir() if not p.name.endswith(".zip")]
    assert not leftovers, f"partial files remain: {leftovers}"
    if job.status == JobStatus.DONE:
        assert job.attempts == 2
        with zipfile.ZipFile(job.archive_path) as archive:
            assert archive.testzip() is None
            assert {f"{DEMO}.csv", f"{DEMO}.json", "manifest.json"} <= set(archive.namelist())
        download = researcher.client.get(f"/api/v1/research/exports/{job_id}/download",
                                         headers=bearer(token))
        assert download.status_code == 200
    else:
        assert job.error and not list(exports.glob("*.zip"))
