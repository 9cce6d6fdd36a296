"""Who may see which community content: every rule once, as Python checks and SQL filters.

- Staff (moderators, admins) see everything, held and deleted posts included.
- A public thread is readable by everyone; a members-only thread by members of its
  community; anyone else learns only its title and that it exists.
- A thread whose opening post is not published is listed only to its author and staff.
- Within a readable thread, others see published posts only; authors also see their own
  held, off-platform, deleted and removed posts (with a status banner).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from community.accounts.viewer import Reader
from community.communities.models import Audience, Membership, Post, PostStatus, Thread
from community.communities.plain import AnyMembership, AnyThread


def is_staff(viewer: Reader | None) -> bool:
    return viewer is not None and viewer.is_staff


def listed_threads_filter(viewer: Reader | None) -> ColumnElement[bool]:
    """Threads whose existence (title) the viewer may learn."""
    return listed_threads_of(viewer_kind(viewer), viewer.id if viewer is not None else None)


def listed_threads_of(kind: str, viewer_id: Any) -> ColumnElement[bool]:
    """listed_threads_filter for a viewer of `kind` (`viewer_kind`); `viewer_id` is the id
    itself or a bound parameter standing for it."""
    if kind == "staff":
        return true()
    published = Thread.status == PostStatus.PUBLISHED.value
    if kind == "anonymous":
        return published
    return or_(published, Thread.author_id == viewer_id)


def readable_threads_filter(viewer: Reader | None) -> ColumnElement[bool]:
    """Threads whose posts the viewer may read (SQL over Thread)."""
    return readable_threads_of(viewer_kind(viewer), viewer.id if viewer is not None else None)


def readable_threads_of(kind: str, viewer_id: Any) -> ColumnElement[bool]:
    """readable_threads_filter for a viewer of `kind`; `viewer_id` as in listed_threads_of."""
    if kind == "staff":
        return true()
    public = Thread.audience == Audience.PUBLIC.value
    if kind == "anonymous":
        return and_(listed_threads_of(kind, viewer_id), public)
    member_of = select(Membership.community_id).where(Membership.user_id == viewer_id)
    return and_(listed_threads_of(kind, viewer_id),
                or_(public, Thread.community_id.in_(member_of)))


def visible_posts_filter(viewer: Reader | None) -> ColumnElement[bool]:
    """Posts the viewer may read; the query must join Thread. Used by search."""
    return visible_posts_of(viewer_kind(viewer), viewer.id if viewer is not None else None)


def visible_posts_of(kind: str, viewer_id: Any) -> ColumnElement[bool]:
    """visible_posts_filter for a viewer of `kind`; `viewer_id` as in listed_threads_of, so
    a statement built once serves every viewer of the same kind."""
    if kind == "staff":
        return true()
    return and_(readable_threads_of(kind, viewer_id), seen_posts_filter(kind, viewer_id))


def seen_posts_filter(kind: str, viewer_id: Any) -> ColumnElement[bool]:
    """Within a thread the viewer may read: the posts whose text a viewer of this `kind`
    (`viewer_kind`) sees; the SQL twin of can_see_post. `viewer_id` stands for the viewer's
    id: the id itself or a bound parameter, so a statement built once serves every viewer
    of the same kind."""
    if kind == "staff":
        return true()
    own: Any = Post.author_id == viewer_id if kind == "member" else false()
    return or_(Post.status == PostStatus.PUBLISHED.value, own)


def viewer_kind(viewer: Reader | None) -> str:
    """What the filters above distinguish: "anonymous", "staff" or "member"."""
    if viewer is None:
        return "anonymous"
    return "staff" if viewer.is_staff else "member"


class ThreadShown(Protocol):
    """What the checks below ask of a thread: a loaded `Thread`, the thread page's plain row
    (`plain.ThreadRow`), or a row of a list read as plain columns (`services.ListedThread`)."""

    @property
    def status(self) -> str: ...
    @property
    def audience(self) -> str: ...
    @property
    def author_id(self) -> int: ...


def can_see_thread_exists(viewer: Reader | None, thread: ThreadShown) -> bool:
    if is_staff(viewer) or thread.status == PostStatus.PUBLISHED:
        return True
    return viewer is not None and thread.author_id == viewer.id


def can_read_thread(viewer: Reader | None, thread: ThreadShown,
                    membership: AnyMembership | None) -> bool:
    """Python twin of readable_threads_filter for one thread already loaded."""
    if not can_see_thread_exists(viewer, thread):
        return False
    if is_staff(viewer) or thread.audience == Audience.PUBLIC:
        return True
    return viewer is not None and membership is not None


def can_see_post(viewer: Reader | None, post: Post) -> bool:
    """Given a readable thread: may the viewer see this post's text?"""
    if is_staff(viewer) or post.status == PostStatus.PUBLISHED:
        return True
    return viewer is not None and post.author_id == viewer.id


def can_edit_post(viewer: Reader | None, post: Post) -> bool:
    editable = post.status not in (PostStatus.AUTHOR_DELETED, PostStatus.REMOVED)
    return viewer is not None and post.author_id == viewer.id and editable


def can_view_history(viewer: Reader | None, post: Post) -> bool:
    return viewer is not None and (post.author_id == viewer.id or is_staff(viewer))


def can_post_in(viewer: Reader | None, membership: AnyMembership | None, *,
                archived: bool) -> bool:
    if viewer is None or archived:
        return False
    return membership is not None or is_staff(viewer)


def can_reply(viewer: Reader | None, thread: AnyThread,
              membership: AnyMembership | None) -> bool:
    """Whether the thread page offers the viewer a reply box (and with it mentions, quotes,
    previews and a draft): a published thread they may read, in a community they may post in."""
    return (thread.status == PostStatus.PUBLISHED
            and can_read_thread(viewer, thread, membership)
            and can_post_in(viewer, membership,
                            archived=thread.community.archived_at is not None))
