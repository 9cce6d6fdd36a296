"""Research export benchmark: the whole table catalogue over a scale dataset, in-process.

`python -m bench.export --backend sqlite|postgresql --patients N`

On the bench.scale dataset of N patients (built first when missing), in one run:

1. **Export.** A researcher project approved for every available catalogue table (through
   outcomes.research.services: apply_for_project, approve_project), a fresh data snapshot
   (take_snapshot), one export job for all tables without noise (request_export), claimed
   and built by the worker's own functions (claim_job, run_export_job): each table's query,
   cube, suppression, storing the release, the zip. Timed end to end and per table.
2. **Per table, again:** compute_release alone (query + cube + suppression, not stored), split
   into the table's query (spec.query) and the rest.
3. **Plain GROUP BY:** for each table, one SQL statement counting distinct consenting
   patients per cell with GROUP BY over the same joins — what a database alone needs to
   produce the unsuppressed counts. No folding of rare categories, no suppression, no
   totals: the floor the export's cost is compared with.

Each part runs `--repeat` times (default 1; the export always builds a fresh snapshot so
nothing is served from stored releases). The run adds a project, snapshots, jobs, stored
releases and audit entries to the scale database. Results:
bench/results/<date>-export-<backend>-<N>.md and .json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import RESULTS, SECRET_KEY, machine, unused_stem
from bench.scale import SCALE_DIR, build, database_url, exists


def _year(dialect: str, column: Any) -> Any:
    from sqlalchemy import func

    return func.strftime("%Y", column) if dialect == "sqlite" else func.to_char(column, "YYYY")


def _month(dialect: str, column: Any) -> Any:
    from sqlalchemy import func

    return (func.strftime("%Y-%m", column) if dialect == "sqlite"
            else func.to_char(column, "YYYY-MM"))


def _quarter(dialect: str, column: Any) -> Any:
    from sqlalchemy import Integer, String, cast, func

    if dialect != "sqlite":
        return func.to_char(column, 'YYYY-"Q"Q')
    # `//`: SQLAlchemy 2 renders `/` between integers as true division.
    quarter = cast((cast(func.strftime("%m", column), Integer) + 2) // 3, String)
    return func.strftime("%Y", column).op("||")("-Q").op("||")(quarter)


def group_by_queries(dialect: str, consenting: Any) -> dict[str, list[Any]]:
    """Per catalogue table, the GROUP BY statements giving its unsuppressed cell counts."""
    from sqlalchemy import distinct, func, literal, select

    from community.communities.models import Community
    from community.profiles.models import Profile, ProfileCondition
    from outcomes.catalog.models import Condition, SideEffect, Symptom, Treatment
    from outcomes.research.tables import EVALUATION_MEASURES
    from outcomes.tracking.models import QuestionnaireAnswer, SymptomEntry
    from outcomes.treatments.models import (
        CoursePurpose,
        Evaluation,
        EvaluationEffect,
        EvaluationSideEffect,
        TreatmentCourse,
    )

    def grouped(*columns: Any, user: Any) -> Any:
        return select(*columns, func.count(distinct(user))).group_by(*columns)

    patients = grouped(Community.condition_slug, Profile.age_band, Profile.sex, Profile.country,
                       user=Profile.user_id) \
        .select_from(Profile) \
        .join(ProfileCondition, ProfileCondition.user_id == Profile.user_id) \
        .join(Community, Community.id == ProfileCondition.community_id) \
        .where(Profile.user_id.in_(consenting))
    treatment_use = grouped(Condition.slug, Treatment.slug,
                            _year(dialect, TreatmentCourse.started_on),
                            user=TreatmentCourse.user_id) \
        .select_from(TreatmentCourse) \
        .join(Treatment, Treatment.id == TreatmentCourse.treatment_id) \
        .join(CoursePurpose, CoursePurpose.course_id == TreatmentCourse.id) \
        .join(Condition, Condition.id == CoursePurpose.condition_id) \
        .where(TreatmentCourse.user_id.in_(consenting))
    answers = []
    for measure in EVALUATION_MEASURES:
        answers.append(
            grouped(Treatment.slug, _year(dialect, Evaluation.evaluated_on), literal(measure),
                    getattr(Evaluation, measure), user=Evaluation.user_id)
            .select_from(Evaluation)
            .join(Treatment, Treatment.id == Evaluation.treatment_id)
            .where(Evaluation.user_id.in_(consenting)))
    effectiveness = (
        grouped(Treatment.slug, _year(dialect, Evaluation.evaluated_on),
                func.coalesce(Condition.slug, "symptom:" + Symptom.slug),
                EvaluationEffect.effectiveness, user=Evaluation.user_id)
        .select_from(Evaluation)
        .join(EvaluationEffect, EvaluationEffect.evaluation_id == Evaluation.id)
        .join(Treatment, Treatment.id == Evaluation.treatment_id)
        .outerjoin(Condition, Condition.id == EvaluationEffect.condition_id)
        .outerjoin(Symptom, Symptom.id == EvaluationEffect.symptom_id)
        .where(Evaluation.user_id.in_(consenting)))
    side_effects = grouped(Treatment.slug, SideEffect.slug, _year(dialect, Evaluation.evaluated_on),
                           user=Evaluation.user_id) \
        .select_from(Evaluation) \
        .join(EvaluationSideEffect, EvaluationSideEffect.evaluation_id == Evaluation.id) \
        .join(SideEffect, SideEffect.id == EvaluationSideEffect.side_effect_id) \
        .join(Treatment, Treatment.id == Evaluation.treatment_id) \
        .where(Evaluation.user_id.in_(consenting))
    symptoms = grouped(Condition.slug, _month(dialect, SymptomEntry.recorded_on),
                       SymptomEntry.severity, user=SymptomEntry.user_id) \
        .select_from(SymptomEntry) \
        .outerjoin(Condition, Condition.id == SymptomEntry.condition_id) \
        .where(SymptomEntry.user_id.in_(consenting))
    questionnaires = grouped(QuestionnaireAnswer.questionnaire_id, Community.condition_slug,
                             _quarter(dialect, QuestionnaireAnswer.authored_at),
                             QuestionnaireAnswer.band_code, user=QuestionnaireAnswer.user_id) \
        .select_from(QuestionnaireAnswer) \
        .join(ProfileCondition, ProfileCondition.user_id == QuestionnaireAnswer.user_id) \
        .join(Community, Community.id == ProfileCondition.community_id) \
        .where(QuestionnaireAnswer.user_id.in_(consenting))
    return {"patients": [patients], "treatment_use": [treatment_use],
            "evaluation_answers": answers, "evaluation_effectiveness": [effectiveness],
            "side_effects": [side_effects],
            "symptom_severity": [symptoms], "questionnaire_bands": [questionnaires]}


async def _researcher(runtime: Any) -> int:
    """An approved project for every available table (owned by researcher_demo)."""
    from sqlalchemy import select

    from community.accounts.models import User
    from outcomes.research.services import DUA_VERSION, apply_for_project, approve_project
    from outcomes.research.tables import available_tables

    async with runtime.sessionmaker() as db, db.begin():
        applicant = await db.scalar(select(User).where(User.username == "researcher_demo"))
        admin = await db.scalar(select(User).where(User.username == "admin"))
        form = {"full_name": "Bench Researcher", "institution": "Kindred bench",
                "project_title": f"Export benchmark {dt.datetime.now(dt.UTC):%H:%M:%S}",
                "purpose": "Timing the research export over the scale dataset.",
                "ethics_reference": "BENCH-1", "dua_version": DUA_VERSION, "accept_dua": "1"}
        application = await apply_for_project(db, applicant, form, sorted(available_tables()))
        project = await approve_project(db, admin, application.id)
        return int(project.id)


async def _export_once(runtime: Any, project_id: int) -> dict[str, Any]:
    from sqlalchemy import update

    from outcomes.research.models import ExportJob, ResearchProject
    from outcomes.research.services import ExportRequest, request_export, take_snapshot
    from outcomes.research.worker import claim_job, run_export_job

    started = time.monotonic()
    async with runtime.sessionmaker() as db, db.begin():
        # Jobs an interrupted earlier run left behind would be claimed first.
        await db.execute(update(ExportJob).where(ExportJob.status.in_(("queued", "running")))
                         .values(status="failed", error="abandoned by an earlier bench run"))
        await take_snapshot(db)  # fresh: nothing comes from stored releases
        project = await db.get_one(ResearchProject, project_id)
        request = ExportRequest(sorted(project.tables),
                                {"condition": [], "treatment": [], "year_from": None,
                                 "year_to": None}, None)
        job, _new = await request_export(db, project, request, actor_id=project.owner_id,
                                         via="bench")
        job_id = job.id
    claimed = await claim_job(runtime)
    if claimed != job_id:
        raise RuntimeError(f"claimed job {claimed}, expected {job_id}")
    await run_export_job(runtime, job_id)
    seconds = time.monotonic() - started
    async with runtime.sessionmaker() as db:
        job = await db.get_one(ExportJob, job_id)
    if job.status != "done":
        raise RuntimeError(f"export job {job_id} ended {job.status}: {job.error}")
    size = os.path.getsize(job.archive_path)  # noqa: ASYNC240 - once, after the timing
    return {"seconds": round(seconds, 2), "tables": list(job.tables), "archive_bytes": size}


async def _per_table(runtime: Any) -> dict[str, dict[str, float]]:
    from outcomes.research.models import DataSnapshot
    from outcomes.research.tables import available_tables, compute_release, consenting_users

    out: dict[str, dict[str, float]] = {}
    async with runtime.sessionmaker() as db:
        from sqlalchemy import select

        snapshot = await db.scalar(select(DataSnapshot).order_by(DataSnapshot.id.desc()).limit(1))
        for name, spec in available_tables().items():
            t0 = time.monotonic()
            pairs = list(await spec.query(db, consenting_users(snapshot.taken_at), snapshot))
            query_seconds = time.monotonic() - t0
            t1 = time.monotonic()
            await compute_release(db, spec, snapshot, None)
            total = time.monotonic() - t1
            out[name] = {"query_seconds": round(query_seconds, 3), "pairs": len(pairs),
                         "compute_release_seconds": round(total, 3)}
            print(f"[export]   {name}: {out[name]}", file=sys.stderr, flush=True)
    return out


async def _group_by(runtime: Any) -> dict[str, dict[str, float]]:
    from sqlalchemy import select

    from outcomes.research.models import DataSnapshot
    from outcomes.research.tables import consenting_users

    dialect = runtime.engine.dialect.name
    out: dict[str, dict[str, float]] = {}
    async with runtime.sessionmaker() as db:
        snapshot = await db.scalar(select(DataSnapshot).order_by(DataSnapshot.id.desc()).limit(1))
        queries = group_by_queries(dialect, consenting_users(snapshot.taken_at))
        for name, statements in queries.items():
            t0 = time.monotonic()
            cells = 0
            for statement in statements:
                cells += len((await db.execute(statement)).all())
            out[name] = {"seconds": round(time.monotonic() - t0, 3), "cells": cells}
            print(f"[export]   GROUP BY {name}: {out[name]}", file=sys.stderr, flush=True)
    return out


async def _run(url: str, repeat: int, save: Any, per_table_too: bool) -> dict[str, Any]:
    from community.app import load_all_models
    from community.runtime import Runtime
    from community.settings import Settings

    load_all_models()
    settings = Settings.from_env()
    runtime = Runtime.build(settings)
    try:
        project_id = await _researcher(runtime)
        exports: list[Any] = []
        per_table: list[Any] = []
        group_by: list[Any] = []
        result = {"exports": exports, "per_table": per_table, "group_by": group_by}
        for round_ in range(repeat):
            # The snapshot the GROUP BY queries use: the export's own, taken first.
            print(f"[export] round {round_ + 1}: plain GROUP BY", file=sys.stderr, flush=True)
            async with runtime.sessionmaker() as db, db.begin():
                from outcomes.research.services import take_snapshot
                await take_snapshot(db)
            group_by.append(await _group_by(runtime))
            save(result, partial=True)
            print(f"[export] round {round_ + 1}: export job", file=sys.stderr, flush=True)
            exports.append(await _export_once(runtime, project_id))
            print(f"[export]   {exports[-1]['seconds']} s", file=sys.stderr, flush=True)
            save(result, partial=per_table_too)
            if per_table_too:
                per_table.append(await _per_table(runtime))
                save(result, partial=False)
        return result
    finally:
        await runtime.close()


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Research export benchmark, {report['backend']}, {report['patients']:,} patients "
        f"({report['started']})",
        "",
        f"- machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['memory_gib']} GiB; load "
        f"average at start {m['load_average_at_start']}, at end {report['load_at_end']}",
        f"- data: bench.scale dataset `{report['database']}` ({report['rows']})",
        f"- command: `python -m bench.export --backend {report['backend']} --patients "
        f"{report['patients']}`; in-process, no noise (epsilon unset), all catalogue tables",
        *([f"- **PARTIAL**: {report['partial']}"] if report.get("partial") else []),
        "",
        "## Whole catalogue",
        "",
        "| round | export job (snapshot → zip) s | sum of plain GROUP BY s | ratio | archive |",
        "|---:|---:|---:|---:|---:|",
    ]
    for i, group in enumerate(report["group_by"]):
        floor = sum(g["seconds"] for g in group.values())
        if i < len(report["exports"]):
            export = report["exports"][i]
            lines.append(f"| {i + 1} | {export['seconds']:.1f} | {floor:.2f} | "
                         f"{export['seconds'] / floor if floor else 0:.0f}× | "
                         f"{export['archive_bytes'] / 1024:.0f} KiB |")
        else:
            lines.append(f"| {i + 1} | not finished | {floor:.2f} | – | – |")
    lines += [
        "",
        "## Per table (last round)",
        "",
        "| table | table query s | (pairs) | compute_release s (query + cube + suppression) "
        "| plain GROUP BY s | (cells) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    per = report["per_table"][-1] if report["per_table"] else {}
    group = report["group_by"][-1] if report["group_by"] else {}
    for name in group:
        g, t = group[name], per.get(name)
        table_part = (f"{t['query_seconds']:.2f} | {t['pairs']:,} | "
                      f"{t['compute_release_seconds']:.2f}" if t else "– | – | not measured")
        lines.append(f"| {name} | {table_part} | {g['seconds']:.2f} | {g['cells']:,} |")
    lines += ["", "The export job also stores each release and writes CSV, JSON and the "
              "manifest into the zip; the per-table figures are a second, separate computation "
              "on the same snapshot.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--evaluations-per-patient", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-per-table", action="store_true",
                        help="skip the second, per-table computation")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    url = database_url(args.backend, args.patients, args.evaluations_per_patient)
    if not exists(url):
        build(args.backend, args.patients, 7, args.evaluations_per_patient)
    os.environ.update({"KINDRED_DATABASE_URL": url, "KINDRED_SECRET_KEY": SECRET_KEY,
                       "KINDRED_ENV": "development",
                       "KINDRED_VAR_DIR": str(SCALE_DIR / f"var-{args.backend}")})
    os.environ.pop("KINDRED_REDIS_URL", None)
    started = dt.datetime.now(dt.UTC)
    info = machine(None)
    from bench.scale import count_rows

    rows = asyncio.run(count_rows(url))
    args.output.mkdir(parents=True, exist_ok=True)
    stem = unused_stem(args.output / f"{started:%Y-%m-%d}-export-{args.backend}-{args.patients}")
    base = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "machine": info,
            "backend": args.backend, "patients": args.patients,
            "database": url.rsplit("/", 1)[1],
            "rows": ", ".join(f"{k} {v:,}" for k, v in rows.items())}

    def save(result: dict[str, Any], *, partial: bool) -> str:
        report = {**base, **result, "load_at_end": [round(v, 2) for v in os.getloadavg()[:2]],
                  "partial": "the run was still going when this file was written; "
                             "parts not shown had not finished" if partial else ""}
        text = markdown(report)
        stem.with_suffix(".md").write_text(text)
        stem.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        return text

    result = asyncio.run(_run(url, args.repeat, save, not args.no_per_table))
    print(save(result, partial=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
