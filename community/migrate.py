"""Alembic driven from code: upgrade, downgrade, and a models-versus-migrations check."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from community.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
# Search objects created by DDL rather than declared as models: the SQLite FTS5 index
# (with its shadow tables) and PostgreSQL's stored vector of post bodies with its index.
UNMANAGED_TABLE_PREFIXES = ("posts_fts",)
UNMANAGED_INDEXES = frozenset({"ix_post_search_vector"})
UNMANAGED_COLUMNS = frozenset({("post", "search_vector")})


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Leave DDL-managed search objects out of the models-versus-schema comparison."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(UNMANAGED_TABLE_PREFIXES)
    if type_ == "index":
        return name not in UNMANAGED_INDEXES
    if type_ == "column":
        return (_parent.get("table_name"), name) not in UNMANAGED_COLUMNS
    return True


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   _compare_to: Any) -> bool:
    """The same for reflected objects: an index on a DDL-managed column is reported by the
    index's object, after its name passed (alembic filters a column's indexes here only)."""
    if type_ == "index":
        columns = {column.name for column in getattr(obj, "columns", ())}
        table = getattr(getattr(obj, "table", None), "name", None)
        if name in UNMANAGED_INDEXES or any((table, c) in UNMANAGED_COLUMNS for c in columns):
            return False
    if type_ == "column":
        table = getattr(getattr(obj, "table", None), "name", None)
        return (table, name) not in UNMANAGED_COLUMNS
    return True


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def schema_differences(database_url: str) -> list[Any]:
    """What autogenerate would change between the migrated database and the models."""
    from community.app import load_all_models

    metadata = load_all_models()

    def _compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name,
                              "include_object": include_object}
        )
        return list(compare_metadata(context, metadata))

    async def _run() -> list[Any]:
        engine = make_engine(database_url, pool=False)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(_compare)
        finally:
            await engine.dispose()

    return asyncio.run(_run())


def check(database_url: str | None = None) -> list[Any]:
    """Migrate a database (a scratch SQLite file by default) and compare it with the models."""
    if database_url is not None:
        upgrade(database_url)
        return schema_differences(database_url)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/check.db"
        upgrade(url)
        return schema_differences(url)
