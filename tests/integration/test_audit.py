"""The audit log's hash chain, and `kindred audit verify` catching tampering."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from community.audit import AuditEntry, AuditHead, record, verify
from community.cli import main
from tests.helpers import Visitor


def cli_verify(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> tuple[int, str]:
    monkeypatch.setenv("KINDRED_DATABASE_URL", database_url)
    monkeypatch.setenv("KINDRED_VAR_DIR", str(tmp_path / "cli-var"))
    result = CliRunner().invoke(main, ["audit", "verify"])
    return result.exit_code, result.output


def write_entries(visitor: Visitor, n: int) -> None:
    async def _write(runtime) -> None:  # type: ignore[no-untyped-def]
        for index in range(n):
            async with runtime.sessionmaker() as db, db.begin():
                await record(db, "test.event", actor_id=None, target_type="thing",
                             target_id=index, detail={"n": index})

    visitor.run(_write)


def tamper(visitor: Visitor, statement) -> None:  # type: ignore[no-untyped-def]
    async def _run(runtime) -> None:  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(statement)

    visitor.run(_run)


def check(visitor: Visitor):  # type: ignore[no-untyped-def]
    async def _verify(runtime):  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db:
            return await verify(db)

    return visitor.run(_verify)


def test_intact_chain_verifies(visitor: Visitor, database_url, monkeypatch, tmp_path) -> None:
    write_entries(visitor, 5)
    assert check(visitor).ok and check(visitor).checked == 5
    code, output = cli_verify(database_url, monkeypatch, tmp_path)
    assert code == 0 and "intact: 5 entries" in output


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEntry).where(AuditEntry.seq == 2).values(action="test.other"),
        update(AuditEntry).where(AuditEntry.seq == 3).values(detail={"n": 99}),
        update(AuditEntry).where(AuditEntry.seq == 4).values(actor_id=42),
        delete(AuditEntry).where(AuditEntry.seq == 3),
        delete(AuditEntry).where(AuditEntry.seq == 5),
    ],
    ids=["changed-action", "changed-detail", "changed-actor", "removed-middle", "removed-tail"],
)
def test_tampering_is_detected(visitor: Visitor, database_url, monkeypatch, tmp_path,
                               statement) -> None:
    write_entries(visitor, 5)
    tamper(visitor, statement)
    assert not check(visitor).ok
    code, output = cli_verify(database_url, monkeypatch, tmp_path)
    assert code == 1 and "BROKEN" in output


def test_reordering_is_detected(visitor: Visitor) -> None:
    write_entries(visitor, 4)
    # Swap the contents of entries 2 and 3 while keeping their positions.
    async def _swap(runtime) -> None:  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db, db.begin():
            two = await db.scalar(select(AuditEntry).where(AuditEntry.seq == 2))
            three = await db.scalar(select(AuditEntry).where(AuditEntry.seq == 3))
            for field in ("action", "target_id", "detail", "hash", "prev_hash", "at"):
                a, b = getattr(two, field), getattr(three, field)
                setattr(two, field, b)
                setattr(three, field, a)

    visitor.run(_swap)
    assert not check(visitor).ok


def test_head_tracks_the_last_entry(visitor: Visitor) -> None:
    write_entries(visitor, 3)

    async def _head(runtime):  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db:
            head = await db.get(AuditHead, 1)
            last = await db.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
            return head.seq, head.hash, last.seq, last.hash

    seq, digest, last_seq, last_hash = visitor.run(_head)
    assert (seq, digest) == (last_seq, last_hash) == (3, last_hash)
