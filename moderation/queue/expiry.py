"""Timed suspensions end on time: a pass at start-up, then one a minute while the app runs.

The core refuses sign-in to an account that is turned off and knows nothing of penalties,
so the account of a person whose suspension has run out is turned back on here (see
`services.end_expired_suspensions`). Silences need no job: `active_penalties` only counts
those still running, so an ended silence stops blocking posts the moment it ends.
"""

from __future__ import annotations

import logging

from community.background import BackgroundJob
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


# Every process runs it (the passes are idempotent); the first before the first request, so a
# restart never leaves anyone locked out.
EXPIRY_JOB = BackgroundJob("moderation-suspension-expiry", "ending expired suspensions",
                           POLL_SECONDS, end_suspensions_now, log, at_start=True)
