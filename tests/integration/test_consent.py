"""Research consent: opt-in on the privacy page, versioned, revocable, audit-logged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from community.audit import AuditEntry
from outcomes.research.models import ConsentRecord
from tests.helpers import Visitor


def records(visitor: Visitor) -> list[tuple[str, bool]]:
    async def work(runtime: Any) -> list[tuple[str, bool]]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(select(ConsentRecord).order_by(ConsentRecord.id))
            return [(r.version, r.granted) for r in rows]

    return visitor.run(work)


def actions(visitor: Visitor, prefix: str) -> list[str]:
    async def work(runtime: Any) -> list[str]:
        async with runtime.sessionmaker() as db:
            rows = await db.scalars(select(AuditEntry.action).where(
                AuditEntry.action.startswith(prefix)).order_by(AuditEntry.seq))
            return list(rows)

    return visitor.run(work)


def test_privacy_page_needs_sign_in(visitor: Visitor) -> None:
    response = visitor.get("/account/privacy")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert visitor.post("/account/privacy/consent", {"version": "v1"}).status_code == 401


def test_consent_is_opt_in_granted_and_withdrawn_with_history(visitor: Visitor) -> None:
    visitor.signup_and_login("calm_river")
    page = visitor.get("/account/privacy")
    assert page.status_code == 200
    assert "You do not take part" in page.text, "joining is not consenting"
    assert "Research use of your reports (version 1)" in page.text
    assert records(visitor) == []

    granted = visitor.post("/account/privacy/consent", {"version": "v1"})
    assert granted.status_code == 303 and granted.headers["location"] == "/account/privacy"
    page = visitor.get("/account/privacy")
    assert "You take part" in page.text and "Withdraw my research consent" in page.text
    assert "Your reports now count in research tables" in page.text

    assert visitor.post("/account/privacy/withdraw").status_code == 303
    page = visitor.get("/account/privacy")
    assert "You do not take part" in page.text
    assert page.text.count("<td>granted</td>") == 1 and page.text.count("<td>withdrawn</td>") == 1
    assert records(visitor) == [("v1", True), ("v1", False)]
    assert actions(visitor, "research.consent") == ["research.consent_granted",
                                                    "research.consent_withdrawn"]


def test_consent_to_an_outdated_text_is_refused(visitor: Visitor) -> None:
    visitor.signup_and_login("calm_lake")
    response = visitor.post("/account/privacy/consent", {"version": "v0"})
    assert response.status_code == 400
    assert "consent text changed" in response.text
    assert records(visitor) == []


def test_withdrawing_without_consent_records_nothing(visitor: Visitor) -> None:
    visitor.signup_and_login("calm_pond")
    assert visitor.post("/account/privacy/withdraw").status_code == 303
    assert records(visitor) == []


def test_consent_forms_need_csrf(visitor: Visitor) -> None:
    visitor.signup_and_login("calm_sea")
    response = visitor.post("/account/privacy/consent", {"version": "v1"}, csrf=False)
    assert response.status_code == 403
    assert records(visitor) == []
