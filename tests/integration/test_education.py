"""Vetted education through HTTP: draft, submit, review by another clinician, publish."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from community.accounts.models import User
from community.db import utcnow
from community.screening import ScreenAction, ScreenLabel, Verdict
from moderation.education.models import Article, ArticleReview, ArticleVersion
from moderation.queue.models import ReviewItem
from moderation.vetting.models import ClinicianProfile
from tests.helpers import Visitor
from tests.integration.test_moderation_queue import as_role, rows, scalar

ARTICLE = {
    "title": "Understanding methotrexate and folic acid",
    "body": "Methotrexate is often taken **once a week**.\n\n<script>alert(1)</script>",
    "references": "BSR guideline on DMARD monitoring (2017)\nNICE CKS: Methotrexate",
}
FULL_CHECKLIST = {
    "is_general": "1",
    "has_references": "1",
    "has_disclosures": "1",
    "is_not_commercial": "1",
}
LABEL = "Educational information, not individual medical advice"


def verified_clinician(visitor: Visitor, username: str, real_name: str) -> int:
    user_id = as_role(visitor, username, "clinician")

    async def work(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            db.add(
                ClinicianProfile(
                    user_id=user_id,
                    real_name=real_name,
                    profession="Physician",
                    specialty="Rheumatology",
                    licence_number="L-1",
                    jurisdiction="UK",
                    disclosures=f"{real_name}: no conflicts of interest.",
                    verified_at=utcnow(),
                )
            )
            await db.commit()

    visitor.run(work)
    return user_id


def only_article(visitor: Visitor) -> int:
    return int(scalar(visitor, select(func.max(Article.id))))


def test_draft_submit_return_fix_publish(visitor: Visitor, new_visitor: Any) -> None:
    verified_clinician(visitor, "dr_author", "Dr Author Name")
    reviewer = new_visitor()
    verified_clinician(reviewer, "dr_reviewer", "Dr Second Opinion")
    anonymous = new_visitor()

    missing = visitor.post("/education", dict(ARTICLE, references="  "))
    assert missing.status_code == 400 and 'id="references-errors"' in missing.text
    assert "Understanding methotrexate" in missing.text, "what was typed is kept"
    assert visitor.post("/education", ARTICLE).status_code == 303
    article = only_article(visitor)
    assert anonymous.get(f"/education/{article}").status_code == 404, "drafts are private"
    draft = visitor.get(f"/education/{article}")
    assert draft.status_code == 200 and "<strong>once a week</strong>" in draft.text
    assert "<script>alert(1)</script>" not in draft.text

    assert visitor.post(f"/education/{article}/submit").status_code == 303
    own = visitor.post(f"/education/{article}/review", dict(FULL_CHECKLIST, outcome="publish"))
    assert own.status_code == 403, "the author cannot review their own article"
    assert visitor.post(f"/education/{article}/edit", ARTICLE).status_code == 409

    waiting = reviewer.get("/education?status=submitted")
    assert "Understanding methotrexate" in waiting.text
    bare = reviewer.post(f"/education/{article}/review", {"outcome": "return"})
    assert bare.status_code == 400 and "Tell the author what to change" in bare.text
    returned = reviewer.post(
        f"/education/{article}/review",
        {
            "outcome": "return",
            "is_general": "1",
            "comments": "Add the monitoring interval and a dose caveat.",
        },
    )
    assert returned.status_code == 303
    page = visitor.get(f"/education/{article}")
    assert "Add the monitoring interval" in page.text and "returned" in page.text
    assert anonymous.get(f"/education/{article}").status_code == 404

    fixed = dict(ARTICLE, body="Methotrexate is taken once a week; blood tests are regular.")
    assert visitor.post(f"/education/{article}/edit", fixed).status_code == 303
    assert visitor.post(f"/education/{article}/submit").status_code == 303
    partial = reviewer.post(
        f"/education/{article}/review", {"outcome": "publish", "is_general": "1"}
    )
    assert partial.status_code == 400 and "checklist" in partial.text
    assert (
        reviewer.post(
            f"/education/{article}/review", dict(FULL_CHECKLIST, outcome="publish")
        ).status_code
        == 303
    )

    public = anonymous.get(f"/education/{article}")
    assert public.status_code == 200
    assert LABEL in public.text
    assert "Dr Author Name: no conflicts of interest." in public.text, "disclosures on the article"
    assert "blood tests are regular" in public.text
    assert "Understanding methotrexate" in anonymous.get("/education").text
    assert "Understanding methotrexate" in anonymous.get("/clinicians/dr_author").text
    assert rows(visitor, ArticleReview) == 2, "refused reviews leave no row"
    assert rows(visitor, ArticleVersion) == 1, "a returned draft is fixed in place"


def test_edit_of_published_article_is_reviewed_before_it_shows(
    visitor: Visitor, new_visitor: Any
) -> None:
    verified_clinician(visitor, "dr_editor", "Dr Editor")
    moderator = new_visitor()
    as_role(moderator, "edu_mod", "moderator")
    anonymous = new_visitor()
    visitor.post("/education", ARTICLE)
    article = only_article(visitor)
    visitor.post(f"/education/{article}/submit")
    assert (
        moderator.post(
            f"/education/{article}/review", dict(FULL_CHECKLIST, outcome="publish")
        ).status_code
        == 303
    )
    revised = dict(ARTICLE, body="Revised advice on folic acid timing for everyone.")
    assert visitor.post(f"/education/{article}/edit", revised).status_code == 303
    visitor.post(f"/education/{article}/submit")
    before = anonymous.get(f"/education/{article}")
    assert "once a week" in before.text and "Revised advice" not in before.text
    assert (
        moderator.post(
            f"/education/{article}/review", dict(FULL_CHECKLIST, outcome="publish")
        ).status_code
        == 303
    )
    after = anonymous.get(f"/education/{article}")
    assert "Revised advice" in after.text and "once a week" not in after.text
    statuses = scalar(
        visitor,
        select(func.count())
        .select_from(ArticleVersion)
        .where(ArticleVersion.status == "superseded"),
    )
    assert statuses == 1
    assert rows(visitor, ArticleVersion) == 2, "the superseded version is kept"


def test_only_verified_clinicians_write_and_only_others_review(
    visitor: Visitor, new_visitor: Any
) -> None:
    as_role(visitor, "just_patient", "patient")
    assert visitor.get("/education/new").status_code == 403
    assert visitor.post("/education", ARTICLE).status_code == 403
    unverified = new_visitor()
    as_role(unverified, "role_only", "clinician")
    assert unverified.post("/education", ARTICLE).status_code == 403, "no verified profile"
    author = new_visitor()
    verified_clinician(author, "dr_real", "Dr Real")
    author.post("/education", ARTICLE)
    article = only_article(visitor)
    author.post(f"/education/{article}/submit")
    for who in (visitor, unverified):
        response = who.post(f"/education/{article}/review", dict(FULL_CHECKLIST, outcome="publish"))
        assert response.status_code == 403
    assert visitor.post(f"/education/{article}/submit").status_code == 403
    assert unverified.post(f"/education/{article}/submit").status_code == 404, "not theirs"
    signed_out = Visitor(visitor.client, httpx.Cookies())
    assert signed_out.post(f"/education/{article}/review", FULL_CHECKLIST).status_code == 401


class PromotionScreener:
    def __init__(self) -> None:
        self.venues: list[str] = []

    def screen(
        self, text: str, *, author_role: str, venue: str, author_context: Any = None
    ) -> Verdict:
        self.venues.append(venue)
        return Verdict(labels=(ScreenLabel.PROMOTION,), action=ScreenAction.HOLD)


def test_articles_are_screened_as_education_and_findings_reach_the_queue(
    visitor: Visitor, new_visitor: Any
) -> None:
    screener = PromotionScreener()
    visitor.app.state.runtime.screener = screener
    verified_clinician(visitor, "dr_seller", "Dr Seller")
    visitor.post("/education", dict(ARTICLE, body="Use code SAVE20 at my clinic shop."))
    article = only_article(visitor)
    visitor.post(f"/education/{article}/submit")
    assert screener.venues == ["education"]
    assert (
        scalar(visitor, select(ReviewItem.reason).where(ReviewItem.target_type == "article"))
        == "promotion"
    )
    reviewer = new_visitor()
    verified_clinician(reviewer, "dr_check", "Dr Check")
    assert "Screening found: promotion" in reviewer.get(f"/education/{article}").text
    assert rows(visitor, User) == 2


def test_footprint_lists_articles_and_posts_with_their_moderation_history(
    visitor: Visitor, new_visitor: Any
) -> None:
    from tests.integration.test_moderation_queue import decide, hold

    clinician_id = verified_clinician(visitor, "dr_footprint", "Dr Footprint")
    reviewer = new_visitor()
    as_role(reviewer, "footprint_mod", "moderator")
    visitor.post("/education", ARTICLE)
    article = only_article(visitor)
    visitor.post(f"/education/{article}/submit")
    reviewer.post(
        f"/education/{article}/review", {"outcome": "return", "comments": "Cite the BSR update."}
    )
    item = hold(
        visitor, clinician_id, label="clinician_advice", excerpt="You should take 20 mg today."
    )
    assert decide(reviewer, item, "reject", note="Individual advice").status_code == 303
    page = visitor.get("/clinician/footprint")
    assert page.status_code == 200
    assert "Understanding methotrexate" in page.text and "Cite the BSR update." in page.text
    assert "footprint_mod" in page.text
    assert "You should take 20 mg today." in page.text
    assert "Individual advice" in page.text and "clinician&#39;s individual advice" in page.text
    patient = new_visitor()
    as_role(patient, "curious_patient", "patient")
    assert patient.get("/clinician/footprint").status_code == 403
