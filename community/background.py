"""Jobs that repeat beside the app for its lifetime: notification e-mail (the core's own),
suspension expiry and the research export worker (installed by their domains through the
`background_jobs` extension). One mechanism runs them all: a task per job, one pass every so
many seconds (`every`), stopped with the app (`running`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from community.settings import Settings

if TYPE_CHECKING:
    from community.runtime import Runtime


def always(_settings: Settings) -> bool:
    """Every process runs the job (the default of `BackgroundJob.enabled`)."""
    return True


@dataclass(frozen=True)
class BackgroundJob:
    """A job that runs one pass every `seconds` while the app runs.

    `run(runtime)` is one pass and returns how many things it did (logged when not zero); a
    failing pass is logged and the next one comes as usual. Calling the job runs one pass.
    """

    name: str
    # What a pass does, for the log: "ending expired suspensions".
    what: str
    seconds: float
    run: Callable[[Runtime], Awaitable[int]]
    log: logging.Logger
    # One pass before the app serves its first request (a restart locks nobody out).
    at_start: bool = False
    # Whether a process with these settings runs it (a web-only process may leave it out).
    enabled: Callable[[Settings], bool] = always

    async def __call__(self, runtime: Runtime) -> int:
        return await self.run(runtime)


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


async def _pass(job: Callable[[], Awaitable[int]], log: logging.Logger, what: str) -> None:
    try:
        done = await job()
    except Exception:  # a database or mail hiccup must not end the loop or stop the app
        log.exception("%s failed", what)
        return
    if done:
        log.info("%s: %d", what, done)


async def every(seconds: float, job: Callable[[], Awaitable[int]], stop: asyncio.Event,
                log: logging.Logger, what: str) -> None:
    """Run `job` every `seconds` until `stop` is set; a failure is logged and the loop goes
    on (a database or mail hiccup must not end it); `job` returns how many things it did."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        if stop.is_set():
            return
        await _pass(job, log, what)


async def repeat(job: BackgroundJob, runtime: Runtime, stop: asyncio.Event) -> None:
    """Run a job's passes until `stop` (the loop of `running_jobs`, or a process of its own)."""
    await every(job.seconds, partial(job.run, runtime), stop, job.log, job.what)


@contextlib.asynccontextmanager
async def running_jobs(runtime: Runtime, jobs: Iterable[BackgroundJob]) -> AsyncIterator[None]:
    """Run every job the settings enable while the context lasts (the app's lifespan): the
    passes due at start first, then one task per job."""
    chosen = [job for job in jobs if job.enabled(runtime.settings)]
    for job in chosen:
        if job.at_start:
            await _pass(partial(job.run, runtime), job.log, job.what)
    async with contextlib.AsyncExitStack() as stack:
        for job in chosen:
            await stack.enter_async_context(running(partial(repeat, job, runtime), job.name))
        yield
