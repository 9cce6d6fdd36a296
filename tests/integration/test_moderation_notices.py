"""Author-facing notices: crisis help per locale, referrals per community, held spans."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from community.screening import ScreenAction, ScreenLabel, Span, Verdict
from community.web import build_environment
from moderation.notices import crisis_resources, highlight, notice_context, referral


def render(name: str, context: dict[str, Any]) -> str:
    env = build_environment()
    return env.get_template(f"moderation/partials/{name}.html").render(
        csrf_input=Markup(""), **context
    )


def test_crisis_resources_per_locale() -> None:
    assert crisis_resources("en-US")["emergency"] == "911"
    uk = crisis_resources("en_gb")
    assert uk["emergency"] == "999" and uk["lines"][0]["number"] == "116 123"
    assert crisis_resources("ru")["emergency"] == "112"
    assert crisis_resources("ru")["code"] == "RU"
    assert crisis_resources("ru-RU")["emergency"] == "112"
    assert crisis_resources("de")["lines"][0]["number"].startswith("0800 111 0")


def test_crisis_help_is_for_the_profile_country_first() -> None:
    # The profile's country wins over the interface language.
    assert crisis_resources("en", "GB")["emergency"] == "999"
    assert crisis_resources("ru", "au")["emergency"] == "000"
    assert crisis_resources("en", "IN")["lines"][0]["number"] == "14416"
    # No country, an English interface without a region: not somebody else's numbers.
    international = crisis_resources("en")
    assert international["code"] == "" and "911" not in str(international)
    assert international["find_url"].startswith("https://findahelpline.com")
    assert crisis_resources("xx", "ZZ")["code"] == "", "unknown: the international list"


def test_crisis_data_covers_the_required_countries() -> None:
    import json

    from moderation.notices import CRISIS_FILE

    countries = json.loads(CRISIS_FILE.read_text(encoding="utf-8"))["countries"]
    for code in ("US", "CA", "GB", "IE", "AU", "RU", "DE", "FR", "ES", "IN"):
        entry = countries[code]
        assert entry["emergency"] and entry["lines"], code
        for line in entry["lines"]:
            assert {"name", "number", "text", "chat", "hours"} <= set(line), (code, line)
            assert line["number"] or line["text"] or line["chat"], (code, line)


def test_referral_merges_condition_sources_over_the_default() -> None:
    lupus = referral("lupus", "en", icd10="M32.1")
    names = [s["name"] for s in lupus["sources"]]
    assert names[0] == "Lupus Foundation of America" and "MedlinePlus" in " ".join(names)
    assert lupus["bring"], "what to bring falls back to the default"
    russian = referral(None, "ru", icd10="M32")
    assert russian["bring"][0].startswith("Список")


def test_crisis_and_referral_partials() -> None:
    verdict = Verdict(
        labels=(ScreenLabel.URGENT, ScreenLabel.ADVICE_REQUEST), action=ScreenAction.CRISIS_SUPPORT
    )
    context = notice_context(verdict, "lupus", "en-GB", icd10="M32")
    assert context["notices"] == ["crisis", "referral"]
    html = render("notices", context)
    assert "999" in html and "116 123" in html
    assert "Contact your own clinician" in html and "LUPUS UK" in html
    assert "held-notice" not in html


def test_held_notice_highlights_spans_from_escaped_text() -> None:
    text = "Email <b>me</b> at jo@example.org & call 555 0100"
    spans = [{"start": 19, "end": 33, "kind": "email"}, {"start": 41, "end": 49, "kind": "phone"}]
    context = notice_context({"labels": ["identifying"], "spans": spans}, None, "en", text=text)
    assert context["notices"] == ["held"]
    html = render("held", context)
    assert '<mark data-kind="email">jo@example.org</mark>' in html
    assert '<mark data-kind="phone">555 0100</mark>' in html
    assert "&lt;b&gt;me&lt;/b&gt;" in html and "<b>" not in html
    assert "&amp;" in html
    hostile = highlight("<script>x</script>", [Span(0, 8, '"><img src=x>')])
    assert "<script>" not in hostile and "<img" not in hostile
    overlapping = highlight("abcdef", [Span(0, 4, "a"), Span(2, 6, "b"), Span(10, 12, "c")])
    assert str(overlapping).count("<mark") == 2


def test_clean_verdict_has_no_notice() -> None:
    assert notice_context(Verdict(), None, "en")["notices"] == []
