"""Conversation in a thread, over HTTP: @mention suggestions among the thread's readers and
what the author is told about names that reach nobody; quoting a post (never a held one);
previewing through the same sanitiser without saving; and a server-side draft per person and
thread that comes back, is private to its owner, goes when the reply is posted, and goes with
the account."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

from litestar import Litestar
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.communities.models import Post, ReplyDraft
from community.notifications.models import Notification
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
from tests.helpers import STRONG_PASSWORD, Visitor
from tests.integration.test_flash import status_region

__all__ = ["app", "settings"]

SLUG = "multiple-sclerosis"


def mentions_of(visitor: Visitor, username: str) -> int:
    user_id = scalar(visitor, select(User.id).where(User.username == username))
    return int(scalar(visitor, select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.kind == "mention")))


def suggested(visitor: Visitor, thread_id: int, prefix: str) -> list[str]:
    answer = visitor.get(f"/threads/{thread_id}/mentions?q={prefix}", htmx=True)
    assert answer.status_code == 200 and "<html" not in answer.text
    return re.findall(r'role="option"[^>]*data-username="([^"]+)"', answer.text)


def reply_box(page: str) -> str:
    match = re.search(r'<textarea id="reply-body"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "the page has no reply box"
    return html.unescape(match.group(1))


def drafts_of(visitor: Visitor, username: str) -> list[str]:
    async def load(db: Any) -> list[str]:
        user_id = await db.scalar(select(User.id).where(User.username == username))
        return list(await db.scalars(select(ReplyDraft.body).where(ReplyDraft.user_id == user_id)))

    return db_run(visitor, load)  # type: ignore[no-any-return]


def posts_in(visitor: Visitor, thread_id: int) -> int:
    return int(scalar(visitor, select(func.count()).select_from(Post)
                      .where(Post.thread_id == thread_id)))


def test_mention_quote_preview_draft_and_post(new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_conv", joins=(SLUG,))
    bob = person(new_visitor, "bob_conv", joins=(SLUG,))
    person(new_visitor, "bea_quiet", joins=(SLUG,))  # a member who never posted
    dee = person(new_visitor, "bea_outside", joins=("epilepsy",))
    start_thread(dee, "epilepsy", title="Elsewhere", body="I post elsewhere only.")
    thread = start_thread(ana, SLUG, title="Cooling vests", body="Do **cooling vests** help?")
    bob_post = reply(bob, thread, "Mine does.\n\nEspecially in July.")

    # Suggestions: readers who have shown themselves in the community, never the reader
    # themself, never someone who cannot read the thread, never a silent member.
    assert suggested(ana, thread, "b") == ["bob_conv"]
    assert suggested(ana, thread, "BOB") == ["bob_conv"]
    assert suggested(ana, thread, "a") == []
    assert suggested(bob, thread, "an") == ["ana_conv"]
    assert suggested(ana, thread, "%") == [] and suggested(ana, thread, "b_") == []
    page = ana.get(f"/threads/{thread}/mentions?q=b")
    assert page.status_code == 200 and 'href="/people/bob_conv"' in page.text
    assert dee.get(f"/threads/{thread}/mentions?q=b", htmx=True).status_code == 404
    assert new_visitor().get(f"/threads/{thread}/mentions?q=b").status_code == 303

    # Preview: the same Markdown and sanitiser as a post; nothing is saved; names that reach
    # nobody are said before posting. Without JavaScript the page comes back with the text.
    typed = "**Cooling** helps @bob_conv, @bea_outside and @nobody_here <script>x()</script>"
    preview = ana.post(f"/threads/{thread}/preview", {"body": typed}, htmx=True)
    assert preview.status_code == 200 and "<html" not in preview.text
    assert "<strong>Cooling</strong>" in preview.text and "<script>" not in preview.text
    assert "@bea_outside, @nobody_here will not be told" in preview.text
    plain = ana.post(f"/threads/{thread}/preview", {"body": typed, "preview": "1"})
    assert plain.status_code == 200 and "<strong>Cooling</strong>" in plain.text
    assert reply_box(plain.text) == typed
    refused = ana.post(f"/threads/{thread}/preview", {"body": ">" * 500}, htmx=True)
    assert "nested at most" in refused.text
    assert posts_in(ana, thread) == 2 and drafts_of(ana, "ana_conv") == []
    assert dee.post(f"/threads/{thread}/preview", {"body": "x"}, htmx=True).status_code == 404
    assert ana.post(f"/communities/{SLUG}/threads/preview",
                    {"title": "T", "body": "_new_ thread"}, htmx=True).text.count("<em>new</em>") == 1
    new_page = ana.post(f"/communities/{SLUG}/threads/preview",
                        {"title": "Kept title", "body": "_new_ thread", "preview": "1"})
    assert 'value="Kept title"' in new_page.text and "<em>new</em>" in new_page.text
    assert dee.post(f"/communities/{SLUG}/threads/preview", {"body": "x"}).status_code == 403

    # A draft: autosaved (htmx), back on the next visit, private to its owner.
    saved = ana.post(f"/threads/{thread}/draft", {"body": "Half a thought about @bo"}, htmx=True)
    assert saved.status_code == 200 and "Draft saved." in saved.text
    again = ana.get(f"/threads/{thread}").text
    assert reply_box(again) == "Half a thought about @bo" and "is back in the reply box" in again
    assert "Half a thought" not in bob.get(f"/threads/{thread}").text
    assert "Half a thought" not in new_visitor().get(f"/threads/{thread}").text
    too_long = ana.post(f"/threads/{thread}/draft", {"body": "x" * 20_001}, htmx=True)
    assert "too long" in too_long.text and drafts_of(ana, "ana_conv") == [
        "Half a thought about @bo"]
    assert dee.post(f"/threads/{thread}/draft", {"body": "mine"}, htmx=True).status_code == 404
    kept = ana.post(f"/threads/{thread}/draft", {"body": "A fuller thought", "save_draft": "1"})
    assert kept.status_code == 303 and kept.headers["location"] == f"/threads/{thread}#reply-form"
    assert "Your draft is saved" in status_region(ana.get(f"/threads/{thread}").text)

    # Quote: as Markdown for the box (htmx), a passage of it, or the page with the draft and
    # the whole post quoted (no JavaScript). A held post is never quoted, even by its author.
    link = f"/threads/{thread}?after={bob_post - 1}#post-{bob_post}"
    quoted = ana.get(f"/threads/{thread}/quote/{bob_post}", htmx=True)
    assert quoted.headers["content-type"].startswith("text/plain")
    assert quoted.text == f"> [bob\\_conv wrote:]({link})\n>\n> Mine does.\n>\n> Especially in July.\n\n"
    passage = ana.get(f"/threads/{thread}/quote/{bob_post}?text=Especially", htmx=True).text
    assert passage.endswith("> Especially\n\n") and "Mine does" not in passage
    quote_page = ana.get(f"/threads/{thread}/quote/{bob_post}")
    assert reply_box(quote_page.text) == f"A fuller thought\n\n{quoted.text}"
    thread_page = ana.get(f"/threads/{thread}").text
    assert f'href="/threads/{thread}/quote/{bob_post}#reply-body"' in thread_page
    held = reply(bob, thread, "HOLDME my neighbour's address")
    for viewer in (ana, bob):
        assert viewer.get(f"/threads/{thread}/quote/{held}", htmx=True).status_code == 404
        assert viewer.get(f"/threads/{thread}/quote/{held}").status_code == 404
    assert dee.get(f"/threads/{thread}/quote/{bob_post}").status_code == 404
    assert ana.get(f"/threads/{thread + 1}/quote/{bob_post}").status_code == 404

    # Posting: said once; names that reach nobody are named; the draft is gone, and a late
    # autosave of the same text does not bring it back. A mention inside a quote is someone
    # else's words: it tells nobody again.
    body = (f"{quoted.text}Yes @bob_conv, and @bea_quiet too; "
            "@bea_outside and @nobody_here will not hear of it")
    posted = ana.post(f"/threads/{thread}/replies", {"body": body})
    assert posted.status_code == 303
    confirmation = status_region(ana.get(posted.headers["location"].split("#")[0]).text)
    assert "Your reply is posted." in confirmation
    assert "@bea_outside, @nobody_here will not be told" in confirmation
    assert drafts_of(ana, "ana_conv") == []
    assert ana.post(f"/threads/{thread}/draft", {"body": body}, htmx=True).status_code == 200
    assert drafts_of(ana, "ana_conv") == [] and reply_box(ana.get(f"/threads/{thread}").text) == ""
    assert (mentions_of(ana, "bob_conv"), mentions_of(ana, "bea_quiet")) == (1, 1)
    assert mentions_of(ana, "bea_outside") == 0
    in_place = bob.post(f"/threads/{thread}/replies",
                        {"body": "> Yes @bob_conv, and @bea_quiet too\n\nThanks @bea_outside"},
                        htmx=True)
    assert in_place.status_code == 200
    assert re.search(r'id="reply-status" hx-swap-oob="innerHTML"><p class="alert ok">'
                     r"Your reply is posted\. @bea_outside will not be told", in_place.text)
    assert (mentions_of(ana, "bob_conv"), mentions_of(ana, "bea_quiet")) == (1, 1)

    # The no-JavaScript "Discard the draft".
    assert ana.post(f"/threads/{thread}/draft", {"body": "Second go"}, htmx=True).status_code == 200
    gone = ana.post(f"/threads/{thread}/draft", {"body": "Second go", "discard": "1"})
    assert gone.status_code == 303 and drafts_of(ana, "ana_conv") == []
    assert "Your draft is discarded." in status_region(ana.get(f"/threads/{thread}").text)


def test_drafts_are_private_kept_in_the_archive_and_go_with_the_account(
    app: Litestar, new_visitor: Callable[[], Visitor]
) -> None:
    seed(new_visitor())
    owner = new_visitor()
    owner.signup_and_login("dora_draft")
    assert owner.post(f"/communities/{SLUG}/join").status_code == 303
    other = person(new_visitor, "otto_draft", joins=(SLUG,))
    moderator = person(new_visitor, "mo_draft", role=Role.MODERATOR)
    thread = start_thread(other, SLUG, title="Heat and fatigue")
    assert owner.post(f"/threads/{thread}/draft", {"body": "Dora's unsent words"},
                      htmx=True).status_code == 200
    assert other.post(f"/threads/{thread}/draft", {"body": "Otto's unsent words"},
                      htmx=True).status_code == 200
    for viewer, own, foreign in ((owner, "Dora", "Otto"), (other, "Otto", "Dora")):
        page = viewer.get(f"/threads/{thread}").text
        assert reply_box(page) == f"{own}'s unsent words" and foreign not in page
    staff_page = moderator.get(f"/threads/{thread}").text
    assert "unsent words" not in staff_page and reply_box(staff_page) == ""

    archive = owner.post("/account/data/download")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        drafts = json.loads(files.read("kindred-data/drafts.json"))
    assert [(d["thread_title"], d["body"]) for d in drafts] == [
        ("Heat and fatigue", "Dora's unsent words")]

    deleted = owner.post("/account/delete", {"posts": "keep", "password": STRONG_PASSWORD,
                                             "confirm": "yes"})
    assert deleted.status_code == 200, deleted.text
    assert scalar(other, select(func.count()).select_from(ReplyDraft)) == 1
    assert drafts_of(other, "otto_draft") == ["Otto's unsent words"]
