"""Many processes, one truth: two `kindred serve` processes on one PostgreSQL and one Redis
share sessions, lockouts, the anonymous budget and posts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tests.system.conftest import Browser, Server, base_env, migrate, need_redis, start_thread

ANONYMOUS_BUDGET = 10


@pytest.fixture
def two_servers(fresh_postgres: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    need_redis()
    env = base_env(fresh_postgres, tmp_path / "var",
                   KINDRED_REDIS_URL=REDIS_URL,
                   KINDRED_REDIS_PREFIX=f"kindred-sys-{uuid.uuid4().hex[:10]}",
                   KINDRED_ANONYMOUS_REQUESTS_PER_MINUTE=str(ANONYMOUS_BUDGET))
    migrate(env, tmp_path / "migrate.log")
    a = Server(env, tmp_path / "a.log")
    b = Server(env, tmp_path / "b.log")
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.mark.long
def test_two_processes_share_one_truth(two_servers: tuple[Server, Server]) -> None:
    a, b = two_servers
    # Each scenario comes from its own loopback address: its own anonymous budget.
    # A session made on A is valid on B.
    on_a = Browser(a.url, source="127.0.0.2")
    on_a.signup_and_login("roaming_person")
    on_b = Browser(b.url, source="127.0.0.2", cookies=on_a.client.cookies)
    account = on_b.get("/account")
    assert account.status_code == 200, account.status_code
    assert "roaming_person" in account.text

    # A public thread written on A is readable on B at once, signed in or not.
    thread_id = start_thread(on_a, "multiple-sclerosis", "Cooling vests in summer",
                             "Which cooling vest works for you in the heat?")
    assert "Which cooling vest works" in on_b.get(f"/threads/{thread_id}").text
    stranger = Browser(b.url, source="127.0.0.3")
    assert "Which cooling vest works" in stranger.get(f"/threads/{thread_id}").text

    # Sign-in failures split over A and B lock the account on both.
    attacker_a = Browser(a.url, source="127.0.0.4")
    attacker_b = Browser(b.url, source="127.0.0.4")
    owner = Browser(a.url, source="127.0.0.5")
    assert owner.register("locked_person").status_code == 303
    for attempt in range(5):  # Settings.login_max_failures_per_account
        target = attacker_a if attempt % 2 == 0 else attacker_b
        assert target.login("locked_person", "not the password at all").status_code == 400
    assert Browser(b.url, source="127.0.0.6").login("locked_person").status_code == 429
    assert Browser(a.url, source="127.0.0.6").login("locked_person").status_code == 429

    # The anonymous budget is one budget across both processes.
    anon_a = Browser(a.url, source="127.0.0.7")
    anon_b = Browser(b.url, source="127.0.0.7")
    answers = [(anon_a if n % 2 == 0 else anon_b).get("/communities").status_code
               for n in range(ANONYMOUS_BUDGET)]
    assert answers == [200] * ANONYMOUS_BUDGET, answers
    assert anon_a.get("/communities").status_code == 429
    assert anon_b.get("/communities").status_code == 429
    # Signed-in people are exempt; other addresses keep their own budget.
    assert on_b.get("/communities").status_code == 200
    assert Browser(a.url, source="127.0.0.8").get("/communities").status_code == 200
