"""The saves that used to confirm through `?done=` in the address now answer like every other
save: a 303 to the changed page, whose status region says what happened, once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from community.accounts.models import Role
from moderation.queue.models import ReviewItem
from outcomes.catalog.models import Symptom, TermProposal
from outcomes.catalog.services import load_catalog
from tests.communities_support import db_run, person, scalar, seed, start_thread
from tests.helpers import Visitor
from tests.integration.test_flash import status_region
from tests.profiles_support import profile_form
from tests.queue_support import app, settings
from tests.research_support import APPLICATION

__all__ = ["app", "settings"]


def item_of(visitor: Visitor, reason: str) -> tuple[int, int]:
    row = db_run(visitor, lambda db: db.execute(
        select(ReviewItem.id, ReviewItem.version).where(ReviewItem.reason == reason)))
    item_id, version = row.one()
    return int(item_id), int(version)


def test_every_converted_save_confirms_once_on_the_changed_page(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    db_run(new_visitor(), load_catalog)
    pat = person(new_visitor, "pat_confirms", joins=("lupus",))
    mod = person(new_visitor, "mod_confirms", role=Role.MODERATOR)
    res = person(new_visitor, "res_confirms")

    def confirmed(visitor: Visitor, response: Any, text: str, *, where: str = "") -> str:
        """The save answered with a redirect to a clean address whose page says `text` once;
        the same page asked again, and the next page, say nothing of it."""
        assert response.status_code == 303, response.text
        location: str = response.headers["location"]
        assert "done=" not in location and (not where or location == where), location
        page = visitor.get(location)
        assert page.status_code == 200
        assert text in status_region(page.text) and page.text.count(text) == 1, text
        assert text not in visitor.get(location).text, f"{text!r} shown twice"
        assert status_region(visitor.get("/").text).strip() == ""
        return page.text

    # Treatments: add, change the dose, evaluate, stop, delete.
    added = pat.post("/my/treatments/new", {
        "treatment": "Methotrexate", "purpose": "Rheumatoid arthritis",
        "started_on": "2026-01-10", "amount": "15", "unit": "mg", "frequency": "weekly"})
    course = added.headers["location"]
    assert re.fullmatch(r"/my/treatments/\d+", course)
    confirmed(pat, added, "The treatment was added. Rate it whenever you can")
    confirmed(pat, pat.post(f"{course}/dose", {"started_on": "2026-03-01", "amount": "20",
                                               "unit": "mg", "frequency": "weekly"}),
              "The new dose was saved.", where=course)
    field = re.search(r'name="(effect_(?:condition|symptom)_\d+)"',
                      pat.get(f"{course}/evaluations/new").text)
    assert field
    confirmed(pat, pat.post(f"{course}/evaluations/new", {
        "evaluated_on": "2026-04-01", field.group(1): "major", "side_effect_severity": "none",
        "adherence": "always", "burden": "a_little", "cost": "under_25", "tip": "",
        "visibility": "members"}),
        "Thank you: your evaluation was saved and counts in the report.", where=course)
    confirmed(pat, pat.post(f"{course}/stop", {"stopped_on": "2026-06-01",
                                               "stop_reason": "side_effects"}),
              "The treatment was marked as stopped.", where=course)
    confirmed(pat, pat.post(f"{course}/delete"), "The treatment was removed.",
              where="/my/treatments")

    # Tracking: a symptom, then a check-in.
    fatigue = scalar(pat, select(Symptom.id).where(Symptom.slug == "fatigue"))
    confirmed(pat, pat.post("/my/symptoms", {"symptom_id": str(fatigue), "severity": "2"}),
              "Your symptom was recorded.", where="/my/symptoms")
    confirmed(pat, pat.post("/my/check-in", {"level": "3"}), "Your check-in was saved.",
              where="/my/check-in")

    # Research consent, both ways, and a research application.
    confirmed(pat, pat.post("/account/privacy/consent", {"version": "v1"}),
              "Your reports now count in research tables", where="/account/privacy")
    confirmed(pat, pat.post("/account/privacy/withdraw"),
              "You withdrew your research consent.", where="/account/privacy")
    confirmed(res, res.post("/research/apply", {**APPLICATION, "tables": ["patients"]}),
              "Your application was sent.", where="/research")

    # A clinician application, a proposed term and the moderator's decision on it.
    confirmed(res, res.post("/clinicians/apply", {
        "real_name": "Dr Sam Lee", "profession": "Pharmacist", "specialty": "Diabetes",
        "licence_number": "GPhC 1", "jurisdiction": "UK", "disclosures": "None."}),
        "A moderator will verify your licence", where="/clinicians/apply")
    confirmed(pat, pat.post("/catalog/propose", {"kind": "treatment", "name": "Cold plunges"}),
              "A moderator will review your proposal", where="/catalog/propose")
    proposal = scalar(mod, select(TermProposal.id))
    confirmed(mod, mod.post(f"/moderation/terms/{proposal}", {"action": "approve"}),
              "Decision recorded.", where="/moderation/terms")

    # The profile's crisis panel rides with the confirmation, once; then a crisis action.
    help_text = "call your local emergency number now"
    page = confirmed(pat, pat.post("/account/profile", profile_form(about="CRISISME tonight")),
                     "Your profile was saved.", where="/account/profile")
    assert page.count(help_text) == 1
    assert help_text not in pat.get("/account/profile").text
    urgent, _version = item_of(mod, "urgent")
    confirmed(mod, mod.post(f"/moderation/items/{urgent}/crisis",
                            {"action": "reached_out", "note": "Spoke with them; safe."}),
              "Recorded: someone reached out.", where=f"/moderation/items/{urgent}")

    # An off-platform answer, and an appeal of a rejected post.
    thread = start_thread(pat, "lupus", "Hats", "Sun makes it worse for me.")
    assert pat.post(f"/threads/{thread}/replies", {"body": "ADVICEME my dose?"}
                    ).status_code == 303
    advice, version = item_of(mod, "advice_request")
    confirmed(mod, mod.post(f"/moderation/items/{advice}/answer", {"version": str(version)}),
              "Your reply was sent into the thread", where="/moderation/off-platform")
    assert pat.post(f"/threads/{thread}/replies", {"body": "HOLDME call 555"}).status_code == 303
    held, version = item_of(mod, "identifying")
    assert mod.post(f"/moderation/items/{held}/decide",
                    {"action": "reject", "version": str(version), "note": ""}
                    ).status_code == 303
    confirmed(pat, pat.post(f"/moderation/items/{held}/appeal", {"text": "It is public."}),
              "Your appeal is with the moderators.", where=f"/moderation/items/{held}/appeal")
