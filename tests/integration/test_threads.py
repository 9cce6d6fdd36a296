"""Threads and posts: who sees what, held and deleted posts, edits, ids that are not yours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role
from community.audit import AuditEntry
from community.communities.models import PostVersion, Thread
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    opening_post,
    person,
    post_status,
    reply,
    reviews,
    scalar,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor

MEMBERS_BODY = "Members only words about fatigue"
PUBLIC_BODY = "Public words about sunscreen"


@dataclass
class Cast:
    signed_out: Visitor
    author: Visitor
    member: Visitor
    other_member: Visitor  # a member of another community only
    moderator: Visitor
    admin: Visitor
    members_thread: int
    public_thread: int


@pytest.fixture
def cast(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> Cast:
    seed(visitor)
    author = person(new_visitor, "author_amy", joins=("lupus",))
    members_thread = start_thread(author, "lupus", title="Flares and fatigue", body=MEMBERS_BODY)
    public_thread = start_thread(author, "lupus", title="Sun tips", body=PUBLIC_BODY,
                                 audience="public")
    return Cast(
        signed_out=visitor, author=author,
        member=person(new_visitor, "member_mo", joins=("lupus",)),
        other_member=person(new_visitor, "other_ola", joins=("migraine",)),
        moderator=person(new_visitor, "mod_mia", role=Role.MODERATOR),
        admin=person(new_visitor, "admin_ada", role=Role.ADMIN),
        members_thread=members_thread, public_thread=public_thread,
    )


READERS = ["author", "member", "moderator", "admin"]
OUTSIDERS = ["signed_out", "other_member"]


def test_the_post_page_itself_gives_outsiders_nothing_of_a_members_thread(cast: Cast) -> None:
    """The posts query no longer filters by thread readability in SQL: the service checks it
    (as well as the route), so no caller can read a members-only thread's posts by mistake."""
    from community.accounts.models import User
    from community.communities import services

    async def _pages(runtime):  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db:
            seen = {}
            for username in ("other_ola", "member_mo"):
                viewer = await db.scalar(select(User).where(User.username == username))
                thread, membership = await services.get_thread_and_membership(
                    db, viewer, cast.members_thread)
                page = await services.read_post_page(db, viewer, thread, membership)
                posts = await services.with_texts(db, page.facts())
                seen[username] = [post.body_html for post in posts]  # type: ignore[attr-defined]
            anonymous_thread = await services.get_thread(db, cast.members_thread)
            page = await services.read_post_page(db, None, anonymous_thread, None)
            posts = await services.with_texts(db, page.facts())
            seen["signed out"] = [post.body_html for post in posts]  # type: ignore[attr-defined]
            return seen

    seen = cast.member.run(_pages)
    # What a card shows: the HTML stored when the post was written.
    assert seen == {"other_ola": [], "member_mo": [f"<p>{MEMBERS_BODY}</p>\n"], "signed out": []}


def test_the_thread_and_its_posts_read_together_are_what_each_read_alone_gives(
    cast: Cast,
) -> None:
    """`read_thread_page` (on PostgreSQL one statement) gives each viewer (signed out, an
    outsider, a member, the author, a moderator) the thread, their membership, draft and
    follow, and the posts and reactions they may see, as the thread's read and the post
    page's read give them one after the other; none of a members-only thread's posts to an
    outsider, nothing for a thread that is not there."""
    from community.accounts.models import User
    from community.communities import services

    second = reply(cast.author, cast.members_thread, "A second post, for the page after.")
    first = opening_post(cast.author, cast.members_thread)
    assert cast.member.post(f"/posts/{second}/react", {"kind": "hugs"}).status_code == 303
    assert cast.member.post(f"/threads/{cast.members_thread}/follow").status_code == 303

    async def _reads(runtime):  # type: ignore[no-untyped-def]
        seen = {}
        async with runtime.sessionmaker() as db:
            for username in ("other_ola", "member_mo", "author_amy", "mod_mia", None):
                viewer = (await db.scalar(select(User).where(User.username == username))
                          if username else None)
                for thread_id in (cast.members_thread, cast.public_thread):
                    for after in (None, first):
                        as_read, page = await services.read_thread_page(
                            db, viewer, thread_id, after=after)
                        alone = await services.get_thread_as_read(db, viewer, thread_id)
                        assert alone.thread is not None
                        alone_page = await services.read_post_page(
                            db, viewer, alone.thread, alone.membership, after=after)
                        assert page is not None
                        assert as_read == alone
                        assert page.facts() == alone_page.facts()
                        assert page.reacted() == alone_page.reacted()
                        assert page.next_cursor == alone_page.next_cursor
                        assert page.shown() == alone_page.shown()
                        seen[username, thread_id, after] = (
                            [f.id for f in page.facts()], page.reacted(), as_read.following)
            assert await services.read_thread_page(db, None, 10**9) == (
                services.ThreadAsRead(None), None)
        return seen

    seen = cast.member.run(_reads)
    members = cast.members_thread
    assert seen["other_ola", members, None] == ([], set(), False)
    assert seen[None, members, None] == ([], set(), False)
    assert seen["member_mo", members, None] == ([first, second], {(second, "hugs")}, True)
    assert seen["member_mo", members, first] == ([second], {(second, "hugs")}, True)
    assert seen["author_amy", members, first] == ([second], set(), True)
    assert seen["mod_mia", members, None] == ([first, second], set(), False)


def test_members_only_thread_shows_only_its_title_to_outsiders(cast: Cast) -> None:
    for role in READERS + OUTSIDERS:
        who: Visitor = getattr(cast, role)
        page = who.get(f"/threads/{cast.members_thread}")
        assert page.status_code == 200, role
        assert "Flares and fatigue" in page.text, f"everyone learns the thread exists: {role}"
        assert (MEMBERS_BODY in page.text) == (role in READERS), role
        listing = who.get("/communities/lupus").text
        assert "Flares and fatigue" in listing, role
        assert ("author_amy" in listing.split("Flares and fatigue")[1].split("</li>")[0]) == (
            role in READERS), role


def test_public_thread_is_readable_by_everyone(cast: Cast) -> None:
    for role in READERS + OUTSIDERS:
        page = getattr(cast, role).get(f"/threads/{cast.public_thread}")
        assert page.status_code == 200 and PUBLIC_BODY in page.text, role
        if role == "signed_out":
            assert 'name="robots"' not in page.text, "public threads may be indexed"


def test_members_only_thread_is_not_indexed(cast: Cast) -> None:
    assert 'content="noindex"' in cast.signed_out.get(f"/threads/{cast.members_thread}").text


def test_replies_inherit_the_audience(cast: Cast) -> None:
    reply(cast.member, cast.members_thread, "A reply only members read")
    reply(cast.member, cast.public_thread, "A reply everyone reads")
    assert "A reply only members read" not in cast.signed_out.get(
        f"/threads/{cast.members_thread}").text
    assert "A reply only members read" not in cast.other_member.get(
        f"/threads/{cast.members_thread}").text
    assert "A reply everyone reads" in cast.signed_out.get(f"/threads/{cast.public_thread}").text


def test_outsiders_cannot_reply_or_start_threads(cast: Cast) -> None:
    assert cast.other_member.post(f"/threads/{cast.members_thread}/replies",
                                  {"body": "let me in"}).status_code == 403
    assert cast.other_member.post(f"/threads/{cast.public_thread}/replies",
                                  {"body": "let me in"}).status_code == 403
    assert cast.signed_out.post(f"/threads/{cast.public_thread}/replies",
                                {"body": "anon"}).status_code == 401
    assert cast.other_member.get("/communities/lupus/threads/new").status_code == 403
    assert cast.other_member.post("/communities/lupus/threads",
                                  {"title": "x", "body": "y"}).status_code == 403
    assert cast.signed_out.get("/communities/lupus/threads/new").status_code == 303


def test_held_reply_is_seen_by_its_author_and_staff_only(cast: Cast) -> None:
    post_id = reply(cast.author, cast.public_thread, "My neighbour HOLDME lives at number 4")
    assert post_status(cast.author, post_id) == "pending"
    for role in READERS + OUTSIDERS:
        text = getattr(cast, role).get(f"/threads/{cast.public_thread}").text
        assert ("HOLDME" in text) == (role in ("author", "moderator", "admin")), role
        if role == "author":
            assert "Waiting for review" in text
    held = reviews(cast.author)[-1]
    assert held.target_id == post_id and held.verdict.labels


def test_held_opening_post_hides_the_thread(cast: Cast) -> None:
    thread_id = start_thread(cast.author, "lupus", title="Thread about HOLDME", body="HOLDME text",
                             audience="public")
    assert scalar(cast.author, select(Thread.status).where(Thread.id == thread_id)) == "pending"
    for outsider in (cast.signed_out, cast.member, cast.other_member):
        assert outsider.get(f"/threads/{thread_id}").status_code == 404
        assert "Thread about HOLDME" not in outsider.get("/communities/lupus").text
    assert cast.author.get(f"/threads/{thread_id}").status_code == 200
    assert cast.moderator.get(f"/threads/{thread_id}").status_code == 200
    assert cast.member.post(f"/threads/{thread_id}/replies", {"body": "hi"}).status_code == 404


def test_advice_request_moves_off_platform_and_crisis_shows_help(cast: Cast) -> None:
    advice = reply(cast.author, cast.public_thread, "ADVICEME should I double my dose?")
    assert post_status(cast.author, advice) == "off_platform"
    page = cast.author.get(f"/threads/{cast.public_thread}").text
    assert "only your own clinician can give" in page
    assert "ADVICEME" not in cast.member.get(f"/threads/{cast.public_thread}").text
    crisis = reply(cast.author, cast.public_thread, "CRISISME I cannot go on")
    assert post_status(cast.author, crisis) == "pending", "hidden until a moderator decides"
    assert "CRISISME" not in cast.member.get(f"/threads/{cast.public_thread}").text
    assert "You are not alone" in cast.author.get(f"/threads/{cast.public_thread}").text
    assert "You are not alone" not in cast.member.get(f"/threads/{cast.public_thread}").text
    assert [r.target_id for r in reviews(cast.author)][-2:] == [advice, crisis]


def test_author_delete_hides_but_keeps(cast: Cast) -> None:
    post_id = reply(cast.author, cast.public_thread, "Second thoughts about this one")
    assert cast.author.post(f"/posts/{post_id}/delete").status_code == 303
    assert post_status(cast.author, post_id) == "author_deleted"
    for reader in (cast.signed_out, cast.member, cast.other_member):
        assert "Second thoughts" not in reader.get(f"/threads/{cast.public_thread}").text
    assert "Deleted by its author" in cast.moderator.get(f"/threads/{cast.public_thread}").text
    assert "You deleted this post" in cast.author.get(f"/threads/{cast.public_thread}").text
    assert cast.author.get(f"/posts/{post_id}/edit").status_code == 403


def test_edit_keeps_every_version_for_author_and_moderators(cast: Cast) -> None:
    post_id = reply(cast.author, cast.public_thread, "First wording")
    assert cast.author.get(f"/posts/{post_id}/edit").status_code == 200
    assert cast.author.post(f"/posts/{post_id}/edit", {"body": "Second wording"}).status_code == 303
    assert cast.author.post(f"/posts/{post_id}/edit", {"body": "Third wording"}).status_code == 303
    assert scalar(cast.author, select(func.count()).select_from(PostVersion)
                  .where(PostVersion.post_id == post_id)) == 3
    page = cast.member.get(f"/threads/{cast.public_thread}").text
    assert "Third wording" in page and "First wording" not in page
    for who in (cast.author, cast.moderator):
        history = who.get(f"/posts/{post_id}/history")
        assert history.status_code == 200
        assert all(w in history.text for w in ("First wording", "Second wording", "Third wording"))
    edited = cast.author.post(f"/posts/{post_id}/edit", {"body": "Now with HOLDME"})
    assert edited.status_code == 303 and post_status(cast.author, post_id) == "pending", \
        "edits are screened too"
    assert scalar(cast.author, select(func.count()).select_from(AuditEntry)
                  .where(AuditEntry.action == "post.edited")) == 3


def test_nobody_edits_deletes_or_reads_history_of_anothers_post(cast: Cast) -> None:
    post_id = opening_post(cast.author, cast.members_thread)
    for role in ("member", "other_member", "signed_out", "moderator"):
        who: Visitor = getattr(cast, role)
        expected = 401 if role == "signed_out" else 404
        assert who.post(f"/posts/{post_id}/edit", {"body": "pwned"}).status_code == expected, role
        assert who.post(f"/posts/{post_id}/delete").status_code == expected, role
        if role != "signed_out":
            assert who.get(f"/posts/{post_id}/edit").status_code == 404, role
        history = who.get(f"/posts/{post_id}/history")
        if role == "moderator":
            assert history.status_code == 200
        else:
            assert history.status_code == (303 if role == "signed_out" else 404), role
            assert MEMBERS_BODY not in history.text, role
        assert post_status(cast.author, post_id) == "published", role
        assert MEMBERS_BODY in cast.member.get(f"/threads/{cast.members_thread}").text, role


def test_body_limits_are_refused_with_a_message(cast: Cast) -> None:
    deep = cast.author.post(f"/threads/{cast.public_thread}/replies", {"body": ">" * 10_000})
    assert deep.status_code == 400 and "nested at most" in deep.text
    huge = cast.author.post(f"/threads/{cast.public_thread}/replies", {"body": "a" * 20_001})
    assert huge.status_code == 400 and "too long" in huge.text
    empty = cast.author.post("/communities/lupus/threads", {"title": "", "body": " "})
    assert empty.status_code == 400 and "Give your thread a title" in empty.text
    nested_list = "\n".join("  " * i + "- item" for i in range(200))
    assert cast.author.post(f"/threads/{cast.public_thread}/replies",
                            {"body": nested_list}).status_code == 400
