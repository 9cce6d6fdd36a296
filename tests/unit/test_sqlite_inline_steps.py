"""A read on the event loop with a budget of SQLite's steps (`sqlite_driver.inline_steps`):
within it, no trip to the connection's thread; past it, stopped and read there, whole."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from community import sqlite_driver
from community.db import short_read
from tests.unit.test_sqlite_driver import engine, read_only_request

__all__ = ["engine", "read_only_request"]

SORTED = "SELECT id FROM item ORDER BY length(name) DESC, id DESC LIMIT 5"  # a scan and a sort


@pytest.mark.parametrize(("steps", "expected_trips"), [(1_000_000, 0), (100, 1), (None, 0)])
async def test_a_read_past_its_steps_is_read_again_in_the_thread(
    engine: AsyncEngine, trips: list[Any], read_only_request: None, steps: int | None,
    expected_trips: int,
) -> None:
    async with engine.connect() as connection:
        with short_read(steps=steps):
            rows = (await connection.execute(text(SORTED))).all()
        # After it, nothing stops a read on the loop, however long.
        assert sqlite_driver.inline_steps.get() is None
        count = await connection.scalar(text("SELECT count(*) FROM item"))
    assert [row.id for row in rows] == [1000, 999, 998, 997, 996]
    assert count == 1000
    assert len(trips) == expected_trips


async def test_an_error_on_the_loop_is_raised_not_retried(
    engine: AsyncEngine, trips: list[Any], read_only_request: None,
) -> None:
    async with engine.connect() as connection:
        with short_read(steps=1_000_000), pytest.raises(Exception, match="no such column"):
            await connection.execute(text("SELECT missing FROM item"))
    assert trips == []
