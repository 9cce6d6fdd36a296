"""Fixtures the unit tests share."""

from __future__ import annotations

from typing import Any

import pytest

from community import sqlite_driver


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The trips made to SQLite's connection thread (`OneTripConnection._execute`), in order."""
    made: list[Any] = []
    original = sqlite_driver.OneTripConnection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(fn)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(sqlite_driver.OneTripConnection, "_execute", counted)
    return made
