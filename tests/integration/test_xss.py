"""An XSS corpus (tests/data/xss_payloads.txt) in titles and posts renders inert everywhere."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).parent.parent / "data" / "xss_payloads.txt")
    .read_text(encoding="utf-8").splitlines()
    if line.strip()
]
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background",
                  "srcset", "poster"}
# Scripts the site itself serves (htmx) are the only <script> elements allowed.
OWN_SCRIPT = "/static/"
# The site's own icons (partials/ui.html) are the only <svg> allowed: exactly this element,
# pointing into the served sprite; user text can never produce it (the sanitiser drops svg).
OWN_ICON = {"class": "icon", "aria-hidden": "true", "focusable": "false"}
OWN_SPRITE = "/static/icons/sprite.svg#"


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and not values.get("src", "").startswith(OWN_SCRIPT):
            self.problems.append(f"<script> {values}")
        own_icon = (tag == "svg" and values == OWN_ICON) or (
            tag == "use" and list(values) == ["href"] and values["href"].startswith(OWN_SPRITE))
        if tag in {"iframe", "object", "embed", "svg", "math", "base", "style", "link", "use"} \
                and not own_icon \
                and not (tag == "link" and values.get("href", "").startswith(OWN_SCRIPT)):
            self.problems.append(f"<{tag}>")
        if tag == "img" and not values.get("src", "").startswith("/"):
            self.problems.append(f"external img {values}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"{name} on <{tag}>")
            squeezed = "".join(value.split()).lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(("javascript:", "vbscript:",
                                                                "data:")):
                self.problems.append(f"{name}={value!r} on <{tag}>")
        if tag == "meta" and values.get("http-equiv"):
            self.problems.append("<meta http-equiv>")


def inert(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def test_corpus_is_big_enough() -> None:
    assert len(PAYLOADS) >= 50


def test_payloads_in_titles_and_posts_render_inert(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    author = person(new_visitor, "mallory_x", joins=("lupus",))
    thread = start_thread(author, "lupus", title="Payloads", audience="public",
                          body="xsscorpus opening")
    for index, payload in enumerate(PAYLOADS):
        reply(author, thread, f"xsscorpus {index}\n\n{payload}")
    titled = [start_thread(author, "lupus", title=payload[:200], audience="public",
                           body=f"xsscorpus title {payload}") for payload in PAYLOADS[:55]]
    pages = [f"/threads/{thread}", f"/threads/{thread}?after=0", "/communities/lupus",
             "/search?q=xsscorpus", "/notifications"]
    cursor = 0
    while True:
        page = author.get(f"/threads/{thread}?after={cursor}")
        problems = inert(page.text)
        assert not problems, problems
        import re

        more = re.search(rf'/threads/{thread}\?after=(\d+)"', page.text)
        if not more or int(more.group(1)) == cursor:
            break
        cursor = int(more.group(1))
    for url in pages + [f"/threads/{t}" for t in titled]:
        for who in (author, visitor):
            response = who.get(url)
            if response.status_code == 200:
                assert not inert(response.text), (url, inert(response.text))
    # Links that survive carry the promised rel.
    page = author.get(f"/threads/{thread}?after=0").text
    assert 'rel="nofollow ugc noopener"' in page
