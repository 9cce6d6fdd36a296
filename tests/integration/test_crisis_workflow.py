"""A post screened as a crisis, from its author to the moderator who reaches out: hidden from
others, help for the author's own place at once, first in the queue whatever else was saved
how often, per-reason response targets shown as overdue everywhere, check-in / reached out /
escalate in the history and audit log, and the next item after each decision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from community.accounts.models import Role, User
from community.app import create_app
from community.audit import AuditEntry
from community.communities.models import Community
from community.messages.models import Message
from community.notifications.models import Notification
from community.settings import Settings, SettingsError
from moderation.queue.models import Flag, ReviewHistory, ReviewItem
from tests.communities_support import (
    db_run,
    person,
    scalar,
    seed,
    start_thread,
)
from tests.helpers import KeywordScreener, Visitor, outbox_messages
from tests.integration.test_flash import status_region
from tests.profiles_support import profile_form
from tests.queue_support import app, settings

__all__ = ["app", "settings"]

SLUG = "major-depressive-disorder"
CRISIS = "CRISISME I am going to end it tonight"


def _set_country(visitor: Visitor, country: str) -> None:
    saved = visitor.post("/account/profile", profile_form(country=country))
    assert saved.status_code == 303, saved.text


def _set_locale(visitor: Visitor, username: str, locale: str) -> None:
    async def work(db: Any) -> None:
        await db.execute(update(User).where(User.username == username).values(locale=locale))

    db_run(visitor, work)


def _age_items(visitor: Visitor, minutes: int) -> None:
    """The clock a test controls: every pending item was opened `minutes` ago."""
    async def work(db: Any) -> None:
        for item in await db.scalars(select(ReviewItem)):
            item.opened_at = item.opened_at - timedelta(minutes=minutes)

    db_run(visitor, work)


def _crisis_item(visitor: Visitor, target_type: str = "post") -> int:
    return int(scalar(visitor, select(ReviewItem.id).where(
        ReviewItem.reason == "urgent", ReviewItem.target_type == target_type)))


def test_a_crisis_post_is_hidden_from_others_and_its_author_sees_help_for_their_country(
    new_visitor: Callable[[], Visitor], settings: Settings
) -> None:
    seed(new_visitor())
    moderator = person(new_visitor, "duty_mod", role=Role.MODERATOR)
    writer = person(new_visitor, "uk_writer", joins=(SLUG,))
    other = person(new_visitor, "other_member", joins=(SLUG,))
    _set_country(writer, "GB")
    thread_id = start_thread(writer, SLUG, "Tonight", CRISIS)

    mine = writer.get(f"/threads/{thread_id}")
    assert mine.status_code == 200 and CRISIS in mine.text
    # The panel alone: the page's random tokens may contain any digits.
    panel = mine.text.split('id="crisis-title"')[1].split("</section>")[0]
    assert "999" in panel and "Samaritans" in panel and "116 123" in panel
    assert "Text SHOUT to 85258" in panel
    assert "988" not in panel, "no US numbers for someone in the UK"
    assert "only you and the moderators can see your post" in mine.text
    assert "<script" not in panel

    assert other.get(f"/threads/{thread_id}").status_code == 404
    assert "Tonight" not in other.get(f"/communities/{SLUG}").text
    assert new_visitor().get(f"/threads/{thread_id}").status_code == 404
    others_thread = start_thread(other, SLUG, "Other thread", "Hello")
    # Replying with htmx: the help in the answered fragment is for the UK too.
    fragment = writer.post(f"/threads/{others_thread}/replies", {"body": "CRISISME again"},
                           htmx=True)
    assert fragment.status_code == 200 and "Samaritans" in fragment.text
    assert "call 999 now" in fragment.text
    assert "CRISISME again" not in other.get(f"/threads/{others_thread}").text
    assert "CRISISME again" in writer.get(f"/threads/{others_thread}").text

    # Moderators were told in the site and by e-mail, once for this item.
    item = _crisis_item(moderator)
    assert scalar(moderator, select(Notification.id).where(
        Notification.link == f"/moderation/items/{item}")) is not None
    mails = [m for m in outbox_messages(settings.var_dir) if m["To"] == "duty_mod@example.org"]
    assert len(mails) == 2, "one per crisis item (the thread and the reply)"
    assert "crisis" in mails[0]["Subject"].lower()
    assert f"/moderation/items/{item}" in mails[0].get_payload(decode=True).decode()


# A writer's profile country and language, the help line their crisis panel must show, and
# one it must not.
HELP_BY_COUNTRY_AND_LANGUAGE = [
    ("", "ru", "8-800-2000-122", "988"),
    ("AU", "ru", "13 11 14", "8-800-2000-122"),
    ("IN", "en", "14416", "988"),
    ("", "en", "findahelpline.com", "988"),
]


def test_help_follows_the_profile_country_then_the_language_then_a_world_list(
    new_visitor: Callable[[], Visitor],
) -> None:
    # One app for every case: each writer is a different person with their own thread.
    seed(new_visitor())
    for number, (country, locale, expected, absent) in enumerate(HELP_BY_COUNTRY_AND_LANGUAGE):
        username = f"someone_far_{number}"
        writer = person(new_visitor, username, joins=(SLUG,))
        if country:
            _set_country(writer, country)
        _set_locale(writer, username, locale)
        thread_id = start_thread(writer, SLUG, "Tonight", CRISIS)
        page = writer.get(f"/threads/{thread_id}").text
        panel = page.split('id="crisis-title"')[1].split("</section>")[0]
        assert expected in panel and absent not in panel, (country, locale)


def test_a_community_may_publish_crisis_posts_with_a_notice_for_peers(
    new_visitor: Callable[[], Visitor]
) -> None:
    seed(new_visitor())
    admin = person(new_visitor, "site_admin", role=Role.ADMIN)
    writer = person(new_visitor, "open_writer", joins=(SLUG,))
    other = person(new_visitor, "peer_reader", joins=(SLUG,))
    form = admin.get(f"/communities/{SLUG}/edit")
    assert 'value="hold" checked' in form.text
    community = scalar(admin, select(Community).where(Community.slug == SLUG))
    saved = admin.post(f"/communities/{SLUG}/edit", {
        "name": community.name, "icd10": community.icd10,
        "condition_slug": community.condition_slug, "description": community.description,
        "crisis_posts": "publish_with_notice"})
    assert saved.status_code == 303
    thread_id = start_thread(writer, SLUG, "Tonight", CRISIS)
    theirs = other.get(f"/threads/{thread_id}")
    assert theirs.status_code == 200 and CRISIS in theirs.text
    assert "Content notice" in theirs.text and "do not promise to keep it secret" in theirs.text
    assert "You are not alone" not in theirs.text, "the author's help panel is the author's"
    mine = writer.get(f"/threads/{thread_id}").text
    assert "You are not alone" in mine and "published with a notice" in mine
    assert _crisis_item(writer), "a moderator still looks at it"


def test_a_real_crisis_post_outranks_any_number_of_saves_of_a_false_positive(
    new_visitor: Callable[[], Visitor], settings: Settings
) -> None:
    seed(new_visitor())
    moderator = person(new_visitor, "queue_mod", role=Role.MODERATOR)
    profile_owner = person(new_visitor, "dying_to_try")
    for _ in range(6):
        saved = profile_owner.post("/account/profile", profile_form(
            about="CRISISME (false positive) dying to try the new biologic"))
        assert saved.status_code == 303
    reporter = person(new_visitor, "worried_friend")
    flagged = reporter.post("/flags", {"target_type": "user", "target_id": str(scalar(
        reporter, select(User.id).where(User.username == "dying_to_try"))), "reason": "crisis",
        "next": "/"})
    assert flagged.status_code == 303
    reported = [m for m in outbox_messages(settings.var_dir) if m["To"] == "queue_mod@example.org"]
    assert len(reported) == 2, "the profile's screening and the member's crisis report"
    _age_items(moderator, 60 * 24)  # the false positive has waited a day
    writer = person(new_visitor, "real_crisis", joins=(SLUG,))
    start_thread(writer, SLUG, "Goodbye", CRISIS)

    profile_item = _crisis_item(moderator, "profile")
    assert scalar(moderator, select(ReviewItem.score).where(
        ReviewItem.id == profile_item)) == pytest.approx(1.0), "saves never add to the score"
    assert len(list(db_run(moderator, lambda db: db.scalars(
        select(Flag.id).where(Flag.item_id == profile_item))))) == 1
    queue = moderator.get("/moderation").text
    assert queue.index(CRISIS) < queue.index("false positive")
    first_item = queue.index('href="/moderation/items/')
    assert queue.index(CRISIS) < first_item, "the real crisis is the first row"


def test_the_crisis_target_is_15_minutes_and_overdue_shows_everywhere_a_moderator_looks(
    new_visitor: Callable[[], Visitor]
) -> None:
    seed(new_visitor())
    moderator = person(new_visitor, "sla_mod", role=Role.MODERATOR)
    writer = person(new_visitor, "late_writer", joins=(SLUG,))
    start_thread(writer, SLUG, "Tonight", CRISIS)
    item = _crisis_item(moderator)
    queue = moderator.get("/moderation").text
    assert "15 minutes for a crisis" in queue
    assert "over target" not in queue and "overdue" not in moderator.get("/").text

    _age_items(moderator, 14)
    assert "over target" not in moderator.get("/moderation").text
    _age_items(moderator, 2)  # 16 minutes
    assert "over target" in moderator.get("/moderation").text
    assert "Over its response target of 15 minutes" in moderator.get(
        f"/moderation/items/{item}").text
    for page in ("/", "/communities", "/moderation/off-platform"):
        assert "1 crisis overdue" in moderator.get(page).text, page
    assert "crisis overdue" not in writer.get("/").text, "only staff see the alarm"


def test_response_targets_are_configurable_per_reason(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KINDRED_MODERATION_TARGETS", "urgent=5, identifying=240")
    from_env = Settings.from_env()
    assert from_env.moderation_target_minutes == {"urgent": 5, "crisis_check": 60,
                                                  "identifying": 240}
    monkeypatch.setenv("KINDRED_MODERATION_TARGETS", "urgent=soon")
    with pytest.raises(SettingsError):
        Settings.from_env()

    app = create_app(make_settings(premoderate_first_posts=0,
                                   moderation_target_minutes={"urgent": 5}),
                     screener_factory=KeywordScreener)
    with TestClient(app, base_url="http://testserver.local") as client:
        import httpx

        def new_visitor() -> Visitor:
            return Visitor(client, httpx.Cookies())

        seed(new_visitor())
        moderator = person(new_visitor, "fast_mod", role=Role.MODERATOR)
        writer = person(new_visitor, "fast_writer", joins=(SLUG,))
        start_thread(writer, SLUG, "Tonight", CRISIS)
        _age_items(moderator, 6)
        page = moderator.get("/moderation").text
        assert "5 minutes for a crisis" in page and "over target" in page


def test_check_in_reached_out_escalate_then_decide_and_go_to_the_next_item(
    new_visitor: Callable[[], Visitor]
) -> None:
    seed(new_visitor())
    moderator = person(new_visitor, "caring_mod", role=Role.MODERATOR)
    admin = person(new_visitor, "lead_admin", role=Role.ADMIN)
    writer = person(new_visitor, "needs_help", joins=(SLUG,))
    patient = person(new_visitor, "bystander", joins=(SLUG,))
    start_thread(writer, SLUG, "Tonight", CRISIS)
    other_thread = start_thread(writer, SLUG, "Also", "HOLDME 555 0100")
    item = _crisis_item(moderator)
    page = moderator.get(f"/moderation/items/{item}").text
    assert "Post in “Tonight”" in page and "no longer exists" not in page
    assert "the Kindred moderation team" in page, "the English check-in template"

    for action in ("check_in", "reached_out", "escalated"):
        denied = patient.post(f"/moderation/items/{item}/crisis",
                              {"action": action, "note": "x", "message": "x"})
        assert denied.status_code in (401, 403), action
    sent = moderator.post(f"/moderation/items/{item}/crisis",
                          {"action": "check_in", "message": "We are here for you, needs_help."})
    assert sent.status_code == 303
    assert "Your message was sent" in moderator.get(sent.headers["location"]).text
    inbox = writer.get("/messages/caring_mod")
    assert "We are here for you, needs_help." in inbox.text
    assert "A message from the moderation team" in writer.get("/notifications").text
    assert moderator.post(f"/moderation/items/{item}/crisis",
                          {"action": "reached_out", "note": ""}).status_code == 400
    assert moderator.post(f"/moderation/items/{item}/crisis", {
        "action": "reached_out", "note": "Replied by message; they are safe with family"
    }).status_code == 303
    assert moderator.post(f"/moderation/items/{item}/crisis", {
        "action": "escalated", "note": "Please look at this with me"}).status_code == 303
    assert "escalated a crisis item" in admin.get("/notifications").text
    history = [row for row in db_run(moderator, lambda db: db.scalars(
        select(ReviewHistory.action).where(ReviewHistory.item_id == item)
        .order_by(ReviewHistory.id)))]
    assert history == ["opened", "check_in", "reached_out", "escalated"]
    audited = set(db_run(moderator, lambda db: db.scalars(
        select(AuditEntry.action).where(AuditEntry.target_id == str(item),
                                        AuditEntry.target_type == "review_item"))))
    assert {"review.check_in", "review.reached_out", "review.escalated"} <= audited
    assert scalar(moderator, select(ReviewItem.status).where(ReviewItem.id == item)) == "pending"
    shown = moderator.get(f"/moderation/items/{item}").text
    assert "they are safe with family" in shown

    version = scalar(moderator, select(ReviewItem.version).where(ReviewItem.id == item))
    decided = moderator.post(f"/moderation/items/{item}/decide",
                             {"action": "reject", "version": str(version)})
    assert decided.status_code == 303
    following = scalar(moderator, select(ReviewItem.id).where(ReviewItem.reason == "identifying"))
    assert decided.headers["location"] == f"/moderation/items/{following}"
    landed = status_region(moderator.get(decided.headers["location"]).text)
    assert f"Item #{item}: Rejected: it stays hidden." in landed
    assert f'<a href="/moderation/items/{item}">See it again</a>' in landed
    assert status_region(moderator.get(decided.headers["location"]).text) == "", "shown once"
    stale = moderator.post(f"/moderation/items/{item}/decide",
                           {"action": "approve", "version": str(version)})
    assert stale.status_code == 409
    assert scalar(moderator, select(Message.id)) is not None
    last = scalar(moderator, select(ReviewItem.version).where(ReviewItem.id == following))
    done = moderator.post(f"/moderation/items/{following}/decide",
                          {"action": "approve", "version": str(last)})
    assert done.headers["location"] == "/moderation"
    assert f"Item #{following}: Approved." in status_region(
        moderator.get(done.headers["location"]).text)
    assert other_thread


def test_the_check_in_template_follows_the_authors_language(
    new_visitor: Callable[[], Visitor]
) -> None:
    seed(new_visitor())
    moderator = person(new_visitor, "ru_mod", role=Role.MODERATOR)
    writer = person(new_visitor, "ru_writer", joins=(SLUG,))
    _set_locale(writer, "ru_writer", "ru")
    start_thread(writer, SLUG, "Сегодня", CRISIS)
    page = moderator.get(f"/moderation/items/{_crisis_item(moderator)}").text
    assert "команда модераторов Kindred" in page


def test_an_edit_that_screens_clean_does_not_publish_a_crisis_post(
    new_visitor: Callable[[], Visitor]
) -> None:
    seed(new_visitor())
    writer = person(new_visitor, "edit_writer", joins=(SLUG,))
    other = person(new_visitor, "edit_reader", joins=(SLUG,))
    thread_id = start_thread(writer, SLUG, "Tonight", CRISIS)
    post_id = scalar(writer, select(ReviewItem.target_id))
    assert writer.post(f"/posts/{post_id}/edit", {"body": "I am fine now"}).status_code == 303
    assert other.get(f"/threads/{thread_id}").status_code == 404
    assert scalar(writer, select(ReviewItem.status)) == "pending"


def test_the_screening_pipeline_is_loaded_at_start_up_not_on_the_first_request(
    settings: Settings
) -> None:
    from moderation.screening import model

    model._MODEL.clear()
    app = create_app(settings)
    assert model._MODEL == [], "building the app does not load it"
    with TestClient(app, base_url="http://testserver.local"):
        assert len(model._MODEL) == 1, "start-up loaded it before any request"
