"""The seams through which outcomes and moderation plug into the core, as one typed object.

`community.app` builds an `Extensions` with every hook and installs it on the runtime at
start-up; `check_extensions` refuses a missing hook or one whose parameters differ from its
protocol, so the app does not start rather than run without, say, the penalty check. The
core reads hooks as attributes (`runtime.extensions.can_post`), never by a string, and a
runtime with no extensions installed refuses instead of allowing (see `Runtime.extensions`).

Hooks (supplied by -> used by):

- `can_post(db, user_id)`: moderation's penalties -> `community.posting.ensure_can_post`
- `posting_allowed(user_id, now)`: the same rule as a SQL condition on a user id column or
  parameter at `now` -> a reply's write phase, which checks it in the statement that reads
  the thread again (`community.communities.services.write_reply`)
- `reopen_if_suspension_over(db, user_id)`: moderation -> sign-in
- `notice_context(verdict, community_slug, locale, *, text, icd10)`: moderation -> notices
- `profile_extras(db, *, viewer, subject)`: clinician vetting -> the profile page
- `most_reported_treatments(db, condition_slug)`: outcomes' reports -> community pages
- `like_me_signals`, each `signal(db, *, viewer, candidate_ids)`: outcomes -> like me
- `account_deletion_hooks`, each `hook(db, user_id, *, keep_posts)`: moderation -> deletion
- `home_blocks`, each `block(db, home)`: outcomes', moderation's and research's blocks -> the
  home page
- `background_jobs`, each a `BackgroundJob` (`job(runtime)` is one pass): moderation's
  suspension expiry and research's export worker -> the app's lifespan (`community.background`)
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.background import BackgroundJob
from community.home import HomeBlock, HomeContext
from community.profiles.extras import ProfileExtras

if TYPE_CHECKING:
    from community.runtime import Runtime


class ExtensionError(RuntimeError):
    """A hook is missing or does not take the parameters its protocol names."""


class CanPost(Protocol):
    async def __call__(self, db: AsyncSession, user_id: int) -> bool: ...


class PostingAllowed(Protocol):
    """`CanPost` as SQL: true when the person `user_id` may write at `now` (both are SQL
    expressions, say bind parameters), to put in a statement of the core's own."""

    def __call__(self, user_id: ColumnElement[int],
                 now: ColumnElement[datetime]) -> ColumnElement[bool]: ...


class ReopenIfSuspensionOver(Protocol):
    async def __call__(self, db: AsyncSession, user_id: int) -> bool: ...


class NoticeContext(Protocol):
    def __call__(self, verdict: Any, community_slug: str | None, locale: str, *,
                 text: str = "", icd10: str | None = None, country: str | None = None,
                 crisis_published: bool = False) -> dict[str, Any]: ...


class ProfileExtrasHook(Protocol):
    async def __call__(
        self, db: AsyncSession, *, viewer: User | None, subject: User
    ) -> ProfileExtras | None: ...


class MostReportedTreatments(Protocol):
    async def __call__(self, db: AsyncSession, condition_slug: str) -> Sequence[Any]: ...


class LikeMeSignal(Protocol):
    async def __call__(
        self, db: AsyncSession, *, viewer: User, candidate_ids: list[int]
    ) -> Mapping[int, tuple[float, str]]: ...


class HomeBlockHook(Protocol):
    async def __call__(self, db: AsyncSession, home: HomeContext) -> HomeBlock | None: ...


class DeletionHook(Protocol):
    async def __call__(self, db: AsyncSession, user_id: int, *, keep_posts: bool) -> None: ...


class BackgroundPass(Protocol):
    async def __call__(self, runtime: Runtime) -> int: ...


@dataclass(frozen=True)
class Extensions:
    """Every hook the core calls; the single ones are required (no defaults)."""

    can_post: CanPost
    posting_allowed: PostingAllowed
    reopen_if_suspension_over: ReopenIfSuspensionOver
    notice_context: NoticeContext
    profile_extras: ProfileExtrasHook
    most_reported_treatments: MostReportedTreatments
    like_me_signals: tuple[LikeMeSignal, ...] = ()
    account_deletion_hooks: tuple[DeletionHook, ...] = ()
    home_blocks: tuple[HomeBlockHook, ...] = ()
    background_jobs: tuple[BackgroundJob, ...] = ()


PROTOCOLS: dict[str, type] = {
    "can_post": CanPost,
    "posting_allowed": PostingAllowed,
    "reopen_if_suspension_over": ReopenIfSuspensionOver,
    "notice_context": NoticeContext,
    "profile_extras": ProfileExtrasHook,
    "most_reported_treatments": MostReportedTreatments,
    "like_me_signals": LikeMeSignal,
    "account_deletion_hooks": DeletionHook,
    "home_blocks": HomeBlockHook,
    "background_jobs": BackgroundPass,
}
# Hooks that are objects, not bare functions: the core reads more than their call.
KINDS: dict[str, type] = {"background_jobs": BackgroundJob}


def check_extensions(extensions: Extensions) -> None:
    """Raise `ExtensionError` unless every hook is present and takes its protocol's parameters."""
    for spec in fields(extensions):
        value = getattr(extensions, spec.name)
        hooks = value if isinstance(value, tuple) else (value,)
        for hook in hooks:
            kind = KINDS.get(spec.name)
            if kind is not None and not isinstance(hook, kind):
                raise ExtensionError(
                    f"extension {spec.name!r}: {hook!r} is not a {kind.__name__}")
            _check_hook(spec.name, hook, PROTOCOLS[spec.name])


def _check_hook(name: str, hook: Any, protocol: type) -> None:
    if hook is None or not callable(hook):
        raise ExtensionError(f"extension {name!r} is missing: the app will not start without it")
    wanted = list(inspect.signature(protocol.__call__).parameters.values())[1:]  # minus self
    try:
        offered = inspect.signature(hook).parameters
    except (TypeError, ValueError) as exc:
        raise ExtensionError(f"extension {name!r}: {hook!r} has no inspectable signature") from exc
    for parameter in wanted:
        match = offered.get(parameter.name)
        if match is None or match.kind != parameter.kind:
            raise ExtensionError(
                f"extension {name!r}: {getattr(hook, '__qualname__', hook)!r} does not take "
                f"the parameter {parameter}")
    expected = {parameter.name for parameter in wanted}
    for extra in offered.values():
        unfilled = extra.default is inspect.Parameter.empty and extra.kind not in (
            inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        if extra.name not in expected and unfilled:
            raise ExtensionError(
                f"extension {name!r}: {getattr(hook, '__qualname__', hook)!r} needs the "
                f"parameter {extra.name!r}, which the core never passes")
