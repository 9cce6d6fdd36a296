"""TechEmpower "Fortunes", exactly, on Kindred's own stack and database engine.

Each request reads every row of `fortune` through SQLAlchemy async, adds one fortune in
memory, sorts by message and renders an escaped HTML table with Jinja2. It runs on the
same engine factory (`community.db.make_engine`: pool, SQLite pragmas) and the same
server (granian) as Kindred, so the ratio Kindred/baseline isolates what Kindred's pages
cost beyond one small query and one small template on this machine.

Serve: BENCH_DATABASE_URL=... granian --interface asgi --factory bench.baseline.app:create_app
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from jinja2 import Environment
from litestar import Litestar, Response, get
from litestar.enums import MediaType
from sqlalchemy import String, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from community.db import make_engine

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/bench-baseline.db"
ADDED_AT_REQUEST_TIME = "Additional fortune added at request time."

# The twelve rows every TechEmpower implementation seeds, verbatim.
FORTUNES: tuple[tuple[int, str], ...] = (
    (1, "fortune: No such file or directory"),
    (2, "A computer scientist is someone who fixes things that aren't broken."),
    (3, "After enough decimal places, nobody gives a damn."),
    (4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    (5, "A computer program does what you tell it to do, not what you want it to do."),
    (6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    (7, "Any program that runs right is obsolete."),
    (8, "A list is only as strong as its weakest link. — Donald Knuth"),
    (9, "Feature: A bug with seniority."),
    (10, "Computers make very fast, very accurate mistakes."),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, "フレームワークのベンチマーク"),
)

TEMPLATE = """<!DOCTYPE html>
<html>
<head><title>Fortunes</title></head>
<body>
<table>
<tr><th>id</th><th>message</th></tr>
{% for fortune in fortunes %}<tr><td>{{ fortune.id }}</td><td>{{ fortune.message }}</td></tr>
{% endfor %}</table>
</body>
</html>
"""


class BaselineBase(DeclarativeBase):
    """Kept apart from Kindred's metadata: the baseline never touches Kindred's schema."""


class Fortune(BaselineBase):
    __tablename__ = "fortune"

    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str] = mapped_column(String(2048))


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    message: str


def create_app(database_url: str | None = None) -> Litestar:
    """The Fortunes app on BENCH_DATABASE_URL (default: a SQLite file under var/)."""
    url = database_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    engine = make_engine(url)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    template = Environment(autoescape=True).from_string(TEMPLATE)

    @get("/fortunes")
    async def fortunes() -> Response[str]:
        async with sessionmaker() as session:
            rows = [Row(f.id, f.message) for f in await session.scalars(select(Fortune))]
        rows.append(Row(0, ADDED_AT_REQUEST_TIME))
        rows.sort(key=lambda row: row.message)
        return Response(template.render(fortunes=rows), media_type=MediaType.HTML)

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar(route_handlers=[fortunes], lifespan=[lifespan], debug=False)


async def setup_database(database_url: str) -> None:
    """Create the fortune table (if missing) and reset it to the twelve standard rows."""
    engine: AsyncEngine = make_engine(database_url, pool=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(BaselineBase.metadata.create_all)
            await connection.execute(delete(Fortune))
            await connection.execute(
                insert(Fortune), [{"id": i, "message": m} for i, m in FORTUNES]
            )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(setup_database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)))
