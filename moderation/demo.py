"""Demo staff work: verified clinicians, vetted articles, and a review queue with something
of every kind waiting.

Nothing here writes moderation tables directly: clinicians apply and the admin approves
them (`vetting.services`), articles are written, submitted and reviewed
(`education.services`), held posts are written through the community's own posting
services with the real screening pipeline and review sink, and members' reports go
through `queue.services.flag`. So the demo shows exactly what those services produce.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.communities.models import Community, Membership, Post, Thread
from community.communities.services import get_thread, reply, start_thread
from community.demo import DemoPerson
from community.runtime import Runtime
from moderation.education import services as education
from moderation.queue import services as queue
from moderation.vetting import services as vetting

CLINICIANS = {
    "dr_demo": {
        "real_name": "Dr Anna Whitfield",
        "profession": "Physician",
        "specialty": "Endocrinology and general internal medicine",
        "licence_number": "GMC 7123456",
        "jurisdiction": "General Medical Council, United Kingdom",
        "disclosures": "Speaker fees from a diabetes education charity (2025). No shares or "
                       "consultancy with any pharmaceutical company.",
    },
    "dr_review": {
        "real_name": "Dr Elena Sokolova",
        "profession": "Physician",
        "specialty": "Rheumatology",
        "licence_number": "ÄK-B 55-20931",
        "jurisdiction": "Ärztekammer Berlin, Germany",
        "disclosures": "None.",
    },
}
APPLICANT = {
    "real_name": "Samuel Okafor",
    "profession": "Clinical pharmacist",
    "specialty": "Medicines optimisation in diabetes and heart failure",
    "licence_number": "GPhC 2087654",
    "jurisdiction": "General Pharmaceutical Council, United Kingdom",
    "disclosures": "Employed by an NHS hospital trust. No industry payments.",
}

REFERENCES_DIABETES = (
    "National Institute for Health and Care Excellence. Type 2 diabetes in adults: "
    "management (NG28).\nAmerican Diabetes Association. Standards of Care in Diabetes, 2025.")
REFERENCES_RA = (
    "European Alliance of Associations for Rheumatology. Recommendations for the management "
    "of rheumatoid arthritis, 2022 update.\nNational Institute for Health and Care "
    "Excellence. Rheumatoid arthritis in adults: management (NG100).")
ARTICLES = (
    {"title": "Metformin: what it does and what to expect in the first months",
     "body": "Metformin is usually the first medicine offered for type 2 diabetes. It lowers "
             "the amount of sugar the liver releases and helps the body respond to insulin."
             "\n\n## The first weeks\n\nStomach upset, such as nausea, bloating or loose "
             "stools, is the most common side effect. It is often milder when the dose is "
             "increased slowly and the tablets are taken with food, and for many people it "
             "settles within a few weeks. Slow-release tablets are another option that "
             "prescribers sometimes use.\n\n## Over the longer term\n\nMetformin does not "
             "usually cause low blood sugar on its own. Long-term use can lower vitamin B12 "
             "levels, which is why it is sometimes checked.\n\nIf you have questions about "
             "your own treatment, your own clinician or pharmacist is the right person to "
             "ask.",
     "references": REFERENCES_DIABETES, "about": "type-2-diabetes"},
    {"title": "Methotrexate in rheumatoid arthritis: why once a week matters",
     "body": "Methotrexate is the most widely used first treatment for rheumatoid arthritis. "
             "In arthritis it is taken **once a week**, on the same day each week, not every "
             "day.\n\n## Why folic acid is often prescribed with it\n\nFolic acid, usually on "
             "a different day of the week, reduces side effects such as mouth ulcers and "
             "nausea.\n\n## Blood tests\n\nRegular blood tests check the blood count, liver "
             "and kidneys, especially in the first months.\n\nHow long it takes to work "
             "varies: many people notice a change after six to twelve weeks.",
     "references": REFERENCES_RA, "about": "rheumatoid-arthritis"},
    {"title": "Understanding HbA1c",
     "body": "HbA1c reflects average blood sugar over the previous two to three months. It "
             "is measured in mmol/mol or as a percentage.\n\nA single reading is one part of "
             "the picture; the trend over time is what teams usually look at.",
     "references": REFERENCES_DIABETES, "about": "type-2-diabetes"},
)
RETURN_COMMENTS = (
    "Clear and well written. Please add a short section on what can make HbA1c less "
    "reliable (for example anaemia or a recent blood transfusion), and cite the source for "
    "the two-to-three-month window.")

# Posts written to be held, one per reason, by (community, author kind, thread title, body).
HELD_THREADS = (
    ("major-depressive-disorder", "patient", "I can't do this anymore",
     "I have decided to end my life tonight. I have the pills in front of me and I "
     "don't want to be here anymore. I just wanted to say goodbye to someone."),
    ("type-2-diabetes", "patient", "Should I double my metformin?",
     "My sugar was 14 this morning. Should I double my metformin dose tonight or stop it "
     "until I see my doctor? What dose should I take?"),
    ("rheumatoid-arthritis", "patient", "Looking for others near me",
     "My name is Karen Mitchell and I live at 42 Elm Street, Springfield. Call me on "
     "+1 415 555 0132 if you want to meet up."),
    ("type-2-diabetes", "patient", "Cheap semaglutide, no prescription needed",
     "Buy semaglutide online at our pharmacy, no prescription needed! Use discount code "
     "SAVE30 for 30% off your first order. Limited offer, order now."),
)
CLINICIAN_ADVICE = (
    "You should stop your methotrexate today and start prednisone 20 mg every morning for "
    "two weeks, then come back and tell me how your joints are.")
# Published replies that members then report: (flag reason, reply, the reporter's note).
MEMBER_FLAGS = (
    ("off_topic", "Did anyone watch the Grand Prix last weekend? What a finish that was!",
     "Nothing to do with this thread."),
    ("inappropriate", "Honestly, if you just tried harder you would not need all these pills. "
                      "Stop moaning.",
     "This is unkind to the person who asked."),
    ("other", "Cold showers every morning fixed all of my symptoms. Everyone should try them.",
     "The same text is being posted in several communities."),
)


def english_members(community_id: int) -> Select[Any]:
    """Members who write in English (the texts below are English)."""
    return (select(Membership.user_id).join(User, User.id == Membership.user_id)
            .where(Membership.community_id == community_id, User.locale != "ru")
            .order_by(Membership.user_id))


async def _user(db: AsyncSession, staff: dict[str, DemoPerson], name: str) -> User | None:
    person = staff.get(name)
    return None if person is None else await db.get(User, person.id)


async def _verify_clinicians(db: AsyncSession, staff: dict[str, DemoPerson]) -> list[User]:
    admin = await _user(db, staff, "admin")
    verified = []
    for name, form in CLINICIANS.items():
        clinician = await _user(db, staff, name)
        if admin is None or clinician is None:
            continue
        application = await vetting.apply(db, clinician, form)
        await vetting.decide(db, admin, application.id, approve=True, reason="")
        verified.append(clinician)
    applicant = await _user(db, staff, "dr_applicant")
    if applicant is not None:
        await vetting.apply(db, applicant, APPLICANT)
    return verified


async def _articles(db: AsyncSession, runtime: Runtime, author: User, reviewer: User) -> int:
    checklist = {name: "1" for name in ("is_general", "has_references", "has_disclosures",
                                        "is_not_commercial")}
    community_ids = dict((await db.execute(select(Community.slug, Community.id))).tuples().all())
    for index, form in enumerate(ARTICLES):
        # The condition each article is about, so its community's members see it on their home.
        about = [str(community_ids[form["about"]])] if form["about"] in community_ids else []
        article = await education.create_article(db, author, form, about)
        await education.submit(db, runtime, author, article)
        if index < 2:
            await education.review(db, reviewer, article, {**checklist, "outcome": "publish"})
        else:
            await education.review(db, reviewer, article,
                                   {"outcome": "return", "comments": RETURN_COMMENTS})
    return len(ARTICLES)


async def _member_of(db: AsyncSession, community: Community,
                     people: Sequence[DemoPerson], rng: random.Random) -> User | None:
    ids = {p.id for p in people}
    members = [m for m in await db.scalars(english_members(community.id)) if m in ids]
    if not members:
        return None
    return await db.get(User, rng.choice(members))


async def _held_posts(db: AsyncSession, runtime: Runtime, people: Sequence[DemoPerson],
                      staff: dict[str, DemoPerson], rng: random.Random) -> int:
    communities = {c.slug: c for c in await db.scalars(select(Community))}
    written = 0
    for slug, _kind, title, body in HELD_THREADS:
        community = communities.get(slug)
        if community is None:
            continue
        author = await _member_of(db, community, people, rng)
        if author is None:
            continue
        await start_thread(db, runtime, author, community,
                           {"title": title, "body": body, "kind": "discussion",
                            "audience": "members"})
        written += 1
    clinician = await _user(db, staff, "dr_review")
    community = communities.get("rheumatoid-arthritis")
    if clinician is not None and community is not None:
        asked = (select(Thread.id).join(User, User.id == Thread.author_id)
                 .where(User.locale != "ru", Thread.community_id == community.id,
                                         Thread.kind == "ask_a_clinician",
                                         Thread.status == "published").order_by(Thread.id))
        thread_id = (await db.scalar(asked.where(Thread.title.contains("methotrexate")).limit(1))
                     or await db.scalar(asked.limit(1)))
        thread = None if thread_id is None else await get_thread(db, thread_id)
        if thread is not None:
            await reply(db, runtime, clinician, thread, {"body": CLINICIAN_ADVICE})
            written += 1
    return written


async def _flags(db: AsyncSession, runtime: Runtime, people: Sequence[DemoPerson],
                 rng: random.Random) -> int:
    """Replies that pass screening, and a member who reports each of them."""
    thread_ids = list(await db.scalars(
        select(Thread.id).join(User, User.id == Thread.author_id)
        .where(Thread.kind == "discussion", Thread.status == "published", User.locale != "ru")
        .order_by(Thread.id).limit(200)))
    people_ids = {p.id for p in people}
    flagged = 0
    for reason, text, note in MEMBER_FLAGS:
        if not thread_ids:
            break
        thread = await get_thread(db, rng.choice(thread_ids))
        if thread is None:
            continue
        members = [m for m in await db.scalars(english_members(thread.community_id))
                   if m in people_ids]
        if len(members) < 2:
            continue
        # An author past the first-posts pre-moderation, so the reply is published at once.
        published: dict[int, int] = dict((await db.execute(
            select(Post.author_id, func.count()).where(Post.author_id.in_(members),
                                                       Post.status == "published")
            .group_by(Post.author_id))).tuples().all())
        ready = [m for m in members
                 if published.get(m, 0) >= runtime.settings.premoderate_first_posts] or members
        author_id = rng.choice(ready)
        flagger_id = rng.choice([m for m in members if m != author_id])
        author = await db.get_one(User, author_id)
        post = await reply(db, runtime, author, thread, {"body": text})
        flagger = await db.get_one(User, flagger_id)
        await queue.flag(db, flagger, target_type="post", target_id=post.id, reason=reason,
                         note=note)
        flagged += 1
    return flagged


async def load(session: AsyncSession, *, people: Sequence[DemoPerson],
               staff: dict[str, DemoPerson], seed: int, runtime: Runtime | None = None,
               **_: Any) -> str:
    """Verified clinicians, articles, and pending review items of every reason."""
    rng = random.Random(f"moderation:{seed}")
    clinicians = await _verify_clinicians(session, staff)
    if runtime is None or len(clinicians) < 2:
        return f"moderation: {len(clinicians)} verified clinicians"
    articles = await _articles(session, runtime, clinicians[0], clinicians[1])
    held = await _held_posts(session, runtime, people, staff, rng)
    flags = await _flags(session, runtime, people, rng)
    pending = await queue.pending_count(session)
    return (f"moderation: {len(clinicians)} verified clinicians, 1 application waiting, "
            f"{articles} articles, {held} held posts, {flags} member reports, "
            f"{pending} items pending review")
