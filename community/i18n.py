"""Translations and locale formatting.

English is the source language; every other language has a Babel catalogue in
community/locale/<lang>/LC_MESSAGES/kindred.po. `make install` compiles the catalogues to
.mo files; a catalogue whose .mo is missing or older than its .po (a fresh clone, a pulled
change) is compiled here when first used, so the application never serves stale text.

The language of a request is chosen once, by `choose_locale`: the person's own setting,
else the language cookie the footer switch sets, else the browser's Accept-Language, else
English. `use_locale` makes it the current one for the rest of the request (a context
variable), and everything below (gettext, ngettext, dates and numbers) reads it.
"""

from __future__ import annotations

import gettext as _gettext
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, date, datetime, time
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "kindred"
DEFAULT_LOCALE = "en"
# Languages offered, in the order the footer lists them, each named in its own language.
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский"}
LANGUAGE_COOKIE = "kindred_lang"

log = logging.getLogger(__name__)

_current: ContextVar[str] = ContextVar("kindred_locale", default=DEFAULT_LOCALE)


# ---- choosing the language ------------------------------------------------------------------


def supported(code: str | None) -> str | None:
    """`code` ("ru", "ru-RU", "RU_ru") as one of LANGUAGES, or None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The supported language the browser prefers most (RFC 9110 quality values)."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = supported(tag)
        if code and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def choose_locale(*, preference: str | None, cookie: str | None,
                  accept_language: str | None) -> str:
    """The person's setting, else the footer switch's cookie, else the browser, else English."""
    return (supported(preference) or supported(cookie)
            or from_accept_language(accept_language) or DEFAULT_LOCALE)


def current_locale() -> str:
    return _current.get()


def use_locale(locale: str) -> Token[str]:
    return _current.set(supported(locale) or DEFAULT_LOCALE)


def reset_locale(token: Token[str]) -> None:
    _current.reset(token)


@contextmanager
def locale_of(locale: str) -> Iterator[None]:
    """Run a block in `locale` (an e-mail to someone in their own language, a test)."""
    token = use_locale(locale)
    try:
        yield
    finally:
        reset_locale(token)


# ---- catalogues -----------------------------------------------------------------------------


def catalogue_paths(locale: str) -> tuple[Path, Path]:
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def compile_catalogue(locale: str) -> bytes | None:
    """The .mo of `locale`, compiled from its .po when the .mo is missing or older (and
    written beside it when the folder is writable); None when there is no catalogue."""
    po_path, mo_path = catalogue_paths(locale)
    if not po_path.exists():
        return None
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return mo_path.read_bytes()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    data = buffer.getvalue()
    try:
        # Whole or not at all: another process may read the .mo while this one writes it.
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        partial.write_bytes(data)
        os.replace(partial, mo_path)
    except OSError:
        log.info("could not write %s; using the catalogue compiled in memory", mo_path)
    return data


@cache
def translations(locale: str = DEFAULT_LOCALE) -> _gettext.NullTranslations:
    """The catalogue of `locale` (English, the source, has none: its texts are the keys)."""
    if locale == DEFAULT_LOCALE:
        return _gettext.NullTranslations()
    data = compile_catalogue(locale)
    if data is None:
        return _gettext.NullTranslations()
    return _gettext.GNUTranslations(BytesIO(data))


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


# ---- dates and numbers ------------------------------------------------------------------------


def _babel_locale() -> Locale:
    return _locale_object(_current.get())


@cache
def _locale_object(code: str) -> Locale:
    return Locale.parse(code)


def format_date(value: date | datetime | None, format: str = "medium") -> str:
    """A calendar day as people of the current language write it ("7 дек. 2026 г.")."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _as_utc(value).date()
    return _day(_current.get(), format, value)


def format_datetime(value: datetime | None, format: str = "medium") -> str:
    """A moment in UTC: the day as format_date and the time to the minute."""
    if value is None:
        return ""
    moment = _as_utc(value)
    code = _current.get()
    return (_moment_pattern(code, format).replace("{1}", _day(code, format, moment.date()))
            .replace("{0}", _time_of_day(code, moment.hour, moment.minute)))


# Babel's formatting costs about 10 microseconds a call, and a page of posts asks for the
# same few days and minutes again and again: what a day or a minute is written as in a
# language never changes, so each is formatted once (bounded: 1,440 minutes a language).
@lru_cache(maxsize=1024)
def _day(code: str, format: str, day: date) -> str:
    return babel_dates.format_date(day, format=format, locale=_locale_object(code))


@lru_cache(maxsize=4096)
def _time_of_day(code: str, hour: int, minute: int) -> str:
    return babel_dates.format_time(time(hour, minute), format="short",
                                   locale=_locale_object(code))


@cache
def _moment_pattern(code: str, format: str) -> str:
    return str(_locale_object(code).datetime_formats.get(format, "{1}, {0}"))


def format_number(value: float | int | None, digits: int | None = None) -> str:
    """A number with the current language's separators ("1 234,5" in Russian)."""
    if value is None:
        return ""
    if digits is None:
        return babel_numbers.format_decimal(value, locale=_babel_locale())
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=_babel_locale())


def format_percent(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return babel_numbers.format_percent(value, format=pattern, locale=_babel_locale())


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ---- templates ------------------------------------------------------------------------------

# Templates call these directly: jinja2.ext.i18n's `_` goes through three nested
# `Context.call` layers per string; these keep its semantics (the translation is marked
# safe only under autoescaping, and is always a %-format, so interpolated values are
# escaped) in one call.


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    text: str = translations(_current.get()).gettext(message)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 (our own catalogue, never user input)
    return text % variables


@pass_eval_context
def template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /,
                      **variables: Any) -> str:
    variables.setdefault("num", num)
    text: str = translations(_current.get()).ngettext(singular, plural, num)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 (our own catalogue, never user input)
    return text % variables


class _CurrentTranslations:
    """What jinja2.ext.i18n's `{% trans %}` blocks call, following the current locale."""

    def gettext(self, message: str) -> str:
        return gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return translations(_current.get()).pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return translations(_current.get()).npgettext(context, singular, plural, n)


CURRENT_TRANSLATIONS = _CurrentTranslations()


def install(env: Any) -> None:
    """Give a Jinja environment the translation functions and the locale filters."""
    env.install_gettext_translations(CURRENT_TRANSLATIONS, newstyle=True)
    env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext,
                       current_locale=current_locale, languages=LANGUAGES)
    env.filters.update(date=format_date, datetime=format_datetime, number=format_number,
                       percent=format_percent)
