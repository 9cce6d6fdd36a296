"""Data at scale: build a large, reproducible demo dataset into a named database and time it.

`python -m bench.scale --backend sqlite|postgresql --patients N [--evaluations-per-patient E]
[--posts-per-patient P]`

The defaults (100,000 patients, 10 evaluations and 2 posts per patient) give the issue's
data set: about 100,000 patients, 1,000,000 evaluations and 200,000 posts.

The dataset goes into var/bench/kindred_<N>.db (SQLite) or the PostgreSQL database
kindred_bench_<N> (on KINDRED_BENCH_POSTGRES_URL or 127.0.0.1:5432), replacing what was
there. Steps, each timed: the schema (`kindred db upgrade`, tables the migrations lack are
created from the models and reported), people, the domains' demo loaders (the same
functions `kindred demo --evaluations-per-patient E --posts-per-patient P` runs, called
in-process so each step is timed on its own), then research fixtures the demo does not
create (a profile with age band, sex and country, one profile condition and a research
consent grant for a fixed share of patients), so the research export benchmark has
something to count. Fixed seed: the same command builds the same data.

Each step commits on its own. The report (stdout, and bench/results/<date>-scale-<backend>-<N>.md
and .json) gives the seconds per step and the row counts.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    RESULTS,
    ROOT,
    _pg_execute,
    _with_database,
    complete_schema,
    kindred_command,
    kindred_env,
    machine,
    postgres_url,
)

SCALE_DIR = ROOT / "var" / "bench"
COUNTED = ("user_account", "community_membership", "thread", "post", "treatment_course",
           "treatment_evaluation",
           "treatment_evaluation_effect", "treatment_evaluation_side_effect", "symptom_entry",
           "check_in",
           "questionnaire_answer", "profile", "profile_condition", "research_consent")
CONSENT_SHARE = 0.6
POSTS_PER_PATIENT = 2.0


def database_url(backend: str, patients: int, evaluations: int,
                 posts_per_patient: float = POSTS_PER_PATIENT) -> str:
    """The scale database for this backend and size (the same name every time)."""
    suffix = f"{patients}" if evaluations == 10 else f"{patients}_e{evaluations}"
    if posts_per_patient != POSTS_PER_PATIENT:
        suffix += f"_p{posts_per_patient:g}".replace(".", "_")
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{SCALE_DIR / f'kindred_{suffix}.db'}"
    admin = postgres_url()
    if admin is None:
        raise SystemExit("no PostgreSQL server (set KINDRED_BENCH_POSTGRES_URL or start one "
                         "on 127.0.0.1:5432)")
    return _with_database(admin, f"kindred_bench_{suffix}")


def exists(url: str) -> bool:
    """Whether the scale database is there (built by an earlier run)."""
    if url.startswith("sqlite"):
        return Path(url.split("///", 1)[1]).exists()
    admin = postgres_url()
    assert admin is not None
    name = url.rsplit("/", 1)[1]
    (found,) = asyncio.run(_pg_execute(
        admin, f"SELECT count(*) FROM pg_database WHERE datname = '{name}'"))
    return bool(found)


def recreate(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        for extra in ("", "-wal", "-shm", "-writers"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        return
    admin = postgres_url()
    assert admin is not None
    name = url.rsplit("/", 1)[1]
    asyncio.run(_pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                            f'CREATE DATABASE "{name}"'))


async def _research_fixtures(session: Any, people: list[Any], seed: int) -> str:
    """What the research benchmarks need and the demo leaves out: a profile (age band, sex,
    country) and a profile condition for every patient without one, and research consent
    for as many more as make CONSENT_SHARE of the patients (the demo loaders consent some)."""
    from sqlalchemy import select

    from community.communities.models import Community
    from community.demo import bulk_insert
    from community.profiles.models import Profile, ProfileCondition
    from outcomes.research.models import ConsentRecord
    from outcomes.research.services import CONSENT_VERSION
    from outcomes.research.tables import AGE_BANDS

    rng = random.Random(seed * 31 + 5)
    communities = list(await session.scalars(select(Community.id).order_by(Community.id)))
    with_profile = set(await session.scalars(select(Profile.user_id)))
    with_condition = set(await session.scalars(select(ProfileCondition.user_id).distinct()))
    with_consent = set(await session.scalars(select(ConsentRecord.user_id).distinct()))
    countries = ["US", "US", "US", "GB", "GB", "CA", "DE", "FR", "AU", "IE", "NL", "IN"]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    consented = len(with_consent) / max(len(people), 1)
    more_consent = max(0.0, (CONSENT_SHARE - consented) / max(1e-9, 1 - consented))
    profiles, conditions, consents = [], [], []
    for person in people:
        age_band = rng.choice(AGE_BANDS)
        sex = rng.choice(("female", "female", "male", "male", "intersex"))
        country = rng.choice(countries)
        community = rng.choice(communities)
        diagnosed = rng.randint(1995, 2025)
        consenting = rng.random() < more_consent
        if person.id not in with_profile:
            profiles.append({"user_id": person.id, "age_band": age_band, "sex": sex,
                             "country": country})
        if person.id not in with_condition:
            conditions.append({"user_id": person.id, "community_id": community,
                               "diagnosed_year": diagnosed})
        if consenting and person.id not in with_consent:
            consents.append({"user_id": person.id, "version": CONSENT_VERSION, "granted": True,
                             "at": now - dt.timedelta(days=1)})
    for model, rows in ((Profile, profiles), (ProfileCondition, conditions),
                        (ConsentRecord, consents)):
        await bulk_insert(session, model, rows)
    return (f"{len(profiles)} profiles, {len(conditions)} profile conditions, "
            f"{len(consents)} research consents added to the demo's")


async def _build(url: str, patients: int, seed: int, evaluations: int,
                 posts_per_patient: float) -> list[dict[str, Any]]:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from community.app import demo_loaders, load_all_models
    from community.communities import demo as communities_demo
    from community.db import make_engine
    from community.demo import create_people
    from outcomes.treatments import demo as treatments_demo

    load_all_models()
    engine = make_engine(url, pool=False)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    steps: list[dict[str, Any]] = []

    async def step(name: str, work: Any) -> Any:
        started = time.monotonic()
        async with sessionmaker() as session, session.begin():
            outcome = await work(session)
        seconds = time.monotonic() - started
        summary = outcome[1] if isinstance(outcome, tuple) else outcome
        steps.append({"step": name, "seconds": round(seconds, 1), "summary": str(summary)})
        print(f"[scale] {name}: {seconds:.1f} s: {summary}", file=sys.stderr, flush=True)
        return outcome

    try:
        async def people_step(session: Any) -> Any:
            people, staff = await create_people(session, patients=patients, seed=seed)
            return (people, staff), f"{len(people)} patients and {len(staff)} staff accounts"

        (people, staff), _ = await step("people", people_step)
        for loader in demo_loaders():
            name = loader.__module__.rsplit(".", 2)[-2]
            options: dict[str, Any] = (
                {"evaluations_per_patient": evaluations} if loader is treatments_demo.load
                else {"posts_per_patient": posts_per_patient}
                if loader is communities_demo.load else {})

            async def work(session: Any, loader: Any = loader,
                           options: dict[str, Any] = options) -> Any:
                return await loader(session, people=people, staff=staff, seed=seed, **options)
            await step(f"demo: {name}", work)
        await step("research fixtures (bench only)",
                   lambda session: _research_fixtures(session, people, seed))
        if url.startswith("postgresql"):
            async def analyze(session: Any) -> str:
                from sqlalchemy import text
                await session.execute(text("ANALYZE"))
                return "ANALYZE"
            await step("analyze", analyze)
        else:
            async def analyze_sqlite(session: Any) -> str:
                from sqlalchemy import text
                await session.execute(text("ANALYZE"))
                return "ANALYZE"
            await step("analyze", analyze_sqlite)
    finally:
        await engine.dispose()
    return steps


async def count_rows(url: str) -> dict[str, int]:
    from sqlalchemy import inspect, text

    from community.db import make_engine

    engine = make_engine(url, pool=False)
    try:
        async with engine.connect() as connection:
            present = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
            return {t: int(await connection.scalar(text(f"SELECT count(*) FROM {t}")) or 0)
                    for t in COUNTED if t in present}
    finally:
        await engine.dispose()


def build(backend: str, patients: int, seed: int, evaluations: int,
          posts_per_patient: float = POSTS_PER_PATIENT) -> dict[str, Any]:
    url = database_url(backend, patients, evaluations, posts_per_patient)
    started = time.monotonic()
    recreate(url)
    env = kindred_env(url, SCALE_DIR / f"var-{backend}")
    t0 = time.monotonic()
    upgrade = subprocess.run(kindred_command("db", "upgrade"), env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=600, check=False)
    schema = "migrations (kindred db upgrade)"
    if upgrade.returncode != 0:
        last = " ".join((upgrade.stderr or upgrade.stdout).strip().splitlines()[-1:])
        schema = f"models (create_all): `kindred db upgrade` failed: {last}"
    missing = complete_schema(url)
    if missing:
        schema += "; created from the models: " + ", ".join(missing)
    steps = [{"step": "schema", "seconds": round(time.monotonic() - t0, 1), "summary": schema}]
    print(f"[scale] schema: {steps[0]['seconds']} s: {schema}", file=sys.stderr, flush=True)
    steps += asyncio.run(_build(url, patients, seed, evaluations, posts_per_patient))
    # As `kindred demo` does after its data committed: build the exports it queued, or the
    # served app's research worker would build them while the pages are being measured.
    t0 = time.monotonic()
    exports = subprocess.run(kindred_command("research", "run-jobs"), env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=3600, check=False)
    outcome = " ".join((exports.stdout or exports.stderr).strip().splitlines()[-1:])
    if exports.returncode != 0:
        raise RuntimeError(f"kindred research run-jobs failed: {exports.stderr[-2000:]}")
    steps.append({"step": "demo exports (kindred research run-jobs)",
                  "seconds": round(time.monotonic() - t0, 1), "summary": outcome})
    print(f"[scale] demo exports: {steps[-1]['seconds']} s: {outcome}", file=sys.stderr,
          flush=True)
    total = time.monotonic() - started
    return {"backend": backend, "database": url.rsplit("/", 1)[1], "patients": patients,
            "seed": seed, "evaluations_per_patient": evaluations,
            "posts_per_patient": posts_per_patient, "steps": steps,
            "total_seconds": round(total, 1), "rows": asyncio.run(count_rows(url))}


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Scale dataset, {report['backend']}, {report['patients']:,} patients "
        f"({report['started']})",
        "",
        f"- machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['memory_gib']} GiB; "
        f"load average at start {m['load_average_at_start']}, at end {report['load_at_end']}",
        f"- database: `{report['database']}`; seed {report['seed']}; "
        f"{report['evaluations_per_patient']} evaluations and "
        f"{report['posts_per_patient']:g} posts per patient",
        f"- command: `python -m bench.scale --backend {report['backend']} --patients "
        f"{report['patients']} --evaluations-per-patient {report['evaluations_per_patient']} "
        f"--posts-per-patient {report['posts_per_patient']:g}`",
        f"- total: **{report['total_seconds']:.0f} s** ({report['total_seconds'] / 60:.1f} min)",
        "",
        "| step | seconds | result |",
        "|---|---:|---|",
        *(f"| {s['step']} | {s['seconds']:.1f} | {s['summary']} |" for s in report["steps"]),
        "",
        "| table | rows |",
        "|---|---:|",
        *(f"| {t} | {n:,} |" for t, n in report["rows"].items()),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--evaluations-per-patient", type=int, default=10)
    parser.add_argument("--posts-per-patient", type=float, default=POSTS_PER_PATIENT)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    info = machine(None)
    report = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "machine": info,
              **build(args.backend, args.patients, args.seed, args.evaluations_per_patient,
                      args.posts_per_patient)}
    report["load_at_end"] = [round(v, 2) for v in os.getloadavg()[:2]]
    args.output.mkdir(parents=True, exist_ok=True)
    stem = args.output / (f"{started:%Y-%m-%d}-scale-{args.backend}-{args.patients}"
                          f"-e{args.evaluations_per_patient}")
    text = markdown(report)
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
