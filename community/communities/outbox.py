"""A published post's notifications, delivered after its commit (issue 18).

The transaction of a published reply or of a new thread's opening post writes one outbox row
(`NotificationOutbox`, by `write_reply` and `start_thread`) instead of the notifications
themselves, so the followers (of the thread for a reply, of the community for a new thread),
who among them may read the thread, who turned the kind off and the insert no longer run
under SQLite's write lock. The request delivers its row right after its response is sent
(`deliver_after`); the background runner (`OUTBOX_JOB`) delivers whatever is left: a process
that ended between the commit and the delivery, a delivery that failed. Delivery removes the
row in the same transaction as the notifications it writes (`deliver`): a row is delivered
once, whoever delivers it and however often that is tried, and a failed delivery leaves it
for the next pass. Who hears of the post is decided at delivery, as it was when the
notifications were written with it (`services.owed_notifications`).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from litestar import Response
from litestar.background_tasks import BackgroundTask
from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.background import BackgroundJob
from community.communities.services import owed_notifications
from community.db import (
    driver_statement,
    intent,
    short_reads_first,
    switch_to_writing,
    table_of,
    write_later_computed,
    write_rows,
)
from community.notifications.models import NotificationOutbox
from community.notifications.services import write_notifications
from community.settings import Settings

if TYPE_CHECKING:
    from community.runtime import Runtime

log = logging.getLogger(__name__)

PASS_SECONDS = 5.0
PASS_ROWS = 200
DELIVERY_READ_STEPS = 16_384
"""SQLite's steps a delivery's read may take on the event loop before it is read in the
connection's thread instead (as `communities.search.INLINE_STEPS`)."""


async def deliver(runtime: Runtime, post_id: int) -> int:
    """Deliver the notifications the post `post_id` owes, if it still owes them; returns how
    many were written (0 when delivered already).

    Who hears of it is read first, in a read transaction (on SQLite without the write lock);
    then, in a short write transaction on the same connection, the notifications are written
    and the row taken: a second delivery of the same row (the runner and the request, two
    processes) waits for the first's outcome, finds the row gone and rolls back what it
    wrote."""
    # Read first, also from a request that writes; its reads (the post, who hears) are a few
    # indexed rows, on SQLite on the event loop unless a thread's followers make them long.
    with intent(write=False), short_reads_first(steps=DELIVERY_READ_STEPS):
        try:
            async with runtime.sessionmaker() as db, db.begin():
                written = await _deliver(db, post_id)
        except _DeliveredMeanwhile:
            return 0
    return written()


class _DeliveredMeanwhile(Exception):
    """Another delivery took the row first: what this one wrote is rolled back."""


_TAKE = (delete(table_of(NotificationOutbox))
         .where(table_of(NotificationOutbox).c.post_id == bindparam("post_id"))
         .returning(table_of(NotificationOutbox).c.post_id))
_SAVEPOINT = "delivery"


async def _deliver(db: AsyncSession, post_id: int) -> Callable[[], int]:
    """Writes the notifications and takes the row; returns how many were written, to ask
    once the transaction has committed."""
    rows = await owed_notifications(db, post_id)
    if rows is None:  # delivered already
        return lambda: 0
    await switch_to_writing(db)
    # The notifications are written later, so they travel with the take: on SQLite all in
    # the commit's trip to the connection's thread (the take there, the notifications undone
    # to a savepoint when another delivery took the row first), on PostgreSQL in one round
    # trip before the commit.
    in_thread = await write_later_computed(db, _savepoint)
    written = await write_notifications(db, rows)
    if in_thread:
        taken: list[bool] = []
        await write_later_computed(db, partial(_take_in_thread, post_id, taken))
        return lambda: written if taken[0] else 0
    if not await write_rows(db, _TAKE, {"post_id": post_id}):
        raise _DeliveredMeanwhile
    return lambda: written


def _savepoint(_dialect: Any, connection: sqlite3.Connection) -> None:
    connection.execute(f"SAVEPOINT {_SAVEPOINT}").close()


def _take_in_thread(post_id: int, taken: list[bool], dialect: Any,
                    connection: sqlite3.Connection) -> None:
    """In SQLite's connection thread, after the notifications: take the row, or undo them
    when it is gone (`taken` says which)."""
    cursor = connection.execute(*driver_statement(dialect, _TAKE, {"post_id": post_id}))
    taken.append(cursor.fetchone() is not None)
    cursor.close()
    if not taken[0]:
        connection.execute(f"ROLLBACK TO {_SAVEPOINT}").close()
    connection.execute(f"RELEASE {_SAVEPOINT}").close()


async def deliver_quietly(runtime: Runtime, post_id: int) -> None:
    """`deliver` after a response: a failure is logged and left to the runner."""
    try:
        await deliver(runtime, post_id)
    except Exception:  # the row stays; OUTBOX_JOB delivers it on its next pass
        log.exception("delivering the notifications of post %s failed", post_id)


def deliver_after(response: Response[Any], runtime: Runtime, post_id: int) -> None:
    """Deliver the post's notifications once `response` is sent (its transaction has then
    committed)."""
    response.background = BackgroundTask(deliver_quietly, runtime, post_id)


async def deliver_pending(runtime: Runtime) -> int:
    """One pass of OUTBOX_JOB: every row left in the outbox, oldest first, each delivered in
    its own transaction; returns how many notifications were written."""
    async with runtime.sessionmaker() as db:
        owed = list(await db.scalars(select(NotificationOutbox.post_id)
                                     .order_by(NotificationOutbox.created_at)
                                     .limit(PASS_ROWS)))
    written = 0
    for post_id in owed:
        written += await deliver(runtime, post_id)
    return written


def _runs_outbox_runner(settings: Settings) -> bool:
    return settings.runs_outbox_runner


# Every process runs it (a row is delivered once whichever process takes it); a pass at
# start delivers what a process that ended left behind. KINDRED_OUTBOX_RUNNER=off leaves it
# out (the tests do, so that its statements never land among a request's; they run it
# themselves).
OUTBOX_JOB = BackgroundJob("notification-outbox", "delivering notifications left in the outbox",
                           PASS_SECONDS, deliver_pending, log, at_start=True,
                           enabled=_runs_outbox_runner)
