"""The disease communities every install starts with, and plausible demo conversations.

`seed_communities` is idempotent (the install and `db upgrade` call it); `load` fills
the communities with memberships, threads and replies in bulk, deterministically for a
seed, fast enough for hundreds of thousands of posts. By default a small demo is lively
(about five posts per patient); at scale `posts_per_patient` sets the volume by starting
fewer threads, so threads keep their realistic lengths.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from community.communities.demo_content import (
    ABOUT_EN,
    ABOUT_RU,
    ASK_EN,
    ASK_RU,
    DISCUSSIONS_EN,
    DISCUSSIONS_RU,
    GENERIC_EN,
    GENERIC_RU,
    THANKS_EN,
    THANKS_RU,
    TOPICS,
    Topic,
)
from community.communities.models import Community, Membership, Post, PostVersion, Thread
from community.db import utcnow
from community.demo import DemoPerson, bulk_insert, plan_for
from community.markdown import render_markdown
from community.notifications.models import Follow, FollowTarget
from community.profiles.models import Profile, ProfileCondition

# slug, name, ICD-10, description, treatments people talk about, symptoms they mention
COMMUNITIES: tuple[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("als", "ALS (amyotrophic lateral sclerosis)", "G12.21",
     "For people living with ALS and those who care for them: mobility, breathing, "
     "communication aids and everyday life.",
     ("riluzole", "edaravone", "a BiPAP machine", "physical therapy"),
     ("muscle cramps", "fatigue", "trouble swallowing", "weak grip")),
    ("multiple-sclerosis", "Multiple sclerosis", "G35",
     "Relapses, disease-modifying treatments, fatigue and living well with MS.",
     ("ocrelizumab", "dimethyl fumarate", "glatiramer", "vitamin D"),
     ("fatigue", "numbness", "balance problems", "brain fog")),
    ("parkinsons-disease", "Parkinson's disease", "G20",
     "Tremor, medication timing, exercise and the non-motor side of Parkinson's.",
     ("levodopa", "pramipexole", "rasagiline", "boxing classes"),
     ("tremor", "stiffness", "sleep problems", "off periods")),
    ("epilepsy", "Epilepsy", "G40.9",
     "Seizure control, medication side effects, driving, work and safety plans.",
     ("levetiracetam", "lamotrigine", "a ketogenic diet", "valproate"),
     ("breakthrough seizures", "drowsiness", "mood swings", "memory lapses")),
    ("type-2-diabetes", "Type 2 diabetes", "E11",
     "Blood sugar, food, activity and medicines for type 2 diabetes.",
     ("metformin", "semaglutide", "empagliflozin", "a walking routine"),
     ("high morning readings", "tingling feet", "tiredness", "thirst")),
    ("major-depressive-disorder", "Major depressive disorder", "F32",
     "Living with depression: treatments, therapy, routines and getting through hard days.",
     ("sertraline", "bupropion", "CBT", "morning walks"),
     ("low energy", "poor sleep", "loss of interest", "brain fog")),
    ("bipolar-disorder", "Bipolar disorder", "F31",
     "Mood episodes, medication, sleep and keeping a steady life with bipolar disorder.",
     ("lithium", "lamotrigine", "quetiapine", "a mood diary"),
     ("racing thoughts", "low moods", "sleep changes", "weight gain")),
    ("hiv", "HIV", "B20",
     "Treatment, staying undetectable, side effects and living well with HIV.",
     ("bictegravir combination", "dolutegravir", "PrEP for partners", "regular labs"),
     ("nausea", "vivid dreams", "fatigue", "stigma at work")),
    ("lupus", "Lupus (SLE)", "M32",
     "Flares, fatigue, sun sensitivity and treatments for systemic lupus.",
     ("hydroxychloroquine", "belimumab", "low-dose prednisone", "sun protection"),
     ("joint pain", "rashes", "fatigue", "hair loss")),
    ("rheumatoid-arthritis", "Rheumatoid arthritis", "M06.9",
     "Joint pain, biologics, methotrexate and keeping moving with RA.",
     ("methotrexate", "adalimumab", "tofacitinib", "hand exercises"),
     ("morning stiffness", "swollen knuckles", "fatigue", "hair loss")),
    ("crohns-disease", "Crohn's disease", "K50.9",
     "Flares, diet, biologics, surgery and daily life with Crohn's.",
     ("infliximab", "ustekinumab", "budesonide", "a low-residue diet"),
     ("cramping", "urgency", "fatigue", "joint aches")),
    ("fibromyalgia", "Fibromyalgia", "M79.7",
     "Widespread pain, sleep, pacing and what helps with fibromyalgia.",
     ("duloxetine", "pregabalin", "gentle yoga", "pacing"),
     ("widespread pain", "unrefreshing sleep", "fibro fog", "tender spots")),
    ("migraine", "Migraine", "G43.9",
     "Triggers, preventives, acute treatments and living with migraine.",
     ("erenumab", "sumatriptan", "topiramate", "magnesium"),
     ("aura", "light sensitivity", "nausea", "neck pain")),
    ("copd", "COPD", "J44.9",
     "Breathing, inhalers, pulmonary rehab and everyday life with COPD.",
     ("tiotropium", "a combination inhaler", "pulmonary rehab", "oxygen at night"),
     ("breathlessness", "morning cough", "chest tightness", "tiredness")),
    ("heart-failure", "Heart failure", "I50.9",
     "Medicines, fluid, salt, activity and living with heart failure.",
     ("sacubitril/valsartan", "dapagliflozin", "a low-salt diet", "cardiac rehab"),
     ("swollen ankles", "breathlessness", "tiredness", "weight changes")),
    ("breast-cancer", "Breast cancer", "C50.9",
     "Diagnosis, treatment, recovery and life after breast cancer.",
     ("tamoxifen", "letrozole", "radiotherapy", "a cold cap"),
     ("hot flushes", "joint pain", "fatigue", "scar tightness")),
)

# Replies per thread: most threads are short, a few run long.
REPLY_COUNTS = (0, 1, 2, 3, 4, 5, 6, 8, 10, 14)
POSTS_PER_THREAD = 1 + sum(REPLY_COUNTS) / len(REPLY_COUNTS)
# Without a posts_per_patient target, one thread is started per two memberships.
THREADS_PER_MEMBERSHIP = 0.5
ASK_SHARE = 0.1
CLINICIANS = ("dr_demo", "dr_review")


async def seed_communities(session: AsyncSession) -> int:
    """Create the standard communities that are missing; returns how many were added."""
    existing = set(await session.scalars(select(Community.slug)))
    rows = [
        {"slug": slug, "name": name, "icd10": icd10, "condition_slug": slug,
         "description": description, "member_count": 0}
        for slug, name, icd10, description, _t, _s in COMMUNITIES if slug not in existing
    ]
    if rows:
        await session.execute(insert(Community), rows)
    return len(rows)


@dataclass(frozen=True)
class _Slots:
    treatment: str
    symptom: str
    condition: str
    months: int
    weeks: int


def _fill(template: str, slots: _Slots) -> str:
    text = template.format(treatment=slots.treatment, symptom=slots.symptom,
                           condition=slots.condition, months=slots.months, weeks=slots.weeks)
    return text[0].upper() + text[1:]


def _conversation(rng: random.Random, topic: Topic, russian: bool, ask: bool,
                  replies_wanted: int) -> tuple[str, str, list[str], bool]:
    """A title, an opening post and replies about one thing; and whether a clinician answers."""
    kinds = (ASK_RU if russian else ASK_EN) if ask else (
        DISCUSSIONS_RU if russian else DISCUSSIONS_EN)
    kind = rng.choice(kinds)
    drugs = [t for t in topic.treatments if t.drug]
    treatment = rng.choices(drugs, weights=[t.share for t in drugs])[0]
    symptom = rng.choice(topic.symptoms)
    slots = _Slots(treatment.ru if russian else treatment.en,
                   symptom.ru if russian else symptom.en,
                   topic.ru if russian else topic.en, rng.choice((3, 4, 6, 8, 9, 12, 18)),
                   rng.choice((2, 3, 4, 6, 8)))
    title = _fill(rng.choice(kind.titles), slots)
    opener = _fill(rng.choice(kind.openers), slots)
    if ask:
        return title, opener, [_fill(kind.replies[0], slots)], True
    pool = [*kind.replies, *(GENERIC_RU if russian else GENERIC_EN)]
    own = min(replies_wanted, len(kind.replies))
    replies = [_fill(r, slots) for r in rng.sample(kind.replies, k=own)]
    extra = rng.sample(pool[len(kind.replies):], k=min(replies_wanted - own,
                                                       len(pool) - len(kind.replies)))
    replies.extend(extra)
    return title, opener, replies, False


class _Renderer:
    """render_markdown for demo bodies, one paragraph at a time with a cache.

    Demo bodies are plain paragraphs (no Markdown syntax spans a blank line), so the HTML of
    a body is the HTML of its paragraphs in order; caching paragraphs rather than whole
    bodies keeps rendering cheap when hundreds of thousands of bodies are distinct.
    """

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, body: str) -> str:
        return "".join(self._paragraph(part) for part in body.split("\n\n"))

    def _paragraph(self, text: str) -> str:
        html = self.cache.get(text)
        if html is None:
            html = self.cache[text] = render_markdown(text)
        return html


async def load(
    session: AsyncSession, *, people: list[DemoPerson], staff: dict[str, DemoPerson], seed: int,
    posts_per_patient: float | None = None,
) -> str:
    """Communities, memberships, profiles, threads and replies, in bulk.

    Each patient joins the communities of their conditions (the shared plan), and writes in
    their language. Without `posts_per_patient` there are about five posts per patient (a
    lively small demo); with it, about that many, by starting fewer threads of the same
    lengths.
    """
    rng = random.Random(seed)
    await seed_communities(session)
    communities = list(await session.scalars(select(Community).order_by(Community.id)))
    if not people or not communities:
        return f"{len(communities)} communities"
    plan = plan_for(people, seed)
    by_slug = {c.slug: c for c in communities}
    members: dict[int, list[int]] = {c.id: [] for c in communities}
    speakers: dict[tuple[int, bool], list[int]] = {}
    membership_rows: list[dict[str, Any]] = []
    profile_rows: list[dict[str, Any]] = []
    condition_rows: list[dict[str, Any]] = []
    for person in people:
        mine = plan[person.id]
        joined = [by_slug[slug] for slug in mine.conditions if slug in by_slug]
        for community in joined:
            members[community.id].append(person.id)
            speakers.setdefault((community.id, mine.russian), []).append(person.id)
            membership_rows.append({"user_id": person.id, "community_id": community.id})
            condition_rows.append({
                "user_id": person.id, "community_id": community.id,
                "diagnosed_year": mine.diagnosed_year if community.slug == mine.conditions[0]
                else mine.diagnosed_year + rng.randint(0, 4),
                "first_symptoms_year": mine.diagnosed_year - rng.choice((0, 0, 1, 2)),
                "visibility": "members"})
        about = ""
        topic = TOPICS.get(mine.conditions[0])
        if topic is not None and rng.random() < 0.3:
            about = rng.choice(ABOUT_RU if mine.russian else ABOUT_EN).format(
                condition=topic.ru if mine.russian else topic.en, year=mine.diagnosed_year)
        profile_rows.append({
            "user_id": person.id, "sex": mine.sex, "sex_visibility": "members",
            "age_band": mine.age_band, "age_band_visibility": "members",
            "country": mine.country, "country_visibility": "members", "about": about,
            "about_visibility": "members", "about_status": "published", "discoverable": True})
    clinicians = [staff[name].id for name in CLINICIANS if name in staff]
    for community in communities:
        for clinician_id in clinicians:
            members[community.id].append(clinician_id)
            membership_rows.append({"user_id": clinician_id, "community_id": community.id})
    await bulk_insert(session, Membership, membership_rows)
    await bulk_insert(session, Profile, profile_rows)
    await bulk_insert(session, ProfileCondition, condition_rows)
    for community in communities:
        await session.execute(update(Community).where(Community.id == community.id)
                              .values(member_count=len(members[community.id])))

    threads_per_membership = (
        THREADS_PER_MEMBERSHIP if posts_per_patient is None
        else posts_per_patient * len(people) / (POSTS_PER_THREAD * len(membership_rows)))
    now = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    render = _Renderer()
    thread_rows: list[dict[str, Any]] = []
    thread_posts: list[list[tuple[int, str, datetime]]] = []
    for community in communities:
        topic = TOPICS.get(community.slug)
        patients = len(members[community.id]) - len(clinicians)
        if topic is None or patients <= 0:
            continue
        for _ in range(max(1, int(patients * threads_per_membership))):
            russian = rng.random() < len(speakers.get((community.id, True), ())) / patients
            voices = speakers.get((community.id, russian), [])
            if len(voices) < 2:
                russian, voices = False, speakers.get((community.id, False), voices)
            author = rng.choice(voices)
            ask = bool(clinicians) and rng.random() < ASK_SHARE
            title, opener, replies, answered = _conversation(
                rng, topic, russian, ask, rng.choice(REPLY_COUNTS))
            closing = (len(replies) >= 3 and rng.random() < 0.4) or answered
            gaps = [timedelta(minutes=rng.randint(5, 60 * 48))
                    for _n in range(len(replies) + closing)]
            # Every reply is in the past: the thread starts early enough for all of them.
            started = now - sum(gaps, timedelta()) - timedelta(
                days=rng.randint(0, 365), minutes=rng.randint(30, 1439))
            posts = [(author, opener, started)]
            moment = started
            for index, text in enumerate(replies):
                moment += gaps[index]
                if answered and index == 0:
                    replier = clinicians[-1] if russian else clinicians[0]
                else:
                    replier = rng.choice([v for v in voices if v != author] or voices)
                posts.append((replier, text, moment))
            if closing:
                moment += gaps[-1]
                posts.append((author, rng.choice(THANKS_RU if russian else THANKS_EN), moment))
            thread_rows.append({
                "community_id": community.id, "author_id": author,
                "kind": "ask_a_clinician" if ask else "discussion", "title": title,
                "audience": "public" if rng.random() < 0.2 else "members",
                "status": "published", "created_at": started, "last_activity_at": moment,
                "reply_count": len(posts) - 1,
            })
            thread_posts.append(posts)
    thread_ids: list[int] = []
    for chunk in _chunks(thread_rows):
        statement = insert(Thread).returning(Thread.id, sort_by_parameter_order=True)
        result = await session.execute(statement, chunk)
        thread_ids.extend(row[0] for row in result)
    first_post_id = int(await session.scalar(select(func.coalesce(func.max(Post.id), 0))) or 0)
    post_rows: list[dict[str, Any]] = []
    for thread_id, posts in zip(thread_ids, thread_posts, strict=True):
        for author, body, moment in posts:
            post_rows.append({"thread_id": thread_id, "author_id": author, "body": body,
                              "body_html": render(body), "status": "published",
                              "screen_labels": [], "screen_spans": [], "created_at": moment,
                              "version": 1, "helpful_count": 0, "hugs_count": 0})
    await bulk_insert(session, Post, post_rows)
    await session.execute(insert(PostVersion).from_select(
        ["post_id", "version", "body", "screen_labels", "created_at"],
        select(Post.id, Post.version, Post.body, Post.screen_labels, Post.created_at)
        .where(Post.id > first_post_id)))
    # As on the site, whoever wrote in a thread follows it (replies reach them).
    await session.execute(insert(Follow).from_select(
        ["user_id", "target_type", "target_id", "created_at"],
        select(Post.author_id, literal(FollowTarget.THREAD.value), Post.thread_id,
               func.min(Post.created_at))
        .where(Post.id > first_post_id).group_by(Post.author_id, Post.thread_id)))
    return (f"{len(communities)} communities, {len(membership_rows)} memberships, "
            f"{len(profile_rows)} profiles, {len(thread_rows)} threads, {len(post_rows)} posts")


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> list[list[dict[str, Any]]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)]
