"""What the queue knows about each kind of target: how to describe it and how a decision
changes it. The one place that talks to other domains' moderation functions.

A target type without an adapter is still queued and decided; its decision only changes
the review item, and the owning domain reads the item's status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.communities import services as communities
from community.messages import services as messages
from community.profiles import services as profiles
from outcomes.treatments import services as treatments


@dataclass(frozen=True, slots=True)
class TargetInfo:
    excerpt: str
    link: str
    author_id: int | None
    community_id: int | None = None


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
    return TargetInfo(
        excerpt=str(getattr(post, "body", ""))[:500],
        link=link,
        author_id=getattr(post, "author_id", None),
        community_id=community_id,
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
    """Whether the standard reply was delivered in place. No target type has an in-thread
    reply (the string lookup this replaced named a function that never existed), so the
    caller notifies the author instead."""
    return False


# ---- people (scraping reports, flags on a person) -------------------------------------------


async def _load_user(db: AsyncSession, user_id: int) -> TargetInfo | None:
    user = await db.get(User, user_id)
    if user is None:
        return None
    return TargetInfo(
        excerpt=user.username, link=f"/moderation/people/{user_id}", author_id=user_id
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
        excerpt=article.title[:500], link=f"/education/{article_id}", author_id=article.author_id
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


async def _load_nothing(db: AsyncSession, target_id: int) -> TargetInfo | None:
    """Private texts: the queue shows the excerpt kept on the item, nothing more."""
    return None


ADAPTERS: dict[str, TargetAdapter] = {
    "post": TargetAdapter(_load_post, _apply_post),
    "user": TargetAdapter(_load_user, _apply_nothing),
    # Articles are published through their own review; the item records the concern.
    "article": TargetAdapter(_load_article, _apply_nothing),
    "message": TargetAdapter(
        _load_nothing, _decided_by(messages.apply_moderation_decision)),
    "profile": TargetAdapter(
        _load_nothing, _decided_by(profiles.apply_moderation_decision)),
    "evaluation_tip": TargetAdapter(
        _load_nothing, _decided_by(treatments.apply_tip_decision)),
}

# What members may flag through /flags (messages have their own "report" button).
FLAGGABLE = frozenset({"post", "user", "article"})


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


def link(target_type: str, target_id: int) -> str:
    """Where a person goes to see the target, without loading it."""
    return {
        "post": f"/posts/{target_id}/history",
        "user": f"/moderation/people/{target_id}",
        "article": f"/education/{target_id}",
    }.get(target_type, "")
