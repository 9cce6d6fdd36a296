"""The queue's implementation of the core's `ReviewSink`."""

from __future__ import annotations

from typing import Any

from community.screening import HeldContent, ScreenAction, ScreenLabel
from moderation.queue import services

CRISIS_CHECK = "crisis_check"


def reasons_for(content: HeldContent) -> list[str]:
    """One review item per label, and a crisis check when a crisis is possible but not
    likely; other content sent for review is a pre-moderated new member's post, or a
    scraping report when the target is a person."""
    verdict = content.verdict
    reasons = [label.value for label in verdict.labels]
    if not reasons and (verdict.action is not ScreenAction.PUBLISH
                        or not verdict.needs_crisis_check):
        reasons.append("scraping" if content.target_type == "user" else "new_member")
    if verdict.needs_crisis_check:
        reasons.append(CRISIS_CHECK)
    return reasons


class QueueReviewSink:
    def __init__(self, mailer: Any | None = None, base_url: str = "") -> None:
        # Crisis alerts go by e-mail too when a mailer is given (the app gives its own).
        self.mailer = mailer
        self.base_url = base_url

    async def open_review(self, db: Any, content: HeldContent) -> None:
        for reason in reasons_for(content):
            item, newly_open = await services.open_or_join_review(
                db,
                target_type=content.target_type,
                target_id=content.target_id,
                reason=reason,
                author_id=content.author_id,
                excerpt=content.excerpt,
                community_id=content.community_id,
            )
            if reason == ScreenLabel.URGENT and newly_open:
                await services.alert_moderators(db, item, self.mailer, self.base_url)

    async def resolve_reviews(
        self, db: Any, target_type: str, target_id: int, *, actor_id: int | None, note: str
    ) -> bool:
        return await services.resolve_for_target(db, target_type, target_id,
                                                 actor_id=actor_id, note=note)
