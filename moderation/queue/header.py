"""What every page's header shows a moderator: how many crisis items are over their target."""

from __future__ import annotations

from typing import Any

from community.db import intent, utcnow
from community.web import current_user, request_state, runtime_of
from moderation.queue.crisis import overdue_crisis_count
from moderation.queue.services import (
    post_status_label,
    review_reason_label,
    review_status_label,
)
from moderation.queue.targets import kind_label

STATE_KEY = "overdue_crisis"


async def load_overdue_crisis(request: Any) -> None:
    """Litestar `before_request` hook: one indexed count, for staff only."""
    user = current_user(request)
    if user is None or not user.is_staff or request.scope.get("type") != "http":
        return
    state = request_state(request)
    if STATE_KEY in state:
        return
    runtime = runtime_of(request)
    # A read of its own, before the request's session exists: never take the write lock.
    with intent(write=False):
        async with runtime.sessionmaker() as db:
            state[STATE_KEY] = await overdue_crisis_count(db, runtime.settings, utcnow())


def overdue_crisis(request: Any) -> int:
    """The count loaded for this request (0 for everyone else)."""
    try:
        return int(request.scope.get("state", {}).get(STATE_KEY, 0))
    except AttributeError:
        return 0


def install_template_globals(env: Any) -> None:
    env.globals["overdue_crisis"] = overdue_crisis
    env.globals["reason_label"] = review_reason_label
    env.globals["status_label"] = review_status_label
    env.globals["post_status_label"] = post_status_label
    env.globals["target_kind_label"] = kind_label
