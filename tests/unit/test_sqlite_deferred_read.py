"""A SELECT deferred on a SQLite connection (`defer_read`, `community.db.read_rows_later`)
goes to the connection's thread with the next statement, in the same trip and in order, and
its rows come back converted as `read_rows` would; without a carrier, `flush` sends it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from community.db import make_engine, read_rows_later, switch_to_writing


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/deferred.db")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, "
                                      "name TEXT NOT NULL UNIQUE)"))
        await connection.execute(text("INSERT INTO item (name) VALUES (:name)"),
                                 [{"name": f"item {n}"} for n in range(3)])
    yield engine
    await engine.dispose()


ITEM = Table("item", MetaData(), Column("id", Integer, primary_key=True), Column("name", String))
COUNT_NAMED = select(ITEM.c.name).where(ITEM.c.name.like(bindparam("pattern"))).order_by(
    ITEM.c.name)


async def test_a_deferred_read_goes_with_the_next_statement_in_one_trip(
    engine: AsyncEngine, trips: list[Any]
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the pool's first use, BEGIN
        driver = (await connection.get_raw_connection()).driver_connection
        trips.clear()
        driver.defer("INSERT INTO item (name) VALUES (?)", ("later 1",))
        read = driver.defer_read("SELECT name FROM item WHERE name LIKE 'later%'", ())
        driver.defer("INSERT INTO item (name) VALUES (?)", ("later 2",))
        assert trips == [] and read.rows is None
        # It ran after the first deferred write and before the second, in their trip.
        await connection.execute(text("SELECT 1"))
        assert (read.rows, len(trips)) == ([("later 1",)], 1)
        await connection.commit()


async def test_a_deferred_read_without_a_carrier_is_flushed_when_its_rows_are_asked(
    engine: AsyncEngine, trips: list[Any]
) -> None:
    async with AsyncSession(engine) as db, db.begin():
        await db.execute(text("SELECT 1"))
        trips.clear()
        rows = await read_rows_later(db, COUNT_NAMED, {"pattern": "item%"})
        assert trips == []
        assert await rows() == [("item 0",), ("item 1",), ("item 2",)]
        assert len(trips) == 1
        assert await rows() == [("item 0",), ("item 1",), ("item 2",)]  # no second trip
        assert len(trips) == 1


async def test_a_read_sent_at_the_switch_to_writing_goes_with_the_first_write(
    engine: AsyncEngine, trips: list[Any]
) -> None:
    """As a reply's write phase: the switch to writing, the re-check and the first write
    are one trip, which takes the writer's turn; the re-check reads inside the write
    transaction, so it sees what the write transaction sees."""
    async with AsyncSession(engine) as db, db.begin():
        await db.execute(text("SELECT 1"))
        await switch_to_writing(db)
        rows = await read_rows_later(db, COUNT_NAMED, {"pattern": "item%"})
        driver = (await db.connection()).sync_connection.connection.driver_connection
        trips.clear()
        await db.execute(text("INSERT INTO item (name) VALUES ('written')"))
        assert len(trips) == 1 and driver._writing
        assert await rows() == [("item 0",), ("item 1",), ("item 2",)]
        assert len(trips) == 1
    assert not driver._writing


async def test_a_deferred_read_is_dropped_by_a_rollback(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        driver = (await connection.get_raw_connection()).driver_connection
        read = driver.defer_read("SELECT count(*) FROM item", ())
        await connection.rollback()
        assert read.rows is None and driver._deferred == []
