"""Finding names of real persons, English and Russian, without flagging eponyms."""

from __future__ import annotations

import re
from collections.abc import Iterator

from community.screening import Span

from .gate import GatedPattern
from .lexicon import (
    CLINICIAN_EN,
    CLINICIAN_RU,
    COMMON_WORDS,
    DRUG_RE,
    EPONYMS,
    FIRST_NAMES,
    NOT_NAMES_AFTER_TITLE,
    ORG_WORDS,
    PUBLIC_FIGURES,
    PUBLIC_SURNAMES_RU,
    RELATIVE_EN,
    RU_FIRST_NAMES,
    SURNAMES,
)
from .text import Post

KIND = "person_name"

_CAP = r"[A-Z][a-zA-Z'\-]+"
_WORD = r"[A-Za-z][a-zA-Z'\-]+"
_CAP_RU = r"[А-ЯЁ][а-яё\-]+"

# Titles are matched on the original text: case tells "Ms Smith" from "MS fatigue".
# Only an abbreviated title takes a full stop: "nurse. Green tea" ends a sentence. A title
# and its name stand on one line.
_TITLE_EN = GatedPattern(
    r"\b(?:(?P<short>[Dd]r|DR|[Pp]rof|[Mm]rs|[Mm]r|Ms|Dra)\.?|[Dd]octor|[Pp]rofessor|[Nn]urse|Miss)"
    rf"[^\S\n]+(?P<name>(?:[A-Z]\.\s?)?{_WORD}(?:\s+(?:[A-Z]\.\s?)?{_CAP}){{0,2}})"
)
# Lowercase patterns run on the folded text (same offsets); case is then read from the original.
_LOW_WORD = r"[a-z][a-z'\-]+"
_ROLE_FULL_NAME_EN = GatedPattern(
    rf"\b(?:{CLINICIAN_EN}|{RELATIVE_EN}|neighbou?r|boss|friend|colleague|coworker|landlord"
    r"|teacher|manager)(?:'s)?(?:\s+(?:full\s+)?name)?(?:\s*,\s*|\s+(?:is|was|named|called|-)\s+|\s+)"
    rf"(?P<name>{_LOW_WORD}\s+{_LOW_WORD})"
)
_SELF_INTRO_EN = GatedPattern(
    r"\b(?:my\s+(?:real\s+|full\s+)?name\s+is|i'?m\s+called|call\s+me|i\s+am|i'?m|this\s+is"
    r"|on\s+(?:fb|facebook|insta|instagram|ig|linkedin)\s+as)\s+"
    rf"(?P<name>{_LOW_WORD}(?:\s+{_LOW_WORD}){{1,2}})"
)
_CAP_PAIR_EN = re.compile(
    rf"\b(?P<first>[A-Z][a-z]+)\s+(?:(?:[A-Z]\.|[A-Z][a-z]+)\s+)?(?P<last>{_CAP})"
)
_EPONYM_AFTER = re.compile(
    r"^(?:'s|s'|')?\s*(?:disease|syndrome|palsy|lymphoma|sign|test|cyst|phenomenon|thyroiditis"
    r"|ulcer|esophagus|oesophagus|node|chorea|contracture|disorder|anomaly|maneuver|manoeuvre)\b"
)

# Abbreviations ("д-р", "проф.") take no endings, or "других" and "профиле" would be titles;
# only they take a full stop ("к врачу. Если" is two sentences).
_TITLE_RU = GatedPattern(
    rf"(?<![а-яё])(?:(?:д-р|др|проф)\.?|{CLINICIAN_RU})[^\S\n]+(?P<name>[а-яё][а-яё\-]+)"
)
_CAP_RU_RUN = re.compile(rf"{_CAP_RU}(?:\s+{_CAP_RU}){{0,2}}")
_PATRONYMIC = re.compile(
    r"^(?:[а-яё]+(?:ович|евич)(?:а|у|ем|е)?|[а-яё]+(?:овн|евн)(?:а|ы|е|у|ой)"
    r"|[А-ЯЁ][а-яё]+(?:ичн|иничн)(?:а|ы|е|у|ой))$"
)
_SURNAME_RU = re.compile(
    r"^[а-яё]{2,}(?:ов|ев|ин|ын|ский|цкий|ской|цкой|ова|ева|ина|ына|ская|цкая|енко|чук|щук|юк"
    r"|ук|ян|дзе|швили|ко)(?:а|у|ым|ом|ой|ого|ому|ую|ей|их|ы|е)?$"
)
_NOT_SURNAMES_RU = frozenset(
    [
        "снова",
        "основа",
        "слова",
        "готова",
        "здорова",
        "такова",
        "голова",
        "корова",
        "нова",
        "сова",
        "дрова",
        "мужчина",
        "женщина",
        "причина",
        "половина",
        "картина",
        "машина",
        "глубина",
        "середина",
        "вершина",
        "долина",
        "малина",
        "калина",
        "сказала",
        "сказал",
        "назначила",
        "назначил",
        "говорит",
        "говорила",
        "ничего",
        "только",
        "сегодня",
        "потом",
        "тоже",
        "также",
        "какой",
        "какая",
        "каждый",
        "каждая",
        "очень",
        "сильно",
        "немного",
        "много",
        "около",
        "около",
        "всего",
        "своего",
        "своей",
        "моего",
        "моей",
        "нашего",
        "нашей",
        "такой",
        "такого",
        "стационаре",
        "приеме",
        "регистратуре",
    ]
)
_SELF_INTRO_RU = GatedPattern(
    r"(?:меня\s+зовут|мое\s+имя|я\s*-)\s+(?P<name>[а-я][а-я\-]+\s+[а-я][а-я\-]+)"
)
_INITIALS_RU = re.compile(
    rf"(?<![А-ЯЁа-яё])(?:{_CAP_RU}\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.|[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?{_CAP_RU})"
)
_CAP_PAIR_RU = re.compile(
    rf"(?<![а-яёА-ЯЁ])(?P<a>{_CAP_RU})\s+(?P<b>{_CAP_RU})(?:\s+(?P<c>{_CAP_RU}))?"
)
_INSTITUTION_BEFORE_RU = re.compile(
    r"(?:болезн|синдром|тиреоидит|от[её]к|лимфом|паралич|проб|палочк|аппликатор|воротник|имени|им\."
    r"|больниц|институт|центр|нмиц|клиник|улиц|ул\.|проспект|пр\.|переул)[а-яё]*\s*$"
)


def _is_english_name_token(token: str, *, after_title: bool) -> bool:
    low = token.lower().removesuffix("'s").rstrip("'")
    bare = low.replace("'", "")
    if not bare.replace("-", "").isalpha() or len(bare) < 2:
        return False
    if low in EPONYMS or low in NOT_NAMES_AFTER_TITLE or low in ORG_WORDS:
        return False
    known = bare in SURNAMES or bare in FIRST_NAMES
    if token[0].isupper():
        return known or low not in COMMON_WORDS
    return after_title and (bare in SURNAMES or (low not in COMMON_WORDS and len(low) >= 4))


def _is_eponym_use(text: str, end: int) -> bool:
    return _EPONYM_AFTER.match(text[end : end + 20].lower()) is not None


def _public(name: str) -> bool:
    parts = [p.strip(".").lower() for p in name.split()]
    full = " ".join(p for p in parts if len(p) > 1)
    return full in PUBLIC_FIGURES or (
        len(parts) >= 2 and f"{parts[0]} {parts[-1]}" in PUBLIC_FIGURES
    )


def _overlapping(pattern: GatedPattern, text: str) -> Iterator[re.Match[str]]:
    """Matches that may overlap, so "doctor is Dr. Smith" still reaches "Dr. Smith"."""
    if pattern.factors and not any(map(text.__contains__, pattern.factors)):
        return
    position = 0
    while match := pattern.regex.search(text, position):
        yield match
        position = match.start("name")


def _english(post: Post) -> Iterator[Span]:
    text = post.original
    for match in _overlapping(_TITLE_EN, text):
        tokens = [
            (m.start() + match.start("name"), m.group())
            for m in re.finditer(r"\S+", match.group("name"))
        ]
        lead = 1 if len(tokens) > 1 and re.fullmatch(r"[A-Z]\.", tokens[0][1]) else 0
        first = tokens[lead][1]
        # After a title spelt out ("nurse reckons"), a lowercase word is a name only if it is
        # a surname; after "dr" or "mr" people do write names in lowercase.
        if first[0].islower() and not match.group("short") and first.lower() not in SURNAMES:
            continue
        if not _is_english_name_token(first, after_title=True) and not (
            # "Mr Alistair Fenwick": a first name that is also a dictionary word still counts
            # when a capitalised surname follows it.
            len(tokens) > lead + 1
            and tokens[lead][1][0].isupper()
            and tokens[lead][1].isalpha()
            and tokens[lead][1].lower() not in NOT_NAMES_AFTER_TITLE
            and tokens[lead][1].lower() not in EPONYMS
            and tokens[lead + 1][1].lower().removesuffix("'s") in SURNAMES
        ):
            continue
        end = tokens[lead][0] + len(tokens[lead][1])
        if any(token.lower().removesuffix("'s") in EPONYMS for _, token in tokens):
            continue
        for position, token in tokens[lead + 1 :]:
            if not _is_english_name_token(token, after_title=False):
                break
            end = position + len(token)
        if text[end - 2 : end] == "'s":
            end -= 2
        named = text[match.start("name") : end].removesuffix("'s")
        if _first_name_alone(named):
            continue
        if not _is_eponym_use(text, end) and not _public(named):
            yield Span(match.start(), end, KIND)
    for pattern in (_ROLE_FULL_NAME_EN, _SELF_INTRO_EN):
        for match in _overlapping(pattern, post.folded):
            name = _leading_name(text[match.start("name") : match.end("name")])
            if _plausible_full_name(name, strict=pattern is _SELF_INTRO_EN):
                yield Span(match.start("name"), match.start("name") + len(name), KIND)
    for match in _CAP_PAIR_EN.finditer(text):
        first, last = match.group("first"), match.group("last")
        if (
            first.lower() in FIRST_NAMES
            and (last.lower().removesuffix("'s") in SURNAMES or last.lower() not in COMMON_WORDS)
            and _is_english_name_token(last, after_title=False)
            and not _is_eponym_use(text, match.end())
            and not _public(match.group(0))
        ):
            yield Span(match.start(), match.end(), KIND)


def _first_name_alone(name: str) -> bool:
    """ "Nurse Sue", "Dr Sarah": a first name alone names no one, even after a title."""
    low = name.lower()
    return " " not in low and low in FIRST_NAMES and low not in SURNAMES


def _leading_name(words: str) -> str:
    """The capitalised words a name is made of ("Karen Whitfield" of "Karen Whitfield and")."""
    tokens = words.split()
    capitalised = 0
    while capitalised < len(tokens) and tokens[capitalised][0].isupper():
        capitalised += 1
    kept = tokens[:capitalised] if capitalised >= 2 else tokens[:2]
    return words[: words.index(kept[-1], sum(len(t) for t in kept[:-1])) + len(kept[-1])]


def _plausible_full_name(name: str, *, strict: bool) -> bool:
    tokens = name.split()
    first, last = tokens[0], tokens[-1]
    if _public(name):
        return False
    if first[0].isupper() and last[0].isupper():
        if _is_english_name_token(first, after_title=False) and _is_english_name_token(
            last, after_title=False
        ):
            return True
        # "my son Tyler Johnson": a known first name after a role word, then any surname,
        # even one that also names a syndrome.
        low = last.lower().removesuffix("'s")
        return (
            first.lower() in FIRST_NAMES
            and len(tokens) == 2
            and low.isalpha()
            and (low in SURNAMES or low in EPONYMS)
            and low not in NOT_NAMES_AFTER_TITLE
            and low not in ORG_WORDS
        )
    if strict:
        return False
    return (
        first.lower() in FIRST_NAMES
        and last.lower() in SURNAMES
        and last.lower() not in NOT_NAMES_AFTER_TITLE
    )


# "Дмитриев", "Федорова": a patronymic surname, though "Дмитрий" and "Федор" hide in it.
_OV_SURNAME_RU = re.compile(r"[а-яё]{3,}(?:ов|ев|ёв)(?:а|у|ым|ом|ой|ых|е)?$")


def _ru_first_name(token: str) -> bool:
    low = token.lower()
    if low not in RU_FIRST_NAMES and _OV_SURNAME_RU.match(low):
        return False
    candidates = (
        low,
        low[:-1] + "а",
        low[:-1] + "я",
        low[:-1] + "й",
        low[:-1],
        low[:-2] + "а",
        low[:-2] + "я",
        low[:-2],
        low[:-2] + "й",
    )
    return any(c in RU_FIRST_NAMES for c in candidates)


# Adjectives' endings ("такое", "пищевого"); surnames in -ский/-цкий take them too.
_ADJECTIVE_RU = re.compile(r"(?<!ск)(?<!цк)(?:ого|его|ому|ему|ое|ее|ые|ие|ых)$")


def _ru_surname(token: str) -> bool:
    low = token.lower()
    return (
        _SURNAME_RU.match(low) is not None
        and _ADJECTIVE_RU.search(low) is None
        and low not in _NOT_SURNAMES_RU
        and not low.startswith(tuple(EPONYMS))
        and DRUG_RE.match(low) is None
    )


def _ru_not_person(token: str) -> bool:
    low = token.lower()
    return low.startswith(tuple(e for e in EPONYMS if len(e) > 3)) or low.startswith(
        PUBLIC_SURNAMES_RU
    )


def _russian(post: Post) -> Iterator[Span]:
    text = post.original
    for match in _TITLE_RU.finditer(post.folded):
        word = text[match.start("name") : match.end("name")]
        if _ru_not_person(word):
            continue
        capitalised = _CAP_RU_RUN.match(text, match.start("name"))
        # "медсестра Оля", "акушерке Наташе": a first name alone names no one.
        if (not capitalised or " " not in capitalised.group(0)) and _ru_first_name(word):
            continue
        if capitalised:
            yield Span(match.start(), capitalised.end(), KIND)
        elif _ru_surname(word):
            yield Span(match.start(), match.end(), KIND)
    for match in _INITIALS_RU.finditer(text):
        if not _ru_not_person(match.group(0).split()[0]):
            yield Span(match.start(), match.end(), KIND)
    for match in _SELF_INTRO_RU.finditer(post.folded):
        if _CAP_RU_RUN.fullmatch(text, match.start("name"), match.end("name")):
            yield Span(match.start("name"), match.end("name"), KIND)
    for match in _CAP_PAIR_RU.finditer(text):
        words = [w for w in match.group("a", "b", "c") if w]
        if _INSTITUTION_BEFORE_RU.search(text[max(0, match.start() - 25) : match.start()].lower()):
            continue
        has_first = any(_ru_first_name(w) for w in words)
        has_patronymic = any(
            _PATRONYMIC.match(w.lower()) or _PATRONYMIC.match(w) for w in words[1:]
        )
        # Surname, first name and patronymic together are a person even if the surname is
        # also an eponym ("Кузнецов Игорь Анатольевич").
        if any(_ru_not_person(w) for w in words) and not (has_first and has_patronymic):
            continue
        # A word is a first name or a surname, not both ("Вашей Полине" is no full name).
        has_surname = any(_ru_surname(w) and not _ru_first_name(w) for w in words)
        if has_first and (has_patronymic or has_surname):
            yield Span(match.start(), match.end(), KIND)


def find_person_names(post: Post) -> list[Span]:
    """Spans of personal names (with their title) in the post."""
    spans = list(_english(post))
    if post.has_cyrillic:
        spans.extend(_russian(post))
    return spans
