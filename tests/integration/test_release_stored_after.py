"""A narrowed view that builds its treatment's release keeps it for every process with a
write taken after the response, once the request's own connection is back: taken before,
readers who built at once each held one connection and waited for a second, and with the
pool emptied between them none was stored (seen on SQLite under sixteen readers)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext import asyncio as sqlalchemy_asyncio

import community.db
from community.app import create_app
from outcomes.reports.models import StoredCohortRelease
from tests.conftest import settings_for
from tests.helpers import Visitor
from tests.integration.test_narrowed_reports import seed_the_population


@pytest.fixture
def one_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Engines whose pool gives two connections at most (what a narrowed view needs for
    itself) and refuses a third at once."""
    made = sqlalchemy_asyncio.create_async_engine

    def small(url: Any, **kwargs: Any) -> Any:
        kwargs.update(pool_size=2, max_overflow=0, pool_timeout=0.5)
        return made(url, **kwargs)

    monkeypatch.setattr(community.db, "create_async_engine", small)


@pytest.fixture
def site(database_url: str, tmp_path: Path, one_connection: None) -> Iterator[Visitor]:
    app = create_app(settings_for(database_url, tmp_path))
    with TestClient(app, base_url="http://testserver.local") as client:
        yield Visitor(client)


def test_the_release_is_stored_though_the_request_held_what_the_pool_gives(
        site: Visitor) -> None:
    seed_the_population(site)
    page = site.get("/treatments/metformin?sex=female")
    assert page.status_code == 200

    async def stored(runtime: Any) -> int:
        async with runtime.sessionmaker() as db:
            return int(await db.scalar(select(func.count()).select_from(StoredCohortRelease)))

    assert site.run(stored) == 1
