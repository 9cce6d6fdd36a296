"""Alembic is the only way the schema changes: migrations equal the models on both databases."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import Column, Integer, String, Table

from community import migrate
from community.app import load_all_models
from community.cli import main
from tests.conftest import POSTGRES_URL, _pg_admin, _pg_url


@pytest.fixture(params=["sqlite", *(["postgres"] if POSTGRES_URL else [])])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/migrations.db"
        return
    name = f"kindred_m_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield _pg_url(name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_migrated_schema_equals_the_models(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    assert migrate.schema_differences(empty_database) == []


def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    migrate.downgrade(empty_database, "base")
    migrate.upgrade(empty_database)
    assert migrate.schema_differences(empty_database) == []


def test_db_check_fails_when_a_model_changes_without_a_migration(
    empty_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("KINDRED_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    agreed = runner.invoke(main, ["db", "check", "--database-url", empty_database])
    assert agreed.exit_code == 0, agreed.output
    metadata = load_all_models()
    probe = Table("unmigrated_probe", metadata, Column("id", Integer, primary_key=True),
                  Column("note", String(20)))
    try:
        result = runner.invoke(main, ["db", "check", "--database-url", empty_database])
    finally:
        metadata.remove(probe)
    assert result.exit_code == 1
    assert "unmigrated_probe" in result.output and "add a migration" in result.output


def test_cli_upgrade_creates_the_sqlite_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "nested" / "kindred.db"
    monkeypatch.setenv("KINDRED_DATABASE_URL", f"sqlite+aiosqlite:///{target}")
    monkeypatch.setenv("KINDRED_VAR_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert target.exists() and os.path.getsize(target) > 0


@pytest.mark.skipif(not POSTGRES_URL, reason="KINDRED_TEST_POSTGRES_URL is not set")
def test_postgres_search_index_keeps_no_pending_list() -> None:
    """GIN's pending list is read in full by every search until a vacuum merges it: after a
    bulk load one word cost 4 ms instead of 0.02 ms. Migrated and test schemas alike index
    each post at write time."""
    import asyncpg

    from tests.conftest import _create_schema

    async def options(url: str) -> list[str]:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            found = await connection.fetchval(
                "SELECT reloptions FROM pg_class WHERE relname = 'ix_post_search_vector'")
        finally:
            await connection.close()
        return list(found or [])

    for build in (migrate.upgrade, lambda url: asyncio.run(_create_schema(url))):
        name = f"kindred_m_{uuid.uuid4().hex[:12]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        try:
            build(_pg_url(name))
            assert asyncio.run(options(_pg_url(name))) == ["fastupdate=off"]
        finally:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _time_on_treatment_rows(url: str, *, seed: bool) -> set[tuple[object, ...]]:
    """The summary rows of time on treatment; with `seed`, first some courses (restarts,
    two open at once, a stop on the day it began) and a rebuild of the summaries."""
    from datetime import date, timedelta

    from sqlalchemy import insert, select
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from community.accounts.models import User
    from community.db import make_engine
    from outcomes.catalog.models import Treatment
    from outcomes.reports.models import TreatmentAnswerCount
    from outcomes.reports.summaries import TIME_QUESTIONS, rebuild_summaries
    from outcomes.treatments.models import TreatmentCourse

    engine = make_engine(url, pool=False)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            if seed:
                treatments = (await db.execute(insert(Treatment).returning(Treatment.id), [
                    {"slug": slug, "name": slug, "synonyms": [], "curated": True}
                    for slug in ("first", "second")])).scalars().all()
                users = (await db.execute(insert(User).returning(User.id), [
                    {"username": f"m{i}", "username_key": f"m{i}",
                     "email": f"m{i}@example.org", "password_hash": "!"}
                    for i in range(6)])).scalars().all()
                day = date(2025, 3, 1)
                courses = [  # (user, treatment, started days after `day`, lasted or None)
                    (0, 0, 0, 40), (0, 0, 100, None), (1, 0, 0, 40), (1, 1, 5, 0),
                    (2, 0, 10, 300), (2, 0, 400, 12), (3, 0, 0, None), (3, 0, 30, None),
                    (4, 1, 0, None), (5, 1, 0, 40)]
                await db.execute(insert(TreatmentCourse), [
                    {"user_id": users[u], "treatment_id": treatments[t],
                     "started_on": day + timedelta(days=start),
                     "stopped_on": None if lasted is None
                     else day + timedelta(days=start + lasted)}
                    for u, t, start, lasted in courses])
                await rebuild_summaries(db)
                await db.commit()
            rows = await db.execute(select(
                TreatmentAnswerCount.treatment_id, TreatmentAnswerCount.question,
                TreatmentAnswerCount.answer, TreatmentAnswerCount.count)
                .where(TreatmentAnswerCount.question.in_(TIME_QUESTIONS)))
            return {tuple(row) for row in rows}
    finally:
        await engine.dispose()


def test_time_on_treatment_is_filled_from_the_stored_courses(empty_database: str) -> None:
    """Migration 0014 counts, for data written before it, what a rebuild of the summaries
    would (and its downgrade removes them)."""
    migrate.upgrade(empty_database)
    rebuilt = asyncio.run(_time_on_treatment_rows(empty_database, seed=True))
    assert {row[1:] for row in rebuilt} == {
        ("on_since", "2025-06-09", 1), ("on_since", "2025-03-31", 1), ("stopped_after", "40", 1),
        ("stopped_after", "12", 1), ("stopped_after", "0", 1), ("on_since", "2025-03-01", 1)}
    assert len(rebuilt) == 7
    migrate.downgrade(empty_database, "0013")
    assert asyncio.run(_time_on_treatment_rows(empty_database, seed=False)) == set()
    migrate.upgrade(empty_database)
    assert asyncio.run(_time_on_treatment_rows(empty_database, seed=False)) == rebuilt
