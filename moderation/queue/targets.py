"""What the queue knows about each kind of target: how to describe it and how a decision
changes it. The one place that talks to other domains' moderation functions.

A target type without an adapter is still queued and decided; its decision only changes
the review item, and the owning domain reads the item's status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.communities import services as communities
from community.i18n import gettext as _
from community.messages import services as messages
from community.profiles import services as profiles
from moderation.queue.models import ReviewItem, ReviewStatus
from outcomes.treatments import services as treatments


@dataclass(frozen=True, slots=True)
class TargetInfo:
    excerpt: str
    link: str
    author_id: int | None
    community_id: int | None = None
    # What the review page calls it ("post in “Title”", "profile of ada", ...).
    name: str = ""


Loader = Callable[[AsyncSession, int], Awaitable[TargetInfo | None]]
Applier = Callable[[AsyncSession, int, str, str, int | None], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class TargetAdapter:
    load: Loader
    # (db, target_id, decision "approve"|"reject", reason, actor_id)
    apply: Applier


# ---- posts (community.communities) ---------------------------------------------------------

# What each decision makes of a post, by the reason it was held for.
POST_STATUS_ON_APPROVE = "published"
POST_STATUS_ON_REJECT = {"advice_request": "off_platform"}


async def _load_post(db: AsyncSession, post_id: int) -> TargetInfo | None:
    post = await communities.get_post_for_moderation(db, post_id)
    if post is None:
        return None
    thread_id = getattr(post, "thread_id", None)
    link = f"/threads/{thread_id}#post-{post_id}" if thread_id else f"/posts/{post_id}"
    community_id = getattr(getattr(post, "thread", None), "community_id", None)
    title = getattr(getattr(post, "thread", None), "title", "")
    return TargetInfo(
        excerpt=str(getattr(post, "body", ""))[:500],
        link=link,
        author_id=getattr(post, "author_id", None),
        community_id=community_id,
        name=_("Post in “%(title)s”") % {"title": title} if title else _("Post"),
    )


async def _apply_post(
    db: AsyncSession, post_id: int, decision: str, reason: str, actor_id: int | None
) -> None:
    status = (
        POST_STATUS_ON_APPROVE
        if decision == "approve"
        else POST_STATUS_ON_REJECT.get(reason, "removed")
    )
    try:
        await communities.apply_moderation_decision(db, post_id, status=status,
                                                    actor_id=actor_id)
    except LookupError:
        return  # the post is gone; the decision stays on the item


async def send_off_platform_reply(
    db: AsyncSession, target_type: str, target_id: int, actor_id: int, text: str
) -> bool:
    """Post the standard reply in the thread when the communities domain offers it."""
    if target_type != "post":
        return False
    try:
        return bool(await communities.post_off_platform_reply(
            db, target_id, actor_id=actor_id, text=text))
    except LookupError:
        return False


# ---- people (scraping reports, flags on a person) -------------------------------------------


async def _load_user(db: AsyncSession, user_id: int) -> TargetInfo | None:
    user = await db.get(User, user_id)
    if user is None:
        return None
    return TargetInfo(
        excerpt=user.username, link=f"/moderation/people/{user_id}", author_id=user_id,
        name=_("Person: %(name)s") % {"name": user.username},
    )


async def _apply_nothing(
    db: AsyncSession, target_id: int, decision: str, reason: str, actor_id: int | None
) -> None:
    """People are dealt with by penalties on their page, not by the item's decision."""


# ---- education articles ----------------------------------------------------------------------


async def _load_article(db: AsyncSession, article_id: int) -> TargetInfo | None:
    from moderation.education.models import Article

    article = await db.get(Article, article_id)
    if article is None:
        return None
    return TargetInfo(
        excerpt=article.title[:500], link=f"/education/{article_id}", author_id=article.author_id,
        name=_("Article “%(title)s”") % {"title": article.title},
    )


# ---- texts held by screening elsewhere: messages, profile "about" texts, evaluation tips ----


def _decided_by(decide: Callable[..., Awaitable[None]]) -> Applier:
    """An applier that hands the decision to `decide(db, target_id, decision=...)`."""

    async def apply(
        db: AsyncSession, target_id: int, decision: str, reason: str, actor_id: int | None
    ) -> None:
        try:
            await decide(db, target_id, decision=decision)
        except LookupError:
            return  # the text is gone; the decision stays on the item

    return apply


async def _load_message(db: AsyncSession, message_id: int) -> TargetInfo | None:
    """A private message: moderators see it on the item; the link goes to its sender."""
    from community.messages.models import Message

    message = await db.get(Message, message_id)
    if message is None:
        return None
    sender = await db.get(User, message.sender_id)
    recipient = await db.get(User, message.recipient_id)
    return TargetInfo(
        excerpt=message.body[:500], link=f"/moderation/people/{message.sender_id}",
        author_id=message.sender_id,
        name=_("Private message from %(sender)s to %(recipient)s") % {
            "sender": sender.username if sender else "?",
            "recipient": recipient.username if recipient else "?"},
    )


async def _load_profile(db: AsyncSession, user_id: int) -> TargetInfo | None:
    from community.profiles.models import Profile

    profile = await db.get(Profile, user_id)
    user = await db.get(User, user_id)
    if profile is None or user is None:
        return None
    return TargetInfo(
        excerpt=(profile.about or "")[:500], link=f"/people/{user.username}", author_id=user_id,
        name=_("Profile of %(name)s (the “about” text)") % {"name": user.username},
    )


async def _load_tip(db: AsyncSession, evaluation_id: int) -> TargetInfo | None:
    from outcomes.catalog.models import Treatment
    from outcomes.treatments.models import Evaluation

    evaluation = await db.get(Evaluation, evaluation_id)
    if evaluation is None:
        return None
    treatment = await db.get(Treatment, evaluation.treatment_id)
    slug = getattr(treatment, "slug", "")
    return TargetInfo(
        excerpt=evaluation.tip[:500],
        link=f"/treatments/{slug}" if slug else f"/moderation/people/{evaluation.user_id}",
        author_id=evaluation.user_id,
        name=_("Tip in an evaluation of %(treatment)s") % {
            "treatment": getattr(treatment, "name", "?")},
    )


ADAPTERS: dict[str, TargetAdapter] = {
    "post": TargetAdapter(_load_post, _apply_post),
    "user": TargetAdapter(_load_user, _apply_nothing),
    # Articles are published through their own review; the item records the concern.
    "article": TargetAdapter(_load_article, _apply_nothing),
    "message": TargetAdapter(
        _load_message, _decided_by(messages.apply_moderation_decision)),
    "profile": TargetAdapter(
        _load_profile, _decided_by(profiles.apply_moderation_decision)),
    "evaluation_tip": TargetAdapter(
        _load_tip, _decided_by(treatments.apply_tip_decision)),
}

# What members may flag through /flags (messages have their own "report" button).
FLAGGABLE = frozenset({"post", "user", "article", "evaluation_tip"})


def kind_label(target_type: str) -> str:
    """What a target is, in the reader's language ("post", "private message")."""
    return {
        "post": _("post"), "user": _("person"), "article": _("article"),
        "message": _("private message"), "profile": _("profile"),
        "evaluation_tip": _("evaluation tip"),
    }.get(target_type, target_type)


async def load(db: AsyncSession, target_type: str, target_id: int) -> TargetInfo | None:
    adapter = ADAPTERS.get(target_type)
    return await adapter.load(db, target_id) if adapter else None


async def apply(
    db: AsyncSession,
    target_type: str,
    target_id: int,
    decision: str,
    reason: str,
    actor_id: int | None,
) -> None:
    adapter = ADAPTERS.get(target_type)
    if adapter is not None:
        await adapter.apply(db, target_id, decision, reason, actor_id)


# What a rejection makes of a target, by the reasons rejected: removal outranks moving a
# personal-advice request off-platform.
def _rejected_reason(reasons: list[str]) -> str:
    others = [r for r in reasons if r != "advice_request"]
    return others[0] if others else reasons[0]


async def combined_decision(
    db: AsyncSession, target_type: str, target_id: int
) -> tuple[str, str] | None:
    """The one rule for held content: (decision, reason) over every item on the target, or
    None while it must stay as it is. Any rejected reason keeps it hidden ("reject"); it is
    released ("approve") only when no reason is pending and at least one was approved (an
    ignored reason neither releases nor blocks)."""
    rows = (await db.execute(
        select(ReviewItem.reason, ReviewItem.status).where(
            ReviewItem.target_type == target_type, ReviewItem.target_id == target_id)
    )).all()
    rejected = [row.reason for row in rows if row.status == ReviewStatus.REJECTED]
    if rejected:
        return "reject", _rejected_reason(sorted(rejected))
    if any(row.status == ReviewStatus.PENDING for row in rows):
        return None
    approved = [row.reason for row in rows if row.status == ReviewStatus.APPROVED]
    return ("approve", approved[0]) if approved else None


async def settle(
    db: AsyncSession, target_type: str, target_id: int, actor_id: int | None
) -> str | None:
    """Apply the combined decision of every item on the target; returns it (or None)."""
    decision = await combined_decision(db, target_type, target_id)
    if decision is None:
        return None
    await apply(db, target_type, target_id, decision[0], decision[1], actor_id)
    return decision[0]


def link(target_type: str, target_id: int) -> str:
    """Where a person goes to see the target, without loading it."""
    return {
        "post": f"/posts/{target_id}/history",
        "user": f"/moderation/people/{target_id}",
        "article": f"/education/{target_id}",
    }.get(target_type, "")
