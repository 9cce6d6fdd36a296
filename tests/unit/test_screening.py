"""The screening pipeline: detectors, hard negatives, spans, actions, CLI, training data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from community.screening import ScreenAction, Screener, ScreenLabel, Verdict
from moderation.screening import PipelineScreener, decide_action, screen
from moderation.screening.cli import run_screen

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"

URGENT = ScreenLabel.URGENT
ADVICE = ScreenLabel.ADVICE_REQUEST
IDENTIFYING = ScreenLabel.IDENTIFYING
CLINICIAN = ScreenLabel.CLINICIAN_ADVICE
PROMOTION = ScreenLabel.PROMOTION


def labels_of(text: str, role: str = "patient", venue: str = "discussion") -> set[ScreenLabel]:
    """What the rules find (the detectors these tests describe); the combined pipeline's
    quality is gated by the regression set (test_screening_model.py)."""
    return set(screen(text, author_role=role, venue=venue, use_model=False).labels)


@pytest.mark.parametrize(
    "text",
    [
        "i want to die, i cant keep doing this",
        "kinda want to kms ngl",
        "took like 20 of my sertraline an hour ago",
        "im going to end it tonight, i have the pills saved up",
        "my husband has crushing chest pain right now and his left arm is numb",
        "my daughter is not breathing properly and her lips are turning blue",
        "I don't feel safe with myself tonight",
        "не хочу больше жить",
        "наглоталась таблеток, мне плохо",
        "у мужа боль в груди уже полчаса, отдает в левую руку",
    ],
)
def test_urgent_is_found(text: str) -> None:
    assert URGENT in labels_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "two years ago I attempted suicide and today I'm doing better",
        "i was suicidal in my twenties, treatment saved my life",
        "this fatigue is killing me lol",
        "dying to know if anyone else gets the metformin burps",
        "i want to die of embarrassment, fainted at the pharmacy",
        "is chest pain a common side effect of salbutamol?",
        "I took 20 mg of prednisone for 5 days and felt wired",
        "took all my meds this morning like a good girl",
        "i'm not suicidal, just really tired",
        "if you're in crisis call or text 988",
        "два года назад пыталась покончить с собой, сейчас всё хорошо",
        "не могу дышать носом, насморк",
    ],
)
def test_urgent_hard_negatives_pass(text: str) -> None:
    assert URGENT not in labels_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "should I stop my metformin?",
        "my dose is 20mg, should I double it?",
        "what should I do about my son's fever of 39",
        "can i take ibuprofen with my lisinopril",
        "idk if i should keep taking the methotrexate",
        "мне бросить пить метформин?",
        "у сына температура 39, чем сбить?",
        "стоит ли мне увеличить дозу эутирокса?",
    ],
)
def test_advice_request_is_found(text: str) -> None:
    assert ADVICE in labels_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "has anyone had hair loss on methotrexate?",
        "my A1c went from 8.2 to 6.9",
        "what is the difference between type 1 and type 2 diabetes?",
        "what questions should I ask my rheumatologist?",
        "where can i get a medical alert bracelet?",
        "I asked my doctor if i should stop the statin and she said no",
        "у кого-нибудь выпадали волосы на метотрексате?",
        "чем отличается диабет 1 и 2 типа?",
    ],
)
def test_advice_hard_negatives_pass(text: str) -> None:
    assert ADVICE not in labels_of(text)


def test_clinicians_do_not_request_advice() -> None:
    assert ADVICE not in labels_of("should I stop my metformin?", role="clinician")


@pytest.mark.parametrize(
    "text",
    [
        "my doctor is Dr. John Smith at St Mary's",
        "email me at sarah.k.miller82@gmail.com",
        "call me on 07700 900461",
        "born 14/03/1986",
        "my NHS number is 943 476 5919",
        "i live at 1180 Maple Ave apt 3B",
        "SSN 078-05-1120",
        "мой врач Иванова Мария Петровна",
        "СНИЛС 112-233-445 95",
        "живу на ул. Ленина, д. 14, кв. 56",
        "звоните +7 (903) 555-12-34",
        "Невролог Дмитриев в РС-центре предложил окрелизумаб",
        "мой кардиолог Федоров назначил бисопролол",
        "dr whitfield said to wait",
        "Nurse Okonkwo at the ward was lovely",
    ],
)
def test_identifying_is_found(text: str) -> None:
    assert IDENTIFYING in labels_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hashimoto's and Addison's here, diagnosed in 2019 at 34",
        "Crohn's, Parkinson's, Hodgkin, Sjögren's, Graves' and Cushing's",
        "my dad has Alzheimer's and my son has Tourette and Asperger's",
        "Had Bell's palsy last spring",
        "Dr. Google convinced me I was dying",
        "TSH 4.5 mIU/L, ferritin 12, took 1000mg twice a day",
        "call or text 988, or Samaritans on 116 123, or NHS 111",
        "good overview at https://www.niams.nih.gov/health-topics/lupus and nhs.uk",
        "the helpline 8-800-2000-122 is free",
        "order number 1234567890 never arrived",
        "синдром Жильбера и отек Квинке, болезнь Бехтерева",
        "BP 128/82, eGFR 55, platelets 150 000",
        # A title ending a sentence is not followed by a name.
        "Обязательно покажитесь врачу. Если боль усилится, вызывайте скорую.",
        "Сходите к психотерапевту. Многие боятся, а зря.",
        "The nurse. Green tea helped me more than anything.",
        # Abbreviated titles take no endings: "других" is not "др." and a name.
        "Нужно исключить других факторов, например щитовидку, и профиле липидов",
        # A first name alone names no one, even after a title.
        "district nurse Sue came out this morning",
        "медсестре Лене огромное спасибо",
        "the nurse reckons it is just a virus",
        "Вашей Полине скоро станет легче",
        # A date is not a telephone number.
        "анализы сдала 02.11.2024, ждём результатов",
    ],
)
def test_identifying_hard_negatives_pass(text: str) -> None:
    assert IDENTIFYING not in labels_of(text)


def test_phone_and_email_spans_are_exact() -> None:
    text = "text me on (312) 847-2291 or mail jo.k@example.org please"
    verdict = screen(text, author_role="patient", venue="discussion")
    found = {(text[s.start : s.end], s.kind) for s in verdict.spans}
    assert ("(312) 847-2291", "phone") in found
    assert ("jo.k@example.org", "email") in found
    assert verdict.action == ScreenAction.HOLD


def test_russian_phone_span_is_exact() -> None:
    text = "мой номер 8 916 234-56-78, звоните"
    spans = [s for s in screen(text, author_role="patient", venue="discussion").spans]
    assert [(text[s.start : s.end], s.kind) for s in spans] == [("8 916 234-56-78", "phone")]


@pytest.mark.parametrize(
    "text",
    [
        "You should increase your dose to 40mg and recheck in two weeks.",
        "stop taking the ibuprofen and start paracetamol 1g four times a day",
        "Your son should get 15 mg/kg of paracetamol every 6 hours.",
        "Вам нужно увеличить дозу эутирокса до 100 мкг.",
    ],
)
def test_clinician_advice_is_found(text: str) -> None:
    assert CLINICIAN in labels_of(text, role="clinician", venue="ask_a_clinician")


@pytest.mark.parametrize(
    "text",
    [
        "If you notice new swelling, talk to your own doctor.",
        "In general, people taking warfarin should keep vitamin K intake steady.",
        "Don't change your dose without talking to your prescriber first.",
        "Take your medicines exactly as prescribed.",
        "Если вы заметили отеки, обсудите это со своим лечащим врачом.",
    ],
)
def test_clinician_education_passes(text: str) -> None:
    assert CLINICIAN not in labels_of(text, role="clinician", venue="ask_a_clinician")


def test_patients_cannot_give_clinician_advice() -> None:
    assert CLINICIAN not in labels_of("You should increase your dose to 40mg.", role="patient")


@pytest.mark.parametrize(
    "text",
    [
        "use code HEAL20 for 20% off, link in bio",
        "DM me for info on the supplement that reversed my diabetes",
        "I'm selling my leftover Ozempic pens, $200 each",
        "Join my 8-week paid gut healing program, only $297",
        "промокод ZDOROV15 на скидку 15%",
        "Продаю остатки Трулисити, пишите в личку",
    ],
)
def test_promotion_is_found(text: str) -> None:
    assert PROMOTION in labels_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "I can't afford to buy my inhalers anymore",
        "my insurance has a discount program for generics",
        "my insulin is $300 per month without insurance",
        "if you need to talk, DM me anytime",
        "купила инсулин в другой аптеке",
        "если нужно поговорить, пишите в личку",
    ],
)
def test_promotion_hard_negatives_pass(text: str) -> None:
    assert PROMOTION not in labels_of(text)


@pytest.mark.parametrize(
    ("labels", "action"),
    [
        ((), ScreenAction.PUBLISH),
        ((PROMOTION,), ScreenAction.HOLD),
        ((IDENTIFYING, CLINICIAN), ScreenAction.HOLD),
        ((ADVICE, IDENTIFYING), ScreenAction.MOVE_OFF_PLATFORM),
        ((URGENT, ADVICE, PROMOTION), ScreenAction.CRISIS_SUPPORT),
    ],
)
def test_action_precedence(labels: tuple[ScreenLabel, ...], action: ScreenAction) -> None:
    assert decide_action(labels) == action


def test_co_occurring_labels_take_the_highest_action() -> None:
    verdict = screen(
        "my son swallowed a bunch of my pills, what should I do? call me 415-839-2671",
        author_role="patient",
        venue="ask_a_clinician",
    )
    assert {URGENT, ADVICE, IDENTIFYING} <= set(verdict.labels)
    assert verdict.action == ScreenAction.CRISIS_SUPPORT


def test_pipeline_screener_conforms_and_delegates() -> None:
    screener: Screener = PipelineScreener()
    verdict = screener.screen("has anyone tried LDN?", author_role="patient", venue="discussion")
    assert verdict == Verdict()
    assert screener.screen("", author_role="patient", venue="discussion") == Verdict()


def test_cli_keeps_order_and_reports_malformed_lines() -> None:
    lines = [
        json.dumps(
            {
                "id": "a",
                "text": "should i stop my meds?",
                "author_role": "patient",
                "venue": "discussion",
                "extra": 1,
            }
        ),
        "{not json",
        json.dumps(
            {
                "id": "c",
                "text": "email me x.y@gmail.com",
                "author_role": "patient",
                "venue": "discussion",
            }
        ),
        json.dumps({"id": "d", "text": "hi", "author_role": "wizard", "venue": "discussion"}),
        json.dumps(
            {"id": "e", "text": "thanks all", "author_role": "patient", "venue": "discussion"}
        ),
    ]
    out = io.StringIO()
    assert run_screen(lines, out, evaluate=False) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row.get("id") for row in rows] == ["a", None, "c", "d", "e"]
    assert rows[0]["action"] == "move_off_platform" and rows[0]["labels"] == ["advice_request"]
    assert "line 2" in rows[1]["error"] and "JSON" in rows[1]["error"]
    assert rows[2]["spans"] == [[9, 22, "email"]] and rows[2]["action"] == "hold"
    assert "line 4" in rows[3]["error"] and "author_role" in rows[3]["error"]
    assert rows[4] == {"id": "e", "labels": [], "action": "publish", "spans": []}


def test_cli_evaluate_prints_a_table() -> None:
    lines = [
        json.dumps(
            {
                "id": "1",
                "text": "i want to die",
                "author_role": "patient",
                "venue": "discussion",
                "labels": ["urgent"],
            }
        ),
        json.dumps(
            {
                "id": "2",
                "text": "hello",
                "author_role": "patient",
                "venue": "discussion",
                "labels": [],
            }
        ),
        "[]",
    ]
    out = io.StringIO()
    assert run_screen(lines, out, evaluate=True) == 0
    table = out.getvalue()
    assert table.splitlines()[0].split() == [
        "label",
        "precision",
        "recall",
        "fpr",
        "tp",
        "fp",
        "fn",
        "tn",
    ]
    assert table.splitlines()[1].split() == [
        "urgent",
        "1.000",
        "1.000",
        "0.000",
        "1",
        "0",
        "0",
        "1",
    ]
    assert "items: 2" in table and "skipped line 3" in table
    assert "urgent tiers: recall 1.000 (both tiers)" in table


TARGET_LABELS = ("urgent", "advice_request", "identifying", "clinician_advice", "promotion")


def test_training_data_shape() -> None:
    # Every file training reads: the team's older files and the corpus batches. Each is
    # one cross-validation group; ids are unique across all of them.
    from moderation.screening.cli import ROLES, VENUES
    from moderation.screening.train import training_files

    items = []
    for path in training_files():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
        assert rows, path.name
        items.extend(rows)
    assert len({item["id"] for item in items}) == len(items)
    assert sum(item["lang"] == "ru" for item in items) / len(items) >= 0.30
    assert sum(not item["labels"] for item in items) / len(items) >= 0.40
    for item in items:
        assert set(item["labels"]) <= set(TARGET_LABELS), item["id"]
        assert item["author_role"] in ROLES and item["venue"] in VENUES, item["id"]
        assert "clinician_advice" not in item["labels"] or item["author_role"] == "clinician"


def test_training_never_reads_the_frozen_sets() -> None:
    # The frozen sets are measured once per released model (moderation.screening.frozen),
    # never trained, tuned or looked at item by item.
    from moderation.screening.train import DATA, training_files

    frozen = (DATA / "frozen").resolve()
    assert all(frozen not in path.resolve().parents for path in training_files())
    assert not (DATA / "train_extra.jsonl").exists()


# General patterns added after measuring fresh.jsonl: morphology, method and plan cues,
# reported questions, obfuscated contacts, Russian imperatives and infinitive questions.
@pytest.mark.parametrize(
    ("text", "role", "label"),
    [
        ("ngl ive been thinking about unaliving myself a lot", "patient", URGENT),
        ("sitting in my car with the engine running in the garage. sorry", "patient", URGENT),
        ("took the whole strip of my zopiclone 30 min ago", "patient", URGENT),
        ("сахар 1.8, ем сладкое а он не поднимается, руки трясутся", "patient", URGENT),
        ("я для всех обуза, незачем мне жить", "patient", URGENT),
        ("мама пьет варфарин, МНО 4.5, пропустить дозу?", "patient", ADVICE),
        (
            "Сын, температура 39 третий день. Везти в больницу или ждать педиатра?",
            "patient",
            ADVICE,
        ),
        ("ok be honest, is it dumb to skip my infusion next week", "patient", ADVICE),
        ("message me at mike dot hargreaves at yahoo dot co dot uk", "patient", IDENTIFYING),
        ("email: ivan_petrov85 (at) yandex.ru", "patient", IDENTIFYING),
        ("пишите на почту olga.sidorova собака mail.ru", "patient", IDENTIFYING),
        ("у меня д.р. 03.11.1988", "patient", IDENTIFYING),
        ("врач Кузнецов Игорь Анатольевич из кардиоцентра", "patient", IDENTIFYING),
        ("my son Tyler Johnson goes to Lincoln Elementary", "patient", IDENTIFYING),
        ("Прекратите принимать метотрексат и начните гептрал.", "clinician", CLINICIAN),
        ("Пейте мальтофер по 1 таблетке 2 раза в день три месяца.", "clinician", CLINICIAN),
        (
            "Please call my office and we'll start you on 75mcg levothyroxine.",
            "clinician",
            CLINICIAN,
        ),
        ("dont take the second dose tonight, resume tomorrow morning", "clinician", CLINICIAN),
        (
            "get your ozempic without a prescription, fast delivery, whatsapp only",
            "patient",
            PROMOTION,
        ),
        ("Отдам за символическую сумму тест-полоски, 500р за упаковку", "patient", PROMOTION),
        ("mention this group for $100 off your first session", "patient", PROMOTION),
    ],
)
def test_general_patterns_from_fresh_set(text: str, role: str, label: ScreenLabel) -> None:
    assert label in labels_of(text, role=role, venue="ask_a_clinician")


@pytest.mark.parametrize(
    ("text", "role", "label"),
    [
        ("reading about overdose deaths from fentanyl is terrifying", "patient", URGENT),
        ("my therapist asked if i had thoughts of ending my life and i said no", "patient", URGENT),
        ("случайно выпила две таблетки эналаприла вместо одной", "patient", URGENT),
        ("i used to think i should stop my meds every time i felt good", "patient", ADVICE),
        ("СНИЛС 123-456-789 00, в регистратуре говорят такого нет, что делать", "patient", ADVICE),
        ("подскажите хорошего ревматолога в Казани", "patient", ADVICE),
        ("the info at nhs.uk is good, and look at mayo dot org too", "patient", IDENTIFYING),
        ("При температуре выше 39 у ребенка вызывайте скорую.", "clinician", CLINICIAN),
        ("Как правило, эутирокс принимают утром натощак.", "clinician", CLINICIAN),
        ("в аптеке акция на витамин Д, взяла себе две упаковки", "patient", PROMOTION),
        ("insulin is like $300 a vial here without insurance", "patient", PROMOTION),
    ],
)
def test_general_hard_negatives_from_fresh_set(text: str, role: str, label: ScreenLabel) -> None:
    assert label not in labels_of(text, role=role, venue="ask_a_clinician")


def test_crisis_support_never_publishes_what_a_hold_label_holds() -> None:
    from community.screening import ScreenAction, ScreenLabel, Verdict
    from moderation.screening.pipeline import decide

    crisis_with_phone = decide((ScreenLabel.URGENT, ScreenLabel.IDENTIFYING))
    assert crisis_with_phone.action is ScreenAction.CRISIS_SUPPORT
    assert crisis_with_phone.is_held and not crisis_with_phone.is_visible_to_others
    crisis_asking = decide((ScreenLabel.URGENT, ScreenLabel.ADVICE_REQUEST))
    assert crisis_asking.is_off_platform and not crisis_asking.is_visible_to_others
    assert decide((ScreenLabel.URGENT,)).is_visible_to_others
    # The core reads the verdict's decision, not its labels: a screener that labels a
    # text without holding it publishes it.
    assert Verdict((ScreenLabel.PROMOTION,), ScreenAction.PUBLISH).is_visible_to_others


# Contacts written to dodge filters, and names the earlier rules were too narrow for.
@pytest.mark.parametrize(
    "text",
    [
        "yahoo: dana.r.colbeck71 if you want the spreadsheet",
        "drop me a line, m dot ferris at gmail",
        "mail me tomlin.j[at]postbox[.]example",
        "пишите: anya.lesnaya (собака) mail [.] ru",
        "ring me on four four seven seven zero zero nine zero zero one two five",
        "мой вотсап: девять один шесть, ноль ноль ноль, двенадцать, тридцать четыре",
        "my consultant is Mr Alistair Fenwick, lovely man",
        "my daughter's name is Oliver Brandt-Hale",
    ],
)
def test_obfuscated_contacts_and_names_are_found(text: str) -> None:
    assert IDENTIFYING in labels_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "message me at gmail if the forum DMs are broken",
        "my sister at gmail works in their HR team",
        "counted one two three four five six seven eight while the needle went in",
        "my three kids, two dogs and one very old cat",
        "my daughter's name is Emily",
        "Dr Who marathon got me through the flare",
    ],
)
def test_obfuscation_hard_negatives_pass(text: str) -> None:
    assert IDENTIFYING not in labels_of(text)


@pytest.mark.parametrize(
    "text",
    [
        "Bad week / Rough week for everyone?",
        "Rough week for everyone?",
        "Тяжелая неделя у всех?",
    ],
)
def test_short_vague_titles_publish(text: str) -> None:
    assert screen(text, author_role="patient", venue="discussion").labels == ()
