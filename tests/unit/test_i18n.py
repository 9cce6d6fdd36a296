"""Choosing the language, compiling catalogues when they are stale, and locale formatting."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from community import i18n
from community.i18n import (
    choose_locale,
    format_date,
    format_datetime,
    format_number,
    from_accept_language,
    gettext,
    locale_of,
    ngettext,
)


def test_the_setting_wins_then_the_cookie_then_the_browser_then_english() -> None:
    assert choose_locale(preference="ru", cookie="en", accept_language="en") == "ru"
    assert choose_locale(preference="", cookie="ru", accept_language="en-GB") == "ru"
    assert choose_locale(preference="", cookie=None, accept_language="ru-RU,ru;q=0.9") == "ru"
    assert choose_locale(preference="", cookie="xx", accept_language="de-DE,fr") == "en"
    assert choose_locale(preference=None, cookie=None, accept_language=None) == "en"


def test_accept_language_follows_quality_values() -> None:
    assert from_accept_language("de;q=1, ru;q=0.5, en;q=0.8") == "en"
    assert from_accept_language("en;q=0.2, ru-RU") == "ru"
    assert from_accept_language("ru;q=0, en;q=0.1") == "en"
    assert from_accept_language("ru;q=abc") is None
    assert from_accept_language("*") is None


def test_russian_plurals_take_three_forms() -> None:
    with locale_of("ru"):
        forms = [ngettext("%(num)d reply", "%(num)d replies", n) % {"num": n}
                 for n in (1, 2, 5, 11, 21, 22, 25, 111)]
    assert forms == ["1 ответ", "2 ответа", "5 ответов", "11 ответов", "21 ответ", "22 ответа",
                     "25 ответов", "111 ответов"]
    assert ngettext("%(num)d reply", "%(num)d replies", 1) == "%(num)d reply"


def test_dates_and_numbers_follow_the_language() -> None:
    day = date(2026, 3, 14)
    moment = datetime(2026, 3, 14, 18, 5, tzinfo=UTC)
    assert format_date(day) == "Mar 14, 2026"
    assert format_number(1234.5) == "1,234.5"
    with locale_of("ru"):
        assert format_date(day) == "14 мар. 2026\u202fг."
        assert format_datetime(moment) == "14 мар. 2026\u202fг., 18:05"
        assert format_number(1234.5) == "1\xa0234,5"
        assert gettext("Sign in") == "Войти"
    assert gettext("Sign in") == "Sign in", "the block restores the language"


def test_a_missing_or_stale_compiled_catalogue_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = Path(i18n.__file__).parent / "locale" / "ru" / "LC_MESSAGES" / "kindred.po"
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(source, folder / "kindred.po")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    mo = folder / "kindred.mo"
    assert not mo.exists()
    assert i18n.compile_catalogue("ru") is not None and mo.exists(), "a fresh clone has no .mo"

    mo.write_bytes(b"stale")
    os.utime(mo, (1, 1))
    data = i18n.compile_catalogue("ru")
    assert data is not None and data != b"stale" and mo.read_bytes() == data
    mo.write_bytes(b"kept")  # newer than the .po: used as it is
    assert i18n.compile_catalogue("ru") == b"kept"
    assert i18n.compile_catalogue("de") is None
