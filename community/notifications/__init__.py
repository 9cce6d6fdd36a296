"""In-site notifications; `install_template_globals` puts the unread count in every page."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment

UNREAD_STATE_KEY = "unread_notifications"


async def load_unread_count(request: Any) -> None:
    """Litestar `before_request` hook: one indexed count for signed-in people, none otherwise.

    The session middleware usually has it already (read with the account): then no query,
    and nothing imported (an import in a function cost microseconds on every request)."""
    scope = request.scope
    if scope.get("user") is None or scope.get("type") != "http":
        return
    state = scope.setdefault("state", {})
    if UNREAD_STATE_KEY in state:
        return
    # Here, not above: community.web imports this module.
    from community.db import intent
    from community.notifications.services import unread_count
    from community.web import runtime_of

    # A read of its own, before the request's session exists: never take the write lock.
    with intent(write=False):
        async with runtime_of(request).sessionmaker() as db:
            state[UNREAD_STATE_KEY] = await unread_count(db, scope["user"].id)


def unread_notifications(request: Any) -> int:
    """The count loaded by `load_unread_count` for this request (0 when not loaded)."""
    try:
        return int(request.scope.get("state", {}).get(UNREAD_STATE_KEY, 0))
    except AttributeError:
        return 0


def install_template_globals(env: Environment) -> None:
    env.globals["unread_notifications"] = unread_notifications
