"""PostgreSQL: the rows a transaction writes later (`community.db.write_later`) sent together.

Each statement asyncpg sends is a round trip (and, for the worker, a socket write charged
with the kernel's TCP work), so a reply's rows written one by one cost more than PostgreSQL
spent on them. Here they wait on the connection (in its pool record's `info`) until the
transaction's next statement, its commit or a savepoint, and then go in as few statements
as keep their meaning: consecutive rows become one statement of data-modifying `WITH`
clauses (`WITH w1 AS (INSERT ...), w2 AS (UPDATE ...) INSERT ...`), one round trip with
bound parameters; a statement of `community.db` whose rows are read (`read_rows`,
`write_rows`) may be the last of them, so the rows before it cost no round trip of their own.
PostgreSQL runs such clauses on one snapshot, none seeing the others'
rows, so a row joins the statement only when that changes nothing: it neither reads nor
writes a table an earlier row of the statement wrote, unless it is a plain INSERT (no
`ON CONFLICT`, no SELECT), which sees nothing. Foreign keys are checked at the end of the
statement, after every clause. A rollback drops what waits; a failing row fails the
statement or commit it went with, and the transaction with it, as on SQLite.
"""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple, cast
from weakref import WeakSet

from sqlalchemy import TableClause, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlalchemy.sql.selectable import Select, TextualSelect
from sqlalchemy.sql.util import find_tables
from sqlalchemy.sql.visitors import iterate
from sqlalchemy.util import await_only

_PENDING = "kindred_pending_writes"

_batching: WeakSet[Engine] = WeakSet()


class Shape(NamedTuple):
    """What a row written later touches: the table it writes, whether it is a plain INSERT,
    and the tables it reads."""

    writes: TableClause | None
    plain_insert: bool
    reads: frozenset[TableClause]
    opaque: bool = False  # what it reads is not known (text): it joins no earlier row


@functools.lru_cache(maxsize=4096)
def shape_of(statement: Executable) -> Shape:
    """Built once per statement (statements sent past SQLAlchemy's execution are built
    once, at import); a SELECT writes nothing and reads its tables."""
    if not isinstance(statement, UpdateBase):
        reads = frozenset(find_tables(cast(ClauseElement, statement), check_columns=True))
        opaque = not isinstance(statement, Select) or not reads or _has_text(statement)
        return Shape(None, False, reads, opaque)
    target = statement.table if isinstance(statement.table, TableClause) else None
    tables: set[TableClause] = set(find_tables(statement, include_crud=True, check_columns=True))
    plain = (isinstance(statement, Insert) and statement.select is None
             and getattr(statement, "_post_values_clause", None) is None
             and target is not None and tables == {target})
    return Shape(target, plain, frozenset(tables - ({target} if plain else set())))


def _has_text(statement: Executable) -> bool:
    """Whether SQL written as text is part of `statement` (it may read any table)."""
    return any(isinstance(element, TextClause | TextualSelect)
               for element in iterate(cast(ClauseElement, statement)))


class Pending(NamedTuple):
    shape: Shape
    sql: str
    parameters: tuple[Any, ...]


def batches_writes(engine: Engine) -> bool:
    """Whether `engine`'s rows written later wait for the next statement (`listen`)."""
    return engine in _batching


def defer(connection: Any, shape: Shape, sql: str, parameters: tuple[Any, ...]) -> None:
    """Keep a row for the transaction's next statement (`connection`: SQLAlchemy's, sync)."""
    connection.connection.info.setdefault(_PENDING, []).append(Pending(shape, sql, parameters))


_PLACEHOLDER = re.compile(r"\$(\d+)")


def _renumbered(sql: str, offset: int) -> str:
    if not offset:
        return sql
    return _PLACEHOLDER.sub(lambda found: f"${int(found.group(1)) + offset}", sql)


def _joins(batch: list[Pending], row: Pending) -> bool:
    if "'" in row.sql or row.sql.lstrip()[:4].upper() == "WITH":
        return False  # literals or a WITH of its own: sent alone, as written
    written = {pending.shape.writes for pending in batch}
    if row.shape.opaque or row.shape.reads & written:
        return False
    return row.shape.plain_insert or row.shape.writes not in written


def statements(pending: list[Pending]) -> list[tuple[str, tuple[Any, ...]]]:
    """The rows in order, as few statements as keep their meaning (the last one the last
    row's, or the statement `pending` ends with: a row whose results are read)."""
    groups: list[list[Pending]] = []
    for row in pending:
        if groups and _joins(groups[-1], row) and "'" not in groups[-1][0].sql \
                and groups[-1][0].sql.lstrip()[:4].upper() != "WITH":
            groups[-1].append(row)
        else:
            groups.append([row])
    sent = []
    for group in groups:
        if len(group) == 1:
            sent.append((group[0].sql, group[0].parameters))
            continue
        clauses: list[str] = []
        parameters: list[Any] = []
        for number, row in enumerate(group):
            sql = _renumbered(row.sql, len(parameters))
            parameters.extend(row.parameters)
            clauses.append(sql if number == len(group) - 1 else f"w{number} AS ({sql})")
        sent.append((f"WITH {', '.join(clauses[:-1])} {clauses[-1]}", tuple(parameters)))
    return sent


async def flush(connection: Any, then: Pending | None = None) -> list[Any]:
    """Send what waits on `connection` (SQLAlchemy's, sync) now, in its driver's transaction
    (begun first if the rows are all it has), and `then` after them: a statement whose rows
    are returned, sent as the last rows' statement when it may join them (else in a round
    trip of its own). The engine's `before_cursor_execute` listeners hear each statement
    sent, with no cursor."""
    record = connection.connection
    pending = record.info.pop(_PENDING, None)
    if pending:
        if then is not None:
            pending.append(then)
        sent = statements(pending)
    elif then is not None:
        sent = [(then.sql, then.parameters)]  # a read with nothing waiting: as it is
    else:
        return []
    adapter, dialect = record.dbapi_connection, connection.dialect
    heard = connection._has_events or connection.engine._has_events
    rows: list[Any] = []
    async with adapter._execute_mutex:
        if adapter._transaction is None and not adapter.autocommit:
            await adapter._start_transaction()
        for sql, parameters in sent:
            if heard:
                connection.dispatch.before_cursor_execute(connection, None, sql, parameters,
                                                          None, False)
            try:
                prepared, _attributes = await adapter._prepare(
                    sql, dialect._invalidate_schema_cache_asof)
                rows = await prepared.fetch(*parameters)
            except Exception as error:
                adapter._handle_exception(error)  # raises the DBAPI's error
                raise
    return rows


def drop(info: dict[str, Any]) -> None:
    info.pop(_PENDING, None)


def listen(engine: AsyncEngine) -> None:
    """Send the rows written later before every statement SQLAlchemy executes, before the
    commit and before a savepoint's release; drop them on a rollback."""
    sync_engine = engine.sync_engine

    def _flush(connection: Any) -> None:
        if connection.connection.info.get(_PENDING):
            try:
                await_only(flush(connection))
            except connection.dialect.loaded_dbapi.Error as error:
                # Raised as SQLAlchemy's execution raises the driver's errors.
                connection._handle_dbapi_exception(error, "", (), None, None)

    def _before_execute(connection: Any, cursor: Any, *_rest: Any) -> None:
        # A statement sent past SQLAlchemy's execution (community.db's driver statements)
        # is heard with no cursor: it flushes the rows itself, on the event loop.
        if cursor is not None:
            _flush(connection)

    def _rollback(connection: Any) -> None:
        drop(connection.connection.info)

    event.listen(sync_engine, "before_cursor_execute", _before_execute)
    event.listen(sync_engine, "commit", _flush)
    event.listen(sync_engine, "rollback", _rollback)
    event.listen(sync_engine.pool, "checkin",
                 lambda _dbapi, record: drop(record.info) if record is not None else None)
    _batching.add(sync_engine)
