"""The append-only, hash-chained audit log: one writer, one verifier.

Each entry's hash covers its own fields and the previous entry's hash, so changing,
removing or reordering any entry breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from community.db import (
    Base,
    BigId,
    driver_statement,
    table_of,
    utcnow,
    write_later,
    write_later_computed,
)

GENESIS = "0" * 64


class AuditHead(Base):
    """The newest entry's position, so truncating the tail is detected too.

    Its single row (id 1) is created by the first migration and locked by every writer.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: str,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor_id, action, target_type, target_id,
         detail, prev_hash],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


_HEAD = table_of(AuditHead)
_ENTRY = table_of(AuditEntry)
_HEAD_FOR_WRITING = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_ADD_ENTRY = insert(_ENTRY)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(
    seq=bindparam("new_seq"), hash=bindparam("new_hash"))


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None,
    target_type: str = "",
    target_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction; it commits or rolls back with the change.

    On SQLite the head is read, the entry chained to it and the head moved in the
    connection's thread, with the transaction's next statement or its commit (no trip of
    their own; `write_later_computed`): inside the writer's transaction, which no other
    writer shares, so nothing can come between the read and the writes. Elsewhere the head
    is read and row-locked now, and the entry and the head's move are written after."""
    entry = _Entry(at=utcnow(), actor_id=actor_id, action=action, target_type=target_type,
                   target_id=str(target_id),
                   detail=json.loads(json.dumps(detail or {}, default=str)))
    if await write_later_computed(session, entry.append_in_thread):
        return
    # The row lock serialises writers so two transactions never chain onto one predecessor.
    head = (await session.execute(_HEAD_FOR_WRITING)).one()
    added, moved = entry.chained(head.seq, head.hash)
    await write_later(session, _ADD_ENTRY, added)
    await write_later(session, _MOVE_HEAD, moved)


_READ_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1"


@dataclass(frozen=True, slots=True)
class _Entry:
    """An entry's own fields, waiting for the head it follows."""

    at: datetime
    actor_id: int | None
    action: str
    target_type: str
    target_id: str
    detail: dict[str, Any]

    def chained(self, head_seq: int,
                head_hash: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The entry's row after the head (`head_seq`, `head_hash`), and the head's move."""
        seq = head_seq + 1
        digest = entry_hash(seq=seq, at=self.at, actor_id=self.actor_id, action=self.action,
                            target_type=self.target_type, target_id=self.target_id,
                            detail=self.detail, prev_hash=head_hash)
        return ({"seq": seq, "at": self.at, "actor_id": self.actor_id, "action": self.action,
                 "target_type": self.target_type, "target_id": self.target_id,
                 "detail": self.detail, "prev_hash": head_hash, "hash": digest},
                {"new_seq": seq, "new_hash": digest})

    def append_in_thread(self, dialect: Any, connection: sqlite3.Connection) -> None:
        """In SQLite's connection thread, inside the writer's transaction: read the head,
        add the entry after it, move the head."""
        head_seq, head_hash = connection.execute(_READ_HEAD).fetchone()
        added, moved = self.chained(head_seq, head_hash)
        for statement, params in ((_ADD_ENTRY, added), (_MOVE_HEAD, moved)):
            connection.execute(*driver_statement(dialect, statement, params)).close()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""


async def _entries(session: AsyncSession) -> AsyncIterator[AuditEntry]:
    result = await session.stream_scalars(select(AuditEntry).order_by(AuditEntry.seq))
    async for entry in result:
        yield entry


async def verify(session: AsyncSession) -> VerifyResult:
    """Walk the chain; report the first entry that was changed, removed or reordered."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    async for entry in _entries(session):
        if entry.seq != expected_seq:
            return VerifyResult(False, checked, f"entry {expected_seq} is missing (found {entry.seq})")
        if entry.prev_hash != prev_hash:
            return VerifyResult(False, checked, f"entry {entry.seq} does not follow its predecessor")
        recomputed = entry_hash(
            seq=entry.seq, at=entry.at, actor_id=entry.actor_id, action=entry.action,
            target_type=entry.target_type, target_id=entry.target_id, detail=entry.detail,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            return VerifyResult(False, checked, f"entry {entry.seq} was changed after it was written")
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = (await session.execute(select(AuditHead).where(AuditHead.id == 1))).scalar_one_or_none()
    if head is None or (head.seq, head.hash) != (checked, prev_hash):
        return VerifyResult(False, checked, "entries after the last one found were removed")
    return VerifyResult(True, checked)
