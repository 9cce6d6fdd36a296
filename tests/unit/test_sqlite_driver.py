"""SQLite statements make one trip to aiosqlite's thread, and results of any size, writes and
errors come back as SQLAlchemy expects (community.sqlite_driver)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from community import sqlite_driver
from community.db import make_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/driver.db")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, "
                                      "name TEXT NOT NULL UNIQUE)"))
        await connection.execute(text("INSERT INTO item (name) VALUES (:name)"),
                                 [{"name": f"item {n:04d}"} for n in range(1000)])
    yield engine
    await engine.dispose()


async def test_a_small_query_is_one_trip(engine: AsyncEngine, trips: list[Any]) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the pool's first use, BEGIN
        trips.clear()
        rows = (await connection.execute(
            text("SELECT name FROM item WHERE id <= 20 ORDER BY id"))).all()
        # aiosqlite itself takes four: open the cursor, execute, fetch, close.
        assert len(trips) == 1
    assert [row.name for row in rows] == [f"item {n:04d}" for n in range(20)]


async def test_long_results_come_whole_and_stream_in_parts(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT id FROM item ORDER BY id"))).all()
        assert [row.id for row in rows] == list(range(1, 1001))
        streamed = await connection.stream(text("SELECT id FROM item ORDER BY id"))
        seen = [row.id async for row in streamed]
    assert seen == list(range(1, 1001))
    assert sqlite_driver.PREFETCH < 1000


async def test_writes_report_counts_ids_and_errors(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO item (name) VALUES ('new')"))
        assert inserted.lastrowid == 1001
        updated = await connection.execute(
            text("UPDATE item SET name = name || '!' WHERE id > 990"))
        assert updated.rowcount == 11
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO item (name) VALUES ('item 0001')"))
    async with engine.connect() as connection:
        # The failed transaction left nothing behind and the connection still works.
        count = await connection.scalar(text("SELECT count(*) FROM item"))
    assert count == 1001


async def test_writers_of_one_process_take_turns_without_sqlite_busy(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concurrent writing transactions wait for each other in the process, not in SQLite's
    busy handler: with SQLite's own wait at zero, every writer still gets in, and a writer
    that fails or rolls back hands the turn on."""
    import asyncio

    from community.db import intent

    @event.listens_for(engine.sync_engine, "connect")
    def no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    await engine.dispose()  # new connections, each with no busy wait

    async def add(name: str, *, fail: bool = False) -> None:
        with intent(write=True):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO item (name) VALUES (:n)"), {"n": name})
                await asyncio.sleep(0.01)  # hold the write lock across an await
                if fail:
                    raise RuntimeError("the handler failed")

    results = await asyncio.gather(*[add(f"w{n}", fail=n == 3) for n in range(8)],
                                   return_exceptions=True)
    assert [type(r).__name__ for r in results].count("RuntimeError") == 1
    assert not [r for r in results if r is not None and not isinstance(r, RuntimeError)]
    async with engine.connect() as connection:
        names = (await connection.execute(
            text("SELECT name FROM item WHERE name LIKE 'w%' ORDER BY name"))).scalars().all()
    assert names == ["w0", "w1", "w2", "w4", "w5", "w6", "w7"]
    assert not sqlite_driver.writer_lock(str(engine.url.database)).locked()


ROOT = str(Path(__file__).resolve().parents[2])
_OTHER_PROCESS = """
import asyncio, sys
from sqlalchemy import event, text
from community.db import intent, make_engine

async def main(url, count):
    engine = make_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def no_busy_wait(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    async def add(n):
        with intent(write=True):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO item (name) VALUES (:n)"),
                                         {"n": f"other {n}"})
                await asyncio.sleep(0.005)

    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        await add(n)
    await engine.dispose()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def test_writers_of_two_processes_take_turns_without_sqlite_busy(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """Another process writing to the same file waits on the shared file lock, not in SQLite's
    busy handler: with SQLite's own wait at zero in both processes, every write gets in."""
    import asyncio
    import os
    import sys

    from sqlalchemy import event

    from community.db import intent

    @event.listens_for(engine.sync_engine, "connect")
    def no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    await engine.dispose()
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _OTHER_PROCESS, str(engine.url), "40",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": ROOT})
    assert other.stdin is not None and other.stdout is not None

    async def add(n: int) -> None:
        with intent(write=True):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO item (name) VALUES (:n)"),
                                         {"n": f"this {n}"})
                await asyncio.sleep(0.005)

    try:
        assert await other.stdout.readline() == b"ready\n"
        other.stdin.write(b"go\n")  # both processes write from here on
        await other.stdin.drain()
        for n in range(40):
            await add(n)
        assert await other.wait() == 0
    finally:
        if other.returncode is None:
            other.kill()
            await other.wait()
    async with engine.connect() as connection:
        counts = (await connection.execute(text(
            "SELECT substr(name, 1, 5), count(*) FROM item WHERE name LIKE 'this %' "
            "OR name LIKE 'other %' GROUP BY 1 ORDER BY 1"))).all()
    assert [tuple(row) for row in counts] == [("other", 40), ("this ", 40)]


@pytest.fixture
def read_only_request() -> Iterator[None]:
    """Inside a request that only reads and marked its reads short (community.web)."""
    from community.db import read_only_request as read_only

    read_only_token = read_only.set(True)
    inline_token = sqlite_driver.inline_reads.set(True)
    yield
    sqlite_driver.inline_reads.reset(inline_token)
    read_only.reset(read_only_token)


async def test_a_read_only_request_reads_on_the_loop_without_begin_or_trips(
    engine: AsyncEngine, trips: list[Any], read_only_request: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    defer = sqlite_driver.OneTripConnection.defer

    def deferred(self: Any, sql: str, parameters: Any) -> None:  # a BEGIN is deferred
        statements.append(sql)
        defer(self, sql, parameters)

    monkeypatch.setattr(sqlite_driver.OneTripConnection, "defer", deferred)
    async with engine.connect() as connection:
        rows = (await connection.execute(
            text("SELECT name FROM item WHERE id <= 20 ORDER BY id"))).all()
        long = (await connection.execute(text("SELECT id FROM item ORDER BY id"))).all()
        await connection.commit()
    assert [row.name for row in rows] == [f"item {n:04d}" for n in range(20)]
    assert [row.id for row in long] == list(range(1, 1001))
    assert not [s for s in statements if s.startswith("BEGIN")]
    # Only the rows past the first PREFETCH of the long result took trips; the commit with
    # nothing open and the pool's rollback took none.
    assert len(trips) == 1


async def test_a_write_inside_a_read_only_request_still_takes_its_turn_in_the_thread(
    engine: AsyncEngine, trips: list[Any], read_only_request: None
) -> None:
    from community.db import intent

    with intent(write=True):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO item (name) VALUES ('written')"))
            # Inside the write transaction a read goes to the thread too.
            count = await connection.scalar(text("SELECT count(*) FROM item"))
    assert count == 1001
    # The insert (BEGIN IMMEDIATE goes with it), the read and the commit: each a trip.
    assert len(trips) == 3
    assert not sqlite_driver.writer_lock(str(engine.url.database)).locked()
    async with engine.connect() as connection:
        assert await connection.scalar(
            text("SELECT count(*) FROM item WHERE name = 'written'")) == 1


async def _later_names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.execute(text(
            "SELECT name FROM item WHERE name LIKE 'later%' ORDER BY name"))).scalars())


async def test_deferred_writes_go_with_the_next_statement_or_the_commit(
    engine: AsyncEngine, trips: list[Any]
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the pool's first use, BEGIN
        driver = (await connection.get_raw_connection()).driver_connection
        trips.clear()
        driver.defer("INSERT INTO item (name) VALUES (?)", ("later 1",))
        driver.defer("INSERT INTO item (name) VALUES (?)", ("later 2",))
        assert trips == []
        seen = (await connection.execute(text(
            "SELECT count(*) FROM item WHERE name LIKE 'later%'"))).scalar()
        assert (seen, len(trips)) == (2, 1)
        driver.defer("INSERT INTO item (name) VALUES (?)", ("later 3",))
        trips.clear()
        await connection.commit()
        assert len(trips) == 1
    assert await _later_names(engine) == ["later 1", "later 2", "later 3"]


async def test_a_rollback_drops_deferred_writes_and_a_failing_one_fails_its_carrier(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        driver = (await connection.get_raw_connection()).driver_connection
        driver.defer("INSERT INTO item (name) VALUES (?)", ("later 1",))
        await connection.rollback()
    assert await _later_names(engine) == []
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        driver = (await connection.get_raw_connection()).driver_connection
        driver.defer("INSERT INTO item (name) VALUES (?)", ("later 1",))
        driver.defer("INSERT INTO item (name) VALUES (?)", ("item 0001",))  # taken
        with pytest.raises(IntegrityError):
            await connection.execute(text("SELECT 1"))
        await connection.rollback()
    assert await _later_names(engine) == []


def _count_then_add(connection: Any) -> None:
    """Work that writes what it reads: the next name after the ones written so far."""
    seen = connection.execute("SELECT count(*) FROM item WHERE name LIKE 'later%'").fetchone()[0]
    connection.execute("INSERT INTO item (name) VALUES (?)", (f"later {seen + 1}",)).close()


async def test_deferred_work_reads_and_writes_in_the_thread_with_the_next_trip(
    engine: AsyncEngine, trips: list[Any]
) -> None:
    """Work deferred (`defer_work`) runs in the connection's thread, in order with deferred
    statements and in the same trip as the next statement or the commit; a rollback drops
    it; outside any transaction it runs in one of its own."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the pool's first use, BEGIN
        driver = (await connection.get_raw_connection()).driver_connection
        trips.clear()
        driver.defer("INSERT INTO item (name) VALUES (?)", ("later 1",))
        driver.defer_work(_count_then_add)
        driver.defer_work(_count_then_add)
        assert trips == []
        await connection.commit()
        assert len(trips) == 1
    assert await _later_names(engine) == ["later 1", "later 2", "later 3"]
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        driver = (await connection.get_raw_connection()).driver_connection
        driver.defer_work(_count_then_add)
        await connection.rollback()
    assert await _later_names(engine) == ["later 1", "later 2", "later 3"]


async def test_deferred_work_outside_a_transaction_gets_a_writing_one_of_its_own(
    engine: AsyncEngine, read_only_request: None
) -> None:
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        await connection.execute(text("SELECT 1"))  # a read-only request issues no BEGIN
        assert not driver._conn.in_transaction
        taken: list[bool] = []

        def _add(sqlite_connection: Any) -> None:
            taken.append(driver._writing and sqlite_connection.in_transaction)
            _count_then_add(sqlite_connection)

        driver.defer_work(_add)
        await connection.commit()
        assert taken == [True]
        assert not driver._conn.in_transaction and not driver._writing
    assert await _later_names(engine) == ["later 1"]
