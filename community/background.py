"""Loops that run beside the app for its lifetime (export worker, suspension expiry,
notification e-mail)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
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


async def every(seconds: float, job: Callable[[], Awaitable[int]], stop: asyncio.Event,
                log: logging.Logger, what: str) -> None:
    """Run `job` every `seconds` until `stop` is set; a failure is logged and the loop goes
    on (a database or mail hiccup must not end it); `job` returns how many things it did."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        if stop.is_set():
            return
        try:
            done = await job()
        except Exception:
            log.exception("%s failed", what)
            continue
        if done:
            log.info("%s: %d", what, done)
