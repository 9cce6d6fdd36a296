"""The one decision rule for held content, walked as a matrix: every held target type x
every pair of open reasons x the order of approvals and rejections. A target becomes
visible to others only when every reason on it was resolved in favour; rejecting any one
keeps it hidden; nothing moderated is deleted."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from community.accounts.models import Role
from community.screening import AuthorContext, ScreenLabel, Verdict
from community.settings import Settings
from moderation.queue.models import ReviewItem
from moderation.screening import decide_action
from tests.helpers import Visitor, queue_wired_app
from tests.integration.test_messages import member
from tests.integration.test_treatments import add_course, evaluate, load_vocabularies, query
from tests.profiles_support import profile_form

REASONS = ["urgent", "advice_request", "identifying", "clinician_advice", "promotion"]
PAIRS = list(itertools.combinations(REASONS, 2))
# (which reason is decided first, first decision, second decision)
SEQUENCES = [
    (first, d1, d2)
    for first in (0, 1)
    for d1, d2 in (("approve", "approve"), ("approve", "reject"), ("reject", "approve"))
]
MARKER = re.compile(r"REASONS\[([a-z_+]+)\]")


class PairScreener:
    """Labels come from a marker in the text: `REASONS[urgent+identifying]`."""

    def screen(self, text: str, *, author_role: str, venue: str,
               author_context: AuthorContext | None = None) -> Verdict:
        found = MARKER.search(text)
        if not found:
            return Verdict()
        labels = tuple(ScreenLabel(name) for name in found.group(1).split("+"))
        return Verdict(labels=labels, action=decide_action(labels))


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(premoderate_first_posts=0)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    application = queue_wired_app(settings)
    application.state.runtime.screener = PairScreener()
    return application


def _items(visitor: Visitor, target_type: str, target_id: int) -> dict[str, int]:
    rows = query(visitor, select(ReviewItem.reason, ReviewItem.id).where(
        ReviewItem.target_type == target_type, ReviewItem.target_id == target_id))
    return {reason: item_id for reason, item_id in rows}


def _decide(moderator: Visitor, item_id: int, action: str) -> None:
    version = query(moderator, select(ReviewItem.version).where(ReviewItem.id == item_id))[0][0]
    response = moderator.post(f"/moderation/items/{item_id}/decide",
                              {"action": action, "version": str(version)})
    assert response.status_code == 303, response.text


class Kind:
    """How to make one held target of a type, and how another person looks for it."""

    target_type = ""

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        self.new_visitor = new_visitor
        self.count = 0

    def make(self, text: str) -> int:
        raise NotImplementedError

    def visible(self, text: str, target_id: int) -> bool:
        raise NotImplementedError

    def total(self, visitor: Visitor) -> int:
        raise NotImplementedError


class Threads(Kind):
    """The opening post of a thread (a held one hides the whole thread)."""

    target_type = "post"

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        super().__init__(new_visitor)
        self.author = member(new_visitor, "thread_author")
        self.reader = member(new_visitor, "thread_reader")
        for person in (self.author, self.reader):
            assert person.post("/communities/lupus/join").status_code == 303

    def make(self, text: str) -> int:
        response = self.author.post("/communities/lupus/threads",
                                    {"title": f"Case {self.count}", "body": text})
        self.count += 1
        assert response.status_code == 303, response.text
        thread_id = int(response.headers["location"].rsplit("/", 1)[1])
        from community.communities.models import Post

        return int(query(self.author, select(func.min(Post.id)).where(
            Post.thread_id == thread_id))[0][0])

    def _thread_of(self, post_id: int) -> int:
        from community.communities.models import Post

        return int(query(self.author, select(Post.thread_id).where(Post.id == post_id))[0][0])

    def visible(self, text: str, target_id: int) -> bool:
        thread_id = self._thread_of(target_id)
        page = self.reader.get(f"/threads/{thread_id}")
        seen = page.status_code == 200 and text in page.text
        listed = f'href="/threads/{thread_id}"' in self.reader.get("/communities/lupus").text
        assert listed is seen, "the thread list agrees with the thread page"
        return seen

    def total(self, visitor: Visitor) -> int:
        from community.communities.models import Post

        return int(query(visitor, select(func.count()).select_from(Post))[0][0])


class Replies(Threads):
    """A reply in a published thread."""

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        super().__init__(new_visitor)
        response = self.author.post("/communities/lupus/threads",
                                    {"title": "Open thread", "body": "Hello everyone"})
        self.thread_id = int(response.headers["location"].rsplit("/", 1)[1])

    def make(self, text: str) -> int:
        response = self.author.post(f"/threads/{self.thread_id}/replies", {"body": text})
        assert response.status_code == 303, response.text
        return int(response.headers["location"].rsplit("#post-", 1)[1])

    def visible(self, text: str, target_id: int) -> bool:
        page = self.reader.get(f"/threads/{self.thread_id}?after={target_id - 1}")
        return page.status_code == 200 and text in page.text


class Messages(Kind):
    target_type = "message"

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        super().__init__(new_visitor)
        self.sender = member(new_visitor, "msg_sender")
        self.recipient = member(new_visitor, "msg_recipient")

    def make(self, text: str) -> int:
        from community.messages.models import Message

        assert self.sender.post("/messages/msg_recipient", {"body": text}).status_code in (
            200, 303)
        return int(query(self.sender, select(func.max(Message.id)))[0][0])

    def visible(self, text: str, target_id: int) -> bool:
        return text in self.recipient.get("/messages/msg_sender").text

    def total(self, visitor: Visitor) -> int:
        from community.messages.models import Message

        return int(query(visitor, select(func.count()).select_from(Message))[0][0])


class Profiles(Kind):
    """A profile's "about" text, one person per case."""

    target_type = "profile"

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        super().__init__(new_visitor)
        self.reader = member(new_visitor, "profile_reader")
        self.names: dict[int, str] = {}

    def make(self, text: str) -> int:
        from community.accounts.models import User

        name = f"about_{self.count}"
        self.count += 1
        owner = member(self.new_visitor, name)
        saved = owner.post("/account/profile", profile_form(about=text, about_visibility="public"))
        assert saved.status_code in (200, 303), saved.text
        user_id = int(query(owner, select(User.id).where(User.username == name))[0][0])
        self.names[user_id] = name
        return user_id

    def visible(self, text: str, target_id: int) -> bool:
        return text in self.reader.get(f"/people/{self.names[target_id]}").text

    def total(self, visitor: Visitor) -> int:
        from community.profiles.models import Profile

        return int(query(visitor, select(func.count()).select_from(Profile).where(
            Profile.about != ""))[0][0])


class Tips(Kind):
    """An evaluation's public tip, one person per case."""

    target_type = "evaluation_tip"

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        super().__init__(new_visitor)
        self.reader = member(new_visitor, "tip_reader")
        load_vocabularies(self.reader)

    def make(self, text: str) -> int:
        from outcomes.treatments.models import Evaluation

        owner = member(self.new_visitor, f"tipper_{self.count}")
        self.count += 1
        course_id = add_course(owner)
        assert evaluate(owner, course_id, tip=text, visibility="members").status_code == 303
        return int(query(owner, select(func.max(Evaluation.id)))[0][0])

    def visible(self, text: str, target_id: int) -> bool:
        return text in self.reader.get("/treatments/methotrexate").text

    def total(self, visitor: Visitor) -> int:
        from outcomes.treatments.models import Evaluation

        return int(query(visitor, select(func.count()).select_from(Evaluation).where(
            Evaluation.tip != ""))[0][0])


KINDS: dict[str, type[Kind]] = {
    "thread": Threads, "reply": Replies, "message": Messages, "profile": Profiles,
    "evaluation_tip": Tips,
}


def _community(visitor: Visitor) -> None:
    from community.communities.models import Community

    async def work(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            db.add(Community(slug="lupus", name="Lupus", icd10="M32", condition_slug="lupus"))
            await db.commit()

    visitor.run(work)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_target_held_for_two_reasons_is_visible_only_when_both_are_approved(
    visitor: Visitor, new_visitor: Callable[[], Visitor], kind: str
) -> None:
    _community(visitor)
    moderator = member(new_visitor, "matrix_mod", roles=(Role.MODERATOR,))
    targets = KINDS[kind](new_visitor)
    made = targets.total(visitor)
    for number, ((a, b), (first, d1, d2)) in enumerate(itertools.product(PAIRS, SEQUENCES)):
        text = f"case {number} REASONS[{a}+{b}] details"
        target_id = targets.make(text)
        made += 1
        items = _items(visitor, targets.target_type, target_id)
        assert set(items) == {a, b}, (kind, text, items)
        assert not targets.visible(text, target_id), (kind, text, "held at first")
        order = [a, b] if first == 0 else [b, a]
        _decide(moderator, items[order[0]], d1)
        assert not targets.visible(text, target_id), (
            kind, text, f"{d1} of {order[0]} alone must not publish while {order[1]} is open")
        _decide(moderator, items[order[1]], d2)
        expected = d1 == d2 == "approve"
        assert targets.visible(text, target_id) is expected, (
            kind, text, order, d1, d2)
    assert targets.total(visitor) == made, "nothing moderated is deleted"
