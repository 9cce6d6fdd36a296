"""Server-side sessions: in the database by default, in Redis when one is configured.

The cookie holds 256 random bits; stores keep only its SHA-256, so a copy of the
store cannot be replayed as cookies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload

from community.accounts.models import Role, User, UserRole, UserSession
from community.accounts.viewer import Viewer
from community.db import intent, read_rows, utcnow, writing
from community.tokens import new_token, token_hash

TOUCH_EVERY = timedelta(minutes=1)


@dataclass
class SessionRecord:
    token_hash: str
    user_id: int
    privilege_version: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    client_address: str = ""
    user_agent: str = ""

    def is_live(self, now: datetime, idle: timedelta) -> bool:
        return now < self.expires_at and now - self.last_seen_at < idle


@dataclass
class SignedIn:
    """A session with its account (roles loaded; a `Viewer` when asked for plain values)
    and the extra columns asked for."""

    record: SessionRecord
    user: User | Viewer | None
    extra: tuple[Any, ...]


def _with_user(statement: Select[Any]) -> Select[Any]:
    return statement.options(joinedload(User.roles))


class _BuiltOnce:
    """A statement built once per tuple of extra columns: every request resolves its session
    with the same statement, and building one costs more than running it. Callers pass the
    same column objects each time (see notifications.unread_count_of_user)."""

    def __init__(self, build: Callable[[tuple[ColumnElement[Any], ...]], Executable]) -> None:
        self._build = build
        self._built: dict[tuple[int, ...], tuple[tuple[Any, ...], Executable]] = {}

    def __call__(self, extra: tuple[ColumnElement[Any], ...]) -> Executable:
        key = tuple(map(id, extra))
        found = self._built.get(key)
        if found is None or any(a is not b for a, b in zip(found[0], extra, strict=True)):
            if len(self._built) >= 16:
                self._built.clear()
            found = self._built[key] = (extra, self._build(extra))
        return found[1]


_session_with_user = _BuiltOnce(lambda extra: _with_user(
    select(UserSession, User, *extra)
    .outerjoin(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"))))
_user_by_id = _BuiltOnce(lambda extra: _with_user(
    select(User, *extra).where(User.id == bindparam("user_id"))))

# The same reads as plain columns, one row per role (a row with a NULL role for none).
_SESSION_COLUMNS = (UserSession.token_hash, UserSession.user_id, UserSession.privilege_version,
                    UserSession.created_at, UserSession.last_seen_at, UserSession.expires_at,
                    UserSession.client_address, UserSession.user_agent, UserSession.revoked_at)
_VIEWER_COLUMNS = (User.id, User.username, User.locale, User.privilege_version, User.is_active,
                   User.deleted_at)
_session_with_viewer = _BuiltOnce(lambda extra: (
    select(*_SESSION_COLUMNS, *_VIEWER_COLUMNS, *extra, UserRole.role)
    .outerjoin(User, User.id == UserSession.user_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(UserSession.token_hash == bindparam("token_hash"))))
_viewer_by_id = _BuiltOnce(lambda extra: (
    select(*_VIEWER_COLUMNS, *extra, UserRole.role)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(User.id == bindparam("user_id"))))


def _viewer_of(rows: Sequence[Any], start: int) -> tuple[Viewer | None, tuple[Any, ...]]:
    """The viewer in `rows[*][start:]` (the account's columns, the extra ones, the role last)
    and the extra columns; no viewer when the account is gone."""
    first = rows[0]
    if first[start] is None:
        return None, ()
    user_id, username, locale, privilege_version, is_active, deleted_at = first[start:start + 6]
    viewer = Viewer(id=user_id, username=username, locale=locale,
                    privilege_version=privilege_version, is_active=is_active,
                    deleted_at=deleted_at,
                    role_names=frozenset(Role(row[-1]) for row in rows if row[-1] is not None))
    return viewer, tuple(first[start + len(_VIEWER_COLUMNS):-1])


def _record_of(row: Any) -> SessionRecord:
    """The session in the first columns of a row of `_session_with_viewer`."""
    return SessionRecord(
        token_hash=row[0], user_id=row[1], privilege_version=row[2], created_at=row[3],
        last_seen_at=row[4], expires_at=row[5], client_address=row[6], user_agent=row[7])


async def _plain_rows(db: AsyncSession, statement: Executable,
                      parameters: dict[str, Any]) -> Sequence[Any]:
    # On the session's connection, straight to the driver: no ORM objects, no identity map,
    # not SQLAlchemy's execution path (every signed-in page that asks for a `Viewer` runs it).
    return await read_rows(db, statement, parameters)


class SessionStore(Protocol):
    """Writes take the request's `db` session when there is one: on SQLite a second
    connection would wait for the write lock that the request itself holds."""

    async def resolve(
        self, token: str, db: AsyncSession, *extra: ColumnElement[Any], plain: bool = False
    ) -> SignedIn | None:
        """The unrevoked session of `token` with its account and `extra` (columns that may
        refer to `User`), in as few statements on `db` as the store allows. `plain`: the
        account as a `Viewer` (plain values), not a `User`."""
        ...

    async def create(
        self, user_id: int, privilege_version: int, *, lifetime: timedelta, client_address: str,
        user_agent: str, db: AsyncSession | None = None,
    ) -> str: ...
    async def get(self, token: str) -> SessionRecord | None: ...
    async def touch(self, record: SessionRecord) -> None: ...
    async def revoke(self, token_hash: str, *, db: AsyncSession | None = None) -> None: ...
    async def revoke_all(
        self, user_id: int, *, keep: str | None = None, db: AsyncSession | None = None
    ) -> None: ...
    async def list_for_user(
        self, user_id: int, *, db: AsyncSession | None = None
    ) -> list[SessionRecord]: ...


def _new_record(
    user_id: int, privilege_version: int, lifetime: timedelta, client_address: str, user_agent: str
) -> tuple[str, SessionRecord]:
    token, now = new_token(), utcnow()
    record = SessionRecord(
        token_hash=token_hash(token), user_id=user_id, privilege_version=privilege_version,
        created_at=now, last_seen_at=now, expires_at=now + lifetime,
        client_address=client_address[:64], user_agent=user_agent[:255],
    )
    return token, record


class DatabaseSessionStore:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def _write(self, statement: Executable, db: AsyncSession | None = None) -> None:
        async with writing(self._sessionmaker, db) as session:
            await session.execute(statement)

    async def create(
        self, user_id: int, privilege_version: int, *, lifetime: timedelta, client_address: str,
        user_agent: str, db: AsyncSession | None = None,
    ) -> str:
        token, record = _new_record(user_id, privilege_version, lifetime, client_address, user_agent)
        await self._write(insert(UserSession).values(**asdict(record)), db)
        return token

    async def resolve(
        self, token: str, db: AsyncSession, *extra: ColumnElement[Any], plain: bool = False
    ) -> SignedIn | None:
        if plain:
            rows = await _plain_rows(db, _session_with_viewer(extra),
                                     {"token_hash": token_hash(token)})
            if not rows or rows[0][8] is not None:
                return None
            viewer, found_extra = _viewer_of(rows, len(_SESSION_COLUMNS))
            return SignedIn(_record_of(rows[0]), viewer, found_extra)
        row = (await db.execute(_session_with_user(extra),
                                {"token_hash": token_hash(token)})).unique().first()
        if row is None or row[0].revoked_at is not None:
            return None
        return SignedIn(_from_row(row[0]), row[1], tuple(row[2:]))

    async def get(self, token: str) -> SessionRecord | None:
        with intent(write=False):
            return await self._get(token)

    async def _get(self, token: str) -> SessionRecord | None:
        async with self._sessionmaker() as db:
            row = await db.get(UserSession, token_hash(token))
            if row is None or row.revoked_at is not None:
                return None
            return _from_row(row)

    async def touch(self, record: SessionRecord) -> None:
        now = utcnow()
        if now - record.last_seen_at < TOUCH_EVERY:
            return
        record.last_seen_at = now
        await self._write(
            update(UserSession)
            .where(UserSession.token_hash == record.token_hash)
            .values(last_seen_at=now)
        )

    async def revoke(self, token_hash: str, *, db: AsyncSession | None = None) -> None:
        await self._write(
            update(UserSession)
            .where(UserSession.token_hash == token_hash, UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()),
            db,
        )

    async def revoke_all(
        self, user_id: int, *, keep: str | None = None, db: AsyncSession | None = None
    ) -> None:
        statement = update(UserSession).where(
            UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
        )
        if keep:
            statement = statement.where(UserSession.token_hash != keep)
        await self._write(statement.values(revoked_at=utcnow()), db)

    async def list_for_user(
        self, user_id: int, *, db: AsyncSession | None = None
    ) -> list[SessionRecord]:
        if db is not None:
            return await self._list_for_user(user_id, db)
        with intent(write=False):
            async with self._sessionmaker() as own:
                return await self._list_for_user(user_id, own)

    async def _list_for_user(self, user_id: int, db: AsyncSession) -> list[SessionRecord]:
        rows = await db.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > utcnow(),
            )
            .order_by(UserSession.last_seen_at.desc())
        )
        return [_from_row(row) for row in rows]


def _from_row(row: UserSession) -> SessionRecord:
    return SessionRecord(
        token_hash=row.token_hash, user_id=row.user_id, privilege_version=row.privilege_version,
        created_at=row.created_at, last_seen_at=row.last_seen_at, expires_at=row.expires_at,
        client_address=row.client_address, user_agent=row.user_agent,
    )


class RedisSessionStore:
    """Sessions as Redis strings that expire by themselves, indexed per user."""

    def __init__(self, redis: Redis, prefix: str = "kindred") -> None:
        self._redis = redis
        self._prefix = prefix

    def _key(self, hashed: str) -> str:
        return f"{self._prefix}:session:{hashed}"

    def _index(self, user_id: int) -> str:
        return f"{self._prefix}:user-sessions:{user_id}"

    async def _save(self, record: SessionRecord, *, existing_only: bool = False) -> None:
        ttl = max(1, int((record.expires_at - utcnow()).total_seconds()))
        payload = json.dumps(asdict(record), default=lambda v: v.isoformat())
        # XX: a touch must not bring back a session revoked since it was read.
        await self._redis.set(self._key(record.token_hash), payload, ex=ttl,
                              xx=existing_only)

    async def create(
        self, user_id: int, privilege_version: int, *, lifetime: timedelta, client_address: str,
        user_agent: str, db: AsyncSession | None = None,
    ) -> str:
        token, record = _new_record(user_id, privilege_version, lifetime, client_address, user_agent)
        await self._save(record)
        await self._redis.sadd(self._index(user_id), record.token_hash)
        return token

    async def _load(self, hashed: str) -> SessionRecord | None:
        raw = await self._redis.get(self._key(hashed))
        if raw is None:
            return None
        data = json.loads(raw)
        for name in ("created_at", "last_seen_at", "expires_at"):
            data[name] = datetime.fromisoformat(data[name])
        return SessionRecord(**data)

    async def get(self, token: str) -> SessionRecord | None:
        return await self._load(token_hash(token))

    async def resolve(
        self, token: str, db: AsyncSession, *extra: ColumnElement[Any], plain: bool = False
    ) -> SignedIn | None:
        record = await self.get(token)
        if record is None:
            return None
        if plain:
            rows = await _plain_rows(db, _viewer_by_id(extra), {"user_id": record.user_id})
            if not rows:
                return SignedIn(record, None, ())
            viewer, found_extra = _viewer_of(rows, 0)
            return SignedIn(record, viewer, found_extra)
        row = (await db.execute(_user_by_id(extra), {"user_id": record.user_id})).unique().first()
        if row is None:
            return SignedIn(record, None, ())
        return SignedIn(record, row[0], tuple(row[1:]))

    async def touch(self, record: SessionRecord) -> None:
        now = utcnow()
        if now - record.last_seen_at < TOUCH_EVERY:
            return
        record.last_seen_at = now
        await self._save(record, existing_only=True)

    async def revoke(self, token_hash: str, *, db: AsyncSession | None = None) -> None:
        record = await self._load(token_hash)
        await self._redis.delete(self._key(token_hash))
        if record is not None:
            await self._redis.srem(self._index(record.user_id), token_hash)

    async def revoke_all(
        self, user_id: int, *, keep: str | None = None, db: AsyncSession | None = None
    ) -> None:
        members = await self._redis.smembers(self._index(user_id))
        for member in members:
            hashed = member.decode() if isinstance(member, bytes) else member
            if hashed != keep:
                await self.revoke(hashed)

    async def list_for_user(
        self, user_id: int, *, db: AsyncSession | None = None
    ) -> list[SessionRecord]:
        members = await self._redis.smembers(self._index(user_id))
        records: list[SessionRecord] = []
        for member in members:
            hashed = member.decode() if isinstance(member, bytes) else member
            record = await self._load(hashed)
            if record is None:
                await self._redis.srem(self._index(user_id), hashed)
            else:
                records.append(record)
        return sorted(records, key=lambda r: r.last_seen_at, reverse=True)
