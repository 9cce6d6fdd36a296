"""The empty reply box is kept once per language for every thread, with the thread's id put
in for each page: a thread seen for the first time does not render it, and no page ever
shows another thread's id or another reader's token."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    person,
    seed,
    settings,
    start_thread,
)
from tests.helpers import CSRF_FIELD, Visitor


def kept_boxes(visitor: Visitor) -> int:
    # Each entry's key is (language, the caller's key); the box's own key is ("reply-form",).
    return sum(1 for _language, key in visitor.app.state.runtime.fragments._entries
               if key[0] == "reply-form")


def reply_box(page: str) -> str:
    match = re.search(r'<form id="reply-form".*?</form>', page, re.DOTALL)
    assert match, "no reply box"
    return match.group(0)


def thread_ids_in(box: str) -> set[str]:
    return set(re.findall(r"/threads/([^/\"]+)/", box))


@pytest.fixture
def readers(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> dict[str, Visitor]:
    seed(visitor)
    return {name: person(new_visitor, name, joins=("epilepsy",))
            for name in ("box_author", "box_reader")}


def test_one_kept_reply_box_serves_every_thread_with_its_own_id(
    readers: dict[str, Visitor],
) -> None:
    author, reader = readers["box_author"], readers["box_reader"]
    first = start_thread(author, "epilepsy", title="Naps after a seizure")
    second = start_thread(author, "epilepsy", title="Driving again")
    first_box = reply_box(reader.get(f"/threads/{first}").text)
    assert kept_boxes(reader) == 1
    # The second thread's page is not kept yet; its box comes from the one entry.
    second_box = reply_box(author.get(f"/threads/{second}").text)
    assert kept_boxes(reader) == 1
    assert thread_ids_in(first_box) == {str(first)}
    assert thread_ids_in(second_box) == {str(second)}
    assert "(thread)" not in first_box + second_box
    assert f'action="/threads/{second}/replies"' in second_box
    assert f'formaction="/threads/{second}/preview"' in second_box
    assert set(CSRF_FIELD.findall(first_box)) == {reader.csrf()}
    assert set(CSRF_FIELD.findall(second_box)) == {author.csrf()}
    # The same box but for the id and the tokens.
    assert (CSRF_FIELD.sub("", first_box).split('name="_submission"')[0]
            .replace(f"/threads/{first}/", "/threads/N/")) == (
        CSRF_FIELD.sub("", second_box).split('name="_submission"')[0]
        .replace(f"/threads/{second}/", "/threads/N/"))
    # A reply through the box's own address lands in its thread.
    posted = reader.post(f"/threads/{second}/replies", {"body": "I waited six months."})
    assert posted.status_code in (302, 303)
    assert "I waited six months." in reader.get(f"/threads/{second}").text
    assert "I waited six months." not in reader.get(f"/threads/{first}").text


def test_the_kept_reply_box_is_kept_per_language(readers: dict[str, Visitor]) -> None:
    author, reader = readers["box_author"], readers["box_reader"]
    first = start_thread(author, "epilepsy", title="Night auras")
    second = start_thread(author, "epilepsy", title="Morning auras")
    english = reply_box(author.get(f"/threads/{first}").text)
    assert reader.post("/language", {"language": "ru", "next": "/"}).status_code in (302, 303)
    russian = reply_box(reader.get(f"/threads/{second}").text)
    assert kept_boxes(reader) == 2
    assert "Save draft" in english and "Save draft" not in russian
    assert thread_ids_in(russian) == {str(second)}
    assert "Save draft" in reply_box(author.get(f"/threads/{second}").text)
