"""A handler with a write phase reads first in a read transaction (a deferred `BEGIN`); with
its reads marked short (`sqlite_driver.inline_reads`) they run on the event loop, BEGIN
included, without a trip each. The switch to writing, the writes and every read of the write
transaction still go to the connection's thread, and a writer elsewhere is not kept out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from community import sqlite_driver
from community.db import intent, switch_to_writing
from tests.unit.test_sqlite_driver import engine

__all__ = ["engine"]


@pytest.fixture
def short_reads() -> Iterator[None]:
    """Inside a request with a write phase whose reads are short (community.web): not a
    read-only request, so its transaction begins (deferred), and its reads inline."""
    token = sqlite_driver.inline_reads.set(True)
    yield
    sqlite_driver.inline_reads.reset(token)


def _driver(connection: Any) -> Any:
    return connection.sync_connection.connection.driver_connection


async def test_the_read_phase_makes_no_trip_and_reads_in_one_transaction(
    engine: AsyncEngine, trips: list[Any], short_reads: None,
) -> None:
    async with engine.connect() as other, engine.connect() as connection:
        await other.execute(text("SELECT 1"))
        trips.clear()
        first = await connection.scalar(text("SELECT count(*) FROM item"))
        assert _driver(connection)._conn.in_transaction  # its BEGIN ran, on the loop
        # Another connection commits meanwhile: the read transaction still sees its snapshot.
        async with engine.begin() as writer:
            await writer.execute(text("INSERT INTO item (name) VALUES ('late')"))
        trips.clear()
        again = await connection.scalar(text("SELECT count(*) FROM item"))
        assert trips == []
        assert first == again == 1000
        await connection.commit()


async def test_the_write_phase_goes_to_the_thread_and_sees_the_latest(
    engine: AsyncEngine, trips: list[Any], short_reads: None,
) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncSession(engine) as db:
        assert await db.scalar(text("SELECT count(*) FROM item")) == 1000
        async with engine.begin() as writer:
            await writer.execute(text("INSERT INTO item (name) VALUES ('meanwhile')"))
        trips.clear()
        await switch_to_writing(db)
        # COMMIT; BEGIN IMMEDIATE wait, and go with the write phase's first read: a trip.
        assert await db.scalar(text("SELECT count(*) FROM item")) == 1001
        assert len(trips) == 1
        await db.execute(text("INSERT INTO item (name) VALUES ('written')"))
        trips.clear()
        assert await db.scalar(text("SELECT count(*) FROM item")) == 1002
        assert len(trips) == 1  # a read of the write transaction: in the thread
        await db.commit()


async def test_a_write_transaction_from_its_start_reads_in_the_thread(
    engine: AsyncEngine, trips: list[Any], short_reads: None,
) -> None:
    with intent(write=True):
        async with engine.begin() as connection:
            trips.clear()
            assert await connection.scalar(text("SELECT count(*) FROM item")) == 1000
            assert len(trips) == 1
            assert _driver(connection)._writing


async def test_rows_waiting_go_to_the_thread_with_the_read(
    engine: AsyncEngine, trips: list[Any], short_reads: None,
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        _driver(connection).defer("INSERT INTO item (name) VALUES ('waiting')", ())
        trips.clear()
        assert await connection.scalar(
            text("SELECT count(*) FROM item WHERE name = 'waiting'")) == 1
        assert len(trips) == 1
        await connection.rollback()
