"""The signed-in home per role, one walk each: a patient's reminders go when their task is done
and new education in their conditions comes since their last visit; a clinician sees the
questions of their specialty; a moderator the queue with the overdue items marked; an
administrator the applications and vocabulary proposals waiting."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from community.accounts.models import Role, User
from community.communities.models import Community
from community.db import utcnow
from moderation.education.models import Article
from moderation.queue.services import open_review
from moderation.vetting.models import ClinicianApplication
from outcomes.tracking.models import QuestionnaireAnswer
from outcomes.tracking.services import questionnaires
from tests.communities_support import app, db_run, person, reply, scalar, seed, settings, start_thread
from tests.helpers import Visitor, statements_of
from tests.integration.test_questionnaires_http import answers_totalling
from tests.integration.test_treatments import add_course, evaluate, load_vocabularies

__all__ = ["app", "settings"]

CHECKLIST = {"is_general": "1", "has_references": "1", "has_disclosures": "1",
             "is_not_commercial": "1", "outcome": "publish"}


def block(html: str, key: str) -> str:
    match = re.search(rf'<section class="card home-block" id="home-{key}".*?</section>', html,
                      re.S)
    assert match, f"no {key} block"
    return match.group(0)


def day(days_ago: int = 0) -> str:
    return (utcnow().date() - timedelta(days=days_ago)).isoformat()


def community_id(visitor: Visitor, slug: str) -> int:
    return int(scalar(visitor, select(Community.id).where(Community.slug == slug)))


def verified_clinician(new_visitor: Callable[[], Visitor], admin: Visitor, username: str,
                       specialty: str, joins: tuple[str, ...] = ()) -> Visitor:
    """A clinician made the way the site makes one: they apply, an administrator approves."""
    clinician = person(new_visitor, username, joins=joins)
    assert clinician.post("/clinicians/apply", {
        "real_name": f"Dr {username.title()}", "profession": "Physician",
        "specialty": specialty, "licence_number": f"L-{username}", "jurisdiction": "UK",
        "disclosures": "None."}).status_code == 303
    application = scalar(admin, select(func.max(ClinicianApplication.id)))
    assert admin.post(f"/moderation/clinicians/{application}/decide",
                      {"decision": "approve", "reason": "Register checked"}).status_code == 303
    return clinician


def publish_article(author: Visitor, reviewer: Visitor, title: str, about: list[int]) -> int:
    created = author.post("/education", {
        "title": title, "body": "General education for everyone with the condition.",
        "references": "A national guideline (2025)", "conditions": [str(i) for i in about]})
    assert created.status_code == 303, created.text
    article = int(created.headers["location"].rsplit("/", 1)[1])
    assert author.post(f"/education/{article}/submit").status_code == 303
    assert reviewer.post(f"/education/{article}/review", CHECKLIST).status_code == 303
    return article


def set_visit(visitor: Visitor, username: str, *, seen_hours_ago: float) -> None:
    async def work(db: Any) -> None:
        await db.execute(update(User).where(User.username == username).values(
            home_seen_at=utcnow() - timedelta(hours=seen_hours_ago), home_since=None))
    db_run(visitor, work)


def set_published(visitor: Visitor, article: int, *, hours_ago: float) -> None:
    async def work(db: Any) -> None:
        await db.execute(update(Article).where(Article.id == article).values(
            first_published_at=utcnow() - timedelta(hours=hours_ago)))
    db_run(visitor, work)


def test_a_patients_reminders_go_when_done_and_education_is_new_since_the_last_visit(
        new_visitor: Callable[[], Visitor]) -> None:
    setup = new_visitor()
    seed(setup)
    load_vocabularies(setup)
    ana = person(new_visitor, "ana_remind", joins=("type-2-diabetes",))

    # A newcomer: only today's check-in is due, and it links straight to its form.
    reminders = block(ana.get("/").text, "reminders")
    assert 'href="/my/check-in"' in reminders and "today" in reminders
    assert "/evaluations/new" not in reminders and "/my/questionnaires/" not in reminders
    assert ana.post("/my/check-in", {"recorded_on": day(), "level": "4",
                                     "note": ""}).status_code == 303
    reminders = block(ana.get("/").text, "reminders")
    assert 'href="/my/check-in"' not in reminders and "Nothing is due" in reminders

    # Treatments: one taken three weeks without an evaluation is due, one started two days
    # ago is not yet, one evaluated 100 days ago is due again.
    fresh = add_course(ana, "Metformin", "Type 2 diabetes", started_on=day(21))
    add_course(ana, "Empagliflozin", "Type 2 diabetes", started_on=day(2))
    old = add_course(ana, "Semaglutide", "Type 2 diabetes", started_on=day(200))
    assert evaluate(ana, old, evaluated_on=day(100)).status_code == 303
    reminders = block(ana.get("/").text, "reminders")
    assert f'href="/my/treatments/{fresh}/evaluations/new"' in reminders
    assert "Evaluate Metformin" in reminders and "not evaluated yet" in reminders
    assert f'href="/my/treatments/{old}/evaluations/new"' in reminders
    assert "Last evaluated on" in reminders and "Empagliflozin" not in reminders
    assert evaluate(ana, fresh, evaluated_on=day()).status_code == 303
    assert evaluate(ana, old, evaluated_on=day()).status_code == 303
    assert "/evaluations/new" not in block(ana.get("/").text, "reminders")

    # Questionnaires: due again once their interval (the PHQ-9's 14 days) has passed.
    phq9 = questionnaires()["phq-9"]
    assert ana.post("/my/questionnaires/phq-9", answers_totalling(phq9, 3)).status_code == 303
    assert "/my/questionnaires/phq-9" not in block(ana.get("/").text, "reminders")

    async def answered_days_ago(db: Any, days: int = 15) -> None:
        await db.execute(update(QuestionnaireAnswer).values(
            authored_at=utcnow() - timedelta(days=days)))
    db_run(ana, answered_days_ago)
    reminders = block(ana.get("/").text, "reminders")
    assert 'href="/my/questionnaires/phq-9"' in reminders and "every 14 days" in reminders
    assert ana.post("/my/questionnaires/phq-9", answers_totalling(phq9, 5)).status_code == 303
    assert "/my/questionnaires/phq-9" not in block(ana.get("/").text, "reminders")

    # More treatments and answers cost no more statements: the reminders are one query.
    cost = len(statements_of(ana, "/", selects_only=True))
    add_course(ana, "Insulin glargine", "Type 2 diabetes", started_on=day(30))
    assert ana.post("/my/questionnaires/gad-7",
                    answers_totalling(questionnaires()["gad-7"], 2)).status_code == 303
    assert len(statements_of(ana, "/", selects_only=True)) == cost

    # Education: an article about her condition is new on her home, one about another is not.
    admin = person(new_visitor, "admin_remind", role=Role.ADMIN)
    author = verified_clinician(new_visitor, admin, "dr_writer", "Endocrinology")
    reviewer = verified_clinician(new_visitor, admin, "dr_checker", "Rheumatology")
    refused = author.post("/education", {"title": "Checking your feet", "body": "Look daily.",
                                         "references": "A guideline", "conditions": ["999999"]})
    assert refused.status_code == 400 and "Choose the conditions from the list" in refused.text
    assert "Checking your feet" in refused.text, "what was typed is kept"
    diabetes = publish_article(author, reviewer, "Checking your feet",
                               [community_id(setup, "type-2-diabetes")])
    lupus = publish_article(author, reviewer, "Sun and lupus", [community_id(setup, "lupus")])
    education = block(ana.get("/").text, "education")
    assert f'href="/education/{diabetes}"' in education and "Checking your feet" in education
    assert f'href="/education/{lupus}"' not in education
    assert 'href="/education"' in education
    assert "Type 2 diabetes" in ana.get("/education").text, "the list names each condition"
    # A later visit shows only what was published since the one before.
    set_visit(setup, "ana_remind", seen_hours_ago=2)
    set_published(setup, diabetes, hours_ago=3)
    page = ana.get("/").text
    assert "Checking your feet" not in block(page, "education")
    assert "No new article about your conditions since your last visit" in page
    assert "since your last visit" in block(page, "communities")
    set_published(setup, diabetes, hours_ago=1)
    assert "Checking your feet" in block(ana.get("/").text, "education")
    # Reloading within the same visit keeps it (the visit's "since" does not move).
    assert "Checking your feet" in block(ana.get("/").text, "education")

    # Patients see none of the staff blocks.
    page = ana.get("/").text
    for staff_block in ("queue", "vocabulary_proposals", "clinician_applications", "questions"):
        assert f'id="home-{staff_block}"' not in page


def test_a_clinician_sees_open_questions_of_their_specialty(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    admin = person(new_visitor, "admin_spec", role=Role.ADMIN)
    slugs = ("rheumatoid-arthritis", "type-2-diabetes", "lupus")
    ana = person(new_visitor, "ana_spec", joins=slugs)
    ra = start_thread(ana, "rheumatoid-arthritis", title="Biologics and infections?",
                      kind="ask_a_clinician")
    sugar = start_thread(ana, "type-2-diabetes", title="What is HbA1c?", kind="ask_a_clinician")
    sle = start_thread(ana, "lupus", title="Why do lupus flares come?", kind="ask_a_clinician")
    start_thread(ana, "lupus", title="Just a chat", kind="discussion")

    rheumatologist = verified_clinician(new_visitor, admin, "dr_rheum", "Rheumatology",
                                        joins=slugs)
    questions = block(rheumatologist.get("/").text, "questions")
    assert f'href="/threads/{ra}"' in questions and f'href="/threads/{sle}"' in questions
    assert f'href="/threads/{sugar}"' not in questions and "Just a chat" not in questions
    assert "(Rheumatology)" in questions and "2 waiting" in questions
    reply(rheumatologist, ra, "In general terms, biologics can raise the risk of infections.")
    questions = block(rheumatologist.get("/").text, "questions")
    assert f'href="/threads/{ra}"' not in questions and "1 waiting" in questions

    # A specialty no rule knows: the communities the clinician joined decide.
    dermatologist = verified_clinician(new_visitor, admin, "dr_skin", "Dermatology",
                                       joins=("type-2-diabetes",))
    questions = block(dermatologist.get("/").text, "questions")
    assert f'href="/threads/{sugar}"' in questions and f'href="/threads/{sle}"' not in questions
    assert "communities you joined" in questions
    # General practice covers every condition (among the threads the clinician may read).
    family_doctor = verified_clinician(new_visitor, admin, "dr_gp", "General practice",
                                       joins=slugs)
    questions = block(family_doctor.get("/").text, "questions")
    assert f'href="/threads/{sugar}"' in questions and f'href="/threads/{sle}"' in questions
    assert 'id="home-queue"' not in family_doctor.get("/").text


def test_a_moderator_sees_the_queue_with_overdue_items_and_proposals_waiting(
        new_visitor: Callable[[], Visitor]) -> None:
    moderator = person(new_visitor, "mo_overdue", role=Role.MODERATOR)
    page = moderator.get("/").text
    assert "The queue is empty" in block(page, "queue")
    assert "No proposed term is waiting" in block(page, "vocabulary_proposals")

    async def open_items(db: Any) -> tuple[int, int]:
        crisis = await open_review(db, target_type="post", target_id=901, reason="urgent",
                                   author_id=None, excerpt="I cannot go on")
        crisis.opened_at = utcnow() - timedelta(minutes=30)  # target: 15 minutes
        recent = await open_review(db, target_type="post", target_id=902,
                                   reason="identifying", author_id=None,
                                   excerpt="My address is 1 Elm Street")
        await db.flush()
        return crisis.id, recent.id
    crisis, recent = db_run(moderator, open_items)
    queue = block(moderator.get("/").text, "queue")
    rows = dict(re.findall(r'<li><a href="/moderation/items/(\d+)">(.*?)</li>', queue, re.S))
    assert "overdue" in rows[str(crisis)] and "crisis" in rows[str(crisis)]
    assert "overdue" not in rows[str(recent)]
    assert "2 waiting" in queue and "1 past the response target" in queue

    load_vocabularies(moderator)
    patient = person(new_visitor, "pat_propose")
    assert patient.post("/catalog/propose", {"kind": "treatment",
                                             "name": "Cold plunges"}).status_code == 303
    proposals = block(moderator.get("/").text, "vocabulary_proposals")
    assert "Cold plunges" in proposals and 'href="/moderation/terms"' in proposals
    assert "1 waiting" in proposals
    proposal = moderator.get("/moderation/terms").text
    proposal_id = re.search(r'action="/moderation/terms/(\d+)"', proposal)
    assert proposal_id
    assert moderator.post(f"/moderation/terms/{proposal_id.group(1)}",
                          {"action": "approve"}).status_code == 303
    assert "Cold plunges" not in block(moderator.get("/").text, "vocabulary_proposals")
    page = moderator.get("/").text
    assert 'id="home-clinician_applications"' not in page
    assert 'id="home-research_applications"' not in page


def test_an_administrator_sees_every_application_and_proposal_waiting(
        new_visitor: Callable[[], Visitor]) -> None:
    admin = person(new_visitor, "admin_all", role=Role.ADMIN)
    page = admin.get("/").text
    for key, empty in (("clinician_applications", "No clinician application is waiting"),
                       ("research_applications", "No research application is waiting"),
                       ("vocabulary_proposals", "No proposed term is waiting"),
                       ("queue", "The queue is empty")):
        assert empty in block(page, key)
    # Staff work comes before the administrator's own blocks.
    keys = re.findall(r'id="home-([a-z_]+)" aria-labelledby', page)
    assert keys.index("queue") < keys.index("communities")

    applicant = person(new_visitor, "dr_applies")
    assert applicant.post("/clinicians/apply", {
        "real_name": "Dr Sam Lee", "profession": "Pharmacist",
        "specialty": "Diabetes medicines", "licence_number": "GPhC 1", "jurisdiction": "UK",
        "disclosures": "None."}).status_code == 303
    load_vocabularies(admin)
    assert applicant.post("/catalog/propose", {"kind": "symptom",
                                               "name": "Heavy legs"}).status_code == 303
    page = admin.get("/").text
    clinicians = block(page, "clinician_applications")
    assert "Dr Sam Lee" in clinicians and "1 waiting" in clinicians
    assert 'href="/moderation/clinicians"' in clinicians
    assert "Heavy legs" in block(page, "vocabulary_proposals")
    application = scalar(admin, select(func.max(ClinicianApplication.id)))
    assert admin.post(f"/moderation/clinicians/{application}/decide",
                      {"decision": "approve", "reason": "Register checked"}).status_code == 303
    assert "No clinician application is waiting" in block(admin.get("/").text,
                                                         "clinician_applications")
