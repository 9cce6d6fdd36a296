"""Evaluations through HTTP: every scale validated, visibility, tips screened like posts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from community.app import create_app
from community.screening import ScreenAction, ScreenLabel, Verdict
from community.settings import Settings
from outcomes.treatments.models import Evaluation
from tests.helpers import RecordingSink, Visitor
from tests.integration.test_treatments import (
    add_course,
    assert_summaries_match_rebuild,
    evaluate,
    evaluation_form,
    load_vocabularies,
    purpose_field,
    query,
)


class HoldingScreener:
    """Holds any text that mentions a phone number, publishes the rest."""

    def screen(self, text: str, *, author_role: str, venue: str,
               author_context: Any = None) -> Verdict:
        assert venue == "evaluation"
        if "call me" in text:
            return Verdict(labels=(ScreenLabel.IDENTIFYING,), action=ScreenAction.HOLD)
        if "MAYBECRISIS" in text:
            return Verdict(urgent_possible=True)
        return Verdict()




@pytest.fixture
def app(settings: Settings) -> Litestar:
    application = create_app(settings, screener_factory=HoldingScreener)
    application.state.runtime.review_sink = RecordingSink()
    return application


@pytest.fixture
def owner(visitor: Visitor) -> Visitor:
    load_vocabularies(visitor)
    visitor.signup_and_login("gentle_maple")
    return visitor


def evaluations(visitor: Visitor) -> int:
    return query(visitor, select(func.count()).select_from(Evaluation))[0][0]


SCALE_CASES = [
    ("effect", "miraculous"),
    ("effect", ""),
    ("side_effect_severity", "apocalyptic"),
    ("adherence", "whenever"),
    ("burden", "unbearable!"),
    ("cost", "a fortune"),
    ("visibility", "my cat"),
]


def test_every_scale_rejects_values_outside_it(owner: Visitor) -> None:
    course_id = add_course(owner)
    effect = purpose_field(owner, course_id)
    for field, bad_value in SCALE_CASES:
        name = effect if field == "effect" else field
        form = evaluation_form(effect, **{name: bad_value})
        form["tip"] = "Keep a diary of doses."
        response = owner.post(f"/my/treatments/{course_id}/evaluations/new", form)
        assert response.status_code == 400, field
        assert f'id="{name}-errors"' in response.text, field
        assert ("Choose one of" if bad_value else "Choose an answer") in response.text
        assert "Keep a diary of doses." in response.text, "the rest of the form is kept"
        assert 'value="Nausea"' in response.text
        for other in ("adherence", "burden", "cost"):
            if other != field:
                assert f'name="{other}" value="{form[other]}" checked' in response.text
    assert evaluations(owner) == 0


def test_other_evaluation_validation(owner: Visitor) -> None:
    course_id = add_course(owner)
    effect = purpose_field(owner, course_id)
    url = f"/my/treatments/{course_id}/evaluations/new"
    cases = [
        ({"evaluated_on": "2025-01-01"}, "evaluated_on", "cannot be before"),
        ({"evaluated_on": "soon"}, "evaluated_on", "Enter a date like"),
        ({"side_effect": "Dragon pox"}, "side_effect", "We do not know the side effect"),
        ({"side_effect_severity": "none"}, "side_effect", "You chose no side effects"),
        ({"tip": "x" * 2001}, "tip", "at most 2000"),
    ]
    for overrides, field, message in cases:
        response = owner.post(url, evaluation_form(effect, **overrides))
        assert response.status_code == 400, overrides
        assert f'id="{field}-errors"' in response.text and message in response.text
    assert evaluations(owner) == 0


def test_visibility_for_signed_out_member_and_owner(
    owner: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    course_id = add_course(owner)
    for visibility, tip in (("public", "PUBLIC TIP"), ("members", "MEMBERS TIP"),
                            ("only_me", "PRIVATE TIP")):
        assert evaluate(owner, course_id, visibility=visibility,
                        tip=tip).status_code == 303
    member = new_visitor()
    member.signup_and_login("bold_finch")
    stranger = new_visitor()
    seen = {
        "owner": owner.get("/treatments/methotrexate").text,
        "member": member.get("/treatments/methotrexate").text,
        "signed out": stranger.get("/treatments/methotrexate").text,
    }
    assert all(tip in seen["owner"] for tip in ("PUBLIC TIP", "MEMBERS TIP", "PRIVATE TIP"))
    assert "PUBLIC TIP" in seen["member"] and "MEMBERS TIP" in seen["member"]
    assert "PRIVATE TIP" not in seen["member"]
    assert "PUBLIC TIP" in seen["signed out"]
    assert "MEMBERS TIP" not in seen["signed out"] and "PRIVATE TIP" not in seen["signed out"]
    assert "gentle_maple" not in seen["signed out"].split("PUBLIC TIP")[1]
    # Every evaluation counts in the aggregate, whatever its visibility.
    assert 'id="evaluation-count">fewer than 5<' in seen["signed out"]
    # Changing visibility takes effect at once.
    private_id = query(owner, select(Evaluation.id).where(Evaluation.tip == "PRIVATE TIP"))[0][0]
    response = owner.post(f"/my/treatments/{course_id}/evaluations/{private_id}/visibility",
                          {"visibility": "public"})
    assert response.status_code == 303
    assert "PRIVATE TIP" in stranger.get("/treatments/methotrexate").text
    response = owner.post(f"/my/treatments/{course_id}/evaluations/{private_id}/visibility",
                          {"visibility": "everyone!"})
    assert response.status_code == 400 and "Choose one of" in response.text
    assert_summaries_match_rebuild(owner)


def test_held_tip_is_hidden_from_others_and_shown_to_its_author(
    owner: Visitor, new_visitor: Callable[[], Visitor], app: Litestar
) -> None:
    course_id = add_course(owner)
    response = evaluate(owner, course_id, tip="Works well, call me on 0123 456 789")
    assert response.status_code == 303
    assert response.headers["location"] == f"/my/treatments/{course_id}"
    page = owner.get(response.headers["location"])
    assert "call me" in page.text and "Waiting for a moderator" in page.text
    assert "Your tip is waiting for a moderator" in page.text
    member = new_visitor()
    member.signup_and_login("wise_robin")
    report = member.get("/treatments/methotrexate").text
    assert "call me" not in report
    assert "Works well" not in report
    assert "call me" in owner.get("/treatments/methotrexate").text
    sink = app.state.runtime.review_sink
    assert [c.target_type for c in sink.opened] == ["evaluation_tip"]
    assert sink.opened[0].target_id == query(owner, select(Evaluation.id))[0][0]
    # A possible crisis in a tip: published with the evaluation, gentle help for its author,
    # and a crisis check for the moderators.
    second = add_course(owner, treatment="Adalimumab")
    response = evaluate(owner, second, tip="MAYBECRISIS some weeks are very hard")
    assert response.status_code == 303
    assert response.headers["location"] == f"/my/treatments/{second}"
    page = owner.get(response.headers["location"]).text
    assert "If things are hard right now" in page and "your evaluation was saved" in page
    assert "If things are hard right now" not in owner.get(f"/my/treatments/{second}").text
    assert "some weeks are very hard" in member.get("/treatments/adalimumab").text
    assert sink.opened[-1].verdict.needs_crisis_check


def test_edit_and_delete_an_evaluation(owner: Visitor) -> None:
    course_id = add_course(owner)
    assert evaluate(owner, course_id).status_code == 303
    evaluation_id = query(owner, select(Evaluation.id))[0][0]
    url = f"/my/treatments/{course_id}/evaluations/{evaluation_id}"
    page = owner.get(url)
    assert page.status_code == 200 and 'value="Nausea"' in page.text
    effect = purpose_field(owner, course_id)
    response = owner.post(url, evaluation_form(effect, **{effect: "none", "burden": "very",
                                                          "side_effect": "Headache"}))
    assert response.status_code == 303, response.text
    stored = query(owner, select(Evaluation.burden))[0][0]
    assert stored == "very"
    assert_summaries_match_rebuild(owner)
    response = owner.post(url, evaluation_form(effect, burden="impossible"))
    assert response.status_code == 400
    assert owner.post(f"{url}/delete").status_code == 303
    assert evaluations(owner) == 0
    assert_summaries_match_rebuild(owner)
