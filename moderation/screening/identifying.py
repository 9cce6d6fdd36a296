"""The identifying detector: contacts, dates of birth, record numbers, addresses, names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher, PhoneNumberType

from community.screening import Span

from .gate import GatedPattern
from .names import find_person_names
from .text import Post

PHONE_REGIONS = ("US", "GB", "RU", "DE", "FR", "UA", "BY", "IE", "AU")
# Toll-free and shared-cost lines belong to organisations (helplines, pharmacies), not people.
_ORGANISATION_LINES = {PhoneNumberType.TOLL_FREE, PhoneNumberType.SHARED_COST, PhoneNumberType.UAN}

_EMAIL = GatedPattern(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b")
# Addresses spelt out to dodge filters: "kat.b at gmail dot com", "ivan (at) yandex.ru",
# "olga собака mail.ru". A spaced " at " needs a mail provider or a spelt-out "dot" after it.
_TLD = r"(?:com|net|org|ru|co|uk|de|fr|ca|au|io|me|info|edu|su|by|ua|kz|ie|nl|es|it)"
_DOT = r"(?:\s*(?:\.|\(dot\)|\[dot\]|\(\.\)|\[\.\]|\(точка\))\s*|\s+(?:dot|точка)\s+)"
_OBFUSCATED_EMAIL = GatedPattern(
    r"(?<![\w.@])(?P<local>[a-z0-9][\w.+-]*(?:\s+dot\s+[a-z0-9_]+)*)"
    r"(?:\s*(?:\(at\)|\[at\]|\{at\}|\(собака\)|\[собака\])\s*|\s+(?:собака|собачка)\s+)"
    rf"[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}{_TLD}\b"
    # A bracketed "(at)" is deliberate obfuscation: any domain ending counts after it.
    r"|(?<![\w.@])[a-z0-9][\w.+-]*\s*(?:\(at\)|\[at\]|\{at\}|\(собака\)|\[собака\])\s*"
    rf"[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}[a-z]{{2,12}}\b"
    r"|(?<![\w.@])[a-z0-9][\w.+-]*(?:\s+dot\s+[a-z0-9_]+)*\s+at\s+"
    r"(?:gmail|googlemail|yahoo|hotmail|outlook|live|icloud|aol|proton(?:mail)?|mail|yandex|ya"
    rf"|rambler|bk|inbox|list|gmx|web){_DOT}{_TLD}(?:{_DOT}{_TLD})?\b"
    rf"|(?<![\w.@])[a-z0-9][\w.+-]*(?:\s+dot\s+[a-z0-9_]+)+\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)+\b"
)
_MAIL_PROVIDER = (
    r"(?:gmail|googlemail|yahoo|hotmail|outlook|icloud|proton(?:mail)?|yandex|rambler|mail\.ru)"
)
# A mailbox named by its provider without the "@": "gmail: jo.k.walsh88", "jo dot k at gmail",
# "ivan.p (at) yandex". The local part must look like an address (a dot, digit or underscore,
# or a spelt-out "dot") so that "message me at gmail" is not taken for one.
_PROVIDER_EMAIL = GatedPattern(
    rf"\b{_MAIL_PROVIDER}\s*(?:[:\-]|\s-)\s*(?P<local>[a-z][\w.+-]*[._\d][\w.+-]*[a-z0-9])\b"
    r"|(?<![\w.@])(?P<local2>[a-z0-9][\w.+-]*(?:\s+dot\s+[a-z0-9_]+)*)"
    rf"\s*(?:\s+at\s+|\(at\)|\[at\]|\s+собака\s+|\(собака\))\s*{_MAIL_PROVIDER}\b"
)
_ADDRESS_LIKE = re.compile(r"[._\d]|\sdot\s")
_ROLE_MAILBOX = re.compile(
    r"^(?:info|help|support|contact|admin|enquiries|office|hello|team|noreply|no-reply)@"
)
_FREE_MAIL = re.compile(
    r"@(?:gmail|googlemail|yahoo|hotmail|outlook|live|icloud|me|aol|proton|protonmail|mail|yandex"
    r"|ya|rambler|bk|inbox|list|gmx|web)\."
)

_PHONE_CANDIDATE = re.compile(r"(?<![\w/.,])\+?\s?\(?\d[\d\s().\-]{5,22}\d(?![\w/])")
_DECIMAL_TOKEN = re.compile(r"^\d+[.,]\d{1,2}$")
# "02.11.2024", "2024-11-02": a date, whatever a numbering plan would make of its digits.
_DATE_TOKEN = re.compile(r"^\(?(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2})$")
_PHONE_CUE = re.compile(
    r"(?:call|text|phone|ph|tel|cell|mobile|whats\s?app|ring|reach\s+me|my\s+number|sms|signal"
    r"|viber"
    r"|звон|телефон|тел|мой\s+номер|ватсап|вотсап|вайбер|смс)\w*\W{0,6}(?:\w+\W{1,3}){0,3}$",
)
_TOLL_FREE_PREFIX = re.compile(
    r"^(?:\+?1)?8(?:00|88|77|66|55|44|33)\d{7}$|^(?:\+?7|8)800\d{7}$|^0(?:800|808)\d{6,7}$"
)

_NUMBER_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple"
    r"|ноль|нуль|один|одна|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять"
    r"|(?:один|две|три|четыр|пят|шест|сем|восем|девят)надцать"
    r"|двадцать|тридцать|сорок|пятьдесят|шестьдесят|семьдесят|восемьдесят|девяносто"
    r"|сто|двести|триста|четыреста|пятьсот|шестьсот|семьсот|восемьсот|девятьсот|\d{1,4})"
)
# Digits spelt out to dodge filters: "five five five, zero one four two", "восемь девятьсот ...".
_SPELLED_NUMBER = re.compile(
    rf"(?<![\w-]){_NUMBER_WORD}(?:[\s,.\-]{{1,3}}{_NUMBER_WORD}){{6,}}(?![\w-])"
)
_SPELLED_WORD = re.compile(r"[a-zа-я]+")
_HANDLE = GatedPattern(
    r"(?:insta(?:gram)?|ig|tik\s?tok|twitter|telegram|tg|snap(?:chat)?|discord|threads|fb|facebook"
    r"|телег\w*|телеграм\w*|тг|инст\w*|тикток\w*|вк"
    r"|вконтакте)\W{1,12}(?:\w+\W{1,3}){0,2}?(?P<handle>@[\w.]{3,30})"
    r"|(?P<url>\b(?:t\.me|instagram\.com|vk\.com|tiktok\.com/@|facebook\.com|fb\.com|x\.com"
    r"|twitter\.com)/[\w.@]{3,})",
)

_MONTH_EN = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTH_RU = r"(?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
_DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_EN},?\s*(?:(?:19|20)\d{{2}})?"
    rf"|{_MONTH_EN}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s*(?:(?:19|20)\d{{2}})?"
    rf"|\d{{1,2}}\s+{_MONTH_RU}(?:\s+(?:19|20)\d{{2}}(?:\s*(?:г\.?|года))?)?)"
)
_DOB = GatedPattern(
    r"\b(?:born|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s?date|birthday|b-?day|родил(?:ся|ась|ись)"
    r"|дата\s+рождения|д\.\s?р\.?|др|день\s+рождения)(?![a-zа-я])[^.\n\d]{0,20}?(?P<date>"
    + _DATE
    + r")",
)

_ID = (
    r"(?P<id>[a-zа-я]{0,4}[\s#№:-]{0,3}\d[\d\s/-]{2,22}\d[a-z]?(?:\s*(?:номер|no\.?|№)\s*\d{4,})?)"
)
_RECORD = GatedPattern(
    r"\b(?:mrn|medical\s+record(?:\s+(?:number|no|#))?|record\s+(?:number|no|#)|patient\s+(?:id"
    r"|number|no)"
    r"|hospital\s+(?:number|no|id)|nhs\s+(?:number|no)|chi\s+number|health\s+card(?:\s+number)?"
    r"|(?:insurance|member|policy|subscriber|medicare|medicaid)\s+(?:id|number|no)|member\s+id|ssn"
    r"|social\s+security(?:\s+(?:number|no))?|passport(?:\s+(?:number|no))?"
    r"|driver'?s?\s+licen[cs]e(?:\s+(?:number|no))?|снилс\w*|полис\w*(?:\s+омс)?|паспорт\w*"
    r"|серия|инн|медкарт\w*|номер\s+(?:мед)?карт\w*|амбулаторн\w+\s+карт\w*|истори\w+\s+болезни"
    r"|свидетельств\w+\s+о\s+рождении)\b[^\n\d]{0,16}?" + _ID,
)
_SSN = re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")
_SNILS = re.compile(r"\b\d{3}-\d{3}-\d{3}[\s-]\d{2}\b")
_NHS = re.compile(r"\b\d{3}\s\d{3}\s\d{4}\b")

_STREET_EN = GatedPattern(
    r"\b\d{1,5}[a-z]?,?\s+(?:[nsew]\.?\s+)?(?P<body>(?:[a-z0-9][\w'-]*\s+){0,3}?)"
    r"(?P<kind>street|road|avenue|boulevard|blvd|st|rd|ave|ln|dr|lane|drive|close|court|ct|place"
    r"|terrace|crescent|way|highway|hwy|parkway|pkwy|square|gardens)\b\.?",
)
_STREET_ALWAYS = frozenset({"street", "road", "avenue", "boulevard", "blvd"})
_NOT_STREET_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "my",
        "your",
        "his",
        "her",
        "our",
        "their",
        "this",
        "that",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "down",
        "up",
        "along",
        "across",
        "off",
        "and",
        "or",
        "but",
        "mg",
        "mcg",
        "ml",
        "g",
        "kg",
        "lb",
        "lbs",
        "min",
        "mins",
        "minute",
        "minutes",
        "hour",
        "hours",
        "hr",
        "hrs",
        "mile",
        "miles",
        "km",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "times",
        "x",
        "pills",
        "tablets",
        "units",
        "puffs",
        "per",
        "long",
        "short",
        "hard",
        "easy",
        "whole",
        "more",
        "less",
        "than",
    ]
)
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d(?!MG|ML|IU|UG|KG)[A-Z]{2}\b")
_US_ZIP = re.compile(
    r",\s*(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV"
    r"|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC)\s+\d{5}(?:-\d{4})?\b"
)
_APARTMENT_EN = GatedPattern(r"\b(?:apt|apartment|suite|flat|unit)\.?\s*#?\s*\d+[a-z]?\b")
_STREET_RU = GatedPattern(
    r"(?<![а-яё])(?:ул(?:ица|ице|ицу)?\.?|пр(?:оспект[еа]?|-т|\.)|просп\.?|пер(?:еул(?:ок|ке))?\.?"
    r"|бул(?:ьвар[еа]?)?\.?|б-р|шоссе|наб(?:ережн(?:ая|ой))?\.?|пл(?:ощад[ьи])?\.|мкр\.?"
    r"|микрорайон[е]?|проезд)"
    r"(?![а-яё])"
    r"\s*[а-яё0-9][\w.\- ]{1,30}?,?\s*(?:д(?:ом)?\.?\s*)?\d+[а-я]?(?:\s*,?\s*(?:к(?:орп(?:ус)?)?\."
    r"?|стр\.?)\s*\d+)?"
    r"(?:\s*,?\s*кв(?:артира)?\.?\s*\d+)?"
    r"|[а-яё]{2,}(?:ом|ий|ая|ой)\s+(?:проспект[еа]?|бульвар[еа]?|переулк[еа]"
    r"|шоссе)\s+\d+[а-я]?(?:\s*,?\s*кв\.?\s*\d+)?",
)
_APARTMENT_RU = GatedPattern(
    r"(?<![а-яё])(?:д\.?\s*\d+[а-я]?\s*,?\s*)?кв(?:артира)?\.?\s*(?!м\b)\d+\b"
)
_ADDRESS_CUE = GatedPattern(
    r"\b(?:i\s+live\s+at|my\s+address\s+is|address\s*:|живу\s+(?:по\s+адресу|на)"
    r"|адрес\s*(?:для\s+\w+\s*)?:)",
)


def _emails(post: Post) -> Iterator[Span]:
    for match in _EMAIL.finditer(post.folded):
        address = match.group(0)
        if _ROLE_MAILBOX.match(address) and not _FREE_MAIL.search(address):
            continue
        yield Span(match.start(), match.end(), "email")
    for match in _OBFUSCATED_EMAIL.finditer(post.folded):
        yield Span(match.start(), match.end(), "email")
    for match in _PROVIDER_EMAIL.finditer(post.folded):
        local = match.group("local") or match.group("local2") or ""
        if _ADDRESS_LIKE.search(local):
            yield Span(match.start(), match.end(), "email")


def _phones(post: Post) -> Iterator[Span]:
    for candidate in _PHONE_CANDIDATE.finditer(post.text):
        raw = candidate.group(0)
        digits = re.sub(r"\D", "", raw)
        if not 7 <= len(digits) <= 15 or any(_DECIMAL_TOKEN.match(t) for t in raw.split()):
            continue
        if _DATE_TOKEN.match(raw.strip()):
            continue
        before = post.folded[max(0, candidate.start() - 40) : candidate.start()]
        cued = _PHONE_CUE.search(before) is not None
        starts_international = raw.lstrip().startswith("+")
        # A bare run of digits is as often an order or reference number as a phone number.
        if raw.strip().isdigit() and not (cued or starts_international):
            continue
        found = _valid_phone(raw, candidate.start())
        if isinstance(found, Span):
            yield found
        if found is not None:
            continue
        if (
            len(digits) >= 10
            and (starts_international or cued)
            and not _TOLL_FREE_PREFIX.match(digits)
        ):
            offset = len(raw) - len(raw.lstrip())
            yield Span(candidate.start() + offset, candidate.end(), "phone")


def _spelled_phones(post: Post) -> Iterator[Span]:
    """Telephone numbers written as words; a phone cue before them, or ten or more words."""
    folded = post.folded
    for match in _SPELLED_NUMBER.finditer(folded):
        words = _SPELLED_WORD.findall(match.group(0))
        if len(words) < 4:  # mostly digits: the numeric detector's business
            continue
        before = folded[max(0, match.start() - 40) : match.start()]
        if len(words) >= 10 or _PHONE_CUE.search(before):
            yield Span(match.start(), match.end(), "phone")


def _valid_phone(raw: str, offset: int) -> Span | Literal["organisation"] | None:
    """A span for a valid personal number, "organisation" for a helpline's, None if not a number."""
    for region in PHONE_REGIONS:
        for match in PhoneNumberMatcher(raw, region, leniency=Leniency.VALID):
            if phonenumbers.number_type(match.number) in _ORGANISATION_LINES:
                return "organisation"
            return Span(offset + match.start, offset + match.end, "phone")
    return None


def _handles(post: Post) -> Iterator[Span]:
    for match in _HANDLE.finditer(post.folded):
        group = "handle" if match.group("handle") else "url"
        yield Span(match.start(group), match.end(group), "social_handle")


def _dates_of_birth(post: Post) -> Iterator[Span]:
    for match in _DOB.finditer(post.folded):
        yield Span(match.start("date"), match.end("date"), "date_of_birth")


def _record_numbers(post: Post) -> Iterator[Span]:
    for match in _RECORD.finditer(post.folded):
        identifier = match.group("id")
        if sum(ch.isdigit() for ch in identifier) >= 5:
            start = match.start("id") + len(identifier) - len(identifier.lstrip(" #№:-"))
            yield Span(start, match.end("id"), "record_number")
    if not post.has_digits:
        return
    for match in _SSN.finditer(post.folded):
        yield Span(match.start(), match.end(), "record_number")
    for match in _SNILS.finditer(post.folded):
        if _snils_valid(match.group(0)):
            yield Span(match.start(), match.end(), "record_number")
    for match in _NHS.finditer(post.folded):
        if _nhs_valid(match.group(0)):
            yield Span(match.start(), match.end(), "record_number")


def _snils_valid(value: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", value)]
    total = sum(d * w for d, w in zip(digits[:9], range(9, 0, -1), strict=True))
    check = total % 101 % 100 if total > 101 else (0 if total in (100, 101) else total)
    return check == digits[9] * 10 + digits[10]


def _nhs_valid(value: str) -> bool:
    digits = [int(d) for d in re.sub(r"\D", "", value)]
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == digits[9]


def _addresses(post: Post) -> Iterator[Span]:
    folded = post.folded
    for match in _STREET_EN.finditer(folded):
        body = match.group("body").split()
        kind = post.original[match.start("kind") : match.end("kind")]
        if any(word in _NOT_STREET_WORDS for word in body) or not body:
            continue
        if kind.lower() not in _STREET_ALWAYS and not (kind[0].isupper() or body[-1][0].isdigit()):
            continue
        yield Span(match.start(), match.end(), "address")
    for code in (_UK_POSTCODE, _US_ZIP):
        for match in code.finditer(post.original):
            yield Span(match.start(), match.end(), "address")
    if _STREET_EN.search(folded) or _ADDRESS_CUE.search(folded):
        for match in _APARTMENT_EN.finditer(folded):
            yield Span(match.start(), match.end(), "address")
    if post.has_cyrillic:
        for street in (_STREET_RU, _APARTMENT_RU):
            for match in street.finditer(folded):
                yield Span(match.start(), match.end(), "address")


def _without_overlaps(spans: list[Span]) -> tuple[Span, ...]:
    """Keep the first span claiming each range; the detectors run in priority order."""
    kept: list[Span] = []
    for span in spans:
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return tuple(sorted(kept, key=lambda s: (s.start, s.end)))


def detect_identifying(post: Post) -> tuple[Span, ...]:
    """Spans of information that identifies a person."""
    spans: list[Span] = []
    spans.extend(_emails(post))
    spans.extend(_record_numbers(post))
    spans.extend(_dates_of_birth(post))
    if post.has_digits:
        spans.extend(_phones(post))
        spans.extend(_addresses(post))
    spans.extend(_spelled_phones(post))
    spans.extend(_handles(post))
    spans.extend(find_person_names(post))
    return _without_overlaps(spans)
