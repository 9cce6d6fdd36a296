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
