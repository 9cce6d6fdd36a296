"""The post card is one macro that prints its values unescaped after escaping each once
(`templates/communities/_post.html`): what it prints of a person is `people.person_link`'s
markup, a name or a body that is not markup is escaped, and the reactions htmx swaps in are
the card's own."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import Markup

from community.communities.models import card_fields
from community.web import build_environment

CSRF = Markup('<input type="hidden" name="_csrf_token" value="t">')


def a_post(**changes: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "id": 41, "thread_id": 7, "author_id": 2, "status": "published", "version": 1,
        "edited_at": None, "helpful_count": 3, "hugs_count": 0, "screen_labels": [],
        "author_username": "ana_b", "author_deleted_at": None, "author_is_clinician": False,
        "created_at": datetime(2026, 11, 21, 5, 53, tzinfo=UTC),
        "body_markup": Markup("<p>Fine <em>today</em>.</p>"),
    }
    values.update(changes)
    post = SimpleNamespace(**values)
    post.card_fields = card_fields(post)  # as a Post or a PostCard gives them
    return post


def render(source: str, **context: Any) -> str:
    env = build_environment()
    values = {"current_user": SimpleNamespace(id=9, is_staff=False), "csrf_input": CSRF,
              "reacted": set(), "can_reply": True, **context}
    return env.from_string(
        '{% import "communities/_post.html" as p with context %}'
        '{% import "partials/people.html" as people %}' + source).render(values)


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", html).strip()


@pytest.mark.parametrize("username", ["ana_b", None])
def test_the_card_shows_its_author_as_person_link_does(username: str | None) -> None:
    post = a_post(author_username=username or "gone",
                  author_deleted_at=None if username else datetime(2026, 1, 1, tzinfo=UTC))
    card = render("{{ p.post_card(post) }}", post=post)
    link = render("{{ people.person_link(name) }}", name=username)
    assert link and link in card


def test_a_name_and_a_body_that_are_not_markup_are_escaped() -> None:
    post = a_post(author_username='<b x="1">&', body_markup="<script>alert(1)</script>")
    card = render("{{ p.post_card(post) }}", post=post)
    assert "<script>" not in card and "&lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert '<b x="1">' not in card
    assert card.count("&lt;b x=&#34;1&#34;&gt;&amp;") == 4  # two links, the avatar, the name


def test_the_reactions_fragment_is_the_cards_own() -> None:
    post = a_post()
    card = squeeze(render("{{ p.post_card(post) }}", post=post, reacted={(41, "helpful")}))
    alone = squeeze(render("{{ p.reactions(post) }}", post=post, reacted={(41, "helpful")}))
    assert alone.startswith('<div class="reactions" id="reactions-41">')
    assert alone in card
    assert alone.count('aria-pressed="true"') == 1 and alone.count(str(CSRF)) == 2
    own = squeeze(render("{{ p.reactions(post) }}", post=post,
                         current_user=SimpleNamespace(id=2, is_staff=False)))
    assert "<form" not in own and '<span class="count">3</span>' in own


def test_the_reaction_glyphs_are_the_icons_of_ui() -> None:
    card = render("{{ p.post_card(post) }}", post=a_post())
    for name in ("thumbs-up", "heart"):
        icon = build_environment().from_string(
            '{% from "partials/ui.html" import icon %}{{ icon(name) }}').render(name=name)
        assert icon in card
