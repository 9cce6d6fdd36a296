"""`bench.run`'s two reply rows measure the reply they name whatever ran before them: the
signed-in member is established first (every reply published), and the held row's new member
is a fresh account with no published post, which the cold threads never make an author."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bench.harness import Member
from bench.run import (
    PAGES,
    Site,
    add_newcomer,
    ensure_cold_threads,
    establish_member,
    first_posts_threshold,
    targets_of,
)
from community.accounts.models import Role, User, UserRole
from community.accounts.passwords import hash_password
from community.communities.models import Membership, Post
from community.demo import DEMO_PASSWORD
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    person,
    post_status,
    reply,
    scalar,
    seed,
    start_thread,
)
from tests.helpers import Visitor


def _published_by(visitor: Visitor, username: str) -> int:
    return int(scalar(visitor, select(func.count()).select_from(Post)
                      .join(User, User.id == Post.author_id)
                      .where(User.username == username, Post.status == "published")))


def test_the_member_is_established_and_the_newcomer_stays_new_in_any_order(
    visitor: Visitor, new_visitor: Callable[[], Visitor], database_url: str
) -> None:
    seed(visitor)
    opener = person(new_visitor, "opener_br", joins=("epilepsy",), role=Role.MODERATOR)
    thread = start_thread(opener, "epilepsy", title="Seizures at night")
    member = person(new_visitor, "member_br", joins=("epilepsy",))

    async def demo_password(db: Any) -> None:
        user = await db.scalar(select(User).where(User.username == "member_br"))
        user.password_hash = await hash_password(DEMO_PASSWORD)
        await db.commit()

    db_run(visitor, demo_password)
    site = Site("", Member("member_br", "", ""), database_url)
    # A new member's first replies are held (what the bench's reply row measured by accident
    # when it ran alone).
    assert post_status(member, reply(member, thread, "Held, a first post.")) == "pending"

    newcomer = add_newcomer(site, thread)
    assert establish_member(site, thread) == first_posts_threshold()
    assert _published_by(visitor, "member_br") == first_posts_threshold()
    assert establish_member(site, thread) == 0, "established once, not again"
    assert post_status(member, reply(member, thread, "Published now.")) == "published"

    # The cold threads' authors are drawn from the communities' members: never the newcomer.
    ensure_cold_threads(site, count=30, posts=4)
    assert _published_by(visitor, newcomer) == 0

    async def roles_of(db: Any) -> set[str]:
        return set(await db.scalars(select(UserRole.role).join(User, User.id == UserRole.user_id)
                                    .where(User.username == newcomer)))

    assert db_run(visitor, roles_of) == {Role.PATIENT.value}
    assert scalar(visitor, select(func.count()).select_from(Membership)
                  .join(User, User.id == Membership.user_id)
                  .where(User.username == newcomer)) == 1
    fresh = new_visitor()
    assert fresh.login(newcomer, DEMO_PASSWORD).status_code == 303
    for _ in range(first_posts_threshold() + 1):
        assert post_status(fresh, reply(fresh, thread, "Held, a new member's.")) == "pending"
    # A second run on the same database gets another fresh member.
    assert add_newcomer(site, thread) != newcomer


def test_the_target_is_on_the_published_reply_and_both_rows_answer_to_reply() -> None:
    rows = [page for page in PAGES if "reply" in page.name.lower()]
    assert len(rows) == 2
    published, held = rows
    assert "published" in published.name and not published.as_newcomer
    assert held.as_newcomer
    assert targets_of(published.name) == {"sqlite_rps": 300, "p99": 100}
    assert targets_of(held.name) == {}
