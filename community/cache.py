"""A small in-process LRU cache for rendered fragments keyed by versions read from the database.

A key always holds a value the database changes with the data (a summary row's version),
never a time: another process sees a change at its next read, this process at once, and
stale entries simply stop being asked for and age out. (What the day itself changes, as
the time people have been on a treatment so far, has the day in its key.) What is kept is text in the language
of the request that made it, so the current language is part of every key.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from community.i18n import current_locale


class LRUCache:
    """At most `maxsize` entries; the least recently used goes first."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any | None:
        key = (current_locale(), key)
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        key = (current_locale(), key)
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class SingleFlight:
    """One build at a time per key in this process: a request that finds the same build
    under way waits for it instead of starting another (an expensive value asked for by
    many readers at once after it changed is built once, not once per reader). Keys hold
    the current language, as the LRU cache's do."""

    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}

    async def run(self, key: Hashable, build: Callable[[], Awaitable[Any]]) -> Any:
        key = (current_locale(), key)
        pending = self._pending.get(key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except Exception:  # the build that was under way failed: try our own
                return await build()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            value = await build()
        except BaseException as exc:
            future.set_exception(RuntimeError(f"the build of {key!r} failed: {exc!r}"))
            future.exception()  # retrieved here: nobody may be waiting
            raise
        else:
            future.set_result(value)
            return value
        finally:
            del self._pending[key]
