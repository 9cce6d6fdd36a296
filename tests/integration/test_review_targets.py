"""Every target type on the review page is named, with a link; a published evaluation tip can
be reported by a member and taken down by a moderator (the evaluation itself stays)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from community.accounts.models import Role
from moderation.queue.models import ReviewItem
from outcomes.reports.models import TreatmentSummary
from outcomes.treatments.models import Evaluation
from tests.helpers import Visitor
from tests.integration.test_messages import member, send
from tests.integration.test_treatments import (
    add_course,
    assert_summaries_match_rebuild,
    evaluate,
    load_vocabularies,
    query,
)
from tests.profiles_support import profile_form
from tests.queue_support import app, settings

__all__ = ["app", "settings"]


def _decide(moderator: Visitor, item_id: int, action: str) -> str:
    version = query(moderator, select(ReviewItem.version).where(ReviewItem.id == item_id))[0][0]
    response = moderator.post(f"/moderation/items/{item_id}/decide",
                              {"action": action, "version": str(version)})
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_a_member_flags_a_tip_and_a_moderator_removes_it(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    load_vocabularies(visitor)
    owner = member(new_visitor, "tip_giver")
    reader = member(new_visitor, "tip_reader")
    moderator = member(new_visitor, "tip_mod", roles=(Role.MODERATOR,))
    course_id = add_course(owner)
    tip = "Take it with orange juice and buy from pharmacy-deals dot example"
    assert evaluate(owner, course_id, tip=tip, visibility="members").status_code == 303
    evaluation_id = query(owner, select(Evaluation.id))[0][0]
    report = reader.get("/treatments/methotrexate").text
    assert tip in report
    flag_link = f"/flags/new?target_type=evaluation_tip&amp;target_id={evaluation_id}"
    assert flag_link in report
    form = reader.get(flag_link.replace("&amp;", "&"))
    assert form.status_code == 200 and tip in form.text
    flagged = reader.post("/flags", {"target_type": "evaluation_tip",
                                     "target_id": str(evaluation_id), "reason": "spam",
                                     "next": "/treatments/methotrexate"})
    assert flagged.status_code == 303
    item = query(moderator, select(ReviewItem.id).where(
        ReviewItem.target_type == "evaluation_tip"))[0][0]
    page = moderator.get(f"/moderation/items/{item}").text
    assert "Tip in an evaluation of Methotrexate" in page and "no longer exists" not in page
    assert 'href="/treatments/methotrexate"' in page
    before = query(moderator, select(TreatmentSummary.version))

    _decide(moderator, item, "reject")
    assert query(owner, select(Evaluation.tip_status)) == [("removed",)]
    after_report = reader.get("/treatments/methotrexate").text
    assert tip not in after_report, "the tip is hidden"
    assert "tip_giver" in after_report, "the structured evaluation stays"
    assert query(moderator, select(TreatmentSummary.version)) != before, "a new report version"
    assert "Removed by the moderators" in owner.get(f"/my/treatments/{course_id}").text
    assert query(owner, select(Evaluation.tip)) == [(tip,)], "nothing is deleted"
    assert_summaries_match_rebuild(owner)


def test_the_review_page_names_every_target_with_a_link(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    load_vocabularies(visitor)
    ada, bea = member(new_visitor, "ada_a"), member(new_visitor, "bea_b")
    moderator = member(new_visitor, "names_mod", roles=(Role.MODERATOR,))
    assert send(ada, "bea_b", "HOLDME call 555 0100").status_code in (200, 303)
    assert ada.post("/account/profile", profile_form(about="HOLDME my address")).status_code == 303
    course_id = add_course(ada)
    assert evaluate(ada, course_id, tip="HOLDME ring me").status_code == 303
    flagged = bea.post("/flags", {"target_type": "user", "target_id": str(query(
        bea, select(ReviewItem.author_id))[0][0]), "reason": "spam", "next": "/"})
    assert flagged.status_code == 303
    expected = {
        "message": ("Private message from ada_a to bea_b", "/moderation/people/"),
        "profile": ("Profile of ada_a", "/people/ada_a"),
        "evaluation_tip": ("Tip in an evaluation of Methotrexate", "/treatments/methotrexate"),
        "user": ("Person: ada_a", "/moderation/people/"),
    }
    for target_type, (name, link) in expected.items():
        item = query(moderator, select(ReviewItem.id).where(
            ReviewItem.target_type == target_type))[0][0]
        page = moderator.get(f"/moderation/items/{item}").text
        assert name in page, target_type
        assert f'href="{link}' in page, target_type
        assert "no longer exists" not in page, target_type

    # The queue says what each item is, and its tabs, in the moderator's language.
    english = moderator.get("/moderation").text
    for kind in ("(private message)", "(profile)", "(evaluation tip)", "(person)",
                 "15 minutes for a crisis, 24 hours otherwise"):
        assert kind in english, kind
    assert moderator.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    russian = moderator.get("/moderation").text
    for kind in ("(личное сообщение)", "(профиль)", "(совет из оценки)", "(участник)",
                 ">ожидают</a>", ">одобрено</a>", "15 минут для кризисных, 24 часа"):
        assert kind in russian, kind
    assert "(evaluation_tip)" not in russian and ">pending</a>" not in russian
