"""Questionnaires through HTTP: the form from FHIR JSON, scoring, crisis block, FHIR export."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from community.audit import AuditEntry
from outcomes.tracking.models import QuestionnaireAnswer
from outcomes.tracking.services import questionnaires
from tests.helpers import Visitor

PHQ9 = questionnaires()["phq-9"]
GAD7 = questionnaires()["gad-7"]
MFIS = questionnaires()["mfis"]
NOT_AT_ALL, SEVERAL_DAYS, MORE_THAN_HALF, NEARLY_EVERY_DAY = (
    "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")


def answers_totalling(definition: Any, total: int, *, item9_zero: bool = False) -> dict[str, str]:
    """Answers whose item scores sum to `total`, filling items in order."""
    answers: dict[str, str] = {}
    remaining = total
    for item in definition.scored_items:
        ceiling = 0 if item9_zero and item.link_id == "phq9-9" else remaining
        option = max((o for o in item.options if o.score <= ceiling), key=lambda o: o.score)
        answers[item.link_id] = option.code
        remaining -= option.score
    assert remaining == 0
    return answers


def submit(visitor: Visitor, questionnaire: str, answers: dict[str, str]) -> Any:
    response = visitor.post(f"/my/questionnaires/{questionnaire}", answers)
    assert response.status_code == 303, response.text
    return visitor.get(response.headers["location"]), response.headers["location"]


def stored(visitor: Visitor) -> list[Any]:
    async def _read(runtime: Any) -> list[Any]:
        async with runtime.sessionmaker() as db:
            return list((await db.execute(
                select(QuestionnaireAnswer.questionnaire_id, QuestionnaireAnswer.total,
                       QuestionnaireAnswer.band_code, QuestionnaireAnswer.flags))).all())

    return visitor.run(_read)


def test_questionnaires_need_sign_in(visitor: Visitor) -> None:
    assert visitor.get("/my/questionnaires/phq-9").status_code == 303
    assert visitor.post("/my/questionnaires/phq-9", {}).status_code == 401


def test_the_form_is_rendered_from_the_fhir_questionnaire(visitor: Visitor) -> None:
    visitor.signup_and_login("form_reader")
    page = visitor.get("/my/questionnaires/phq-9")
    assert page.status_code == 200
    for item in PHQ9.items:
        assert f'name="{item.link_id}"' in page.text
    assert len(re.findall(r'type="radio" name="phq9-1"', page.text)) == 4
    assert "Not at all" in page.text and "Nearly every day" in page.text
    assert "Pfizer" in page.text, "the instrument's copyright notice is shown"
    assert visitor.get("/my/questionnaires/no-such-thing").status_code == 404
    listing = visitor.get("/my/questionnaires")
    assert all(f'/my/questionnaires/{q}"' in listing.text for q in ("phq-9", "gad-7", "mfis"))


SCORING_CASES = [
    ("phq-9", 4, "Minimal depression"),
    ("phq-9", 5, "Mild depression"),
    ("phq-9", 10, "Moderate depression"),
    ("phq-9", 15, "Moderately severe depression"),
    ("phq-9", 20, "Severe depression"),
    ("gad-7", 14, "Moderate anxiety"),
    ("gad-7", 15, "Severe anxiety"),
]


def test_scoring_against_the_published_bands(visitor: Visitor) -> None:
    visitor.signup_and_login("score_keeper")
    for questionnaire, total, band in SCORING_CASES:
        definition = questionnaires()[questionnaire]
        page, _ = submit(visitor, questionnaire, answers_totalling(definition, total,
                                                                   item9_zero=True))
        assert page.status_code == 200
        assert f'<strong class="score">{total}</strong>' in page.text, (questionnaire, total)
        assert f'<strong class="band">{band}</strong>' in page.text, (questionnaire, total)
        assert "You do not have to face this alone" not in page.text
    assert [(q, t, f) for q, t, _b, f in stored(visitor)] == [
        (q, t, []) for q, t, _b in SCORING_CASES
    ]


def test_mfis_shows_its_subscales(visitor: Visitor) -> None:
    visitor.signup_and_login("ms_walker")
    page, _ = submit(visitor, "mfis", answers_totalling(MFIS, 40))
    assert '<strong class="score">40</strong>' in page.text
    assert "clinically significant" in page.text.lower()
    for subscale in MFIS.subscales:
        assert subscale.label in page.text


def test_phq9_item9_above_not_at_all_shows_crisis_resources(visitor: Visitor) -> None:
    visitor.signup_and_login("needs_help")
    for item9 in (SEVERAL_DAYS, MORE_THAN_HALF, NEARLY_EVERY_DAY):
        answers = {item.link_id: NOT_AT_ALL for item in PHQ9.scored_items}
        answers["phq9-9"] = item9
        page, _ = submit(visitor, "phq-9", answers)
        crisis = re.search(r'<section class="alert crisis" role="alert".*?</section>', page.text,
                           re.S)
        assert crisis, "crisis resources are shown at once, whatever the total"
        for number in ("988", "911", "999", "116 123", "112"):
            assert number in crisis.group(0)
        assert page.text.index("alert crisis") < page.text.index('class="score"'), (
            "the help comes before the score"
        )
    assert [flags for *_rest, flags in stored(visitor)] == [["self-harm-thoughts"]] * 3


def test_phq9_item9_not_at_all_shows_no_crisis_block(visitor: Visitor) -> None:
    visitor.signup_and_login("doing_fine")
    page, _ = submit(visitor, "phq-9", answers_totalling(PHQ9, 24, item9_zero=True))
    assert "alert crisis" not in page.text


def test_answers_outside_the_scale_are_rejected_naming_the_item(visitor: Visitor) -> None:
    visitor.signup_and_login("odd_answers")
    for change, item, message in [
        ({"phq9-3": "LA9999-9"}, "phq9-3", "choose one of the answers offered"),
        ({"phq9-5": "3"}, "phq9-5", "choose one of the answers offered"),
        ({"phq9-9": ""}, "phq9-9", "needs an answer"),
    ]:
        answers = {i.link_id: SEVERAL_DAYS for i in PHQ9.scored_items}
        answers["phq9-1"] = NEARLY_EVERY_DAY
        answers.update(change)
        response = visitor.post("/my/questionnaires/phq-9", answers)
        assert response.status_code == 400
        errors = re.search(rf'<ul class="field-errors" id="{item}-errors">(.*?)</ul>',
                           response.text, re.S)
        assert errors and message in errors.group(1)
        number = item.split("-")[1]
        assert f"Question {number} (" in errors.group(1), "the message names the question"
        assert re.search(rf'name="phq9-1" value="{NEARLY_EVERY_DAY}"\s*checked', response.text), (
            "the other answers are kept"
        )
    assert stored(visitor) == []


def test_the_optional_difficulty_item_may_be_left_out(visitor: Visitor) -> None:
    visitor.signup_and_login("skip_optional")
    answers = {item.link_id: NOT_AT_ALL for item in GAD7.scored_items}
    page, _ = submit(visitor, "gad-7", answers)
    assert '<strong class="score">0</strong>' in page.text


def test_export_is_a_fhir_questionnaire_response_for_the_owner_only(
    visitor: Visitor, new_visitor: Any
) -> None:
    visitor.signup_and_login("exporter")
    answers = answers_totalling(PHQ9, 10, item9_zero=True)
    _page, location = submit(visitor, "phq-9", answers)
    response = visitor.get(f"{location}.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    resource = response.json()
    assert resource["resourceType"] == "QuestionnaireResponse"
    assert resource["status"] == "completed"
    assert resource["questionnaire"] == f"{PHQ9.url}|{PHQ9.version}"
    assert resource["id"] == location.rsplit("/", 1)[1]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", resource["authored"])
    given = {item["linkId"]: item["answer"][0]["valueCoding"]["code"] for item in resource["item"]}
    assert given == answers
    for item in resource["item"]:
        assert set(item) == {"linkId", "text", "answer"}
        assert set(item["answer"][0]["valueCoding"]) == {"system", "code", "display"}

    async def _exports(runtime: Any) -> int:
        async with runtime.sessionmaker() as db:
            return int(await db.scalar(select(func.count()).select_from(AuditEntry)
                                       .where(AuditEntry.action == "questionnaire.exported")))

    assert visitor.run(_exports) == 1, "the download is audited"

    intruder = new_visitor()
    intruder.signup_and_login("snooper")
    assert intruder.get(f"{location}.json").status_code == 404
    assert intruder.get(location).status_code == 404
    assert "Moderate depression" not in intruder.get("/my/questionnaires").text
    assert visitor.get(f"{location}.xml").status_code == 404
    assert visitor.get("/my/questionnaires/responses/abc.json").status_code == 404
    signed_out = new_visitor()
    assert signed_out.get(f"{location}.json").status_code == 303
