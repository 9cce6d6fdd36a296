"""User text to safe HTML: Markdown rendered by markdown-it-py, then sanitized by nh3.

Validation comes first (size, nesting) so hostile input is refused with a message
before any parser spends time on it; sanitizing happens once, at write time.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

from community.i18n import gettext as _

MAX_BODY_CHARS = 20_000
MAX_NESTING = 12

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
     "h3", "h4", "h5", "h6", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"

# Control characters never belong in a post; \x02/\x03 also mark search highlights.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Block prefixes that nest: quote markers, list bullets and ordered-list numbers.
_NESTING_PREFIX = re.compile(r"^(?:\s*(?:>|[-+*](?=\s)|\d{1,9}[.)](?=\s)))+")
_NESTING_TOKEN = re.compile(r">|[-+*](?=\s)|\d{1,9}[.)](?=\s)")

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "maxNesting": 20})
# Images would load from anywhere; they are not part of what people can post. The raw HTML
# rules only ever decline without the "html" option: not run at all, the output is the same.
_parser.disable(["image", "html_block", "html_inline"])
_HEADING_SHIFT = re.compile(r"<(/?)h([12])>")
# The allow-list is built once (nh3.clean would build it again for every text).
_sanitizer = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


class MarkdownRefused(ValueError):
    """The text cannot be accepted as it is; the message says why."""


def clean_text(text: str) -> str:
    """Normalise line endings and drop control characters."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def validate_markdown(text: str, *, max_chars: int = MAX_BODY_CHARS) -> str:
    """Return the cleaned text, or raise MarkdownRefused with a message for the author."""
    text = clean_text(text).strip()
    if not text:
        raise MarkdownRefused(_("Write something first."))
    if len(text) > max_chars:
        raise MarkdownRefused(
            _("This is too long: at most %(max)d characters (you wrote %(n)d).")
            % {"max": max_chars, "n": len(text)}
        )
    for line in text.split("\n"):
        prefix = _NESTING_PREFIX.match(line)
        if prefix and len(_NESTING_TOKEN.findall(prefix.group(0))) > MAX_NESTING:
            raise MarkdownRefused(
                _("Quotes and lists can be nested at most %(max)d levels deep.")
                % {"max": MAX_NESTING}
            )
        if len(line) - len(line.lstrip(" \t")) > 4 * MAX_NESTING:
            raise MarkdownRefused(_("A line is indented too deeply."))
    return text


def render_markdown(text: str) -> str:
    """Markdown source to sanitized HTML (headings shifted below the page's own h1/h2)."""
    html = _parser.render(clean_text(text))
    html = _HEADING_SHIFT.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 2}>", html)
    return _sanitizer.clean(html)
