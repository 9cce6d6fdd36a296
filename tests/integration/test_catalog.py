"""The catalog: loading is idempotent, autocomplete, proposals and their curation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from community.accounts.models import Role
from community.audit import AuditEntry
from outcomes.catalog.models import Condition, SideEffect, Symptom, TermProposal, Treatment
from outcomes.catalog.services import load_catalog
from tests.helpers import Visitor
from tests.integration.test_treatments import add_course, grant, load_vocabularies, query


def test_loading_twice_changes_nothing(visitor: Visitor) -> None:
    async def _load(runtime: Any) -> dict[str, int]:
        async with runtime.sessionmaker() as db:
            changed = await load_catalog(db)
            await db.commit()
            return changed

    first = visitor.run(_load)
    assert first["treatment"] > 300 and first["condition"] > 40
    assert visitor.run(_load) == {"condition": 0, "treatment": 0, "symptom": 0,
                                  "side_effect": 0}
    humira = query(visitor, select(Treatment.name, Treatment.drug_class, Treatment.synonyms)
                   .where(Treatment.slug == "adalimumab"))[0]
    assert humira.name == "Adalimumab" and "Humira" in humira.synonyms
    assert query(visitor, select(Condition.icd10).where(Condition.slug == "multiple-sclerosis")
                 )[0][0] == "G35"
    symptoms = query(visitor, select(func.count()).select_from(Symptom))[0][0]
    side_effects = query(visitor, select(func.count()).select_from(SideEffect))[0][0]
    assert side_effects > symptoms > 100


def test_autocomplete_finds_brand_names_for_htmx_and_without_it(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    partial = visitor.get("/catalog/autocomplete?kind=treatment&field=treatment&treatment=humi",
                          htmx=True)
    assert partial.status_code == 200
    assert partial.text.startswith('<datalist id="treatment-options">')
    assert '<option value="Adalimumab">' in partial.text
    assert "<html" not in partial.text
    page = visitor.get("/catalog/autocomplete?kind=purpose&q=fatig")
    assert page.status_code == 200 and "<html" in page.text and "Fatigue" in page.text
    empty = visitor.get("/catalog/autocomplete?kind=side_effect&q=zzzz")
    assert "Propose" in empty.text
    odd = visitor.get("/catalog/autocomplete?kind=<script>&q=<b>x</b>")
    assert odd.status_code == 200 and "<b>x</b>" not in odd.text


def test_propose_and_approve_a_term(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> None:
    load_vocabularies(visitor)
    visitor.signup_and_login("merry_lark")
    response = visitor.post("/catalog/propose", {"kind": "treatment", "name": "Cold plunge"})
    assert response.status_code == 303 and response.headers["location"] == "/catalog/propose"
    assert "Thank you" in visitor.get("/catalog/propose").text
    duplicate = visitor.post("/catalog/propose", {"kind": "treatment", "name": "humira"})
    assert duplicate.status_code == 400 and "already in the catalog" in duplicate.text
    bad = visitor.post("/catalog/propose", {"kind": "spell", "name": "Abracadabra"})
    assert bad.status_code == 400 and 'id="kind-errors"' in bad.text
    assert 'value="Abracadabra"' in bad.text
    proposal_id = query(visitor, select(TermProposal.id))[0][0]

    assert visitor.get("/moderation/terms").status_code == 403
    assert visitor.post(f"/moderation/terms/{proposal_id}", {"action": "approve"}
                        ).status_code == 403
    moderator = new_visitor()
    moderator.signup_and_login("calm_heron")
    grant(moderator, "calm_heron", Role.MODERATOR)
    page = moderator.get("/moderation/terms")
    assert page.status_code == 200 and "Cold plunge" in page.text
    response = moderator.post(f"/moderation/terms/{proposal_id}", {"action": "approve"})
    assert response.status_code == 303
    assert query(visitor, select(Treatment.slug).where(Treatment.name == "Cold plunge")
                 )[0][0] == "cold-plunge"
    again = moderator.post(f"/moderation/terms/{proposal_id}", {"action": "reject",
                                                                "reason": "late"})
    assert again.status_code == 400 and "already decided" in again.text
    actions = [a for (a,) in query(visitor, select(AuditEntry.action))]
    assert "catalog.term_proposed" in actions and "catalog.term_approved" in actions
    # The approved term can be chosen at once.
    add_course(visitor, treatment="Cold plunge", purpose="Fatigue", amount="")


def test_merge_and_reject(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    visitor.signup_and_login("bright_cedar")
    grant(visitor, "bright_cedar", Role.ADMIN)
    for kind, name in (("side_effect", "Tingly elbows"), ("condition", "Feeling meh")):
        response = visitor.post("/catalog/propose", {"kind": kind, "name": name})
        assert response.status_code == 303, response.text
    zaps, meh = (row[0] for row in query(visitor, select(TermProposal.id)
                                         .order_by(TermProposal.id)))
    response = visitor.post(f"/moderation/terms/{zaps}", {"action": "merge",
                                                          "merge_into": "Nowhere"})
    assert response.status_code == 400 and 'merge_into' in response.text
    response = visitor.post(f"/moderation/terms/{zaps}", {"action": "merge",
                                                          "merge_into": "Dizziness"})
    assert response.status_code == 303
    synonyms = query(visitor, select(SideEffect.synonyms).where(SideEffect.slug == "dizziness"))
    assert "Tingly elbows" in synonyms[0][0]
    response = visitor.post(f"/moderation/terms/{meh}", {"action": "reject"})
    assert response.status_code == 400 and "Say why" in response.text
    response = visitor.post(f"/moderation/terms/{meh}", {"action": "reject",
                                                         "reason": "not a condition"})
    assert response.status_code == 303
    statuses = sorted(s for (s,) in query(visitor, select(TermProposal.status)))
    assert statuses == ["merged", "rejected"]
    assert "No proposal is waiting" in visitor.get("/moderation/terms").text


def test_signed_out_cannot_propose(visitor: Visitor) -> None:
    assert visitor.get("/catalog/propose").status_code == 303
    assert visitor.post("/catalog/propose", {"kind": "treatment", "name": "x"}
                        ).status_code == 401
