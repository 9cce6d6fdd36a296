"""Fixed-window counters shared by every process: Redis when configured, else the database.

Two kinds: exact counters (sign-in failures, lockouts: every hit is a shared write) and
traffic counters (page views, anonymous requests: one hit per page read). Without Redis,
traffic is counted in memory and flushed to the database every second (`BufferedCounters`),
so reading a page never waits for SQLite's single write lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, cast

from redis.asyncio import Redis
from sqlalchemy import Table, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from community.accounts.models import RateCounter
from community.db import intent, utcnow, writing

logger = logging.getLogger(__name__)
FLUSH_EVERY = timedelta(seconds=1)


class Counters(Protocol):
    """Writes take the request's `db` session when there is one (see SessionStore)."""

    async def hit(self, key: str, window: timedelta, *, db: AsyncSession | None = None) -> int:
        """Count one event in the key's current window and return the window's total."""
        ...

    async def peek(self, key: str) -> int: ...
    async def reset(self, key: str, *, db: AsyncSession | None = None) -> None: ...


class RedisCounters:
    def __init__(self, redis: Redis, prefix: str = "kindred") -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, window: timedelta, *, db: AsyncSession | None = None) -> int:
        name = f"{self._prefix}:count:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, int(window.total_seconds()), nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def peek(self, key: str) -> int:
        value = await self._redis.get(f"{self._prefix}:count:{key}")
        return int(value or 0)

    async def reset(self, key: str, *, db: AsyncSession | None = None) -> None:
        await self._redis.delete(f"{self._prefix}:count:{key}")


def _column_key(key: str) -> str:
    """Keys built from what people type (a sign-in identifier) may be longer than the
    column (VARCHAR(200) on PostgreSQL): store those by their digest."""
    if len(key) <= 200:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DatabaseCounters:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        return self._sessionmaker

    async def hit(self, key: str, window: timedelta, *, db: AsyncSession | None = None) -> int:
        async with writing(self._sessionmaker, db) as session:
            count, _expires_at = await DatabaseCounters.add(session, key, window, 1)
        return count

    @staticmethod
    async def add(
        db: AsyncSession, key: str, window: timedelta, hits: int, *,
        now: datetime | None = None,
    ) -> tuple[int, datetime]:
        """Add `hits` to the key's current window; return its total and when it ends."""
        key = _column_key(key)
        now = now or utcnow()
        table = cast(Table, RateCounter.__table__)
        insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
        expired = table.c.expires_at <= now
        # An expired window restarts at `hits`; a live one counts up.
        statement = (
            insert(table)
            .values(key=key, count=hits, expires_at=now + window)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "count": case((expired, hits), else_=table.c.count + hits),
                    "expires_at": case((expired, now + window), else_=table.c.expires_at),
                },
            )
            .returning(table.c.count, table.c.expires_at)
        )
        count, expires_at = (await db.execute(statement)).one()
        return int(count), expires_at

    async def peek(self, key: str) -> int:
        with intent(write=False):
            return await self._peek(key)

    async def _peek(self, key: str) -> int:
        key = _column_key(key)
        async with self._sessionmaker() as db:
            row = (
                await db.execute(
                    select(RateCounter.count).where(
                        RateCounter.key == key, RateCounter.expires_at > utcnow()
                    )
                )
            ).scalar_one_or_none()
            return int(row or 0)

    async def reset(self, key: str, *, db: AsyncSession | None = None) -> None:
        async with writing(self._sessionmaker, db) as session:
            await session.execute(delete(RateCounter).where(RateCounter.key == _column_key(key)))


@dataclass
class _Window:
    """One key's window as this process knows it: the shared total at the last flush
    (`flushed`, everyone's hits) plus this process's hits since (`pending`)."""

    window: timedelta
    ends_at: datetime
    flushed: int = 0
    pending: int = 0


class BufferedCounters:
    """Traffic counters for the database store: counted in memory, flushed every
    `flush_every` in one write transaction on an engine of their own (a flush never waits
    for a connection behind the requests, nor runs on theirs).

    In one process every hit counts at once, exactly. Across processes each learns the
    others' hits at its next flush, so a budget may be overrun by what other processes
    counted during the last `flush_every` (Redis, when configured, is exact across
    processes). A hit never writes in the request's transaction, so `db` is ignored.
    `clock` tells the time (tests pass one they can move).
    """

    def __init__(
        self, engine: AsyncEngine, *, flush_every: timedelta = FLUSH_EVERY,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._clock = clock
        self._engine = engine
        self._store = DatabaseCounters(async_sessionmaker(engine, expire_on_commit=False))
        self._flush_every = flush_every
        self._windows: dict[str, _Window] = {}
        self._next_flush = clock() + flush_every
        self._flushing: asyncio.Task[None] | None = None

    async def hit(self, key: str, window: timedelta, *, db: AsyncSession | None = None) -> int:
        now = self._clock()
        current = self._windows.get(key)
        if current is None or current.ends_at <= now:
            current = self._windows[key] = _Window(window=window, ends_at=now + window)
        current.pending += 1
        if now >= self._next_flush and (self._flushing is None or self._flushing.done()):
            self._next_flush = now + self._flush_every
            self._flushing = asyncio.get_running_loop().create_task(self.flush())
        return current.flushed + current.pending

    async def peek(self, key: str) -> int:
        current = self._windows.get(key)
        if current is not None and current.ends_at > self._clock():
            return current.flushed + current.pending
        return await self._store.peek(key)

    async def reset(self, key: str, *, db: AsyncSession | None = None) -> None:
        self._windows.pop(key, None)
        await self._store.reset(key, db=db)

    async def flush(self) -> None:
        """Write the hits counted since the last flush and learn the shared totals."""
        now = self._clock()
        for key in [k for k, w in self._windows.items() if w.ends_at <= now]:
            del self._windows[key]
        batch = [(key, w, w.pending) for key, w in self._windows.items() if w.pending]
        if not batch:
            return
        try:
            with intent(write=True):
                async with self._store.sessionmaker() as db, db.begin():
                    totals = [await DatabaseCounters.add(db, key, w.window, hits, now=now)
                              for key, w, hits in batch]
        except Exception:
            # The hits stay pending and go with the next flush.
            logger.warning("traffic counters could not be flushed", exc_info=True)
            return
        for (key, counted, hits), (total, ends_at) in zip(batch, totals, strict=True):
            if self._windows.get(key) is not counted:
                continue  # the window ended while flushing; its hits went with it
            counted.pending -= hits
            counted.flushed = total
            counted.ends_at = ends_at

    async def settle(self) -> None:
        """Wait for the flush a hit started in the background, if one is running."""
        if self._flushing is not None:
            await asyncio.gather(self._flushing, return_exceptions=True)

    async def close(self) -> None:
        """Wait for a running flush, write what is left, release the engine."""
        await self.settle()
        await self.flush()
        await self._engine.dispose()
