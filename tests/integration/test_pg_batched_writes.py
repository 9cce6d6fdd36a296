"""Rows written later (`community.db.write_later`) keep their meaning when PostgreSQL sends
them together (`community.pg_batch`): in order, seen by the next statement, two writes of
one row both applied, dropped by a rollback, a failing row failing
the commit; and on PostgreSQL a run of rows is one statement, not one each. SQLite, which
sends them with its next trip, answers the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from community import pg_batch
from community.db import make_engine, read_rows, write_later

_META = MetaData()
TALLY = Table("w36_tally", _META, Column("id", Integer, primary_key=True),
              Column("name", String, nullable=False, unique=True),
              Column("n", Integer, nullable=False))
_ADD = TALLY.insert()
_BUMP = TALLY.update().where(TALLY.c.name == bindparam("which")).values(n=TALLY.c.n + 1)
_COPY = TALLY.insert().from_select(
    ["id", "name", "n"],
    select(TALLY.c.id + 100, TALLY.c.name + "'", TALLY.c.n).where(
        TALLY.c.name == bindparam("which")))
_ALL = select(TALLY.c.name, TALLY.c.n).order_by(TALLY.c.id)
_ALL_TEXT = pg_batch.shape_of(select(text("name, n")).select_from(text("w36_tally")))


def _upsert(dialect: str) -> Any:
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(TALLY).values(id=bindparam("id"), name=bindparam("name"), n=1)
    return statement.on_conflict_do_update(index_elements=["name"],
                                           set_={"n": statement.table.c.n + 1})


_UPSERTS = {name: _upsert(name) for name in ("postgresql", "sqlite")}


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_META.create_all)
    yield engine
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE w36_tally"))
    await engine.dispose()


@pytest.fixture
def heard(engine: AsyncEngine) -> AsyncIterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield statements  # type: ignore[misc]
    event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_rows_written_later_are_seen_in_order_and_sent_together(
    engine: AsyncEngine, heard: list[str]
) -> None:
    async with AsyncSession(engine) as db, db.begin():
        await read_rows(db, _ALL, {})  # the transaction's first statement
        heard.clear()
        for number, name in enumerate(("a", "b", "c"), start=1):
            await write_later(db, _ADD, {"id": number, "name": name, "n": 0})
        await write_later(db, _BUMP, {"which": "b"})
        await write_later(db, _BUMP, {"which": "b"})  # the same row twice: both count
        upsert = _UPSERTS[engine.dialect.name]
        await write_later(db, upsert, {"id": 4, "name": "d"})
        await write_later(db, upsert, {"id": 5, "name": "d"})  # the same name again: n + 1
        await write_later(db, _COPY, {"which": "b"})  # reads what was written before it
        assert await read_rows(db, _ALL, {}) == [
            ("a", 0), ("b", 2), ("c", 0), ("d", 2), ("b'", 2)]
    if engine.dialect.name == "postgresql":
        # The three inserts in one statement; the updates, the upserts and the copy each in
        # their own (they write or read what was written before them); then the read.
        assert len(heard) == 7
        assert heard[0].startswith("WITH w0 AS (INSERT INTO w36_tally")
        assert heard[0].count("INSERT INTO w36_tally") == 3
    async with AsyncSession(engine) as db:
        assert await read_rows(db, _ALL, {}) == [
            ("a", 0), ("b", 2), ("c", 0), ("d", 2), ("b'", 2)]


async def test_a_rollback_drops_the_rows_waiting(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as db:
        async with db.begin():
            await read_rows(db, _ALL, {})
            await write_later(db, _ADD, {"id": 1, "name": "dropped", "n": 0})
            await db.rollback()
        async with db.begin():  # the same connection again: nothing of the first left
            await write_later(db, _ADD, {"id": 2, "name": "kept", "n": 0})
    async with AsyncSession(engine) as db:
        assert await read_rows(db, _ALL, {}) == [("kept", 0)]


async def test_a_savepoint_rolled_back_undoes_the_rows_written_in_it(engine: AsyncEngine) -> None:
    """The session's connection was already in hand (`connection_of`, through read_rows)
    when the savepoint began: its SAVEPOINT must still be sent, so that rolling it back
    undoes the rows written later inside it and keeps the ones written before."""
    async with AsyncSession(engine) as db, db.begin():
        await read_rows(db, _ALL, {})
        await write_later(db, _ADD, {"id": 1, "name": "before", "n": 0})
        savepoint = await db.begin_nested()
        await write_later(db, _ADD, {"id": 2, "name": "inside", "n": 0})
        await read_rows(db, _ALL, {})
        await savepoint.rollback()
        await write_later(db, _ADD, {"id": 3, "name": "after", "n": 0})
    async with AsyncSession(engine) as db:
        assert await read_rows(db, _ALL, {}) == [("before", 0), ("after", 0)]


async def test_a_failing_row_fails_the_commit_and_nothing_is_stored(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as db:
        with pytest.raises(IntegrityError):
            async with db.begin():
                await write_later(db, _ADD, {"id": 1, "name": "same", "n": 0})
                await write_later(db, _ADD, {"id": 2, "name": "same", "n": 0})
    async with AsyncSession(engine) as db:
        assert await read_rows(db, _ALL, {}) == []


def test_a_row_joins_the_statement_only_when_it_changes_nothing() -> None:
    add = pg_batch.shape_of(_ADD)
    bump = pg_batch.shape_of(_BUMP)
    copy = pg_batch.shape_of(_COPY)
    assert add.plain_insert and not bump.plain_insert and not copy.plain_insert
    rows = [pg_batch.Pending(add, "INSERT INTO t VALUES ($1, $2)", (1, "a")),
            pg_batch.Pending(add, "INSERT INTO t VALUES ($1, $2)", (2, "b")),
            pg_batch.Pending(bump, "UPDATE t SET n = n + 1 WHERE name = $1", ("a",)),
            pg_batch.Pending(bump, "UPDATE t SET n = n + 1 WHERE name = $1", ("b",)),
            pg_batch.Pending(add, "INSERT INTO t VALUES ($1, 'x')", (3,))]
    # The updates write the table the inserts wrote (they would not see the new rows): each
    # begins a statement of its own; a statement with a literal is sent as written.
    assert pg_batch.statements(rows) == [
        ("WITH w0 AS (INSERT INTO t VALUES ($1, $2)) INSERT INTO t VALUES ($3, $4)",
         (1, "a", 2, "b")),
        ("UPDATE t SET n = n + 1 WHERE name = $1", ("a",)),
        ("UPDATE t SET n = n + 1 WHERE name = $1", ("b",)),
        ("INSERT INTO t VALUES ($1, 'x')", (3,)),
    ]
    other = pg_batch.shape_of(TALLY.insert().values(name=bindparam("x"), n=0))
    bumped = [pg_batch.Pending(bump, "UPDATE t SET n = n + 1 WHERE name = $1", ("a",)),
              pg_batch.Pending(other, "INSERT INTO t (name, n) VALUES ($1, 0)", ("c",))]
    # A SELECT joins rows that wrote nothing it reads; one with SQL as text joins none.
    assert not pg_batch.shape_of(_ALL).opaque and _ALL_TEXT.opaque
    assert TALLY in pg_batch.shape_of(_ALL).reads
    # A plain insert after the update joins it: it reads nothing.
    assert pg_batch.statements(bumped) == [
        ("WITH w0 AS (UPDATE t SET n = n + 1 WHERE name = $1) "
         "INSERT INTO t (name, n) VALUES ($2, 0)", ("a", "c"))]
