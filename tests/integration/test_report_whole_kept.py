"""The whole report is read once per summary version and kept for both views that use it:
the report for everyone and the order of its narrowed views. A new evaluation shows in both
at the next view."""

from __future__ import annotations

from collections.abc import Callable

from tests.helpers import Visitor
from tests.integration.test_narrowed_reports import populate
from tests.integration.test_treatments import add_course, evaluate, load_vocabularies

REPORT = "/treatments/metformin"
NARROWED = "/treatments/metformin?sex=female"
NEW_SIDE_EFFECT = "Hair loss"


def test_a_new_evaluation_shows_in_the_whole_and_the_narrowed_report(
        visitor: Visitor, new_visitor: Callable[[], Visitor]) -> None:
    load_vocabularies(visitor)
    populate(visitor, patients=200, conditions=("type-2-diabetes",))
    reader = new_visitor()
    whole = reader.get(REPORT).text
    narrowed = reader.get(NARROWED).text
    assert 'id="narrowed-title"' in narrowed and 'id="group-patients"' in narrowed
    assert NEW_SIDE_EFFECT not in whole and NEW_SIDE_EFFECT not in narrowed
    # Viewed again: both read the kept whole report of this version.
    assert reader.get(NARROWED).text.count(NEW_SIDE_EFFECT) == 0
    visitor.signup_and_login("kept_whole_plover")
    course_id = add_course(visitor, "Metformin", "Type 2 diabetes")
    assert evaluate(visitor, course_id, side_effect=NEW_SIDE_EFFECT,
                    visibility="only_me").status_code == 303
    # Shared with nobody, read by someone else: the name can only come from the counts.
    assert NEW_SIDE_EFFECT in reader.get(REPORT).text
    # The narrowed view lists the whole report's rows in its order, the new one too (its
    # count in the group hidden or zero, never the one person's).
    assert NEW_SIDE_EFFECT in reader.get(NARROWED).text
