"""System fixtures: real `kindred serve` processes (granian, one worker) on free loopback ports.

Follows tests/browser/conftest.py: a database migrated with `kindred db upgrade` (plus any
table the migrations lag behind on), `kindred serve` in its own process group, /healthz
polled until it answers. PostgreSQL and Redis tests skip locally when
KINDRED_TEST_POSTGRES_URL / KINDRED_TEST_REDIS_URL are missing (CI=true refuses to run
without them: see tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import POSTGRES_URL, REDIS_URL, _pg_admin, _pg_url
from tests.helpers import STRONG_PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "system-test-secret-key-0123456789abcdef0123"
SERVER_START_SECONDS = 30
START_SECONDS_PER_EXTRA_WORKER = 30  # workers start one after another on a loaded machine


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kindred(*args: str) -> list[str]:
    return [sys.executable, "-c", "from community.cli import main; main()", *args]


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def base_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KINDRED_")}
    env.update({
        "KINDRED_DATABASE_URL": database_url,
        "KINDRED_VAR_DIR": str(var_dir),
        "KINDRED_SECRET_KEY": SECRET_KEY,
        "KINDRED_ENV": "development",
        "KINDRED_ANONYMOUS_REQUESTS_PER_MINUTE": "100000",
        "KINDRED_VIEWS_PER_WINDOW": "100000",
        # New accounts' first posts would wait for a moderator; these tests read them at once.
        "KINDRED_PREMODERATE_FIRST_POSTS": "0",
        "KINDRED_RESEARCH_WORKER": "off",
    })
    env.update(extra)
    return env


async def _complete_schema(database_url: str) -> list[str]:
    """Create the tables the models have and the migrations lack (and the audit head row)."""
    from sqlalchemy import func, insert, inspect, select

    from community.app import load_all_models
    from community.audit import AuditHead
    from community.db import make_engine

    metadata = load_all_models()
    engine = make_engine(database_url, pool=False)
    try:
        async with engine.begin() as connection:
            present = set(await connection.run_sync(
                lambda sync: inspect(sync).get_table_names()))
            await connection.run_sync(metadata.create_all)
            if not await connection.scalar(select(func.count()).select_from(AuditHead)):
                await connection.execute(insert(AuditHead).values(id=1, seq=0, hash="0" * 64))
    finally:
        await engine.dispose()
    return [table.name for table in metadata.sorted_tables if table.name not in present]


def migrate(env: dict[str, str], log: Path) -> None:
    with log.open("a") as out:
        result = subprocess.run(kindred("db", "upgrade"), env=env, cwd=REPO_ROOT, stdout=out,
                                stderr=subprocess.STDOUT, timeout=120, check=False)
    missing = asyncio.run(_complete_schema(env["KINDRED_DATABASE_URL"]))
    if result.returncode != 0:
        sys.stderr.write(f"\n[system] WARNING: `kindred db upgrade` failed:\n{tail(log)}\n")
    elif missing:
        sys.stderr.write("\n[system] WARNING: the migrations lack tables the models have; "
                         f"created from the models: {', '.join(missing)}\n")


@dataclass
class Server:
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    workers: int = 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        env = {**self.env, "KINDRED_BASE_URL": self.url}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                kindred("serve", "--host", "127.0.0.1", "--port", str(self.port),
                        "--workers", str(self.workers)),
                env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        allowed = SERVER_START_SECONDS + START_SECONDS_PER_EXTRA_WORKER * (self.workers - 1)
        deadline = time.monotonic() + allowed
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kindred serve exited with {self.process.returncode}:\n"
                                   f"{tail(self.log)}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"kindred serve was not healthy after {allowed}s:\n"
                           f"{tail(self.log)}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown hooks, no flushing."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


class Browser:
    """One person over real HTTP: a cookie jar, CSRF tokens, forms. `source` picks the
    loopback address the connections come from (each has its own anonymous budget)."""

    def __init__(self, base_url: str, *, source: str = "127.0.0.1",
                 cookies: httpx.Cookies | None = None, timeout: float = 15.0) -> None:
        self.source = source
        self.client = httpx.Client(
            base_url=base_url, follow_redirects=False, timeout=timeout,
            transport=httpx.HTTPTransport(local_address=source), cookies=cookies,
        )

    def close(self) -> None:
        self.client.close()

    def csrf(self) -> str:
        token = self.client.cookies.get("csrftoken")
        if not token:
            self.client.get("/login")
            token = self.client.cookies.get("csrftoken")
        assert token, "the site did not set a CSRF cookie"
        return token

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post(url, data={**(data or {}), "_csrf_token": self.csrf()})

    def register(self, username: str) -> httpx.Response:
        return self.post("/register", {"username": username, "email": f"{username}@example.org",
                                       "password": STRONG_PASSWORD})

    def login(self, username: str, password: str = STRONG_PASSWORD) -> httpx.Response:
        return self.post("/login", {"identifier": username, "password": password})

    def signup_and_login(self, username: str) -> None:
        response = self.register(username)
        assert response.status_code == 303, (response.status_code, response.text[:500])
        response = self.login(username)
        assert response.status_code == 303, (response.status_code, response.text[:500])


def start_thread(browser: Browser, slug: str, title: str, body: str,
                 audience: str = "public") -> int:
    joined = browser.post(f"/communities/{slug}/join")
    assert joined.status_code in (303, 409), joined.text[:500]
    response = browser.post(f"/communities/{slug}/threads",
                            {"title": title, "body": body, "audience": audience,
                             "kind": "discussion"})
    assert response.status_code == 303, (response.status_code, response.text[:800])
    match = re.fullmatch(r"/threads/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def need_postgres() -> None:
    if not POSTGRES_URL:
        pytest.skip("KINDRED_TEST_POSTGRES_URL is not set")


def need_redis() -> None:
    if not REDIS_URL:
        pytest.skip("KINDRED_TEST_REDIS_URL is not set")


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """An empty PostgreSQL database of its own (migrated by the test's `kindred db upgrade`)."""
    need_postgres()
    name = f"kindred_sys_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield _pg_url(name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def server_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for a live server: a SQLite file, or PostgreSQL when set."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'kindred.db'}"
        return
    yield request.getfixturevalue("fresh_postgres")
