"""Helpers for tests/integration/test_held_content_rule.py: a screener that holds a text for
the reasons written in it, and for each held target type a way to make targets (through
the domain's own write path, in-process or over HTTP) and to see, as another member,
which of them are visible (through the pages that member reads, batched where a page
lists many). Holds no tests itself."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from community.accounts.models import Role, User, UserRole
from community.db import intent
from community.screening import AuthorContext, ScreenLabel, Verdict
from moderation.queue import services as queue
from moderation.queue.models import ReviewItem
from moderation.screening.pipeline import decide
from tests.helpers import Visitor
from tests.profiles_support import member, profile_form

MARKER = re.compile(r"REASONS\[([a-z_+]+)\]")
# Posts on one page of a thread, evaluations on a treatment's page.
PAGE = 20
COURSE = {"treatment": ["Methotrexate"], "purpose": ["Rheumatoid arthritis"],
          "started_on": ["2026-01-10"], "amount": ["15"], "unit": ["mg"], "frequency": ["weekly"]}


class PairScreener:
    """Labels come from a marker in the text: `REASONS[urgent+identifying]`; the verdict
    is the pipeline's own for those labels (`decide`: under crisis support the other label
    still holds the text or moves it off-platform)."""

    def screen(self, text: str, *, author_role: str, venue: str,
               author_context: AuthorContext | None = None) -> Verdict:
        found = MARKER.search(text)
        if not found:
            return Verdict()
        labels = tuple(ScreenLabel(name) for name in found.group(1).split("+"))
        return decide(labels)


def in_db(visitor: Visitor, work: Callable[[Any, Any], Awaitable[Any]]) -> Any:
    """`await work(db, runtime)` in one writing session of the app's database, committed."""

    async def _run(runtime: Any) -> Any:
        with intent(write=True):
            async with runtime.sessionmaker() as db:
                result = await work(db, runtime)
                await db.commit()
                return result

    return visitor.run(_run)


def query(visitor: Visitor, statement: Any) -> list[Any]:
    async def _query(db: Any, runtime: Any) -> list[Any]:
        return list((await db.execute(statement)).all())

    return in_db(visitor, _query)  # type: ignore[no-any-return]


def user_id(visitor: Visitor, username: str) -> int:
    return int(query(visitor, select(User.id).where(User.username == username))[0][0])


def items_of(visitor: Visitor, target_type: str,
             target_ids: list[int]) -> dict[int, dict[str, ReviewItem]]:
    """The review items of each target, by reason."""
    rows = query(visitor, select(ReviewItem).where(ReviewItem.target_type == target_type,
                                                   ReviewItem.target_id.in_(target_ids)))
    found: dict[int, dict[str, ReviewItem]] = {target_id: {} for target_id in target_ids}
    for (item,) in rows:
        found[item.target_id][item.reason] = item
    return found


def decide_in_process(visitor: Visitor, moderator_id: int,
                      decisions: list[tuple[int, str]]) -> None:
    """The queue's own decision (`services.perform`: transition, then `targets.settle` by
    the combined rule) for each (item id, action), in one transaction."""
    if not decisions:
        return

    async def _decide(db: Any, runtime: Any) -> None:
        actor = await db.get(User, moderator_id)
        for item_id, action in decisions:
            item = await db.get(ReviewItem, item_id)
            await queue.perform(db, actor, item_id, action, item.version)

    in_db(visitor, _decide)


def decide_over_http(moderator: Visitor, item_id: int, action: str) -> None:
    """A moderator clicks approve or reject on the item's page in the queue."""
    version = query(moderator, select(ReviewItem.version).where(ReviewItem.id == item_id))[0][0]
    response = moderator.post(f"/moderation/items/{item_id}/decide",
                              {"action": action, "version": str(version)})
    assert response.status_code == 303, response.text


def count(visitor: Visitor, statement: Any) -> int:
    return int(query(visitor, statement)[0][0])


class Kind(ABC):
    """How to make held targets of one type, and which of them another member sees."""

    target_type = ""

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        self.new_visitor = new_visitor
        self.browser = new_visitor()
        self.count = 0

    def make(self, cases: list[tuple[str, bool]]) -> list[int]:
        """Make a target of each (text, over HTTP?): over HTTP one form post each, the
        others through the same service call in one transaction; their ids in order."""
        made = {text: self.make_over_http(text) for text, http in cases if http}
        in_process = [text for text, http in cases if not http]

        async def work(db: Any, runtime: Any) -> list[int]:
            return [await self.make_in_process(db, runtime, text) for text in in_process]

        made.update(zip(in_process, in_db(self.browser, work), strict=True))
        return [made[text] for text, _http in cases]

    @abstractmethod
    def make_over_http(self, text: str) -> int:
        """Make one target through the site's forms; its id."""

    @abstractmethod
    async def make_in_process(self, db: Any, runtime: Any, text: str) -> int:
        """Make one target through its service function; its id."""

    @abstractmethod
    def visible(self, targets: dict[str, int]) -> set[str]:
        """Of {text: target id}, the texts the other member sees."""

    @abstractmethod
    def total(self, visitor: Visitor) -> int:
        """How many targets of this type are stored (nothing is ever deleted)."""

    def _next(self) -> int:
        self.count += 1
        return self.count


async def new_person(db: Any, username: str) -> User:
    """A patient account made directly (no browser needed for in-process writes)."""
    user = User(username=username, username_key=username.lower(),
                email=f"{username}@example.org", password_hash="!unusable")
    user.roles.append(UserRole(role=Role.PATIENT))
    db.add(user)
    await db.flush()
    return user


def _community(visitor: Visitor) -> None:
    from community.communities.models import Community

    async def work(db: Any, runtime: Any) -> None:
        if await db.scalar(select(Community.id).where(Community.slug == "lupus")) is None:
            db.add(Community(slug="lupus", name="Lupus", icd10="M32", condition_slug="lupus"))

    in_db(visitor, work)


class Threads(Kind):
    """The opening post of a thread (a held one hides the whole thread)."""

    target_type = "post"
    name = "thread"

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        super().__init__(new_visitor)
        _community(self.browser)
        self.author = member(new_visitor, f"{self.name}_author", "lupus")
        self.reader = member(new_visitor, f"{self.name}_reader", "lupus")
        self.author_id = user_id(self.author, f"{self.name}_author")
        self.threads: dict[int, int] = {}

    def make_over_http(self, text: str) -> int:
        from community.communities.models import Post

        response = self.author.post("/communities/lupus/threads",
                                    {"title": f"Case {self._next()}", "body": text})
        assert response.status_code == 303, response.text
        thread_id = int(response.headers["location"].rsplit("/", 1)[1])
        post_id = count(self.author, select(func.min(Post.id)).where(Post.thread_id == thread_id))
        self.threads[post_id] = thread_id
        return post_id

    async def make_in_process(self, db: Any, runtime: Any, text: str) -> int:
        from community.communities import services as communities

        author = await db.get(User, self.author_id)
        community = await communities.get_community(db, "lupus")
        thread, post = await communities.start_thread(
            db, runtime, author, community, {"title": f"Case {self._next()}", "body": text})
        self.threads[post.id] = thread.id
        return int(post.id)

    def visible(self, targets: dict[str, int]) -> set[str]:
        # The community's thread list (the newest threads come first; one page holds a
        # chunk) and each thread's own page must agree.
        listing = self.reader.get("/communities/lupus")
        assert listing.status_code == 200
        seen = set()
        for text, post_id in targets.items():
            thread_id = self.threads[post_id]
            page = self.reader.get(f"/threads/{thread_id}")
            on_page = page.status_code == 200 and text in page.text
            listed = f'href="/threads/{thread_id}"' in listing.text
            assert listed is on_page, (text, "the thread list agrees with the thread page")
            if on_page:
                seen.add(text)
        return seen

    def total(self, visitor: Visitor) -> int:
        from community.communities.models import Post

        return count(visitor, select(func.count()).select_from(Post))


class Replies(Threads):
    """A reply in a published thread; one page of the thread shows a chunk of them."""

    name = "reply"

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        super().__init__(new_visitor)
        response = self.author.post("/communities/lupus/threads",
                                    {"title": "Open thread", "body": "Hello everyone"})
        assert response.status_code == 303, response.text
        self.thread_id = int(response.headers["location"].rsplit("/", 1)[1])

    def make_over_http(self, text: str) -> int:
        response = self.author.post(f"/threads/{self.thread_id}/replies", {"body": text})
        assert response.status_code == 303, response.text
        return int(response.headers["location"].rsplit("#post-", 1)[1])

    async def make_in_process(self, db: Any, runtime: Any, text: str) -> int:
        from community.communities import services as communities

        author = await db.get(User, self.author_id)
        thread = await communities.get_thread(db, self.thread_id)
        return int((await communities.reply(db, runtime, author, thread, {"body": text})).id)

    def visible(self, targets: dict[str, int]) -> set[str]:
        after = min(targets.values()) - 1
        assert max(targets.values()) - after <= PAGE, "the chunk fits on one page"
        page = self.reader.get(f"/threads/{self.thread_id}?after={after}")
        assert page.status_code == 200
        return {text for text in targets if text in page.text}


class Messages(Kind):
    """A private message; the conversation page shows them all."""

    target_type = "message"

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        super().__init__(new_visitor)
        self.sender = member(new_visitor, "msg_sender")
        self.recipient = member(new_visitor, "msg_recipient")
        self.sender_id = user_id(self.sender, "msg_sender")
        self.recipient_id = user_id(self.sender, "msg_recipient")

    def make_over_http(self, text: str) -> int:
        from community.messages.models import Message

        response = self.sender.post("/messages/msg_recipient", {"body": text})
        assert response.status_code in (200, 303), response.text
        return count(self.sender, select(func.max(Message.id)))

    async def make_in_process(self, db: Any, runtime: Any, text: str) -> int:
        from community.messages import services as messages

        sender = await db.get(User, self.sender_id)
        recipient = await db.get(User, self.recipient_id)
        return int((await messages.send_message(db, runtime, sender, recipient, text)).message.id)

    def visible(self, targets: dict[str, int]) -> set[str]:
        page = self.recipient.get("/messages/msg_sender")
        assert page.status_code == 200
        return {text for text in targets if text in page.text}

    def total(self, visitor: Visitor) -> int:
        from community.messages.models import Message

        return count(visitor, select(func.count()).select_from(Message))


class Profiles(Kind):
    """A profile's "about" text, one person per case; each is read on the person's page."""

    target_type = "profile"

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        super().__init__(new_visitor)
        self.reader = member(new_visitor, "profile_reader")
        self.names: dict[int, str] = {}

    def make_over_http(self, text: str) -> int:
        name = f"about_{self._next()}"
        owner = member(self.new_visitor, name)
        saved = owner.post("/account/profile", profile_form(about=text, about_visibility="public"))
        assert saved.status_code in (200, 303), saved.text
        owner_id = user_id(owner, name)
        self.names[owner_id] = name
        return owner_id

    async def make_in_process(self, db: Any, runtime: Any, text: str) -> int:
        from community.profiles import services as profiles

        name = f"about_{self._next()}"
        user = await new_person(db, name)
        await profiles.save_profile(db, runtime, user,
                                    profile_form(about=text, about_visibility="public"))
        self.names[user.id] = name
        return int(user.id)

    def visible(self, targets: dict[str, int]) -> set[str]:
        seen = set()
        for text, owner_id in targets.items():
            page = self.reader.get(f"/people/{self.names[owner_id]}")
            assert page.status_code == 200
            if text in page.text:
                seen.add(text)
        return seen

    def total(self, visitor: Visitor) -> int:
        from community.profiles.models import Profile

        return count(visitor, select(func.count()).select_from(Profile).where(
            Profile.about != ""))


class Tips(Kind):
    """An evaluation's tip, one person per case; the treatment's page shows the latest
    evaluations (a chunk fits on it)."""

    target_type = "evaluation_tip"

    # Evaluations made in-process come from this many people, each with one course of the
    # treatment, in turn (a course has as many evaluations as its person writes).
    TIPPERS = 9

    def __init__(self, new_visitor: Callable[[], Visitor]) -> None:
        from outcomes.treatments import services as treatments
        from tests.integration.test_treatments import load_vocabularies

        super().__init__(new_visitor)
        self.reader = member(new_visitor, "tip_reader")
        load_vocabularies(self.reader)

        async def courses(db: Any, runtime: Any) -> list[tuple[int, int]]:
            made = []
            for number in range(self.TIPPERS):
                user = await new_person(db, f"course_tipper_{number}")
                course = await treatments.start_course(db, user, COURSE)
                made.append((user.id, course.id))
            return made

        self.courses: list[tuple[int, int]] = in_db(self.browser, courses)

    def make_over_http(self, text: str) -> int:
        from outcomes.treatments.models import Evaluation
        from tests.integration.test_treatments import add_course, evaluate

        owner = member(self.new_visitor, f"tipper_{self._next()}")
        course_id = add_course(owner)
        assert evaluate(owner, course_id, tip=text, visibility="members").status_code == 303
        return count(owner, select(func.max(Evaluation.id)))

    async def make_in_process(self, db: Any, runtime: Any, text: str) -> int:
        from outcomes.treatments import services as treatments
        from outcomes.treatments.models import TreatmentCourse
        from tests.integration.test_treatments import TODAY

        owner_id, course_id = self.courses[self._next() % self.TIPPERS]
        user = await db.get(User, owner_id)
        course = await db.scalar(
            select(TreatmentCourse).where(TreatmentCourse.id == course_id)
            .options(selectinload(TreatmentCourse.purposes)))
        form = {"evaluated_on": [TODAY], "side_effect_severity": ["mild"],
                "side_effect": ["Nausea"], "adherence": ["always"], "burden": ["a_little"],
                "cost": ["under_25"], "tip": [text], "visibility": ["members"],
                **{treatments.effect_field(p.key): ["major"] for p in course.purposes}}
        evaluation, _verdict = await treatments.submit_evaluation(db, runtime, user, course, form)
        return int(evaluation.id)

    def visible(self, targets: dict[str, int]) -> set[str]:
        page = self.reader.get("/treatments/methotrexate")
        assert page.status_code == 200
        return {text for text in targets if text in page.text}

    def total(self, visitor: Visitor) -> int:
        from outcomes.treatments.models import Evaluation

        return count(visitor, select(func.count()).select_from(Evaluation).where(
            Evaluation.tip != ""))


KINDS: dict[str, type[Kind]] = {
    "thread": Threads, "reply": Replies, "message": Messages, "profile": Profiles,
    "evaluation_tip": Tips,
}
