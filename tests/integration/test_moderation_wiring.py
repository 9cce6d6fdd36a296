"""The queue plugged into the core as app.py will: posts held by screening reach the
queue, and decisions taken there change the posts (kept, never deleted)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from community.accounts.models import Role
from community.communities.models import Post
from community.settings import Settings
from moderation.queue.models import ReviewItem
from tests.communities_support import (
    opening_post,
    person,
    post_status,
    scalar,
    seed,
    start_thread,
)
from tests.helpers import Visitor, queue_wired_app
from tests.integration.test_moderation_queue import decide


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(premoderate_first_posts=0)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return queue_wired_app(settings)


def test_held_post_is_reviewed_and_published_from_the_queue(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    community = _first_community(visitor)
    author = person(new_visitor, "held_hana", joins=(community,))
    reader = person(new_visitor, "reader_rui", joins=(community,))
    moderator = person(new_visitor, "mod_mia", role=Role.MODERATOR)
    thread = start_thread(author, community, title="About my GP", body="HOLDME Dr Smith said")
    post = opening_post(author, thread)
    assert post_status(author, post) == "pending"
    item = scalar(visitor, select(ReviewItem).where(ReviewItem.target_id == post))
    assert (item.target_type, item.reason, item.status) == ("post", "identifying", "pending")
    queue = moderator.get("/moderation")
    assert "HOLDME Dr Smith said" in queue.text
    assert reader.get(f"/threads/{thread}").status_code == 404
    detail = moderator.get(f"/moderation/items/{item.id}")
    assert f'href="/threads/{thread}#post-{post}"' in detail.text
    assert decide(moderator, item.id, "approve", note="A public figure").status_code == 303
    assert post_status(author, post) == "published"
    assert reader.get(f"/threads/{thread}").status_code == 200


def test_advice_request_stays_off_platform_when_rejected(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    community = _first_community(visitor)
    author = person(new_visitor, "asking_ada", joins=(community,))
    moderator = person(new_visitor, "mod_max", role=Role.MODERATOR)
    thread = start_thread(author, community, title="Dose?", body="ADVICEME should I stop?")
    post = opening_post(author, thread)
    assert post_status(author, post) == "off_platform"
    item_id = scalar(visitor, select(ReviewItem.id).where(ReviewItem.reason == "advice_request"))
    assert decide(moderator, item_id, "reject").status_code == 303
    assert post_status(author, post) == "off_platform"
    assert scalar(visitor, select(func.count()).select_from(Post)) == 1


def _first_community(visitor: Visitor) -> str:
    from community.communities.models import Community

    return str(scalar(visitor, select(Community.slug).order_by(Community.id).limit(1)))
