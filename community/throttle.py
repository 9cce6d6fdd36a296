"""Fixed-window counters shared by every process: Redis when configured, else the database."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Protocol, cast

from redis.asyncio import Redis
from sqlalchemy import Table, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from community.accounts.models import RateCounter
from community.db import intent, utcnow


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

    async def hit(self, key: str, window: timedelta, *, db: AsyncSession | None = None) -> int:
        if db is not None:
            return await self._hit(db, key, window)
        with intent(write=True):
            async with self._sessionmaker() as own, own.begin():
                return await self._hit(own, key, window)

    @staticmethod
    async def _hit(db: AsyncSession, key: str, window: timedelta) -> int:
        key = _column_key(key)
        now = utcnow()
        table = cast(Table, RateCounter.__table__)
        insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
        expired = table.c.expires_at <= now
        # An expired window restarts at one; a live one counts up.
        statement = (
            insert(table)
            .values(key=key, count=1, expires_at=now + window)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "count": case((expired, 1), else_=table.c.count + 1),
                    "expires_at": case((expired, now + window), else_=table.c.expires_at),
                },
            )
            .returning(table.c.count)
        )
        return int((await db.execute(statement)).scalar_one())

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
        statement = delete(RateCounter).where(RateCounter.key == _column_key(key))
        if db is not None:
            await db.execute(statement)
            return
        with intent(write=True):
            async with self._sessionmaker() as own, own.begin():
                await own.execute(statement)
