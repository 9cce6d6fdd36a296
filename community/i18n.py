"""Translations: English is the source language; catalogues live in community/locale."""

from __future__ import annotations

import gettext as _gettext
from pathlib import Path
from typing import Any

from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "kindred"

_translations: _gettext.NullTranslations = _gettext.translation(
    DOMAIN, localedir=LOCALE_DIR, languages=["en"], fallback=True
)


def translations() -> _gettext.NullTranslations:
    return _translations


def gettext(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


# Templates call these directly: jinja2.ext.i18n's `_` goes through three nested
# `Context.call` layers per string; these keep its semantics (the translation is marked
# safe only under autoescaping, and is always a %-format, so interpolated values are
# escaped) in one call.


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    text: str = _translations.gettext(message)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 (our own catalogue, never user input)
    return text % variables


@pass_eval_context
def template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /,
                      **variables: Any) -> str:
    variables.setdefault("num", num)
    text: str = _translations.ngettext(singular, plural, num)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 (our own catalogue, never user input)
    return text % variables
