"""aiosqlite connections whose statements make one trip to the connection's thread.

aiosqlite runs each call of a cursor (open, execute, fetch, close) as its own trip to the
thread that owns the sqlite3 connection: a queue put, a thread wake-up, a wake-up of the
event loop. SQLAlchemy's adapter makes four such calls per statement, so a page of four
statements with its BEGIN and COMMIT made some twenty trips, more time than SQLite spent
answering. Here `execute` opens the cursor, runs the statement, fetches the first rows and,
when that was all of them, closes the cursor, in one trip; fetches and the close are then
answered without another. A result longer than PREFETCH rows stays open and is fetched in
further trips, so a streamed result never sits in memory whole.

Writers queue in the process instead of in SQLite: a connection whose `BEGIN IMMEDIATE`
finds another connection of this process writing to the same file waits on a lock that
is handed over the moment that transaction commits or rolls back. Without it every waiter
sleeps in SQLite's busy handler (1, 2, 5, 10 ... 100 ms between attempts), so under a few
concurrent writes the file sat unlocked while its writers slept: replies at 8 connections
served half the requests of one connection, with p99 in seconds. The processes serving one
database (granian's workers) take turns the same way: the holder of the process's lock also
holds an exclusive `flock` on `<database>-writers` beside the file, given up at the same
moment; a waiter asks for it again every 0.1 to 1 ms (a blocking `flock` could not give up
after WRITER_WAIT_SECONDS), so the turn passes within a millisecond, not SQLite's 100.

A request that only reads short statements may run them on the event loop itself
(`inline_reads`): a SELECT outside any transaction (a read-only request issues no BEGIN,
community.db) is then answered without the trip to the connection's thread, which cost more
than SQLite spent on the thread page's statements. In WAL mode such a read never waits for a
writer. So is a SELECT of a read transaction (its `BEGIN`, deferred, takes no lock and runs
on the loop before it): a handler with a write phase reads before it writes (the reply's
session, thread and mentions) without a trip each; once it writes, its reads go to the
thread. The connection is opened with `check_same_thread=False`; SQLAlchemy awaits every
call on a connection before the next, so the loop and the connection's thread never use it
at once. A commit or rollback with no transaction open makes no trip either.

Statements whose results nobody reads (`defer`: a transaction's `BEGIN`, the `COMMIT; BEGIN
IMMEDIATE` of a switch to writing, a write phase's rows through community.db.write_later)
wait on the connection and go to its thread with the next statement, commit or not at all
(a rollback drops them; a commit of a transaction that only began makes no trip): a reply's
write phase is then a few trips, not one per row. Work that reads before it writes (the
audit log's next entry, chained to the head it reads) may be deferred the same way
(`defer_work`): it runs in the thread, in the transaction. A deferred statement that fails raises
from the statement or commit it went with; the transaction fails as a whole either way.

A SELECT may wait the same way (`defer_read`): its rows are kept for the caller once the trip
it went with is back (a write phase's re-check goes with the form receipt's claim), and
`flush` makes that trip at once if no statement came to carry it.

Everything else (the thread, functions) is aiosqlite's own.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from functools import partial
from typing import Any

import aiosqlite

PREFETCH = 256

Row = Any
ThreadWork = Callable[[sqlite3.Connection], None]
"""Statements computed from what they read, run in the connection's thread (`defer_work`)."""


class DeferredRead:
    """A SELECT waiting on its connection (`defer_read`); `rows` once it has run."""

    def __init__(self, sql: str, parameters: Sequence[Any]) -> None:
        self.sql = sql
        self.parameters = parameters
        self.rows: list[Row] | None = None

    def __call__(self, connection: sqlite3.Connection) -> None:
        cursor = connection.execute(self.sql, self.parameters)
        try:
            self.rows = cursor.fetchall()
        finally:
            cursor.close()

# As long as SQLite's own busy_timeout (community.db): past it a writer goes on to SQLite,
# which answers "database is locked" as it did before the gate.
WRITER_WAIT_SECONDS = 10.0

inline_reads: ContextVar[bool] = ContextVar("kindred_sqlite_inline_reads", default=False)
"""Set for a request that only reads and whose reads are short (community.web.SHORT_READS):
its SELECTs outside a transaction run on the event loop."""

inline_steps: ContextVar[int | None] = ContextVar("kindred_sqlite_inline_steps", default=None)
"""Set beside `inline_reads` for a read that is usually short but not always (a search for a
word that many posts hold): on the event loop SQLite stops it after this many steps of its
virtual machine (a count, the same on every run) and it is run again in the connection's
thread, so the loop never waits for a long one."""

_BEGIN_DEFERRED: tuple[str, Sequence[Any]] = ("BEGIN", ())
"""A read transaction's BEGIN as it waits on the connection (community.db's begin listener)."""

_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def writer_lock(database: str) -> threading.Lock:
    """The lock this process's writing transactions on `database` take in turn."""
    with _writer_locks_guard:
        return _writer_locks.setdefault(database, threading.Lock())


class WriterFile:
    """The `flock` that the processes writing to one database take in turn; only the holder
    of the process's `writer_lock` asks for it, so one descriptor per process serves."""

    def __init__(self, database: str) -> None:
        self.path = f"{database}-writers"
        self._descriptor: int | None = None
        self._pid = 0

    def _opened(self) -> int | None:
        # A forked child must not share its parent's open file (flock belongs to it).
        if self._descriptor is None or self._pid != os.getpid():
            try:
                self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                                           0o600)
            except OSError:  # a read-only directory: SQLite's own wait still serves
                self._descriptor = None
            self._pid = os.getpid()
        return self._descriptor

    def acquire(self, timeout: float) -> bool:
        descriptor = self._opened()
        if descriptor is None:
            return False
        deadline, pause = time.monotonic() + timeout, 0.0001
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def release(self) -> None:
        if self._descriptor is not None and self._pid == os.getpid():
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)


_writer_files: dict[str, WriterFile] = {}


def writer_file(database: str) -> WriterFile:
    """The file lock this process's writer holder takes against other processes."""
    with _writer_locks_guard:
        return _writer_files.setdefault(database, WriterFile(database))


class OneTripConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection], database: str,
                 **kwargs: Any) -> None:
        super().__init__(connector, **kwargs)
        memory = database == ":memory:" or database.startswith("file::memory:")
        self._writer_lock = None if memory else writer_lock(database)
        self._writer_file = None if memory else writer_file(database)
        self._writing = False  # this connection holds the writer lock
        self._writing_file = False  # ... and the other processes' file lock
        self._deferred: list[tuple[str | ThreadWork, Sequence[Any]]] = []

    def defer(self, sql: str, parameters: Sequence[Any]) -> None:
        """Run `sql` in this transaction before the next statement or the commit, in the
        same trip to the thread (from the event loop, between statements)."""
        self._deferred.append((sql, parameters))

    def defer_work(self, work: ThreadWork) -> None:
        """As `defer`, for statements that depend on what they read: `work(connection)` runs
        in the connection's thread in their place, inside this transaction. Outside any
        transaction it gets one of its own, taken as a writer (`BEGIN IMMEDIATE`), so what
        it reads is what it writes after."""
        self._deferred.append((work, ()))

    def defer_read(self, sql: str, parameters: Sequence[Any]) -> DeferredRead:
        """As `defer`, for a SELECT: its rows are in the result once the trip is back."""
        read = DeferredRead(sql, parameters)
        self._deferred.append((read, ()))
        return read

    async def flush(self) -> None:
        """Send what waits on the connection now, in one trip (nothing waiting: no trip)."""
        deferred = self._take_deferred()
        if deferred:
            await self._execute(self._then_done_writing, partial(self._run_deferred, deferred))

    def _take_deferred(self) -> list[tuple[str | ThreadWork, Sequence[Any]]]:
        deferred, self._deferred = self._deferred, []
        return deferred

    def _run_deferred(self, deferred: list[tuple[str | ThreadWork, Sequence[Any]]]) -> None:
        """In the connection's thread: the statements deferred until now, in their order (a
        `BEGIN IMMEDIATE` among them waits for the writer's turn first)."""
        for sql, parameters in deferred:
            if isinstance(sql, DeferredRead):
                sql(self._conn)
                continue
            if not isinstance(sql, str):
                self._run_work(sql)
                continue
            if sql.startswith("BEGIN IMMEDIATE"):
                self._begin_writing()
            self._conn.execute(sql, parameters).close()

    def _run_work(self, work: ThreadWork) -> None:
        if self._conn.in_transaction:
            work(self._conn)
            return
        self._begin_writing()
        try:
            self._conn.execute("BEGIN IMMEDIATE").close()
            try:
                work(self._conn)
            except BaseException:
                self._conn.rollback()
                raise
            self._conn.commit()
        finally:
            self._done_writing()

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        # SQLAlchemy awaits `cursor.__aenter__()` for the cursor itself.
        return OneTripCursor(self)

    # The three below run in the connection's thread, where the lock is taken and given.

    def _begin_writing(self) -> None:
        if self._writer_lock is not None and not self._writing:
            started = time.monotonic()
            self._writing = self._writer_lock.acquire(timeout=WRITER_WAIT_SECONDS)
            if self._writing and self._writer_file is not None:
                left = max(WRITER_WAIT_SECONDS - (time.monotonic() - started), 0.0)
                self._writing_file = self._writer_file.acquire(left)

    def _done_writing(self) -> None:
        if self._writing and (self._connection is None or not self._conn.in_transaction):
            self._done_writing_anyway()

    def _then_done_writing(self, work: Callable[[], Any]) -> None:
        try:
            work()
        finally:
            self._done_writing()

    def _idle(self) -> bool:
        """No transaction open and no writer's turn held: a commit or rollback has nothing
        to do (read from the loop: `in_transaction` only asks SQLite's autocommit flag)."""
        return not self._writing and not self._conn.in_transaction

    def idle_for_reads(self) -> bool:
        """`_idle`, with nothing deferred: the connection holds nothing of the request
        that read on it."""
        return self._idle() and not self._deferred

    def _commit_with(self, deferred: list[tuple[str | ThreadWork, Sequence[Any]]]) -> None:
        self._run_deferred(deferred)
        self._conn.commit()

    async def commit(self) -> None:
        deferred = self._take_deferred()
        if all(isinstance(sql, str) and sql.startswith("BEGIN")
               for sql, _parameters in deferred) and self._idle():
            return  # a transaction begun (deferred) and never used: nothing to commit
        await self._execute(self._then_done_writing, partial(self._commit_with, deferred))

    async def rollback(self) -> None:
        self._deferred = []
        if not self._idle():
            await self._execute(self._then_done_writing, self._conn.rollback)

    async def close(self) -> None:
        self._deferred = []
        if self._connection is not None:
            await self._execute(self._done_writing_anyway)
        await super().close()

    def _done_writing_anyway(self) -> None:
        """Closing ends the transaction whatever state it is in."""
        if self._writing_file:
            self._writing_file = False
            self._writer_file.release()  # type: ignore[union-attr]
        if self._writing:
            self._writing = False
            self._writer_lock.release()  # type: ignore[union-attr]


def connect(database: str) -> OneTripConnection:
    """Like aiosqlite.connect; the caller awaits the result to open it."""
    connection = OneTripConnection(partial(sqlite3.connect, database, check_same_thread=False),
                                   database, iter_chunk_size=64)
    # As SQLAlchemy does for aiosqlite: a forgotten connection never keeps the process alive.
    connection._thread.daemon = True
    return connection


class OneTripCursor:
    """The part of aiosqlite's Cursor that SQLAlchemy's aiosqlite adapter uses."""

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._open: sqlite3.Cursor | None = None  # only while rows remain to be fetched
        self._rows: list[Row] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _trip(self, work: Callable[[], Any]) -> Any:
        return await self._connection._execute(work)

    def _finish(self, cursor: sqlite3.Cursor, rows: list[Row]) -> tuple[Any, ...]:
        """In the connection's thread: what the caller may ask about `cursor`, which is
        closed unless rows remain."""
        remaining = cursor.description is not None and len(rows) == PREFETCH
        state = (rows, cursor if remaining else None, cursor.description, cursor.rowcount,
                 cursor.lastrowid)
        if not remaining:
            cursor.close()
        return state

    def _run(self, sql: str, parameters: Any, *, many: bool,
             deferred: list[tuple[str | ThreadWork, Sequence[Any]]]) -> tuple[Any, ...]:
        try:
            self._connection._run_deferred(deferred)
            if sql.startswith("BEGIN IMMEDIATE"):
                self._connection._begin_writing()
            return self._cursor_run(sql, parameters, many=many)
        except BaseException:
            self._connection._done_writing()  # given up unless a transaction is open
            raise

    def _cursor_run(self, sql: str, parameters: Any, *, many: bool) -> tuple[Any, ...]:
        cursor = self._connection._conn.cursor()
        try:
            if many:
                cursor.executemany(sql, parameters)
            else:
                cursor.execute(sql, parameters)
            rows = cursor.fetchmany(PREFETCH) if cursor.description is not None else []
        except BaseException:
            cursor.close()
            raise
        return self._finish(cursor, rows)

    def _take(self, state: tuple[Any, ...]) -> None:
        (self._rows, self._open, self.description, self.rowcount, self.lastrowid) = state

    def _inline(self, sql: str) -> bool:
        """Whether `sql` is a read to run on the event loop (see `inline_reads`): outside any
        transaction, or in a read transaction, one this connection is not writing in, whose
        only statement waiting is its own deferred `BEGIN` (which takes no lock: it then
        runs on the loop first). Once the connection holds the writer's turn, or rows wait
        to go with the next statement, its reads go to the thread."""
        if not inline_reads.get() or sql[:6].upper() != "SELECT":
            return False
        connection = self._connection
        if connection._writing:
            return False
        waiting = connection._deferred
        if connection._conn.in_transaction:
            return not waiting
        return not waiting or waiting == [_BEGIN_DEFERRED]

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        await self.close()
        state = None
        if self._inline(sql):
            if self._connection._take_deferred():  # its read transaction's BEGIN
                self._connection._conn.execute("BEGIN").close()
            state = self._inline_run(sql, parameters or ())
        if state is None:
            state = await self._trip(partial(self._run, sql, parameters or (), many=False,
                                             deferred=self._connection._take_deferred()))
        self._take(state)
        return self

    def _inline_run(self, sql: str, parameters: Sequence[Any]) -> tuple[Any, ...] | None:
        """`sql` run on the event loop; None when it took more than `inline_steps` (it was
        stopped before any row was read: the caller runs it in the thread)."""
        steps = inline_steps.get()
        if steps is None:
            return self._cursor_run(sql, parameters, many=False)
        connection = self._connection._conn
        stopped = False

        def stop() -> int:
            nonlocal stopped
            stopped = True
            return 1

        connection.set_progress_handler(stop, steps)
        try:
            return self._cursor_run(sql, parameters, many=False)
        except sqlite3.OperationalError:
            if stopped:
                return None
            raise
        finally:
            connection.set_progress_handler(None, 0)

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        await self.close()
        self._take(await self._trip(partial(self._run, sql, parameters, many=True,
                                            deferred=self._connection._take_deferred())))
        return self

    async def _more(self, size: int | None) -> None:
        """Fetch `size` more rows (None: all) from the open cursor into the buffer."""
        cursor = self._open
        if cursor is None:
            return

        def fetch() -> tuple[list[Row], bool]:
            rows = cursor.fetchall() if size is None else cursor.fetchmany(size)
            done = size is None or len(rows) < size
            if done:
                cursor.close()
            return rows, done

        rows, done = await self._trip(fetch)
        self._rows.extend(rows)
        if done:
            self._open = None

    async def fetchall(self) -> list[Row]:
        await self._more(None)
        rows, self._rows = self._rows, []
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        wanted = self.arraysize if size is None else size
        if len(self._rows) < wanted:
            await self._more(max(wanted - len(self._rows), PREFETCH))
        rows, self._rows = self._rows[:wanted], self._rows[wanted:]
        return rows

    async def fetchone(self) -> Row | None:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def close(self) -> None:
        cursor, self._open = self._open, None
        self._rows = []
        if cursor is not None:
            await self._trip(cursor.close)
