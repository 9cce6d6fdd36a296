"""A loop that runs beside the app for its lifetime (export worker, suspension expiry)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any


@contextlib.asynccontextmanager
async def running(loop: Callable[[asyncio.Event], Coroutine[Any, Any, None]], name: str,
                  *, grace_seconds: float = 30) -> AsyncIterator[None]:
    """Start `loop(stop)` as a task; at exit set `stop` and give it `grace_seconds` to end."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop(stop), name=name)
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=grace_seconds)
