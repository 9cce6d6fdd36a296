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
from community.communities.services import ListedThread, PostFacts, PostPage
from community.web import shown_name


def post_cards(cache: LRUCache, viewer: Reader | None, page: PostPage, *,
               quotable: bool = False) -> Cards[Post | PostFacts]:
    """Keyed alike from a full post or from its facts (the columns alone), so a page learns
    which cards are kept before it loads the posts' texts; and the page's cards kept as one
    run (`Cards.run_kept`) under the page's posts as read, so a page whose cards are all kept
    is found by one lookup. A post's key is worked out and looked up once (by `kept` on its
    facts), and the cards are kept as UTF-8 (`Cards(utf8=True)`: the page's posts hole is
    filled with them unencoded). `page`: the posts and the viewer's reactions to them. `quotable`:
    the viewer may reply here, so each published post offers "Quote"."""
    kind = viewer_kind(viewer)
    viewer_id = viewer.id if viewer is not None else None

    def key(post: Post | PostFacts) -> Hashable | None:
        relation = "author" if viewer_id == post.author_id else kind
        if _shown_afresh(post.status, bool(post.screen_labels), relation):
            return None
        reacted = page.reacted()
        return (post.id, post.version, post.status, post.edited_at,
                post.helpful_count, post.hugs_count,
                shown_name(post.author_username, post.author_deleted_at),
                post.author_is_clinician, relation, (post.id, "helpful") in reacted,
                (post.id, "hugs") in reacted, quotable)

    return Cards(cache, "post-card", key, run=_run_key(kind, viewer_id, page, quotable),
                 same=_post_id, utf8=True)


def _post_id(post: Post | PostFacts) -> int:
    """A post's facts and its card (`services.with_texts`) show the same post as read."""
    return post.id


def _shown_afresh(status: str, labelled: bool, relation: str) -> bool:
    """A card showing moderation details (a post not published, or one screening labelled
    seen by its author or staff) is rare and rendered afresh for its reader, never kept."""
    return status != PostStatus.PUBLISHED or (labelled and relation in ("author", "staff"))


def _run_key(kind: str, viewer_id: int | None, page: PostPage,
             quotable: bool) -> Hashable | None:
    """What every card key of `page` holds, at once: every column of every post as read (the
    version, status, counts, author's name, deactivation and role, the viewer's reactions),
    which posts are the viewer's own, the viewer's kind and whether they may quote; None when
    a card of the page is shown afresh."""
    own: list[int] = []  # the places of the viewer's own posts on the page
    for at, (author_id, status, labelled) in enumerate(page.shown()):
        relation = "author" if viewer_id == author_id else kind
        if _shown_afresh(status, labelled, relation):
            return None
        if relation == "author":
            own.append(at)
    return (page.thread_id, page.next_cursor, kind, quotable, tuple(own), page.as_read())


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
