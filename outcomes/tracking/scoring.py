"""Patient-reported outcome questionnaires: FHIR R4 ``Questionnaire`` JSON in, scores out.

Each file in ``questionnaires/`` is a FHIR R4 Questionnaire. Answer options carry their
score in the standard ``ordinalValue`` extension; the scoring rule (method, range,
severity bands, flags, subscales) is data too, in the Kindred ``scoring`` extension, so
adding an instrument means adding a JSON file, not code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

QUESTIONNAIRE_DIR = Path(__file__).parent / "questionnaires"
ORDINAL_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
SCORING_URL = "https://kindred.example/fhir/scoring"
# How often a person who answers an instrument is asked again: its recall period (the PHQ-9
# asks about the last 2 weeks, so a new answer is due 2 weeks after the last).
REPEAT_URL = "https://kindred.example/fhir/repeat-every"

ScoringMethod = Literal["sum", "mean"]
_METHODS: dict[str, ScoringMethod] = {"sum": "sum", "mean": "mean"}


class QuestionnaireError(ValueError):
    """A questionnaire file is malformed; the message names the file."""


class InvalidAnswers(ValueError):
    """Answers are missing, unknown or out of range; ``link_id`` names the offending item."""

    def __init__(self, link_id: str, message: str) -> None:
        super().__init__(message)
        self.link_id = link_id


@dataclass(frozen=True, slots=True)
class AnswerOption:
    system: str
    code: str
    display: str
    score: int | None
    """The ordinal value; None for options of unscored items."""


@dataclass(frozen=True, slots=True)
class Item:
    link_id: str
    prefix: str
    text: str
    required: bool
    options: tuple[AnswerOption, ...]

    @property
    def is_scored(self) -> bool:
        return all(option.score is not None for option in self.options)

    def option(self, code: str) -> AnswerOption | None:
        return next((option for option in self.options if option.code == code), None)


@dataclass(frozen=True, slots=True)
class Band:
    code: str
    label: str
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class FlagRule:
    """Raise ``code`` when the answer to ``link_id`` scores at least ``min_score``."""

    code: str
    label: str
    link_id: str
    min_score: int


@dataclass(frozen=True, slots=True)
class Subscale:
    code: str
    label: str
    link_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QuestionnaireDefinition:
    id: str
    url: str
    version: str
    title: str
    copyright: str
    instructions: tuple[str, ...]
    items: tuple[Item, ...]
    method: ScoringMethod
    min_score: float
    max_score: float
    bands: tuple[Band, ...]
    flag_rules: tuple[FlagRule, ...]
    subscales: tuple[Subscale, ...]
    repeat_days: int
    """Days after an answer when the next one is due (the `repeat-every` extension)."""
    resource: Mapping[str, Any] = field(repr=False, compare=False)
    """The FHIR Questionnaire as loaded, for serving it unchanged."""

    @property
    def canonical(self) -> str:
        return f"{self.url}|{self.version}"

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.is_scored)


@dataclass(frozen=True, slots=True)
class Score:
    total: float
    """An int for summed scores."""
    band_code: str
    band_label: str
    flags: tuple[str, ...]
    subscales: Mapping[str, float] = field(default_factory=dict)


def load_questionnaires(directory: Path = QUESTIONNAIRE_DIR) -> dict[str, QuestionnaireDefinition]:
    """Every ``*.json`` Questionnaire in ``directory``, by its FHIR id."""
    definitions: dict[str, QuestionnaireDefinition] = {}
    for path in sorted(directory.glob("*.json")):
        definition = _parse(path, json.loads(path.read_text(encoding="utf-8")))
        if definition.id in definitions:
            raise QuestionnaireError(f"{path.name}: duplicate questionnaire id {definition.id!r}")
        definitions[definition.id] = definition
    return definitions


def score(definition: QuestionnaireDefinition, answers: Mapping[str, str]) -> Score:
    """Score answers (linkId -> answer code) by the questionnaire's published rules."""
    chosen = _validate(definition, answers)
    item_scores = {
        link_id: option.score for link_id, option in chosen.items() if option.score is not None
    }
    total = _combine(
        definition.method, [item_scores[item.link_id] for item in definition.scored_items]
    )
    band = next(band for band in reversed(definition.bands) if total >= band.low)
    flags = tuple(
        rule.code for rule in definition.flag_rules if item_scores[rule.link_id] >= rule.min_score
    )
    subscales = {
        subscale.code: _combine(
            definition.method, [item_scores[link_id] for link_id in subscale.link_ids]
        )
        for subscale in definition.subscales
    }
    return Score(total, band.code, band.label, flags, subscales)


def to_questionnaire_response(
    definition: QuestionnaireDefinition,
    answers: Mapping[str, str],
    authored: datetime,
    subject_reference: str | None = None,
) -> dict[str, Any]:
    """A completed FHIR R4 QuestionnaireResponse for validated answers."""
    if authored.utcoffset() is None:
        raise ValueError("authored must be a timezone-aware datetime")
    chosen = _validate(definition, answers)
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": definition.canonical,
        "status": "completed",
        "authored": authored.isoformat(timespec="seconds"),
    }
    if subject_reference is not None:
        response["subject"] = {"reference": subject_reference}
    response["item"] = [
        {
            "linkId": item.link_id,
            "text": item.text,
            "answer": [
                {
                    "valueCoding": {
                        "system": chosen[item.link_id].system,
                        "code": chosen[item.link_id].code,
                        "display": chosen[item.link_id].display,
                    }
                }
            ],
        }
        for item in definition.items
        if item.link_id in chosen
    ]
    return response


def _validate(
    definition: QuestionnaireDefinition, answers: Mapping[str, str]
) -> dict[str, AnswerOption]:
    known = {item.link_id for item in definition.items}
    for link_id in answers:
        if link_id not in known:
            raise InvalidAnswers(link_id, f"{definition.title}: there is no item {link_id!r}")
    chosen: dict[str, AnswerOption] = {}
    for item in definition.items:
        code = answers.get(item.link_id)
        if not code:
            if item.required:
                raise InvalidAnswers(
                    item.link_id,
                    f"{definition.title}: item {item.link_id} ({item.text}) needs an answer",
                )
            continue
        option = item.option(code)
        if option is None:
            allowed = ", ".join(option.code for option in item.options)
            raise InvalidAnswers(
                item.link_id,
                f"{definition.title}: answer {code!r} to item {item.link_id} "
                f"is not one of {allowed}",
            )
        chosen[item.link_id] = option
    return chosen


def _combine(method: ScoringMethod, values: Sequence[int]) -> float:
    return sum(values) if method == "sum" else sum(values) / len(values)


# Parsing --------------------------------------------------------------------------------------


def _parse(path: Path, resource: Mapping[str, Any]) -> QuestionnaireDefinition:
    try:
        return _parse_resource(path, resource)
    except (KeyError, StopIteration, TypeError) as error:
        raise QuestionnaireError(
            f"{path.name}: missing or malformed element ({error!r})"
        ) from error


def _parse_resource(path: Path, resource: Mapping[str, Any]) -> QuestionnaireDefinition:
    if resource.get("resourceType") != "Questionnaire":
        raise _error(path, "resourceType must be Questionnaire")
    scoring = _extension(resource, SCORING_URL)
    if scoring is None:
        raise _error(path, f"missing the {SCORING_URL} extension")
    repeat = _extension(resource, REPEAT_URL)
    if repeat is None or repeat["valueDuration"].get("code") != "d" or not (
            int(repeat["valueDuration"]["value"]) >= 1):
        raise _error(path, f"missing the {REPEAT_URL} extension (a duration in days, code d)")
    instructions: list[str] = []
    items: list[Item] = []
    for raw in resource.get("item", []):
        if raw.get("type") == "display":
            instructions.append(raw["text"])
        elif raw.get("type") == "choice":
            items.append(_parse_item(path, raw))
        else:
            raise _error(
                path, f"item {raw.get('linkId')!r} has unsupported type {raw.get('type')!r}"
            )
    scored = {item.link_id for item in items if item.is_scored}
    if not scored:
        raise _error(path, "no scored items: answer options need ordinalValue extensions")
    if any(item.is_scored and not item.required for item in items):
        raise _error(path, "every scored item must be required")

    method = _METHODS.get(_value(scoring, "method"))
    if method is None:
        raise _error(path, f"scoring method must be one of {', '.join(_METHODS)}")
    flag_rules = tuple(
        FlagRule(
            _value(flag, "code"),
            _value(flag, "label"),
            _value(flag, "linkId"),
            _value(flag, "minScore"),
        )
        for flag in _parts(scoring, "flag")
    )
    subscales = tuple(
        Subscale(
            _value(subscale, "code"),
            _value(subscale, "label"),
            tuple(_value(link) for link in _parts(subscale, "linkId")),
        )
        for subscale in _parts(scoring, "subscale")
    )
    for link_id in [rule.link_id for rule in flag_rules] + [
        i for s in subscales for i in s.link_ids
    ]:
        if link_id not in scored:
            raise _error(path, f"scoring refers to {link_id!r}, which is not a scored item")
    definition = QuestionnaireDefinition(
        id=resource["id"],
        url=resource["url"],
        version=resource["version"],
        title=resource["title"],
        copyright=resource["copyright"],
        instructions=tuple(instructions),
        items=tuple(items),
        method=method,
        min_score=_value(scoring, "minScore"),
        max_score=_value(scoring, "maxScore"),
        bands=tuple(
            Band(
                _value(band, "code"),
                _value(band, "label"),
                _value(band, "low"),
                _value(band, "high"),
            )
            for band in _parts(scoring, "band")
        ),
        flag_rules=flag_rules,
        subscales=subscales,
        repeat_days=int(repeat["valueDuration"]["value"]),
        resource=resource,
    )
    _check_range(path, definition)
    return definition


def _check_range(path: Path, definition: QuestionnaireDefinition) -> None:
    """The declared range must match the items, and the bands must tile it in order."""
    scored = definition.scored_items
    lowest = _combine(definition.method, [min(_option_scores(item)) for item in scored])
    highest = _combine(definition.method, [max(_option_scores(item)) for item in scored])
    if (lowest, highest) != (definition.min_score, definition.max_score):
        raise _error(
            path,
            f"declared range {definition.min_score}-{definition.max_score}, "
            f"items give {lowest}-{highest}",
        )
    bands = definition.bands
    if not bands or bands[0].low != lowest or bands[-1].high != highest:
        raise _error(path, "severity bands must start at the minimum score and end at the maximum")
    for before, after in pairwise(bands):
        # Summed scores are whole numbers, so their bands must meet exactly.
        adjacent = (
            after.low == before.high + 1 if definition.method == "sum" else before.high < after.low
        )
        if not (before.low <= before.high and adjacent and after.low <= after.high):
            raise _error(
                path,
                f"bands {before.code!r} and {after.code!r} overlap, leave a gap or are disordered",
            )


def _parse_item(path: Path, raw: Mapping[str, Any]) -> Item:
    options = []
    for option in raw.get("answerOption", []):
        coding = option["valueCoding"]
        ordinal = _extension(option, ORDINAL_VALUE_URL)
        score = None if ordinal is None else ordinal["valueDecimal"]
        if score is not None and score != int(score):
            raise _error(path, f"item {raw['linkId']!r}: ordinal values must be whole numbers")
        options.append(
            AnswerOption(
                coding["system"],
                coding["code"],
                coding["display"],
                None if score is None else int(score),
            )
        )
    return Item(
        raw["linkId"],
        raw.get("prefix", ""),
        raw["text"],
        raw.get("required", False),
        tuple(options),
    )


def _option_scores(item: Item) -> list[int]:
    return [option.score for option in item.options if option.score is not None]


def _extension(element: Mapping[str, Any], url: str) -> Mapping[str, Any] | None:
    return next((ext for ext in element.get("extension", []) if ext.get("url") == url), None)


def _parts(extension: Mapping[str, Any], url: str) -> list[Mapping[str, Any]]:
    return [part for part in extension.get("extension", []) if part.get("url") == url]


def _value(extension: Mapping[str, Any], url: str | None = None) -> Any:
    """The value[x] of sub-extension ``url``, or of ``extension`` itself when url is None."""
    part = extension if url is None else _extension(extension, url)
    if part is None:
        raise KeyError(url)
    return next(value for key, value in part.items() if key.startswith("value"))


def _error(path: Path, message: str) -> QuestionnaireError:
    return QuestionnaireError(f"{path.name}: {message}")
