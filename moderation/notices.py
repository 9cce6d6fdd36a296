"""What the author of screened content sees at once, in place: crisis help, a referral
for personal advice, or what was found in held content.

The core renders `templates/moderation/partials/notices.html` (or one of crisis, referral,
held) with the dict `notice_context` returns; it reaches this function through
`Extensions.notice_context` (community.extensions) so it never imports moderation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from community.screening import URGENT_POSSIBLE, ScreenLabel, Span
from moderation.screening.pipeline import HOLD_LABELS

DATA_DIR = Path(__file__).resolve().parent
REFERRALS_FILE = DATA_DIR / "referrals.json"
CRISIS_FILE = DATA_DIR / "crisis_resources.json"
TEMPLATES_FILE = DATA_DIR / "message_templates.json"


@cache
def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _locale_keys(locale: str) -> list[str]:
    """'en_gb' -> ['en-GB', 'en']: the exact region first, then the language."""
    parts = locale.replace("_", "-").split("-")
    language = parts[0].lower()
    keys = [f"{language}-{parts[1].upper()}"] if len(parts) > 1 and parts[1] else []
    return [*keys, language]


def crisis_resources(locale: str, country: str | None = None) -> dict[str, Any]:
    """Crisis lines and the emergency number for the author's own place: the country in
    their profile, else the country their interface language points to, else a short
    international list with a "find a helpline" link."""
    data = _load(CRISIS_FILE)
    countries = data["countries"]
    code = (country or "").strip().upper()
    if code not in countries:
        code = ""
        for key in _locale_keys(locale):
            region = key.split("-")[1] if "-" in key else data["languages"].get(key, "")
            if region in countries:
                code = region
                break
    found = dict(countries[code]) if code else dict(data["international"])
    found["code"] = code
    found["find_url"] = data["international"]["find_url"]
    return found


def message_template(name: str, locale: str) -> str:
    """A message moderators send (`check_in`, `off_platform_reply`) in the locale, else
    its language, else English."""
    texts = _load(TEMPLATES_FILE)[name]
    for key in [*_locale_keys(locale), "en"]:
        if key in texts:
            return str(texts[key])
    return ""


def _by_locale(entry: Mapping[str, Any], locale: str) -> Mapping[str, Any] | None:
    for key in [*_locale_keys(locale), "en"]:
        if key in entry:
            return entry[key]
    return None


def referral(community_slug: str | None, locale: str, icd10: str | None = None) -> dict[str, Any]:
    """Sources from the most specific match first, what to bring from the most specific
    level that says."""
    data = _load(REFERRALS_FILE)
    levels: list[Mapping[str, Any]] = []
    if community_slug and community_slug in data.get("communities", {}):
        levels.append(data["communities"][community_slug])
    if icd10:
        code = icd10.upper()
        for key in dict.fromkeys([code, code.split(".")[0][:3]]):
            if key in data.get("icd10", {}):
                levels.append(data["icd10"][key])
    levels.append(data["default"])
    sources: list[dict[str, str]] = []
    bring: list[str] = []
    for level in levels:
        found = _by_locale(level, locale)
        if not found:
            continue
        for source in found.get("sources", []):
            if source["url"] not in {s["url"] for s in sources}:
                sources.append(dict(source))
        bring = bring or list(found.get("bring", []))
    return {"sources": sources, "bring": bring}


def _labels(verdict: Any) -> list[str]:
    labels = (
        verdict.get("labels", ())
        if isinstance(verdict, Mapping)
        else getattr(verdict, "labels", ())
    )
    return [str(getattr(label, "value", label)) for label in labels]


def _spans(verdict: Any) -> list[Span]:
    raw: Iterable[Any] = (
        verdict.get("spans", ()) if isinstance(verdict, Mapping) else getattr(verdict, "spans", ())
    )
    spans = []
    for span in raw:
        if isinstance(span, Span):
            spans.append(span)
        elif isinstance(span, Mapping):
            spans.append(Span(int(span["start"]), int(span["end"]), str(span.get("kind", ""))))
    return sorted(spans, key=lambda s: (s.start, s.end))


def highlight(text: str, spans: Iterable[Span]) -> Markup:
    """The text, escaped, with each found span wrapped in <mark>; overlaps are merged."""
    pieces: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = max(span.start, cursor), min(span.end, len(text))
        if end <= start:
            continue
        pieces.append(str(escape(text[cursor:start])))
        pieces.append(f'<mark data-kind="{escape(span.kind)}">{escape(text[start:end])}</mark>')
        cursor = end
    pieces.append(str(escape(text[cursor:])))
    return Markup("".join(pieces))  # noqa: S704 - every piece above was escaped


def notice_context(
    verdict: Any,
    community_slug: str | None,
    locale: str,
    *,
    text: str = "",
    icd10: str | None = None,
    country: str | None = None,
    crisis_published: bool = False,
) -> dict[str, Any]:
    """Everything the notice partials need. `verdict` is a Verdict or anything with
    `labels` and `spans` (a stored post's screen_labels/screen_spans as a dict will do).
    `country` is the author's (their profile's); `crisis_published` says the community
    published the crisis post with a notice rather than holding it."""
    labels = _labels(verdict)
    # The model's findings (`*_model`) span the whole text: no evidence to point at.
    spans = [span for span in _spans(verdict) if not span.kind.endswith("_model")]
    kinds: list[str] = []
    if ScreenLabel.URGENT.value in labels:
        kinds.append("crisis")
    elif URGENT_POSSIBLE in labels:
        kinds.append("crisis_check")
    if ScreenLabel.ADVICE_REQUEST.value in labels:
        kinds.append("referral")
    held_labels = [label for label in labels if label in {h.value for h in HOLD_LABELS}]
    if held_labels:
        kinds.append("held")
    return {
        "notices": kinds,
        "labels": labels,
        "crisis": crisis_resources(locale, country)
        if {"crisis", "crisis_check"} & set(kinds) else None,
        "crisis_published": crisis_published,
        "referral": referral(community_slug, locale, icd10) if "referral" in kinds else None,
        "held": {
            "labels": held_labels,
            "spans": spans,
            "highlighted": highlight(text, spans) if text and spans else None,
        }
        if held_labels
        else None,
    }
