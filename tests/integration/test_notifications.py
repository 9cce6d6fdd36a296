"""Notifications: replies, reactions, mentions and moderation outcomes; the count; mark read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from sqlalchemy import select

from community.communities.services import apply_moderation_decision
from community.notifications import UNREAD_STATE_KEY, unread_notifications
from community.notifications.models import Notification
from community.notifications.services import notify
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    opening_post,
    person,
    reply,
    scalar,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor


def _texts(visitor: Visitor, username: str) -> list[str]:
    from community.accounts.models import User

    async def _load(db: Any) -> list[str]:
        user_id = await db.scalar(select(User.id).where(User.username == username))
        return list(await db.scalars(select(Notification.text)
                                     .where(Notification.user_id == user_id)
                                     .order_by(Notification.id)))

    return db_run(visitor, _load)  # type: ignore[no-any-return]


def test_replies_reactions_and_mentions_notify(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    author = person(new_visitor, "nina_author", joins=("fibromyalgia",))
    friend = person(new_visitor, "fred_friend", joins=("fibromyalgia",))
    person(new_visitor, "olga_outsider", joins=("copd",))
    thread = start_thread(author, "fibromyalgia", title="Pacing tips")
    reply(author, thread, "Adding a note to my own thread")  # no self-notification
    post_id = reply(friend, thread, "Great tips @nina_author, and @olga_outsider should see")
    assert friend.post(f"/posts/{post_id}/react", {"kind": "hugs"}).status_code == 403
    assert author.post(f"/posts/{post_id}/react", {"kind": "hugs"}).status_code == 303
    texts = _texts(visitor, "nina_author")
    # One reply, one notification: being mentioned in it says more than "replied".
    assert texts == ["fred_friend mentioned you in “Pacing tips”"]
    assert _texts(visitor, "olga_outsider") == [], "a mention must not leak a members-only thread"
    assert _texts(visitor, "fred_friend") == ["nina_author sent you hugs in “Pacing tips”"]


def test_notifications_page_count_and_mark_read(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    author = person(new_visitor, "pat_page", joins=("lupus",))
    other = person(new_visitor, "quinn_other", joins=("lupus",))
    thread = start_thread(author, "lupus", title="Morning stiffness")
    reply(other, thread, "Same for me")
    reply(other, thread, "And warm showers help")
    assert visitor.get("/notifications").status_code == 303, "signed out goes to sign in"
    page = author.get("/notifications")
    assert page.status_code == 200 and page.text.count("quinn_other replied") == 2
    assert "Mark all as read" in page.text
    theirs = scalar(visitor, select(Notification.id).where(Notification.text.like("%replied%"))
                    .limit(1))
    assert other.post("/notifications/read", {"id": str(theirs)}).status_code == 303
    assert scalar(visitor, select(Notification.read_at).where(Notification.id == theirs)) is None, \
        "someone else's id changes nothing"
    assert author.post("/notifications/read", {"id": str(theirs)}).status_code == 303
    assert scalar(visitor, select(Notification.read_at).where(Notification.id == theirs))
    partial = author.post("/notifications/read", {}, htmx=True)
    assert partial.status_code == 200 and "<html" not in partial.text
    assert "Mark all as read" not in author.get("/notifications").text


def test_moderation_outcome_and_unread_count_helper(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    author = person(new_visitor, "ray_mod", joins=("hiv",))
    thread = start_thread(author, "hiv", title="Undetectable", audience="public")
    post_id = opening_post(author, thread)

    async def _decide(db: Any) -> None:
        post = await apply_moderation_decision(db, post_id, status="removed", actor_id=None)
        await notify(db, post.author_id, "moderation", text="Your post was removed.",
                     link=f"/threads/{thread}")
        await notify(db, post.author_id, "moderation", text="Evil", link="https://evil.example")

    db_run(visitor, _decide)
    assert visitor.get(f"/threads/{thread}").status_code == 404
    page = author.get("/notifications").text
    assert "Your post was removed." in page and "evil.example" not in page

    class FakeRequest:
        scope: ClassVar[dict[str, dict[str, int]]] = {"state": {UNREAD_STATE_KEY: 2}}

    assert unread_notifications(FakeRequest()) == 2


def test_unread_count_hook_loads_the_count_for_signed_in_people(make_settings: Any) -> None:
    import httpx
    from litestar import Request, get
    from litestar.testing import TestClient

    from community.app import create_app
    from community.notifications import install_template_globals, load_unread_count

    seen: list[int] = []

    @get("/_unread_probe")
    async def probe(request: Request[Any, Any, Any]) -> str:
        # What the lead wires as the app's before_request hook, then the Jinja global.
        await load_unread_count(request)
        seen.append(request.app.state.jinja.globals["unread_notifications"](request))
        return "ok"

    application = create_app(make_settings(premoderate_first_posts=0))
    application.register(probe)
    install_template_globals(application.state.jinja)
    with TestClient(application, base_url="http://testserver.local") as client:
        anonymous = Visitor(client)
        seed(anonymous)
        author = person(lambda: Visitor(client, httpx.Cookies()), "hook_author", joins=("lupus",))
        friend = person(lambda: Visitor(client, httpx.Cookies()), "hook_friend", joins=("lupus",))
        thread = start_thread(author, "lupus", title="Counting")
        reply(friend, thread, "One")
        reply(friend, thread, "Two")
        assert author.get("/_unread_probe").status_code == 200
        assert anonymous.get("/_unread_probe").status_code == 200
    assert seen == [2, 0]


def test_notify_each_once_per_person_in_their_language_unless_turned_off(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    """The batch writer of a reply's fan-out keeps `notify`'s rules: one notification per
    person however often they are listed, none for whoever turned the kind off, each text in
    the person's own language, only same-site links."""
    from community.accounts.models import User
    from community.i18n import gettext
    from community.notifications.models import NotificationPreference
    from community.notifications.services import notify_each

    seed(visitor)
    for name in ("ann_each", "boris_each", "carl_each"):
        person(new_visitor, name, joins=("fibromyalgia",))

    async def _fan_out(db: Any) -> int:
        people = {u.username: u for u in await db.scalars(
            select(User).where(User.username.like("%_each")))}
        people["boris_each"].locale = "ru"
        db.add(NotificationPreference(user_id=people["carl_each"].id, kind="reply",
                                      delivery="off"))
        await db.flush()
        listed = [people["ann_each"], people["boris_each"], people["ann_each"],
                  people["carl_each"]]
        return await notify_each(db, listed, "reply", text=lambda: gettext("Notifications"),
                                 link="//elsewhere.example/x")

    assert db_run(visitor, _fan_out) == 2
    assert _texts(visitor, "ann_each") == ["Notifications"]
    assert _texts(visitor, "boris_each") == ["Уведомления"]
    assert _texts(visitor, "carl_each") == []

    async def _links(db: Any) -> list[str]:
        return list(await db.scalars(select(Notification.link).where(
            Notification.text.in_(["Notifications", "Уведомления"]))))

    assert db_run(visitor, _links) == ["", ""]
