"""Writing a post: quoting another post, and previewing the text before it is posted.

Both go through the same Markdown rules and sanitiser as a post (`community.markdown`): a
preview is exactly what posting would show, and a quote is Markdown that posting renders
like any other text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from community.accounts.models import User
from community.communities import access
from community.communities.models import Membership, Post, Thread
from community.i18n import gettext as _
from community.markdown import MarkdownRefused, render_markdown, validate_markdown
from community.web import display_name

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def post_link(post: Post) -> str:
    """Where a post is read in its thread (the page that starts with it)."""
    return f"/threads/{post.thread_id}?after={post.id - 1}#post-{post.id}"


def may_quote(viewer: User | None, thread: Thread, membership: Membership | None,
              post: Post) -> bool:
    """Only a published post of a thread the viewer may reply in: a held, deleted or removed
    post is never copied into a reply, not even by its author."""
    return (post.thread_id == thread.id and post.is_published
            and access.can_reply(viewer, thread, membership))


def quote_intro(author: User | None) -> str:
    """The attribution line's text ("ana wrote:"), Markdown-escaped."""
    return _("%(name)s wrote:") % {"name": _MARKDOWN_SPECIAL.sub(r"\\\1", display_name(author))}


def quote_of(post: Post, text: str | None = None) -> str:
    """`text` (by default the whole post) as a Markdown blockquote under a line naming its
    author and linking to the post, followed by an empty line to write under."""
    lines = (post.body if text is None else text).strip("\n").split("\n")
    quoted = "\n".join(f"> {line}".rstrip() for line in lines)
    return f"> [{quote_intro(post.author)}]({post_link(post)})\n>\n{quoted}\n\n"


@dataclass(frozen=True)
class Preview:
    """A text as posting it would show it, or why it could not be posted."""

    html: Markup = field(default_factory=Markup)
    error: str = ""
    notice: str = ""


def preview_of(body: str, notice: str = "") -> Preview:
    try:
        text = validate_markdown(body)
    except MarkdownRefused as exc:
        return Preview(error=str(exc))
    return Preview(html=Markup(render_markdown(text)), notice=notice)  # noqa: S704 (nh3)
