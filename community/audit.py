"""The append-only, hash-chained audit log: one writer, one verifier.

Each entry's hash covers its own fields and the previous entry's hash, so changing,
removing or reordering any entry breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from community.db import Base, BigId, table_of, utcnow, write_later

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

    The head is read (and locked) now; the entry and the head's move are written with the
    transaction's next statement (`write_later`: one trip on SQLite)."""
    # The row lock serialises writers so two transactions never chain onto one predecessor.
    head = (await session.execute(_HEAD_FOR_WRITING)).one()
    seq, prev_hash = head.seq + 1, head.hash
    at = utcnow()
    clean_detail = json.loads(json.dumps(detail or {}, default=str))
    entry_digest = entry_hash(
        seq=seq, at=at, actor_id=actor_id, action=action, target_type=target_type,
        target_id=str(target_id), detail=clean_detail, prev_hash=prev_hash,
    )
    await write_later(session, _ADD_ENTRY, {
        "seq": seq, "at": at, "actor_id": actor_id, "action": action,
        "target_type": target_type, "target_id": str(target_id), "detail": clean_detail,
        "prev_hash": prev_hash, "hash": entry_digest})
    await write_later(session, _MOVE_HEAD, {"new_seq": seq, "new_hash": entry_digest})


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
