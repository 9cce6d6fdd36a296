"""The export worker: claims queued (or abandoned) export jobs and builds their archives.

Jobs are rows, so a restart loses nothing: a job whose lease ran out while "running" (its
process died) is claimed again and rebuilt from its stored releases, or failed cleanly after
MAX_ATTEMPTS. Archives are written under a temporary name and renamed into place, so a
failed export never leaves a partial file.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update

from community import audit
from community.background import BackgroundJob, repeat
from community.db import intent, utcnow
from community.runtime import Runtime
from community.settings import Settings
from outcomes.research.cube import ALL
from outcomes.research.disclosure import PublishedTable, Row, manifest
from outcomes.research.models import DataSnapshot, ExportJob, JobStatus, ResearchProject
from outcomes.research.services import (
    ARCHIVE_LIFETIME,
    archive_name,
    budget_of,
    refund_failed_export,
)
from outcomes.research.tables import (
    CATALOGUE,
    NotReleased,
    TableSpec,
    compute_release,
    listed_periods,
    published_table,
    store_release,
    stored_release,
)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3
POLL_SECONDS = 1.0
log = logging.getLogger("kindred.research.worker")


def software_version() -> str:
    try:
        return version("kindred")
    except PackageNotFoundError:
        return "0.1.0"


def exports_dir(runtime: Runtime) -> Path:
    return Path(runtime.settings.var_dir) / "exports"


# ---- claiming --------------------------------------------------------------------------------


async def claim_job(runtime: Runtime) -> int | None:
    """Take the oldest queued job, or one whose worker stopped renewing its lease."""
    now = utcnow()
    claimable = or_(ExportJob.status == JobStatus.QUEUED,
                    (ExportJob.status == JobStatus.RUNNING) & (ExportJob.lease_until < now))
    # Look before locking: an idle poll must not take SQLite's write lock every second.
    async with runtime.sessionmaker() as db:
        candidates = list(await db.scalars(
            select(ExportJob.id).where(claimable).order_by(ExportJob.id).limit(5)
        ))
    if not candidates:
        return None
    with intent(write=True):
        async with runtime.sessionmaker() as db, db.begin():
            for job_id in candidates:
                # The conditional update is the lock: only one worker's update matches.
                claimed = await db.execute(
                    update(ExportJob).where(ExportJob.id == job_id, claimable)
                    .values(status=JobStatus.RUNNING, lease_until=now + LEASE, progress=0,
                            attempts=ExportJob.attempts + 1)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    return job_id
    return None


async def _update(runtime: Runtime, job_id: int, **values: Any) -> None:
    with intent(write=True):
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


async def _fail(runtime: Runtime, job_id: int, reason: str) -> None:
    """Mark a job failed; nothing was released, so the epsilon it was charged comes back."""
    with intent(write=True):
        async with runtime.sessionmaker() as db, db.begin():
            job = await db.get_one(ExportJob, job_id)
            job.status, job.error, job.finished_at, job.lease_until = (
                JobStatus.FAILED, reason[:2000], utcnow(), None)
            await audit.record(db, "export.failed", actor_id=None, target_type="research_export",
                               target_id=job.id, detail={"reason": reason[:500]})
            await refund_failed_export(db, job)


# ---- running ---------------------------------------------------------------------------------


async def run_export_job(runtime: Runtime, job_id: int) -> None:
    """Build one claimed job's archive; any failure marks the job failed with its reason."""
    async with runtime.sessionmaker() as db:
        job = await db.get_one(ExportJob, job_id)
    if job.attempts > MAX_ATTEMPTS:
        await _fail(runtime, job_id, "The export stopped before finishing too many times.")
        return
    final: Path | None = None
    try:
        published = await _published_tables(runtime, job)
        info = await _manifest(runtime, job, published)
        # Compressing and fsyncing a large archive blocks: off the event loop.
        final = await asyncio.to_thread(build_archive, exports_dir(runtime), archive_name(job),
                                        published.tables, info)
        await _finish(runtime, job_id, final, info)
    except Exception as exc:  # the job records why it failed; the worker goes on
        log.exception("export job %s failed", job_id)
        if final is not None:
            final.unlink(missing_ok=True)
        await _fail(runtime, job_id, _reason(exc))


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValueError | OSError) and str(exc):
        return str(exc)
    return f"The export could not be built ({type(exc).__name__})."


@dataclass
class _Published:
    """What an export releases: its slices, the tables it leaves out and why, the periods
    each release over time lists, and the snapshot's time."""

    tables: dict[str, tuple[TableSpec, PublishedTable]] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)
    periods: dict[str, dict[str, str]] = field(default_factory=dict)
    snapshot_at: datetime | None = None


async def _published_tables(runtime: Runtime, job: ExportJob) -> _Published:
    """The released slices of a job's tables, and the tables left out with the reason."""
    epsilon = Decimal(job.epsilon) if job.epsilon else None
    published = _Published()
    for position, name in enumerate(job.tables):
        spec = CATALOGUE.get(name)
        if spec is None or not spec.available():
            raise ValueError(f"The table {name!r} is not available.")
        # Computing only reads; the write lock is taken just to record the result.
        async with runtime.sessionmaker() as db:
            snapshot = await db.get_one(DataSnapshot, job.snapshot_id)
            published.snapshot_at = snapshot.taken_at
            release = await stored_release(db, spec, snapshot.id, epsilon)
            computed = release is None
            if release is None:
                release = await compute_release(db, spec, snapshot, epsilon,
                                                since=runtime.settings.research_since)
        if computed:
            with intent(write=True):
                async with runtime.sessionmaker() as db, db.begin():
                    release = await store_release(db, spec, snapshot.id, epsilon, release)
        # Slicing a large release takes a moment; the app keeps serving meanwhile.
        try:
            published.tables[name] = (spec, await asyncio.to_thread(
                published_table, release, spec, job.filters))
        except NotReleased as left:
            published.left_out[name] = left.reason
        else:
            if (periods := listed_periods(release, spec)) is not None:
                published.periods[name] = periods
        await _update(runtime, job.id, progress=int(90 * (position + 1) / len(job.tables)),
                      lease_until=utcnow() + LEASE)
    return published


async def _manifest(runtime: Runtime, job: ExportJob, published: _Published) -> dict[str, Any]:
    async with runtime.sessionmaker() as db:
        project = await db.get_one(ResearchProject, job.project_id)
    assert published.snapshot_at is not None
    info = manifest({name: table for name, (_, table) in published.tables.items()},
                    snapshot_at=published.snapshot_at, software_version=software_version(),
                    budget=budget_of(project))
    for name, periods in published.periods.items():
        # Every period from the first to the snapshot's is listed, empty or not.
        info["tables"][name]["periods"] = periods
    info.update({
        "project": {"id": project.id, "title": project.title,
                    "data_use_agreement": project.dua_version},
        "export": {"id": job.id, "requested_at": job.created_at.isoformat(),
                   "filters": job.filters, "epsilon_per_table": job.epsilon or None},
        "total_marker": ALL,
        "counts": "distinct patients with research consent in force at the snapshot",
        "zero_rows": ZERO_ROWS,
        # Tables of the request that this export does not contain, and why.
        "not_released": dict(published.left_out),
    })
    return info


ZERO_ROWS = "omitted: a combination of categories that is not listed has no patients"


def _listed(items: tuple[Row, ...]) -> list[Row]:
    """The rows an archive lists: the full product of categories is mostly empty cells."""
    return [(key, value) for key, value in items if value != 0]


def _csv(spec: TableSpec, table: PublishedTable) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*table.dimensions, "patients"])
    writer.writerows([*key, "" if value is None else value]
                     for key, value in _listed((*table.rows, *table.totals)))
    return buffer.getvalue()


def _json(spec: TableSpec, table: PublishedTable) -> str:
    def rows(items: tuple[Row, ...]) -> list[dict[str, Any]]:
        return [{**dict(zip(table.dimensions, key, strict=True)), "patients": value}
                for key, value in _listed(items)]

    return json.dumps({
        "table": spec.name, "title": spec.title, "description": spec.description,
        "dimensions": list(table.dimensions),
        "filters": {k: list(v) for k, v in table.filters.items()},
        "threshold": table.threshold, "zero_rows": ZERO_ROWS,
        "rows": rows(table.rows), "totals": rows(table.totals),
    }, indent=1)


def build_archive(
    folder: Path, name: str, tables: Mapping[str, tuple[TableSpec, PublishedTable]],
    info: Mapping[str, Any],
) -> Path:
    """Write the zip under a temporary name, then rename it into place atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / name
    partial = folder / f".{name}.{uuid.uuid4().hex}.part"
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table_name, (spec, table) in tables.items():
                archive.writestr(f"{table_name}.csv", _csv(spec, table))
                archive.writestr(f"{table_name}.json", _json(spec, table))
            archive.writestr("manifest.json", json.dumps(info, indent=1, default=str))
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return final


async def _finish(runtime: Runtime, job_id: int, path: Path, info: dict[str, Any]) -> None:
    with intent(write=True):
        async with runtime.sessionmaker() as db, db.begin():
            job = await db.get_one(ExportJob, job_id)
            job.status, job.progress, job.lease_until = JobStatus.DONE, 100, None
            job.archive_path, job.manifest, job.error = str(path), info, ""
            job.finished_at = utcnow()
            job.download_expires_at = job.finished_at + ARCHIVE_LIFETIME
            await audit.record(db, "export.built", actor_id=job.requested_by_id,
                               target_type="research_export", target_id=job.id,
                               detail={"project": job.project_id, "tables": job.tables,
                                       "epsilon": job.epsilon})


async def run_pending_jobs(runtime: Runtime) -> int:
    """Run every claimable job now; returns how many ran (tests call this directly)."""
    ran = 0
    while (job_id := await claim_job(runtime)) is not None:
        await run_export_job(runtime, job_id)
        ran += 1
    return ran


async def purge_expired(runtime: Runtime) -> int:
    """Delete archives past their download expiry, and partial files a killed process left."""
    now = utcnow()
    expired_now = (ExportJob.status == JobStatus.DONE) & (ExportJob.archive_path != "") & (
        ExportJob.download_expires_at < now)
    async with runtime.sessionmaker() as db:
        expired = list(await db.scalars(select(ExportJob.id).where(expired_now)))
    if expired:
        with intent(write=True):
            async with runtime.sessionmaker() as db, db.begin():
                jobs = list(await db.scalars(select(ExportJob).where(ExportJob.id.in_(expired))))
                await asyncio.to_thread(_remove, [Path(job.archive_path) for job in jobs])
                for job in jobs:
                    job.archive_path = ""
    # Older than a lease: its writer is gone (a live one renews its lease while writing).
    await asyncio.to_thread(_remove_partials, exports_dir(runtime), (now - LEASE).timestamp())
    return len(expired)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _remove_partials(folder: Path, older_than: float) -> None:
    if folder.is_dir():
        _remove([p for p in folder.glob(".*.part") if p.stat().st_mtime < older_than])


# ---- the worker beside the app, or as its own process --------------------------------------


async def worker_pass(runtime: Runtime) -> int:
    """One pass of the worker: every claimable job, then the expired archives."""
    return await run_pending_jobs(runtime) + await purge_expired(runtime)


def _runs_worker(settings: Settings) -> bool:
    return settings.runs_research_worker


# Installed through the `background_jobs` extension; a web-only process leaves it out
# (KINDRED_RESEARCH_WORKER=off) when the worker runs as its own process (`serve_worker`).
EXPORT_WORKER = BackgroundJob("research-export-worker", "running research export jobs",
                              POLL_SECONDS, worker_pass, log, enabled=_runs_worker)


async def serve_worker(runtime: Runtime) -> None:
    """Run the worker in the foreground until SIGTERM or SIGINT (`kindred research run-jobs
    --loop`, the production set-up): the pass in hand finishes first."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await repeat(EXPORT_WORKER, runtime, stop)
