"""Private messages through HTTP: send, screen, block, report, and nobody else's mail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from community.accounts.models import Role
from community.audit import AuditEntry
from community.messages.models import Block, Message, MessageStatus
from community.notifications.models import Notification
from tests.helpers import Visitor
from tests.profiles_support import (  # noqa: F401 - `app` overrides the fixture
    XSS_PAYLOADS,
    app,
    assert_inert,
    member,
    query,
    sink,
)


@pytest.fixture
def pair(new_visitor: Callable[[], Visitor]) -> tuple[Visitor, Visitor]:
    return member(new_visitor, "ada_a"), member(new_visitor, "bea_b")


def send(visitor: Visitor, to: str, body: str, **kwargs: object):
    return visitor.post(f"/messages/{to}", {"body": body}, **kwargs)  # type: ignore[arg-type]


def test_message_reaches_the_recipient_and_the_inbox(pair: tuple[Visitor, Visitor]) -> None:
    ada, bea = pair
    response = send(ada, "bea_b", "Hello from a fellow member")
    assert response.status_code == 303
    assert response.headers["location"] == "/messages/bea_b"
    inbox = bea.get("/messages")
    assert "ada_a" in inbox.text and "Hello from a fellow member" in inbox.text
    assert "1 new" in inbox.text
    assert "Hello from a fellow member" in bea.get("/messages/ada_a").text
    assert "1 new" not in bea.get("/messages").text, "opening the conversation reads it"
    assert "Hello from a fellow member" in ada.get("/messages/bea_b").text
    notes = query(ada, select(Notification.link))
    assert notes == ["/messages/ada_a"]


def test_htmx_send_answers_with_the_thread_only(pair: tuple[Visitor, Visitor]) -> None:
    ada, _bea = pair
    response = ada.get("/messages/bea_b", htmx=True)
    assert response.status_code == 200
    assert 'id="thread"' in response.text and "<html" not in response.text


def test_messages_need_sign_in(visitor: Visitor, pair: tuple[Visitor, Visitor]) -> None:
    assert visitor.get("/messages").status_code == 303
    assert visitor.get("/messages/ada_a").status_code == 303
    assert send(visitor, "ada_a", "anonymous hello").status_code == 401
    assert query(visitor, select(Message)) == []


def test_nobody_reads_another_persons_conversation(
    new_visitor: Callable[[], Visitor], pair: tuple[Visitor, Visitor]
) -> None:
    ada, bea = pair
    send(ada, "bea_b", "Our private words")
    assert "Our private words" in bea.get("/messages/ada_a").text
    eve = member(new_visitor, "eve_e")
    # Eve's view of "ada_a" is her own (empty) conversation with Ada, never Ada's with Bea.
    for path in ("/messages/ada_a", "/messages/bea_b", "/messages"):
        page = eve.get(path)
        assert page.status_code == 200
        assert "Our private words" not in page.text
    moderator = member(new_visitor, "mod_max", roles=(Role.MODERATOR,))
    assert "Our private words" not in moderator.get("/messages/ada_a").text


def test_nobody_reports_a_message_they_did_not_receive(
    new_visitor: Callable[[], Visitor], pair: tuple[Visitor, Visitor]
) -> None:
    ada, _bea = pair
    send(ada, "bea_b", "a message")
    message_id = query(ada, select(Message.id))[0]
    eve = member(new_visitor, "eve_e")
    assert eve.post(f"/messages/{message_id}/report").status_code == 404
    assert ada.post(f"/messages/{message_id}/report").status_code == 404, "not one's own"
    assert ada.post("/messages/999999/report").status_code == 404
    assert sink(ada).opened == []


def test_report_opens_a_review(pair: tuple[Visitor, Visitor]) -> None:
    ada, bea = pair
    send(ada, "bea_b", "something nasty")
    message_id = query(ada, select(Message.id))[0]
    response = bea.post(f"/messages/{message_id}/report", {"reason": "abusive"})
    assert response.status_code == 303
    assert "A moderator will review this message" in bea.get(response.headers["location"]).text
    assert [(h.target_type, h.target_id, h.excerpt) for h in sink(bea).opened] == [
        ("message", message_id, "something nasty")]
    assert query(bea, select(Message.reported_at))[0] is not None
    assert "message.reported" in query(bea, select(AuditEntry.action))


def test_block_stops_messages_both_ways(pair: tuple[Visitor, Visitor]) -> None:
    ada, bea = pair
    assert bea.post("/people/ada_a/block").status_code == 303
    refused = send(ada, "bea_b", "can you hear me")
    assert refused.status_code == 403
    assert "does not accept messages from you" in refused.text
    assert send(bea, "ada_a", "one-sided").status_code == 403
    assert query(ada, select(Message)) == []
    assert "does not accept messages" in ada.get("/messages/bea_b").text
    assert bea.post("/people/ada_a/block", {"action": "unblock"}).status_code == 303
    assert query(ada, select(Block)) == []
    assert send(ada, "bea_b", "hello again").status_code == 303
    actions = query(ada, select(AuditEntry.action))
    assert "member.blocked" in actions and "member.unblocked" in actions


def test_block_needs_sign_in_and_a_real_person(
    visitor: Visitor, pair: tuple[Visitor, Visitor]
) -> None:
    ada, _bea = pair
    assert visitor.post("/people/ada_a/block").status_code == 401
    assert ada.post("/people/nobody_here/block").status_code == 404
    assert ada.post("/people/ada_a/block").status_code == 403
    assert query(ada, select(Block)) == []


def test_clinicians_and_patients_cannot_message(
    new_visitor: Callable[[], Visitor], pair: tuple[Visitor, Visitor]
) -> None:
    ada, _bea = pair
    doctor = member(new_visitor, "dr_dee", roles=(Role.CLINICIAN,))
    for sender, recipient in ((ada, "dr_dee"), (doctor, "ada_a")):
        response = send(sender, recipient, "about my case")
        assert response.status_code == 403
        assert "do not take individual cases" in response.text
    assert "do not take individual cases" in ada.get("/messages/dr_dee").text
    member(new_visitor, "dr_cole", roles=(Role.CLINICIAN,))
    assert send(doctor, "dr_cole", "conference next week?").status_code == 303
    assert query(ada, select(Message.body)) == ["conference next week?"]


def test_cannot_message_oneself_or_nobody(pair: tuple[Visitor, Visitor]) -> None:
    ada, _bea = pair
    assert send(ada, "ada_a", "me").status_code == 403
    assert send(ada, "ghost_g", "hello").status_code == 404
    assert ada.get("/messages/ghost_g").status_code == 404


def test_empty_or_oversized_messages_are_refused(pair: tuple[Visitor, Visitor]) -> None:
    # One app for both: a refused message stores nothing, so the cases cannot interfere.
    ada, _bea = pair
    for body, message in [("   ", "Write a message first"),
                          ("x" * 5001, "under 5000 characters")]:
        response = send(ada, "bea_b", body)
        assert response.status_code == 400, message
        assert message in response.text
        assert query(ada, select(Message)) == [], message


@pytest.mark.parametrize(
    ("body", "status", "why"),
    [
        ("my number is HOLDME 555-0100", MessageStatus.HELD, "A moderator will review it"),
        ("ADVICEME should I double my dose", MessageStatus.OFF_PLATFORM,
         "asks for personal medical advice"),
    ],
)
def test_screened_messages_are_not_delivered_and_the_sender_sees_why(
    pair: tuple[Visitor, Visitor], body: str, status: MessageStatus, why: str
) -> None:
    ada, bea = pair
    response = send(ada, "bea_b", body)
    assert response.status_code == 200
    assert why in response.text and "not delivered" in response.text
    assert query(ada, select(Message.status)) == [status]
    assert body not in bea.get("/messages/ada_a").text
    assert body not in bea.get("/messages").text
    assert query(ada, select(Notification)) == []
    assert [(h.target_type, h.excerpt) for h in sink(ada).opened] == [("message", body)]
    assert body in ada.get("/messages/bea_b").text, "the sender keeps their words"


def test_crisis_message_is_delivered_with_help_for_the_sender(
    pair: tuple[Visitor, Visitor],
) -> None:
    ada, bea = pair
    response = send(ada, "bea_b", "CRISISME I cannot go on")
    assert response.status_code == 200
    assert "emergency number" in response.text
    assert "CRISISME I cannot go on" in bea.get("/messages/ada_a").text
    assert sink(ada).opened[0].target_type == "message", "moderators are alerted"


def test_xss_payloads_in_messages_are_inert(pair: tuple[Visitor, Visitor]) -> None:
    ada, bea = pair
    for payload in XSS_PAYLOADS:
        assert send(ada, "bea_b", payload).status_code == 303
    assert_inert(bea.get("/messages/ada_a").text)
    assert_inert(bea.get("/messages").text)
    assert_inert(ada.get("/messages/bea_b", htmx=True).text)
