"""Whether a person may write anything others will see right now (moderation's penalties)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.errors import NotAllowed
from community.i18n import gettext as _
from community.runtime import Runtime


class PostingNotAllowed(NotAllowed):
    """The person is silenced or suspended; answered as 403 with the reason."""


def posting_refused() -> PostingNotAllowed:
    return PostingNotAllowed(
        _("You cannot post or send messages while a moderation penalty is in force. "
          "You can read, and you can appeal from your notifications."))


async def ensure_can_post(db: AsyncSession, runtime: Runtime, author: User) -> None:
    """Refuse writing while a penalty is in force; the rule itself lives in moderation.

    Without the hook installed `runtime.extensions` raises: nobody posts unchecked. (A
    statement of the core's own can check the same rule: `runtime.extensions.posting_allowed`
    and `posting_refused`.)"""
    if not await runtime.extensions.can_post(db, author.id):
        raise posting_refused()
