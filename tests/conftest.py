"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from community.app import create_app, load_all_models
from community.db import make_engine
from community.settings import Settings
from tests.helpers import Visitor

POSTGRES_URL = os.environ.get("KINDRED_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("KINDRED_TEST_REDIS_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", *(["postgres"] if POSTGRES_URL else [])]
TEMPLATE_DB = f"kindred_tmpl_{os.getpid()}"


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not POSTGRES_URL:
        raise pytest.UsageError("CI=true needs KINDRED_TEST_POSTGRES_URL: PostgreSQL may not skip")
    if IN_CI and not REDIS_URL:
        raise pytest.UsageError("CI=true needs KINDRED_TEST_REDIS_URL: Redis may not skip")


def _pg_url(database: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{database}"


async def _create_schema(url: str) -> None:
    engine = make_engine(url, pool=False)
    metadata = load_all_models()
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        from community.audit import AuditHead

        await connection.execute(AuditHead.__table__.insert().values(id=1, seq=0, hash="0" * 64))
    await engine.dispose()


async def _pg_admin(*statements: str) -> None:
    import asyncpg

    dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_create_schema(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("KINDRED_TEST_POSTGRES_URL is not set")
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"', f'CREATE DATABASE "{TEMPLATE_DB}"'))
    asyncio.run(_create_schema(_pg_url(TEMPLATE_DB)))
    yield TEMPLATE_DB
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "kindred.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"kindred_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def _make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "secret_key": "test-secret-key-0123456789abcdef0123456789",
            "var_dir": tmp_path / "var",
            "base_url": "http://testserver.local",
            # Tests that exercise the export worker run it themselves.
            "extra": {"research_worker": "off"},
        }
        values.update(overrides)
        return Settings(**values)

    return _make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def visitor(client: TestClient[Litestar]) -> Visitor:
    return Visitor(client)


@pytest.fixture
def new_visitor(client: TestClient[Litestar]) -> Callable[[], Visitor]:
    """Another browser against the same app, with its own cookies."""
    import httpx

    def _make() -> Visitor:
        return Visitor(client, httpx.Cookies())

    return _make


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("KINDRED_TEST_REDIS_URL is not set")
    return REDIS_URL
