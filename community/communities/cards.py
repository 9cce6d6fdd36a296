"""What a post card and a thread row show, as cache keys for community.cards.

A post card shows the post's version (its text and edit mark), status and reaction counts,
its author's name as shown and clinician badge, how the viewer stands to it (anonymous,
another member, its author, staff), which reactions the viewer has given and whether they
may quote it (reply in its thread). Cards that show
moderation details (held, deleted or screened posts seen by their author or staff) are rare
and always rendered afresh. A thread row shows the title, kind, status, whether the viewer
may read it, and for readable threads the author's name, reply count and last activity. A
search hit shows its own columns only (the search's statement decides who finds it).
"""

from __future__ import annotations

from collections.abc import Hashable

from community.accounts.viewer import Reader
from community.cache import LRUCache
from community.cards import Cards
from community.communities.access import viewer_kind
from community.communities.models import Post, PostStatus
from community.communities.search import SearchHit
from community.communities.services import ListedThread, PostFacts
from community.web import shown_name


def post_cards(cache: LRUCache, viewer: Reader | None,
               reacted: set[tuple[int, str]], *, quotable: bool = False
               ) -> Cards[Post | PostFacts]:
    """Keyed alike from a full post or from its facts (the columns alone), so a page learns
    which cards are kept before it loads the posts' texts. `quotable`: the viewer may reply
    here, so each published post offers "Quote"."""
    kind = viewer_kind(viewer)
    viewer_id = viewer.id if viewer is not None else None

    def key(post: Post | PostFacts) -> Hashable | None:
        relation = "author" if viewer_id == post.author_id else kind
        if post.status != PostStatus.PUBLISHED or (
                post.screen_labels and relation in ("author", "staff")):
            return None
        return (post.id, post.version, post.status, post.edited_at,
                post.helpful_count, post.hugs_count,
                shown_name(post.author_username, post.author_deleted_at),
                post.author_is_clinician, relation, (post.id, "helpful") in reacted,
                (post.id, "hugs") in reacted, quotable)

    return Cards(cache, "post-card", key)


def thread_rows(cache: LRUCache, readable: set[int]) -> Cards[ListedThread]:
    def key(thread: ListedThread) -> Hashable:
        shown = thread.id in readable
        return (thread.id, thread.title, thread.kind, thread.status, shown,
                shown_name(thread.author_username, thread.author_deleted_at) if shown else None,
                thread.reply_count if shown else None,
                thread.last_activity_at if shown else None)

    return Cards(cache, "thread-row", key)


def search_hits(cache: LRUCache) -> Cards[SearchHit]:
    """A hit shows nothing of its reader: keyed by everything it shows (its snippet marks
    the words searched for), so readers who find the same post with the same words share
    it. Whether a reader may find the post at all is the search statement's rule."""
    def key(hit: SearchHit) -> Hashable:
        return (hit.post_id, hit.thread_id, hit.thread_title, hit.community_slug,
                hit.community_name, str(hit.snippet), hit.author, hit.created_at,
                hit.thread_kind)

    return Cards(cache, "search-hit", key)
