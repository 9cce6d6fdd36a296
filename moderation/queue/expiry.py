"""Timed suspensions end on time: a pass at start-up, then one a minute while the app runs.

The core refuses sign-in to an account that is turned off and knows nothing of penalties,
so the account of a person whose suspension has run out is turned back on here (see
`services.end_expired_suspensions`). Silences need no job: `active_penalties` only counts
those still running, so an ended silence stops blocking posts the moment it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from litestar import Litestar

from community.background import every, running
from community.db import intent
from community.runtime import Runtime
from moderation.queue.services import any_suspension_over, end_expired_suspensions

POLL_SECONDS = 60.0
log = logging.getLogger("kindred.moderation.expiry")


async def end_suspensions_now(runtime: Runtime) -> int:
    """One pass: look on a read connection first, so an idle pass never takes a write lock."""
    async with runtime.sessionmaker() as db:
        if not await any_suspension_over(db):
            return 0
    with intent(write=True):
        async with runtime.sessionmaker() as db, db.begin():
            return await end_expired_suspensions(db)


async def _pass(runtime: Runtime) -> None:
    try:
        ended = await end_suspensions_now(runtime)
    except Exception:  # a database hiccup must not stop the app or end the loop
        log.exception("ending expired suspensions failed")
        return
    if ended:
        log.info("ended %d expired suspensions", ended)


async def expiry_loop(runtime: Runtime, stop: asyncio.Event) -> None:
    await every(POLL_SECONDS, lambda: end_suspensions_now(runtime), stop, log,
                "ending expired suspensions")


@contextlib.asynccontextmanager
async def _lifespan(runtime: Runtime) -> AsyncIterator[None]:
    # Ended before the first request: a restart never leaves anyone locked out.
    await _pass(runtime)
    async with running(lambda stop: expiry_loop(runtime, stop), "moderation-suspension-expiry"):
        yield


def expiry_lifespan(app: Litestar) -> contextlib.AbstractAsyncContextManager[None]:
    """The app's lifespan hook (every process runs it; the passes are idempotent)."""
    runtime: Runtime = app.state.runtime
    return _lifespan(runtime)
