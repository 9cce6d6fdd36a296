"""Traffic counters without Redis: counted in memory at once, shared through the database
at each flush (community.throttle.BufferedCounters)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from community.accounts.models import RateCounter
from community.db import make_engine
from community.throttle import BufferedCounters

WINDOW = timedelta(minutes=10)


async def _stored(database_url: str, key: str) -> int | None:
    engine = make_engine(database_url, pool=False)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(
                select(RateCounter.count).where(RateCounter.key == key))).scalar_one_or_none()
    finally:
        await engine.dispose()


class Clock:
    """A clock the test moves by hand: nothing waits on the real one."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


def _counters(database_url: str, **kwargs: Any) -> BufferedCounters:
    return BufferedCounters(make_engine(database_url), **kwargs)


def test_hits_count_at_once_and_reach_the_database_at_the_flush(database_url: str) -> None:
    async def scenario() -> None:
        counters = _counters(database_url, flush_every=timedelta(hours=1))
        try:
            assert [await counters.hit("views:user:1", WINDOW) for _ in range(3)] == [1, 2, 3]
            assert await counters.peek("views:user:1") == 3
            assert await _stored(database_url, "views:user:1") is None, "no write per hit"
            await counters.flush()
            assert await _stored(database_url, "views:user:1") == 3
            assert await counters.hit("views:user:1", WINDOW) == 4
            await counters.flush()
            assert await _stored(database_url, "views:user:1") == 4, "each hit written once"
        finally:
            await counters.close()

    asyncio.run(scenario())


def test_two_processes_learn_each_others_hits_at_their_flush(database_url: str) -> None:
    async def scenario() -> None:
        first = _counters(database_url, flush_every=timedelta(hours=1))
        second = _counters(database_url, flush_every=timedelta(hours=1))
        try:
            for _ in range(3):
                await first.hit("anonymous:10.0.0.1", WINDOW)
            await first.flush()
            assert await second.hit("anonymous:10.0.0.1", WINDOW) == 1, "not flushed yet"
            await second.flush()
            assert await second.peek("anonymous:10.0.0.1") == 4
            assert await second.hit("anonymous:10.0.0.1", WINDOW) == 5
            await first.flush()  # nothing pending: the first still knows only its own three
            assert await first.hit("anonymous:10.0.0.1", WINDOW) == 4
            await first.flush()
            assert await first.peek("anonymous:10.0.0.1") == 5
            await second.close()
            assert await _stored(database_url, "anonymous:10.0.0.1") == 6
        finally:
            await first.close()

    asyncio.run(scenario())


def test_a_window_that_ends_starts_again_from_one(database_url: str) -> None:
    async def scenario() -> None:
        clock = Clock()
        counters = _counters(database_url, flush_every=timedelta(hours=1), clock=clock)
        short = timedelta(minutes=1)
        try:
            assert [await counters.hit("k", short) for _ in range(2)] == [1, 2]
            await counters.flush()
            clock.advance(timedelta(seconds=59))
            assert await counters.hit("k", short) == 3, "the window is still open"
            await counters.flush()
            assert await _stored(database_url, "k") == 3
            clock.advance(timedelta(seconds=2))
            assert await counters.hit("k", short) == 1
            await counters.flush()
            assert await _stored(database_url, "k") == 1, "the ended window restarts"
        finally:
            await counters.close()

    asyncio.run(scenario())


def test_hits_flush_by_themselves_and_at_close(database_url: str) -> None:
    async def scenario() -> None:
        clock = Clock()
        counters = _counters(database_url, flush_every=timedelta(minutes=1), clock=clock)
        await counters.hit("views:user:7", WINDOW)
        await counters.settle()
        assert await _stored(database_url, "views:user:7") is None, "not due yet"
        clock.advance(timedelta(minutes=1))
        await counters.hit("views:user:7", WINDOW)
        await counters.settle()  # the flush the hit started runs in the background
        assert await _stored(database_url, "views:user:7") == 2
        await counters.hit("views:user:7", WINDOW)
        await counters.close()
        assert await _stored(database_url, "views:user:7") == 3

    asyncio.run(scenario())


def test_a_failed_flush_keeps_the_hits_and_the_limit(tmp_path: Path) -> None:
    async def scenario() -> None:
        # A database without the counter table: every flush fails.
        counters = _counters(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}",
                             flush_every=timedelta(hours=1))
        try:
            await counters.hit("k", WINDOW)
            await counters.flush()
            assert await counters.hit("k", WINDOW) == 2, "counted although not written"
        finally:
            await counters.close()

    asyncio.run(scenario())
