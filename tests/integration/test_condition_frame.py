"""The condition page is kept around the layout's header (`community.web.render`'s frame),
keyed by the condition as read and what its two kept tables are keyed by (the treatment
counts' version, the symptom counts): the same page for every reader, each with their own
header and token. The tests walk the sequence on a warm frame: another reader, new
evaluations, new symptom counts, an edit of the condition, another language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.communities_support import person
from tests.helpers import Visitor
from tests.integration.test_condition_costs import URL, add_symptom_counts, describe_condition
from tests.integration.test_reports import reader, seed_patients

__all__ = ["reader"]


def frames(visitor: Visitor) -> int:
    entries: Any = visitor.app.state.runtime.fragments._entries
    return sum(1 for _language, key in entries if isinstance(key, tuple)
               and key[:2] == ("page-frame", "outcomes/condition_report.html"))


def methotrexate_patients(page: str) -> str:
    match = re.search(r'href="/treatments/methotrexate">Methotrexate</a></td>\s*<td>(.*?)</td>',
                      page, re.S)
    assert match, page
    return match.group(1)


def test_the_kept_condition_page_follows_its_counts_and_edits_for_every_reader(
        reader: Visitor, new_visitor: Callable[[], Visitor]) -> None:
    seed_patients(reader, 12)
    add_symptom_counts(reader, "fatigue", {2: 7, 3: 4})
    reader.get(URL)
    assert frames(reader) == 1, "the page is kept around the header"

    # Another reader on the warm frame: their own header and token, the same page.
    ana = person(new_visitor, "ana_condition")
    for _ in range(2):
        mine, theirs = ana.get(URL).text, reader.get(URL).text
        assert "ana_condition" in mine.split("</header>", 1)[0]
        assert "ana_condition" not in theirs
        assert ana.csrf() in ana.get(URL).text
        assert methotrexate_patients(mine) == methotrexate_patients(theirs) == "12"
    assert frames(reader) == 1

    # New evaluations: a new version of the counts, the new number on the warm frame.
    seed_patients(reader, 3, start=12)
    assert methotrexate_patients(reader.get(URL).text) == "15"

    # New symptom counts: shown at once.
    add_symptom_counts(reader, "nausea", {1: 11})
    page = reader.get(URL).text
    assert "Nausea" in page and "Fatigue" in page

    # An edit of the condition: its new description.
    describe_condition(reader, "Joints, mostly the small ones.")
    assert "Joints, mostly the small ones." in reader.get(URL).text
    assert "Joints, mostly the small ones." in ana.get(URL).text

    # Another language: the switcher's page in Russian, the other reader's in English.
    assert ana.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    russian, english = ana.get(URL).text, reader.get(URL).text
    assert 'lang="ru"' in russian and 'lang="en"' in english
    assert "Treatments patients take for it" in english
    assert "Treatments patients take for it" not in russian
