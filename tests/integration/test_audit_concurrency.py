"""The audit chain stays whole when many writers append at once (issue 18: on SQLite the head
is read, the entry chained to it and the head moved in the connection's thread, with the
transaction's next statement or its commit, not in a trip of its own)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from community.audit import AuditEntry, record, verify
from community.db import intent, read_only_request
from community.runtime import Runtime
from tests.helpers import Visitor

ROOT = str(Path(__file__).resolve().parents[2])


async def _append(runtime: Runtime, writer: str, n: int) -> None:
    with intent(write=True):
        async with runtime.sessionmaker() as db, db.begin():
            await record(db, "test.concurrent", actor_id=None, target_type=writer,
                         target_id=n, detail={"n": n})
            await asyncio.sleep(0)  # let the other writers run in between
            await record(db, "test.concurrent.second", actor_id=None, target_type=writer,
                         target_id=n)


async def _chain(runtime: Runtime) -> tuple[bool, int, list[int]]:
    async with runtime.sessionmaker() as db:
        result = await verify(db)
        seqs = list(await db.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        return result.ok, result.checked, seqs


def test_writers_appending_at_once_keep_one_unbroken_chain(visitor: Visitor) -> None:
    async def _many(runtime: Runtime) -> tuple[bool, int, list[int]]:
        await asyncio.gather(*(_append(runtime, f"writer {w}", n)
                               for w in range(4) for n in range(8)))
        return await _chain(runtime)

    ok, checked, seqs = visitor.run(_many)
    assert ok
    assert checked == 64
    assert seqs == list(range(1, 65))


_OTHER_PROCESS = """
import asyncio, sys
from sqlalchemy.ext.asyncio import async_sessionmaker
from community.app import load_all_models
from community.audit import record
from community.db import intent, make_engine, read_only_request

async def main(url, count):
    load_all_models()
    engine = make_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with engine.connect():
        pass
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        if n % 2:
            # Outside any transaction (a read-only request's session issues no BEGIN).
            token = read_only_request.set(True)
            try:
                async with sessions() as db:
                    await record(db, "test.other.autocommit", actor_id=None, target_id=n)
                    await db.commit()
            finally:
                read_only_request.reset(token)
        else:
            with intent(write=True):
                async with sessions() as db, db.begin():
                    await record(db, "test.other", actor_id=None, target_id=n)
                    await asyncio.sleep(0.002)
    await engine.dispose()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


# The connection's thread and the file lock are SQLite's: this race has no PostgreSQL form.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_processes_appending_keep_one_unbroken_chain(visitor: Visitor) -> None:
    """Another process appends to the same SQLite file at the same time, half of its entries
    outside any transaction: every entry is chained once, in one order."""

    async def _race(runtime: Runtime) -> tuple[bool, int, list[int], int]:
        other = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _OTHER_PROCESS,
            runtime.engine.url.render_as_string(hide_password=False), "40",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": ROOT})
        assert other.stdin is not None and other.stdout is not None
        try:
            assert await other.stdout.readline() == b"ready\n"
            other.stdin.write(b"go\n")
            await other.stdin.drain()
            for n in range(20):
                await _append(runtime, "this process", n)
                if n % 2:
                    token = read_only_request.set(True)
                    try:
                        async with runtime.sessionmaker() as db:
                            await record(db, "test.autocommit", actor_id=None, target_id=n)
                            await db.commit()
                    finally:
                        read_only_request.reset(token)
            assert await other.wait() == 0
        finally:
            if other.returncode is None:
                other.kill()
                await other.wait()
        ok, checked, seqs = await _chain(runtime)
        async with runtime.sessionmaker() as db:
            others: Any = await db.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action.like("test.other%")))
        return ok, checked, seqs, int(others)

    ok, checked, seqs, others = visitor.run(_race)
    assert ok
    assert others == 40
    assert checked == 40 + 50
    assert seqs == list(range(1, 91))
