"""Questionnaire definitions, scoring against the published tables, and FHIR output."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from outcomes.tracking.scoring import (
    ORDINAL_VALUE_URL,
    QUESTIONNAIRE_DIR,
    SCORING_URL,
    InvalidAnswers,
    QuestionnaireDefinition,
    QuestionnaireError,
    load_questionnaires,
    score,
    to_questionnaire_response,
)

DEFINITIONS = load_questionnaires()
PHQ9 = DEFINITIONS["phq-9"]
GAD7 = DEFINITIONS["gad-7"]
MFIS = DEFINITIONS["mfis"]
PFIZER_NOTICE = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)
FREQUENCY = ["Not at all", "Several days", "More than half the days", "Nearly every day"]


def answers_totalling(definition: QuestionnaireDefinition, total: int) -> dict[str, str]:
    """Answers whose item scores add up to ``total``, filling items in order."""
    answers: dict[str, str] = {}
    remaining = total
    for item in definition.scored_items:
        option = max(
            (o for o in item.options if o.score is not None and o.score <= remaining),
            key=lambda o: o.score or 0,
        )
        answers[item.link_id] = option.code
        remaining -= option.score or 0
    assert remaining == 0
    return answers


def uniform(definition: QuestionnaireDefinition, code: str) -> dict[str, str]:
    return {item.link_id: code for item in definition.scored_items}


# Definitions ----------------------------------------------------------------------------------


def test_the_three_instruments_load() -> None:
    assert set(DEFINITIONS) == {"phq-9", "gad-7", "mfis"}
    assert (len(PHQ9.scored_items), len(GAD7.scored_items), len(MFIS.scored_items)) == (9, 7, 21)


@pytest.mark.parametrize("definition", [PHQ9, GAD7], ids=["phq-9", "gad-7"])
def test_phq9_and_gad7_use_the_published_notice_and_answer_texts(
    definition: QuestionnaireDefinition,
) -> None:
    assert definition.copyright == PFIZER_NOTICE
    assert definition.instructions[0].startswith("Over the last 2 weeks, how often")
    for item in definition.scored_items:
        assert [o.display for o in item.options] == FREQUENCY
        assert [o.score for o in item.options] == [0, 1, 2, 3]
        assert {o.system for o in item.options} == {"http://loinc.org"}


def test_every_scored_option_carries_the_fhir_ordinal_value_extension() -> None:
    for definition in DEFINITIONS.values():
        resource = definition.resource
        assert resource["resourceType"] == "Questionnaire"
        assert resource["status"] == "active"
        assert any(ext["url"] == SCORING_URL for ext in resource["extension"])
        link_ids = [item["linkId"] for item in resource["item"]]
        assert len(link_ids) == len(set(link_ids))
        for item in resource["item"]:
            if item["type"] == "choice" and item.get("required"):
                for option in item["answerOption"]:
                    [ordinal] = option["extension"]
                    assert ordinal["url"] == ORDINAL_VALUE_URL
                    assert isinstance(ordinal["valueDecimal"], int)


def test_mfis_documents_its_free_use_and_subscales() -> None:
    assert "National Multiple Sclerosis Society" in MFIS.copyright
    assert "free of charge" in MFIS.copyright
    assert [o.display for o in MFIS.items[0].options] == [
        "Never",
        "Rarely",
        "Sometimes",
        "Often",
        "Almost always",
    ]
    sizes = {subscale.code: len(subscale.link_ids) for subscale in MFIS.subscales}
    assert sizes == {"physical": 9, "cognitive": 10, "psychosocial": 2}
    every_item = sorted(link_id for s in MFIS.subscales for link_id in s.link_ids)
    assert every_item == sorted(item.link_id for item in MFIS.items)


# Scores and bands at every published boundary ---------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately-severe"),
        (19, "moderately-severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands(total: int, band: str) -> None:
    result = score(PHQ9, answers_totalling(PHQ9, total))
    assert (result.total, result.band_code) == (total, band)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands(total: int, band: str) -> None:
    result = score(GAD7, answers_totalling(GAD7, total))
    assert (result.total, result.band_code) == (total, band)
    assert result.flags == ()


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "below-threshold"), (37, "below-threshold"), (38, "significant"), (84, "significant")],
)
def test_mfis_total_and_cut_off(total: int, band: str) -> None:
    result = score(MFIS, answers_totalling(MFIS, total))
    assert (result.total, result.band_code) == (total, band)


def test_mfis_subscales_sum_their_items() -> None:
    result = score(MFIS, uniform(MFIS, "often"))
    assert result.total == 63
    assert result.subscales == {"physical": 27, "cognitive": 30, "psychosocial": 6}
    assert result.band_label == "Clinically significant fatigue"


def test_band_labels_are_readable() -> None:
    assert score(PHQ9, uniform(PHQ9, "LA6570-1")).band_label == "Moderately severe depression"
    assert score(GAD7, uniform(GAD7, "LA6571-9")).band_label == "Severe anxiety"


# PHQ-9 item 9 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["LA6569-3", "LA6570-1", "LA6571-9"])
def test_any_answer_to_phq9_item_9_except_not_at_all_raises_the_crisis_flag(code: str) -> None:
    answers = uniform(PHQ9, "LA6568-5") | {"phq9-9": code}
    result = score(PHQ9, answers)
    assert result.band_code == "minimal"
    assert result.flags == ("self-harm-thoughts",)


def test_high_scores_without_item_9_raise_no_flag() -> None:
    answers = uniform(PHQ9, "LA6571-9") | {"phq9-9": "LA6568-5"}
    result = score(PHQ9, answers)
    assert (result.total, result.flags) == (24, ())


# Invalid answers --------------------------------------------------------------------------------


def test_a_missing_item_is_named() -> None:
    answers = uniform(PHQ9, "LA6568-5")
    del answers["phq9-3"]
    with pytest.raises(InvalidAnswers, match="phq9-3") as error:
        score(PHQ9, answers)
    assert error.value.link_id == "phq9-3"
    assert "Trouble falling or staying asleep" in str(error.value)


@pytest.mark.parametrize("code", ["7", "LA6575-0", "", "never"])
def test_an_out_of_range_or_empty_answer_is_named(code: str) -> None:
    answers = uniform(GAD7, "LA6569-3") | {"gad7-4": code}
    with pytest.raises(InvalidAnswers, match="gad7-4") as error:
        score(GAD7, answers)
    assert error.value.link_id == "gad7-4"


def test_an_unknown_item_is_rejected() -> None:
    with pytest.raises(InvalidAnswers, match="phq9-10") as error:
        score(PHQ9, uniform(PHQ9, "LA6568-5") | {"phq9-10": "LA6568-5"})
    assert error.value.link_id == "phq9-10"


def test_the_difficulty_item_is_optional_validated_and_not_scored() -> None:
    answers = uniform(PHQ9, "LA6569-3")
    assert score(PHQ9, answers | {"phq9-difficulty": "LA6574-3"}).total == 9
    with pytest.raises(InvalidAnswers, match="phq9-difficulty"):
        score(PHQ9, answers | {"phq9-difficulty": "LA6571-9"})


# QuestionnaireResponse --------------------------------------------------------------------------


def test_questionnaire_response_is_a_completed_fhir_r4_resource() -> None:
    answers = uniform(PHQ9, "LA6569-3") | {"phq9-difficulty": "LA6573-5"}
    authored = datetime(2025, 3, 4, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))
    response = to_questionnaire_response(PHQ9, answers, authored, "Patient/42")
    assert response["resourceType"] == "QuestionnaireResponse"
    assert response["status"] == "completed"
    assert response["questionnaire"] == "https://kindred.example/fhir/Questionnaire/phq-9|1.0.0"
    assert response["authored"] == "2025-03-04T09:30:15+01:00"
    assert response["subject"] == {"reference": "Patient/42"}
    assert [item["linkId"] for item in response["item"]] == [
        *(f"phq9-{n}" for n in range(1, 10)),
        "phq9-difficulty",
    ]
    first = response["item"][0]
    assert first["text"] == "Little interest or pleasure in doing things"
    assert first["answer"] == [
        {
            "valueCoding": {
                "system": "http://loinc.org",
                "code": "LA6569-3",
                "display": "Several days",
            }
        }
    ]
    json.dumps(response)


def test_questionnaire_response_without_subject_or_optional_answers() -> None:
    response = to_questionnaire_response(MFIS, uniform(MFIS, "never"), datetime.now(UTC))
    assert "subject" not in response
    assert len(response["item"]) == 21


def test_questionnaire_response_rejects_invalid_answers_and_naive_times() -> None:
    with pytest.raises(InvalidAnswers):
        to_questionnaire_response(GAD7, {}, datetime.now(UTC))
    with pytest.raises(ValueError, match="timezone"):
        to_questionnaire_response(GAD7, uniform(GAD7, "LA6568-5"), datetime(2025, 1, 1))


# Malformed definitions ------------------------------------------------------------------------


def _broken_copy(tmp_path: Path, change: str) -> Path:
    directory = Path(shutil.copytree(QUESTIONNAIRE_DIR, tmp_path / "questionnaires"))
    path = directory / "gad-7.json"
    resource = json.loads(path.read_text(encoding="utf-8"))
    scoring = next(ext for ext in resource["extension"] if ext["url"] == SCORING_URL)
    if change == "range":
        next(p for p in scoring["extension"] if p["url"] == "maxScore")["valueInteger"] = 30
    elif change == "band-gap":
        band = next(p for p in scoring["extension"] if p["url"] == "band")
        next(p for p in band["extension"] if p["url"] == "high")["valueInteger"] = 3
    path.write_text(json.dumps(resource), encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("change", "message"),
    [("range", "declared range 0-30, items give 0-21"), ("band-gap", "leave a gap")],
)
def test_a_malformed_definition_is_rejected_naming_the_file(
    tmp_path: Path, change: str, message: str
) -> None:
    with pytest.raises(QuestionnaireError, match=rf"^gad-7\.json: .*{message}"):
        load_questionnaires(_broken_copy(tmp_path, change))
