"""TechEmpower "Fortunes" with the plain database driver: the usual reference.

The same test as `bench/baseline/app.py` (every row of `fortune`, one added in memory,
sorted by message, an escaped Jinja2 table) on the framework alone: Litestar + Jinja2 with
the standard `sqlite3` module (one connection per worker process, the read done on the event
loop: twelve rows take microseconds) or `asyncpg` directly (a pool per worker process), no
ORM. Same table, same template, same server settings as the ORM baseline, so Kindred's pages
are compared with both.

Serve: BENCH_DATABASE_URL=... granian --interface asgi --factory bench.baseline.plain:create_app
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from jinja2 import Environment
from litestar import Litestar, Response, get
from litestar.enums import MediaType

from bench.baseline.app import ADDED_AT_REQUEST_TIME, DEFAULT_DATABASE_URL, TEMPLATE, Row

Reader = Callable[[], Coroutine[Any, Any, list[Row]]]


def _sqlite_path(url: str) -> str:
    return url.split(":///", 1)[1].split("?")[0]


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def create_app(database_url: str | None = None) -> Litestar:
    """The plain-driver Fortunes app on BENCH_DATABASE_URL."""
    url = database_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    template = Environment(autoescape=True).from_string(TEMPLATE)
    state: dict[str, Any] = {}

    if url.startswith("sqlite"):
        async def read() -> list[Row]:
            cursor = state["connection"].execute("SELECT id, message FROM fortune")
            return [Row(i, m) for i, m in cursor.fetchall()]

        @asynccontextmanager
        async def lifespan(_app: Litestar) -> AsyncIterator[None]:
            state["connection"] = sqlite3.connect(_sqlite_path(url), check_same_thread=False)
            try:
                yield
            finally:
                state["connection"].close()
    else:
        async def read() -> list[Row]:
            async with state["pool"].acquire() as connection:
                records = await connection.fetch("SELECT id, message FROM fortune")
            return [Row(r[0], r[1]) for r in records]

        @asynccontextmanager
        async def lifespan(_app: Litestar) -> AsyncIterator[None]:
            import asyncpg

            state["pool"] = await asyncpg.create_pool(_asyncpg_dsn(url), min_size=4,
                                                      max_size=16)
            try:
                yield
            finally:
                await state["pool"].close()

    @get("/fortunes")
    async def fortunes() -> Response[str]:
        rows = await read()
        rows.append(Row(0, ADDED_AT_REQUEST_TIME))
        rows.sort(key=lambda row: row.message)
        return Response(template.render(fortunes=rows), media_type=MediaType.HTML)

    return Litestar(route_handlers=[fortunes], lifespan=[lifespan], debug=False)
