"""Kindred in Russian: the language comes from the person's setting, else the footer switch's
cookie, else the browser; pages, errors, dates, plurals and e-mails follow it."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.header import decode_header, make_header

from sqlalchemy import select

from community.accounts.models import User
from community.db import utcnow
from community.i18n import LANGUAGE_COOKIE, format_date, locale_of
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    person,
    reply,
    scalar,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor, outbox_messages
from tests.integration.test_reports import seed_patients
from tests.integration.test_treatments import load_vocabularies

RU = {"Accept-Language": "ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def lang_of(html: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', html)
    assert match, "every page names its language"
    return match.group(1)


def test_a_russian_browser_reads_russian_pages_and_errors(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    author = person(new_visitor, "author_amy", joins=("lupus",))
    thread = start_thread(author, "lupus", title="Sun tips", body="Hats and shade help me.",
                          audience="public")
    reply(author, thread, "Long sleeves too.")
    reply(author, thread, "And a good sunscreen.")

    home = visitor.get("/", headers=RU)
    assert lang_of(home.text) == "ru"
    assert "Сообщества" in home.text and "Присоединиться к Kindred" in home.text
    assert ">Communities<" not in home.text
    assert "Kindred — сообщество пациентов. Здесь не дают индивидуальных" in home.text

    sign_in = visitor.get("/login", headers=RU).text
    assert "Имя пользователя или адрес почты" in sign_in and "Забыли пароль?" in sign_in

    community = visitor.get("/communities/lupus", headers=RU).text
    assert "2 ответа" in community, "a count takes the Russian plural form"
    with locale_of("ru"):
        today = format_date(utcnow())
    assert today in community and "г." in today, "dates are written the Russian way"

    page = visitor.get(f"/threads/{thread}", headers=RU).text
    assert lang_of(page) == "ru" and "Hats and shade help me." in page
    assert "Вступите, чтобы ответить" in page or "Войдите, чтобы ответить" in page

    missing = visitor.get("/no/such/page", headers=RU)
    assert missing.status_code == 404
    assert lang_of(missing.text) == "ru" and "Страница не найдена" in missing.text
    no_thread = visitor.get("/threads/987654321", headers=RU)
    assert no_thread.status_code == 404 and "Страница не найдена" in no_thread.text

    english = visitor.get("/", headers=EN).text
    assert lang_of(english) == "en" and ">Communities<" in english
    assert lang_of(visitor.get("/").text) == "en", "no preference at all reads English"
    assert "2 replies" in visitor.get("/communities/lupus", headers=EN).text


def test_a_report_is_kept_per_language(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    seed_patients(visitor, 4)
    russian = visitor.get("/treatments/methotrexate", headers=RU).text
    assert lang_of(russian) == "ru"
    assert 'id="current-patients">меньше 5<' in russian
    assert "Эффективность" in russian
    english = visitor.get("/treatments/methotrexate", headers=EN).text
    assert 'id="current-patients">fewer than 5<' in english, "the Russian copy is not reused"
    assert "меньше" not in english
    assert "меньше 5" in visitor.get("/treatments/methotrexate", headers=RU).text


def test_the_footer_switch_works_signed_out_without_javascript(visitor: Visitor) -> None:
    home = visitor.get("/").text
    assert re.search(r'<form method="post" action="/language"', home)
    assert 'name="language" value="ru"' in home and "Русский" in home

    switched = visitor.post("/language", {"language": "ru", "next": "/login?next=/account"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/login?next=/account"
    assert f"{LANGUAGE_COOKIE}=ru" in switched.headers["set-cookie"]
    assert "Войти" in visitor.get("/login").text
    assert lang_of(visitor.get("/communities", headers=EN).text) == "ru", (
        "the choice persists and wins over the browser")

    back = visitor.post("/language", {"language": "en", "next": "//elsewhere.example/"})
    assert back.status_code == 303 and back.headers["location"] == "/"
    assert lang_of(visitor.get("/", headers=RU).text) == "en"

    refused = visitor.post("/language", {"language": "xx", "next": "/"})
    assert refused.status_code == 400
    assert lang_of(visitor.get("/").text) == "en"


def test_a_signed_in_persons_setting_wins_and_persists(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    reader = person(new_visitor, "reader_rita")
    assert lang_of(reader.get("/", headers=RU).text) == "ru", "no setting: the browser decides"
    assert lang_of(reader.get("/", headers=EN).text) == "en"

    assert reader.post("/language", {"language": "ru", "next": "/account"}).status_code == 303
    assert scalar(visitor, select(User.locale).where(User.username == "reader_rita")) == "ru"
    reader.jar.delete(LANGUAGE_COOKIE)
    account = reader.get("/account", headers=EN).text
    assert lang_of(account) == "ru", "the stored setting wins over the browser without a cookie"
    assert "Настройки аккаунта" in account and 'value="ru" lang="ru" selected' in account

    saved = reader.post("/account/language", {"language": ""})
    assert saved.status_code == 303 and saved.headers["location"] == "/account"
    assert scalar(visitor, select(User.locale).where(User.username == "reader_rita")) == ""
    page = reader.get("/account", headers=EN).text
    assert lang_of(page) == "en" and "Your language setting was saved." in page
    assert lang_of(reader.get("/", headers=RU).text) == "ru", "back to following the browser"

    assert reader.post("/account/language", {"language": "ru"}).status_code == 303
    reader.jar.delete(LANGUAGE_COOKIE)
    confirmed = reader.get("/account", headers=EN).text
    assert "Настройка языка сохранена." in confirmed
    assert "Сообщества" in reader.get("/communities", headers=EN).text
    forbidden = reader.get("/moderation", headers=EN)
    assert forbidden.status_code == 403 and "У вас нет доступа к этой странице" in forbidden.text
    missing = reader.get("/no/such/page", headers=EN)
    assert missing.status_code == 404 and lang_of(missing.text) == "ru", (
        "a page no route serves still follows the person's setting")
    assert reader.post("/account/language", {"language": "klingon"}).status_code == 400


def test_mail_is_written_in_the_persons_language(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    var_dir = visitor.app.state.runtime.settings.var_dir
    visitor.register("olga_reads")
    assert scalar(visitor, select(User.locale).where(User.username == "olga_reads")) == ""

    async def _set(runtime):  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db:
            user = await db.scalar(select(User).where(User.username == "olga_reads"))
            user.locale = "ru"
            await db.commit()

    visitor.run(_set)
    stranger = new_visitor()
    assert stranger.post("/password-reset", {"email": "olga_reads@example.org"},
                         headers=EN).status_code in (200, 303)
    mail = outbox_messages(var_dir)[-1]
    assert str(make_header(decode_header(mail["Subject"]))) == "Сброс пароля Kindred"
    body = mail.get_payload(decode=True).decode()
    assert "Кто-то запросил сброс пароля вашего аккаунта Kindred olga_reads" in body
    assert re.search(r"в течение \d+ минут", body)

    newcomer = new_visitor()
    assert newcomer.post("/register", {"username": "ivan_new", "email": "ivan@example.org",
                                       "password": "correct horse battery staple 42"},
                         headers=RU).status_code == 303
    welcome = outbox_messages(var_dir)[-1]
    assert str(make_header(decode_header(welcome["Subject"]))) == (
        "Подтвердите адрес электронной почты для Kindred")


def test_a_notification_is_written_in_its_readers_language(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    anna = person(new_visitor, "anna_reads_ru", joins=("lupus",))
    assert anna.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    bob = person(new_visitor, "bob_reads_en", joins=("lupus",))
    thread = start_thread(anna, "lupus", title="Sun tips", body="Hats and shade help me.")
    reply(bob, thread, "Long sleeves too.")
    assert "bob_reads_en отвечает в «Sun tips»" in anna.get("/notifications", headers=EN).text
    assert "New message from" not in bob.get("/notifications").text
    assert bob.post("/messages/anna_reads_ru", {"body": "Thank you for the tips."}).status_code in (
        200, 303)
    assert "Новое сообщение от bob_reads_en" in anna.get("/notifications").text
