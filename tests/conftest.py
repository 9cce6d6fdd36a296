"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Hash test passwords with argon2's cheapest parameters.

    The production parameters (64 MiB, three passes) cost a few hundred milliseconds per
    sign-up and sign-in on this machine, and the suite signs in thousands of times;
    `tests/unit/test_passwords.py` holds the production parameters and the rehash rule.
    """
    from argon2 import PasswordHasher, profiles

    from community.accounts import passwords

    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "_hasher", cheap)
    patch.setattr(passwords, "_DUMMY_HASH", cheap.hash("kindred-timing-equaliser"))
    yield
    patch.undo()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long tests first. xdist hands the tests out in collection order, so a long test
    collected near the end keeps one worker busy after the other has run out of work; the
    same order on every worker, as xdist requires (the sort is stable)."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


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


# Everything a test could change in a database's shape, besides rows.
_SCHEMA_FINGERPRINT = """
SELECT md5(coalesce(string_agg(part, ',' ORDER BY part), '')) FROM (
    SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable AS part
        FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT 'i:' || indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT 's:' || sequencename FROM pg_sequences WHERE schemaname = 'public'
    UNION ALL SELECT 't:' || tgname FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT 'c:' || conname FROM pg_constraint c
        JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
    UNION ALL SELECT 'f:' || proname FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
) AS parts
"""


class PostgresDatabase:
    """One database per test process, emptied after each test instead of dropped.

    PostgreSQL checkpoints on every DROP DATABASE and copies the template on every CREATE
    (about two seconds a test on this machine), so each test process keeps one copy of the
    template and empties it after each test: every row deleted (with foreign-key triggers off)
    and every sequence restarted, which leaves it as the template was. A test that changed the
    schema itself (a restore, a migration) gets a new copy instead.
    """

    def __init__(self, template: str) -> None:
        self.template = template
        self.name = f"kindred_w_{os.getpid()}"
        self.fingerprint = ""
        self.reset_sql = ""

    async def create(self) -> None:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
                        f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
        connection = await self._connect()
        try:
            self.fingerprint = await connection.fetchval(_SCHEMA_FINGERPRINT)
            tables = await connection.fetch(
                "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'")
            sequences = await connection.fetch(
                "SELECT quote_ident(sequencename) AS name FROM pg_sequences "
                "WHERE schemaname = 'public'")
            audit_head = await connection.fetch("SELECT id, seq, hash FROM audit_head")
        finally:
            await connection.close()
        statements = ["SET session_replication_role = replica"]
        statements += [f"DELETE FROM {row['name']}" for row in tables]
        statements += [f"ALTER SEQUENCE {row['name']} RESTART" for row in sequences]
        statements += [f"INSERT INTO audit_head (id, seq, hash) VALUES "
                       f"({row['id']}, {row['seq']}, '{row['hash']}')" for row in audit_head]
        self.reset_sql = ";\n".join(statements)

    async def _connect(self) -> Any:
        import asyncpg

        return await asyncpg.connect(
            _pg_url(self.name).replace("postgresql+asyncpg://", "postgresql://"))

    async def empty(self) -> None:
        await _pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")
        connection = await self._connect()
        try:
            if await connection.fetchval(_SCHEMA_FINGERPRINT) == self.fingerprint:
                async with connection.transaction():
                    await connection.execute(self.reset_sql)
                return
        finally:
            await connection.close()
        await self.create()

    async def drop(self) -> None:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_database(postgres_template: str) -> Iterator[PostgresDatabase]:
    database = PostgresDatabase(postgres_template)
    asyncio.run(database.create())
    yield database
    asyncio.run(database.drop())


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "kindred.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    yield _pg_url(database.name)
    asyncio.run(database.empty())


def settings_for(database_url: str, folder: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": "test-secret-key-0123456789abcdef0123456789",
        "var_dir": folder / "var",
        "base_url": "http://testserver.local",
        # Tests that exercise the export worker or the outbox's runner run them themselves.
        "extra": {"research_worker": "off", "outbox_runner": "off"},
    }
    values.update(overrides)
    return Settings(**values)


@contextmanager
def shared_visitor(
    request: pytest.FixtureRequest, folder: Path,
    build: Callable[[Settings], Litestar] = create_app, **overrides: Any,
) -> Iterator[Visitor]:
    """A visitor of one app (`build(settings)`) over one database of the backend
    `request.param`, for a module-scoped fixture whose tests only read what it seeded (tests
    that write keep a database of their own). The database is a copy of the template of its
    own, dropped after; `Visitor(visitor.client, httpx.Cookies())` is another browser.
    """
    with module_database(request, folder) as url:
        app = build(settings_for(url, folder, **overrides))
        with TestClient(app, base_url="http://testserver.local") as client:
            yield Visitor(client)


@contextmanager
def module_database(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    """The URL of a database of the backend `request.param` for a module-scoped fixture: a
    copy of the template of its own, dropped after."""
    if request.param == "sqlite":
        target = folder / "kindred.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    template = request.getfixturevalue("postgres_template")
    database = f"kindred_m_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}"'))
    try:
        yield _pg_url(database)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    def _make(**overrides: Any) -> Settings:
        return settings_for(database_url, tmp_path, **overrides)

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
