"""A backup taken while writers post, restored into an empty directory, passes the schema and
audit checks and holds every write acknowledged before the backup began."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.conftest import _pg_admin, _pg_url
from tests.system.conftest import (
    REPO_ROOT,
    SECRET_KEY,
    Browser,
    Server,
    base_env,
    kindred,
    migrate,
    need_postgres,
    start_thread,
)

WRITERS = 3
# Acknowledged replies to wait for before the backup starts, and after it ends.
BEFORE, AFTER = 12, 6


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    need_postgres()
    name = f"kindred_restore_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield _pg_url(name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Writers:
    """Members replying in their own threads until told to stop; every reply the site
    acknowledged (303) is kept, in order."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: list[str] = []
        self.errors: list[str] = []
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(WRITERS):
            browser = Browser(self.url, source=f"127.0.1.{number + 1}")
            browser.signup_and_login(f"writer_{number}")
            thread_id = start_thread(browser, "migraine", f"Diary {number}",
                                     f"What helps you on bad days? ({number})")
            worker = threading.Thread(target=self._write, args=(browser, number, thread_id))
            self.threads.append(worker)
            worker.start()

    def _write(self, browser: Browser, number: int, thread_id: int) -> None:
        sequence = 0
        while not self.stop.is_set():
            body = f"reply {number}-{sequence}: a cold pack and a dark room"
            response = browser.post(f"/threads/{thread_id}/replies", {"body": body})
            with self.changed:
                if response.status_code == 303:
                    self.acknowledged.append(body)
                else:
                    self.errors.append(f"{response.status_code}: {response.text[:200]}")
                self.changed.notify_all()
            sequence += 1
        browser.close()

    def wait_for(self, count: int) -> list[str]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.acknowledged) >= count or self.errors,
                                         timeout=120), "the writers stalled"
            assert not self.errors, self.errors
            return list(self.acknowledged)

    def finish(self) -> None:
        self.stop.set()
        for worker in self.threads:
            worker.join(timeout=60)


async def _reply_bodies(database_url: str) -> set[str]:
    from community.communities.models import Post
    from community.db import make_engine

    engine = make_engine(database_url, pool=False)
    try:
        async with engine.connect() as connection:
            return set((await connection.execute(select(Post.body))).scalars())
    finally:
        await engine.dispose()


async def _count_audit(database_url: str) -> int:
    from community.db import make_engine

    engine = make_engine(database_url, pool=False)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text("SELECT count(*) FROM audit_entry")))
                       .scalar_one())
    finally:
        await engine.dispose()


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(kindred(*args), env=env, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.mark.long
def test_backup_while_writing_restores_every_acknowledged_write(
    server_database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    var_dir = tmp_path / "var"
    env = base_env(server_database, var_dir)
    migrate(env, tmp_path / "migrate.log")
    (var_dir / "exports").mkdir(parents=True, exist_ok=True)
    (var_dir / "exports" / "release-1.zip").write_bytes(b"an archive a researcher awaits")
    server = Server(env, tmp_path / "server.log").start()
    writers = Writers(server.url)
    try:
        writers.start()
        before = writers.wait_for(BEFORE)
        backup = _run(env, "backup", str(tmp_path / "backup"))
        assert backup.returncode == 0, backup.stderr
        writers.wait_for(len(before) + AFTER)  # the site kept writing during and after
    finally:
        writers.finish()
        server.stop()
    assert not writers.errors, writers.errors

    target = tmp_path / "restored"
    args = ["restore", str(tmp_path / "backup"), str(target)]
    if server_database.startswith("postgresql"):
        restored_url = request.getfixturevalue("empty_postgres")
        args += ["--database-url", restored_url]
    else:
        restored_url = f"sqlite+aiosqlite:///{(target / 'kindred.db').resolve()}"
    restored = _run(env, *args)
    assert restored.returncode == 0, restored.stderr + restored.stdout
    assert "audit log intact" in restored.stdout
    assert asyncio.run(_count_audit(restored_url)) > 0

    bodies = asyncio.run(_reply_bodies(restored_url))
    assert set(before) <= bodies, set(before) - bodies
    assert (target / "secret_key").read_text() == SECRET_KEY
    assert (target / "exports" / "release-1.zip").read_bytes() == b"an archive a researcher awaits"

    # Restoring again into the same (now full) directory is refused.
    again = _run(env, "restore", str(tmp_path / "backup"), str(target))
    assert again.returncode != 0 and "not empty" in again.stderr


def test_restore_refuses_a_backup_that_was_changed(tmp_path: Path) -> None:
    database = tmp_path / "var" / "kindred.db"
    env = base_env(f"sqlite+aiosqlite:///{database}", tmp_path / "var")
    migrate(env, tmp_path / "migrate.log")
    assert _run(env, "backup", str(tmp_path / "backup")).returncode == 0
    with (tmp_path / "backup" / "database.sqlite3").open("ab") as handle:
        handle.write(b"tampered")
    restored = _run(env, "restore", str(tmp_path / "backup"), str(tmp_path / "restored"))
    assert restored.returncode != 0
    assert "changed since the backup" in restored.stderr
    assert not (tmp_path / "restored").exists()
