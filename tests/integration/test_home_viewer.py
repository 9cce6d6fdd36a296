"""The personal home takes the signed-in person as plain values (`Viewer`) and their visit
times as columns of the session's statement (`community.web.account_columns`), with either
session store: each person's "new" marks follow their own visits, and a view builds no ORM
object."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from community.db import Base
from community.settings import Settings
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    person,
    reply,
    seed,
    start_thread,
)
from tests.helpers import Visitor, loaded_objects
from tests.integration.test_home import block
from tests.integration.test_home_costs import set_activity, set_visit


@pytest.fixture(params=["database", "redis"])
def settings(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> Settings:
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")  # skipped without a test Redis
        return make_settings(premoderate_first_posts=0, redis_url=redis_url,
                             redis_prefix=f"kindred-test-{uuid.uuid4().hex[:8]}")
    return make_settings(premoderate_first_posts=0)


def test_each_persons_new_marks_follow_their_own_visits_without_orm_objects(
        new_visitor: Callable[[], Visitor]) -> None:
    setup = new_visitor()
    seed(setup)
    ana = person(new_visitor, "ana_hv", joins=("lupus",))
    bo = person(new_visitor, "bo_hv", joins=("lupus",))
    thread = start_thread(ana, "lupus", title="Sun protection in summer")
    reply(bo, thread, "A wide hat works for me.")
    ana.get("/")
    bo.get("/")
    # Ana's visit started two hours ago, after the thread's last activity (three hours ago);
    # Bo last looked a day ago, so for him the thread is new.
    set_visit(setup, "ana_hv", seen_hours_ago=2)
    set_visit(setup, "bo_hv", seen_hours_ago=26)
    set_activity(setup, thread, hours_ago=3)
    ana_first, bo_first = ana.get("/").text, bo.get("/").text
    for _ in range(2):
        with loaded_objects(Base) as loaded:
            ana_page, bo_page = ana.get("/").text, bo.get("/").text
        assert loaded == [], "the person and their visit times are read as plain values"
        for page, first in ((ana_page, ana_first), (bo_page, bo_first)):
            assert block(page, "following") == block(first, "following")
        assert 'class="badge ok">new' not in block(ana_page, "following")
        assert 'class="badge ok">new' in block(bo_page, "following")
        assert "Welcome back, ana_hv" in ana_page and "Welcome back, bo_hv" in bo_page
        assert "ana_hv" not in bo_page.replace("/people/ana_hv", "")
