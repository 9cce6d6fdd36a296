"""Engine, declarative base and naming convention shared by every domain."""

from __future__ import annotations

import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple, cast

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    ClauseElement,
    Executable,
    Float,
    Insert,
    Integer,
    MetaData,
    Table,
    event,
    make_url,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

from community import pg_batch, sqlite_driver

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

write_intent: ContextVar[bool] = ContextVar("kindred_write_intent", default=False)
read_only_request: ContextVar[bool] = ContextVar("kindred_read_only_request", default=False)
"""Set by the session middleware for a request that declared it writes nothing (a safe
method, not marked WRITES): its reads need no transaction (`reads_only`)."""


def reads_only() -> bool:
    """Whether the transaction about to begin only reads: a read-only request, outside any
    write it makes on its own (`writing`, `intent(write=True)`). Such a transaction is not
    opened on the server at all: on PostgreSQL each statement runs in autocommit (under READ
    COMMITTED a transaction of reads gains nothing: each statement takes its own snapshot
    anyway), saving the BEGIN and COMMIT round trips; on SQLite no BEGIN is issued, so each
    SELECT is its own read transaction and the commit has nothing to do."""
    return read_only_request.get() and not write_intent.get()


@contextmanager
def short_read(*, steps: int | None = None) -> Iterator[None]:
    """The reads inside are short (indexed, bounded), as a `SHORT_READS` page's are: in a
    request that only reads, SQLite runs them on the event loop instead of a trip to the
    connection's thread. For a page whose first read is short though what it reads only
    when a kept fragment is missing is not (a treatment report's aggregates). `steps`: the
    reads are usually short, not always; one that takes more steps of SQLite's virtual
    machine is stopped and sent to the thread (`sqlite_driver.inline_steps`)."""
    if not reads_only():
        yield
        return
    with short_reads_first(steps=steps):
        yield


@contextmanager
def short_reads_first(*, steps: int | None) -> Iterator[None]:
    """The reads inside, made before a write transaction begins (in a read transaction, or
    none), are usually short: on SQLite they run on the event loop, each stopped past `steps`
    of SQLite's virtual machine (None: never stopped) and read in the connection's thread
    instead (`sqlite_driver.inline_steps`). Whatever the request around marked: a delivery after a
    response of a route whose own reads are short reads as it says here, not as the route."""
    token = sqlite_driver.inline_reads.set(True)
    budget = sqlite_driver.inline_steps.set(steps)
    try:
        yield
    finally:
        sqlite_driver.inline_steps.reset(budget)
        sqlite_driver.inline_reads.reset(token)


@contextmanager
def intent(*, write: bool) -> Iterator[None]:
    """Declare whether the transactions opened inside will write (SQLite locks up front)."""
    token = write_intent.set(write)
    try:
        yield
    finally:
        write_intent.reset(token)


@asynccontextmanager
async def writing(
    sessionmaker: async_sessionmaker[AsyncSession], db: AsyncSession | None = None
) -> AsyncIterator[AsyncSession]:
    """Where a write goes: the request's `db` when given (on SQLite a second connection would
    wait for the write lock the request itself holds), else a session of our own in a write
    transaction, committed on exit."""
    if db is not None:
        yield db
        return
    with intent(write=True):
        async with sessionmaker() as own, own.begin():
            yield own


async def switch_to_writing(db: AsyncSession) -> None:
    """End what `db` has read so far and go on writing, on the same connection and keeping
    the objects it loaded. On SQLite the read transaction ends and a write transaction
    begins (`COMMIT; BEGIN IMMEDIATE`: nothing was written; the write lock is taken here,
    and what is read from now on is the latest); on PostgreSQL nothing needs to change (rows
    lock as they are written, and each statement reads what is committed)."""
    connection: Any = (await connection_of(db)).sync_connection
    if connection.dialect.name == "sqlite":
        # Both go with the write phase's first statement (one trip; community.sqlite_driver).
        driver = connection.connection.driver_connection
        driver.defer("COMMIT", ())
        driver.defer("BEGIN IMMEDIATE", ())


def table_of(model: Any) -> Table:
    """A mapped class's table, for Core statements that skip the ORM."""
    return cast(Table, model.__table__)


WROTE_LATER = "kindred_wrote_later"
"""In a session's `info` once `write_later` was used: the session holds writes its unit of
work does not know of (`holds_writes`)."""


def holds_writes(db: AsyncSession) -> bool:
    """Whether committing `db` would write anything: objects added, changed or deleted, or
    rows written through `write_later`."""
    return bool(db.new or db.dirty or db.deleted or db.info.get(WROTE_LATER))


_driver_forms: dict[tuple[int, str, tuple[str, ...]], tuple[Any, str]] = {}


_insert_defaults: dict[int, tuple[Executable, tuple[tuple[str, Any, bool], ...]]] = {}


def _with_defaults(statement: Executable, params: dict[str, Any]) -> dict[str, Any]:
    """An INSERT's parameters with its columns' Python defaults filled in (as SQLAlchemy's
    execution would), so the compiled statement needs nothing but `params`."""
    if not isinstance(statement, Insert):
        return params
    found = _insert_defaults.get(id(statement))
    if found is None or found[0] is not statement:
        # Which columns have a default of their own (kept per statement, built once).
        given = {getattr(key, "key", key) for key in statement._values or ()}
        defaults = tuple(
            (column.key, column.default.arg, column.default.is_callable)  # type: ignore[attr-defined]
            for column in statement.table.columns
            if column.key not in given and column.default is not None
            and (column.default.is_scalar or column.default.is_callable))
        found = _insert_defaults[id(statement)] = (statement, defaults)
    filled = dict(params)
    for key, value, is_callable in found[1]:
        if key not in filled:
            filled[key] = value(None) if is_callable else value
    return filled


def _driver_form(dialect: Any, statement: Executable, keys: tuple[str, ...]) -> tuple[Any, str]:
    """`statement` compiled once for `dialect` and these parameter names (kept per statement
    object: pass statements built once, at import or under functools.cache)."""
    cache_key = (id(statement), dialect.name, keys)
    found = _driver_forms.get(cache_key)
    if found is None or found[0].statement is not statement:
        compiled = cast(SQLCompiler, cast(ClauseElement, statement).compile(
            dialect=dialect, column_keys=list(keys)))
        if compiled.insert_prefetch or compiled.update_prefetch or compiled.post_compile_params:
            raise ValueError(f"write_later cannot run {statement}: it needs SQLAlchemy's execution")
        found = _driver_forms[cache_key] = (compiled, str(compiled))
    return found


async def write_later(db: AsyncSession, statement: Executable, params: dict[str, Any]) -> None:
    """A write in `db`'s transaction whose result nobody reads (an INSERT's id, a rowcount).

    On SQLite it goes to the connection's thread with the next statement or the commit (one
    trip for many; `community.sqlite_driver`), without SQLAlchemy's execution; on PostgreSQL
    it waits for the next statement or the commit too, joined to the rows around it in as few
    round trips as keep their meaning (`community.pg_batch`). Objects the session holds
    unflushed are flushed first, so rows keep their order.
    `statement` is a Core statement built once (its compiled form is kept by identity)."""
    connection, params = await _writing(db, statement, params)
    if connection.dialect.name != "sqlite":
        if not pg_batch.batches_writes(connection.engine):
            await _write_now(connection, statement, params)  # as `write_rows` sends it
            return
        # With the next statement or the commit, joined to the rows around it
        # (community.pg_batch).
        form = _read_form(connection.dialect, statement, tuple(sorted(params)))
        pg_batch.defer(connection, pg_batch.shape_of(statement), form.sql,
                       _ordered_parameters(form, params))
        return
    sql, ordered = driver_statement(connection.dialect, statement, params)
    connection.connection.driver_connection.defer(sql, ordered)


async def _writing(db: AsyncSession, statement: Executable,
                   params: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """What a write past SQLAlchemy's execution needs: the session's unflushed objects
    flushed first (rows keep their order), the session marked as holding writes, its
    connection (SQLAlchemy's, sync) and `params` with the INSERT's column defaults."""
    if db.new or db.dirty or db.deleted:
        await db.flush()
    db.info[WROTE_LATER] = True
    connection: Any = (await connection_of(db)).sync_connection
    return connection, _with_defaults(statement, params)


async def _write_now(connection: Any, statement: Executable,
                     params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A write compiled once for these parameter names, run now on the driver."""
    form = _read_form(connection.dialect, statement, tuple(sorted(params)))
    return await _driver_rows(connection, form, params)


def driver_statement(dialect: Any, statement: Executable,
                     params: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    """`statement` as the driver runs it: its SQL (compiled once, see `_driver_form`) and
    `params` in order, converted by the column types' own processors. Pure Python: it may
    run in SQLite's connection thread (`write_later_computed`)."""
    compiled, sql = _driver_form(dialect, statement, tuple(sorted(params)))
    values = compiled.construct_params(params)
    processors = compiled._bind_processors
    return sql, tuple(processors[name](values[name]) if name in processors else values[name]
                      for name in compiled.positiontup)


async def write_later_computed(db: AsyncSession, work: Callable[[Any, Any], None]) -> bool:
    """On SQLite, writes that depend on what they read, made without a trip of their own:
    `work(dialect, connection)` runs in the connection's thread with the transaction's next
    statement or its commit, in order with the rows written later (`write_later`), on the
    sqlite3 connection (see `sqlite_driver.OneTripConnection.defer_work`). Elsewhere it does
    nothing and returns False: the caller makes its statements itself."""
    if db.get_bind().dialect.name != "sqlite":
        return False
    if db.new or db.dirty or db.deleted:
        await db.flush()
    db.info[WROTE_LATER] = True
    connection: Any = (await connection_of(db)).sync_connection
    connection.connection.driver_connection.defer_work(partial(work, connection.dialect))
    return True


_CONNECTION_KEY = "kindred_connection"


async def connection_of(db: AsyncSession) -> AsyncConnection:
    """`db.connection()`, asked of the session once per transaction: a page that runs
    several statements as Core on its session's connection paid the session's bookkeeping
    (a greenlet, its transaction's state checks) for each of them."""
    held = db.info.get(_CONNECTION_KEY)
    transaction = _innermost(db)
    if held is not None and transaction is not None and held[0] is transaction \
            and transaction.is_active:
        connection: AsyncConnection = held[1]
        return connection
    # Asked of the session when a savepoint began since: that sends its SAVEPOINT.
    connection = await db.connection()
    db.info[_CONNECTION_KEY] = (_innermost(db), connection)
    return connection


def _innermost(db: AsyncSession) -> Any:
    """The session's savepoint when one is open, else its transaction."""
    session = db.sync_session
    return session.get_nested_transaction() or session.get_transaction()


class _ReadForm(NamedTuple):
    """A SELECT compiled once for a dialect: its SQL, what converts its parameters, and
    what converts each column of its rows (None where the driver's value is the value)."""

    statement: Executable
    compiled: SQLCompiler
    sql: str
    results: tuple[tuple[int, Callable[[Any], Any]], ...]


_read_forms: dict[tuple[int, str, tuple[str, ...] | None], _ReadForm] = {}


def _read_form(dialect: Any, statement: Executable,
               keys: tuple[str, ...] | None = None) -> _ReadForm:
    """`statement` compiled once for `dialect` (an INSERT or UPDATE for the parameter names
    `keys`: the columns it sets)."""
    cache_key = (id(statement), dialect.name, keys)
    found = _read_forms.get(cache_key)
    if found is None or found.statement is not statement:
        compiled = cast(SQLCompiler, cast(ClauseElement, statement).compile(
            dialect=dialect, column_keys=None if keys is None else list(keys)))
        if (compiled.post_compile_params or compiled.positiontup is None
                or compiled.insert_prefetch or compiled.update_prefetch):
            raise ValueError(f"read_rows cannot run {statement}: it needs SQLAlchemy's execution")
        processors = ((index, _result_processor(entry.type, dialect))
                      for index, entry in enumerate(compiled._result_columns))
        results = tuple((index, convert) for index, convert in processors
                        if convert is not None)
        found = _read_forms[cache_key] = _ReadForm(statement, compiled, str(compiled), results)
    return found


def _sqlite_utc(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A DateTimeUTC column's value as SQLite returns it, as the type's own processors
    (`convert`) make it, in one call instead of three: SQLAlchemy stores it as UTC text of
    26 characters ("2026-12-07 15:14:10.123456"), which read with its offset is the same
    aware datetime (`datetime.replace`, the type's way, cost four times the parse)."""

    def read(text: Any) -> Any:
        if isinstance(text, str) and len(text) == 26:
            try:
                return datetime.fromisoformat(text + "+00:00")
            except ValueError:
                pass
        return convert(text)

    return read


def _result_processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """What converts a column's non-NULL values, None when the driver's value is the value
    (every type `read_rows` reads turns NULL into None: DateTimeUTC, Boolean, strings,
    numbers)."""
    if isinstance(type_, Float) and not type_.asdecimal:
        # A float as a float: asyncpg's processor would ask for the column's type code,
        # which only a cursor's description gives.
        return float
    convert = cast(Callable[[Any], Any] | None, type_._cached_result_processor(dialect, None))
    if convert is not None and isinstance(type_, DateTimeUTC) and dialect.name == "sqlite":
        return _sqlite_utc(convert)
    return convert


async def read_rows(db: AsyncSession, statement: Executable,
                    params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of a SELECT on `db`'s connection, in its transaction (or, in a read-only
    request, none: `reads_only`), sent to the driver without SQLAlchemy's execution path:
    compiled once (`statement` is built once, at import or under functools.cache, and must
    bind every value: no expanding IN), its parameters and columns converted by the column
    types' own processors, as SQLAlchemy's execution would. For the hottest reads of pages
    whose statements cost more in SQLAlchemy than in the database. The engine's
    `before_cursor_execute` listeners still hear it; a driver error is raised as
    SQLAlchemy's (a lost connection invalidates the pool, as it would there)."""
    connection = await _reading_connection(db)
    return await _driver_rows(connection, _read_form(connection.dialect, statement), params)


class RowsAsSent(NamedTuple):
    """The rows of a SELECT as the driver returned them (`rows`), and what converts them
    as `read_rows` would (`converted`)."""

    rows: list[Any]
    form: _ReadForm | None = None
    """None for no rows read at all."""

    def converted(self) -> list[tuple[Any, ...]]:
        """The rows as `read_rows` gives them."""
        return [] if self.form is None else _converted(self.form, self.rows)


async def read_rows_as_sent(db: AsyncSession, statement: Executable,
                            params: dict[str, Any]) -> RowsAsSent:
    """As `read_rows`, the rows left as the driver returned them until `converted()`: a page
    that keeps what it renders from them under a key made of the rows as read pays for
    converting them (the dates parsed, the flags made booleans) only when it renders afresh."""
    connection = await _reading_connection(db)
    form = _read_form(connection.dialect, statement)
    return RowsAsSent(await _driver_rows(connection, form, params, convert=False), form)


async def write_rows(db: AsyncSession, statement: Executable,
                     params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A write in `db`'s transaction whose result is read now (an INSERT's or UPDATE's
    RETURNING), sent to the driver as `read_rows` sends a SELECT: compiled once for these
    parameter names, an INSERT's column defaults filled in as SQLAlchemy would, the rows
    converted by the column types. On SQLite the rows written later (`write_later`) and a
    deferred BEGIN go with it, in order. Objects the session holds unflushed are flushed
    first; the session then commits (`holds_writes`)."""
    connection, params = await _writing(db, statement, params)
    return await _write_now(connection, statement, params)


RowsLater = Callable[[], Awaitable[list[tuple[Any, ...]]]]
"""The rows of a SELECT sent with the next statement (`read_rows_later`), awaited when needed."""


async def read_rows_later(db: AsyncSession, statement: Executable,
                          params: dict[str, Any]) -> RowsLater:
    """As `read_rows`, but on SQLite the SELECT waits on the connection and goes to its
    thread with the transaction's next statement, in the same trip (a write phase's re-check
    with its first write, so SQLite's write lock is held one trip less); the rows are
    converted when awaited, or fetched then if nothing carried it. Elsewhere it runs when
    awaited, in the order the caller reads it. Always on the session's own connection, in
    its transaction (never beside it, as `read_rows` may read in a read-only request)."""
    connection: Any = (await connection_of(db)).sync_connection
    form = _read_form(connection.dialect, statement)
    if connection.dialect.name != "sqlite":
        return partial(_driver_rows, connection, form, params)
    ordered = _ordered_parameters(form, params)
    _heard(connection, form.sql, ordered)
    driver = connection.connection.driver_connection
    read = driver.defer_read(form.sql, ordered)

    async def rows() -> list[tuple[Any, ...]]:
        if read.rows is None:
            await driver.flush()
        return _converted(form, read.rows or [])

    return rows


def _ordered_parameters(form: _ReadForm, params: dict[str, Any]) -> tuple[Any, ...]:
    compiled = form.compiled
    bound = compiled.construct_params(params)
    processors = cast(dict[str, Callable[[Any], Any]], compiled._bind_processors)
    return tuple(processors[name](bound[name]) if name in processors else bound[name]
                 for name in compiled.positiontup or ())


def _heard(connection: Any, sql: str, ordered: tuple[Any, ...]) -> None:
    """The engine's `before_cursor_execute` listeners hear a statement sent to the driver."""
    if connection._has_events or connection.engine._has_events:
        connection.dispatch.before_cursor_execute(connection, None, sql, ordered, None, False)


def _converted(form: _ReadForm, rows: list[Any]) -> list[tuple[Any, ...]]:
    if not form.results:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        values = list(row)
        for index, convert in form.results:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        converted.append(tuple(values))
    return converted


async def _driver_rows(connection: Any, form: _ReadForm, params: dict[str, Any], *,
                       convert: bool = True) -> list[Any]:
    """Run a compiled statement on the driver of `connection` (SQLAlchemy's, sync), as
    SQLAlchemy's execution would, and convert its rows (unless not to `convert`)."""
    dialect = connection.dialect
    ordered = _ordered_parameters(form, params)
    fairy = connection.connection
    if dialect.name != "sqlite":
        # After the rows written later, or with the last of them as one statement (heard
        # as sent; community.pg_batch).
        try:
            rows = await pg_batch.flush(connection, pg_batch.Pending(
                pg_batch.shape_of(form.statement), form.sql, ordered))
        except Exception as error:
            await _raise_as_sqlalchemy(connection, error, form.sql, ordered)
            raise
        return _converted(form, rows) if convert else rows
    _heard(connection, form.sql, ordered)
    try:
        cursor = fairy.driver_connection.cursor()
        await cursor.execute(form.sql, ordered)
        rows = await cursor.fetchall()
    except Exception as error:
        await _raise_as_sqlalchemy(connection, error, form.sql, ordered)
        raise
    return _converted(form, rows) if convert else rows


_READ_CONNECTION_KEY = "kindred_read_connection"
KEPT_READ_CONNECTIONS = 4
"""How many connections a process keeps between read-only requests (out of its pool)."""
_kept_reads: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()


async def _reading_connection(db: AsyncSession) -> Any:
    """The connection `read_rows` reads on: the session's own, in its transaction; or, in a
    request that only reads (`reads_only`) and before the session has begun anything, a
    connection of the request's own, kept in the session's `info` and given back with it
    (`release_read_connection`). The session's bookkeeping (its transaction, a greenlet
    each to begin and to close it) cost more than the reads of a page; such a request has
    no transaction to share (each statement is its own, community.db.reads_only), so
    reading beside the session changes nothing it sees."""
    held = db.info.get(_READ_CONNECTION_KEY)
    if held is not None:
        return held
    if not reads_only() or db.sync_session.in_transaction():
        return (await connection_of(db)).sync_connection
    engine = db.sync_session.get_bind()
    connection = await _kept_read_connection(engine)
    if connection is None:
        connection = await greenlet_spawn(engine.connect)  # type: ignore[union-attr]
        if connection.dialect.name == "postgresql":
            # What the engine's begin listener says for such a request: no BEGIN, no COMMIT
            # (it says it again for whoever takes the connection from the pool next).
            connection.connection.dbapi_connection.autocommit = True
    db.info[_READ_CONNECTION_KEY] = connection
    return connection


async def _kept_read_connection(engine: Any) -> Any:
    """A connection an earlier read-only request gave back, still as the pool would give it
    (not invalidated since, not older than the pool's recycling age), or None. Taking one
    from the pool and giving it back (the connection's and the pool's objects, their events,
    the reset with its trip through a greenlet) cost as much as a statement per request."""
    kept = _kept_reads.get(engine)
    while kept:
        connection = kept.pop()
        if _as_the_pool_would_give(engine.pool, connection):
            return connection
        await greenlet_spawn(connection.close)
    return None


def _as_the_pool_would_give(pool: Any, connection: Any) -> bool:
    if connection.closed or connection.invalidated:
        return False
    record = connection.connection._connection_record
    if record is None:
        return False
    started = record.starttime
    recycle = getattr(pool, "_recycle", -1)
    return (started >= getattr(pool, "_invalidate_time", 0)
            and not (recycle > -1 and time.time() - started > recycle))


def _idle_for_reads(connection: Any) -> bool:
    """Whether `connection` holds nothing of the request that read on it: no transaction of
    SQLAlchemy's or the driver's, nothing deferred, no statement running."""
    if connection.closed or connection.invalidated or connection.in_transaction():
        return False
    fairy = connection.connection
    if connection.dialect.name == "sqlite":
        driver = fairy.driver_connection
        return isinstance(driver, sqlite_driver.OneTripConnection) and driver.idle_for_reads()
    adapter = fairy.dbapi_connection
    driver = fairy.driver_connection
    return bool(adapter.autocommit and adapter._transaction is None
                and not adapter._execute_mutex.locked()
                and not driver.is_closed() and not driver.is_in_transaction())


async def release_read_connection(db: AsyncSession, *, keep: bool = False) -> None:
    """Give back the connection `read_rows` took for the request beside its session: `keep`
    (a response that ended normally) keeps it for the process's next read-only request when
    it is idle, up to KEPT_READ_CONNECTIONS, else it goes back to the pool."""
    connection = db.info.pop(_READ_CONNECTION_KEY, None)
    if connection is None:
        return
    if keep and _idle_for_reads(connection):
        kept = _kept_reads.setdefault(connection.engine, [])
        if len(kept) < KEPT_READ_CONNECTIONS:
            kept.append(connection)
            return

    await greenlet_spawn(connection.close)


async def close_kept_read_connections(engine: AsyncEngine) -> None:
    """Close the kept read connections (the process ends). Closed for good, not given back:
    the plugin may have disposed of the engine's pool already, and a connection given back to
    a pool disposed of stays open (on SQLite with its thread)."""

    def close(connection: Any) -> None:
        connection.invalidate()
        connection.close()

    for connection in _kept_reads.pop(engine.sync_engine, []):
        await greenlet_spawn(close, connection)


async def _raise_as_sqlalchemy(connection: Any, error: Exception, sql: str,
                               parameters: tuple[Any, ...]) -> None:
    """Raise `error` (the driver's or the DBAPI adapter's) as SQLAlchemy's execution would:
    wrapped in its DBAPIError, and a lost connection invalidated with the pool's older ones."""
    if not isinstance(error, connection.dialect.loaded_dbapi.Error):
        return

    await greenlet_spawn(connection._handle_dbapi_exception, error, sql, parameters, None,
                         None)


def dialect_insert(db: AsyncSession, target: Any) -> Any:
    """An INSERT of `target` (a mapped class or table) that can say ON CONFLICT, for the
    session's database: PostgreSQL's or SQLite's (the same clauses on both)."""
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(target)
    return sqlite.insert(target)


# SQLite only autoincrements an INTEGER PRIMARY KEY, so BIGINT falls back to it there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTimeUTC(timezone=True)}  # noqa: RUF012


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, *, pool: bool = True) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and a busy timeout."""
    kwargs: dict[str, Any] = {}
    if not pool:
        kwargs["poolclass"] = NullPool
    elif not url.startswith("sqlite"):
        # No pre-ping: with asyncpg it cost three round trips (BEGIN, a ping, ROLLBACK) per
        # checkout. A connection the server dropped fails its first statement instead;
        # SQLAlchemy then discards every connection of the pool opened before the failure,
        # so after a server restart one request per worker is answered with an error.
        kwargs.update(pool_size=10, max_overflow=10, pool_recycle=3600)
    if url.startswith("sqlite"):
        # One trip to aiosqlite's thread per statement (community.sqlite_driver).
        database = make_url(url).database or ":memory:"
        kwargs["async_creator"] = partial(sqlite_driver.connect, database)
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        sqlite_begin_listeners(engine)
    elif url.startswith("postgresql+asyncpg"):
        postgres_begin_listener(engine)
        pg_batch.listen(engine)
    return engine


def postgres_begin_listener(engine: AsyncEngine) -> None:
    """Transactions that only read run in autocommit: asyncpg's adapter then sends no BEGIN
    before the first statement and no COMMIT at the end (`reads_only`). A streamed result
    needs a server-side cursor, which PostgreSQL keeps only inside a transaction: its
    statement opens one, ended with the request's session."""

    def _begin(connection: Any) -> None:
        connection.connection.dbapi_connection.autocommit = reads_only()

    def _stream_in_transaction(connection: Any, _cursor: Any, _statement: str,
                               _parameters: Any, context: Any, _executemany: bool) -> None:
        if context is not None and context.execution_options.get("stream_results"):
            connection.connection.dbapi_connection.autocommit = False

    event.listen(engine.sync_engine, "begin", _begin)
    event.listen(engine.sync_engine, "before_cursor_execute", _stream_in_transaction)


def sqlite_begin_listeners(engine: AsyncEngine) -> None:
    """Let SQLAlchemy issue BEGIN itself so writers can take the lock up front.

    In WAL mode a deferred transaction that read first and writes later fails with
    SQLITE_BUSY when another connection committed meanwhile; busy_timeout cannot help.
    Requests that intend to write (unsafe methods, jobs) begin IMMEDIATE instead; those
    that only read (`reads_only`) issue no BEGIN: each statement is its own transaction.
    """

    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    def _begin(connection: Any) -> None:
        # Sent with the transaction's first statement, not in a trip of its own.
        if write_intent.get():
            connection.connection.driver_connection.defer("BEGIN IMMEDIATE", ())
        elif not reads_only():
            connection.connection.driver_connection.defer("BEGIN", ())

    event.listen(engine.sync_engine, "connect", _connect)
    event.listen(engine.sync_engine, "begin", _begin)
