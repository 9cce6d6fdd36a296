"""A check-in is one upsert (issue 18, the writes): no read of the day's earlier check-in
first, and on SQLite it goes to the database with the commit, so the write lock is held for
the form receipt's claim and the commit only. A second check-in of a day still replaces the
first, keeping when it was first made."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from community import sqlite_driver
from outcomes.tracking.models import CheckIn
from tests.helpers import Visitor

TODAY = date.today()


def _check_ins(visitor: Visitor) -> list[tuple[Any, ...]]:
    async def _read(runtime: Any) -> list[tuple[Any, ...]]:
        async with runtime.sessionmaker() as db:
            assert isinstance(db, AsyncSession)
            return [tuple(row) for row in await db.execute(select(
                CheckIn.recorded_on, CheckIn.level, CheckIn.note, CheckIn.created_at,
                CheckIn.updated_at))]

    return visitor.run(_read)


def test_a_check_in_is_one_upsert_sent_with_the_commit(
    visitor: Visitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    visitor.signup_and_login("steady_reed")
    engine = visitor.app.state.runtime.engine
    heard: list[str] = []
    later: list[str] = []
    defer = sqlite_driver.OneTripConnection.defer

    def deferred(self: Any, sql: str, parameters: Any) -> None:
        later.append(sql.split("(")[0].strip())
        defer(self, sql, parameters)

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        heard.append(statement.split("(")[0].strip())

    monkeypatch.setattr(sqlite_driver.OneTripConnection, "defer", deferred)
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        first = visitor.post("/my/check-in", {"level": "2", "note": "stiff hands",
                                              "recorded_on": TODAY.isoformat()})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert first.status_code == 303
    assert not [s for s in heard if "check_in" in s and s.startswith("SELECT")]
    if engine.dialect.name == "sqlite":
        assert "INSERT INTO check_in" in later
        assert "INSERT INTO check_in" not in heard
    else:
        assert heard.count("INSERT INTO check_in") == 1
    [(day, level, note, created, updated)] = _check_ins(visitor)
    assert (day, level, note) == (TODAY, 2, "stiff hands")

    again = visitor.post("/my/check-in", {"level": "4", "note": "slept better",
                                          "recorded_on": TODAY.isoformat()})
    assert again.status_code == 303
    [(day, level, note, created_again, updated_again)] = _check_ins(visitor)
    assert (day, level, note) == (TODAY, 4, "slept better")
    assert created_again == created and updated_again >= updated
