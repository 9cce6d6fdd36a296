"""The disease communities every install starts with, and plausible demo conversations.

`seed_communities` is idempotent (the install and `db upgrade` call it); `load` fills
the communities with memberships, threads and replies in bulk, deterministically for a
seed, fast enough for hundreds of thousands of posts. By default a small demo is lively
(about five posts per patient); at scale `posts_per_patient` sets the volume by starting
fewer threads, so threads keep their realistic lengths.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from community.communities.models import Community, Membership, Post, PostVersion, Thread
from community.db import utcnow
from community.demo import DemoPerson, bulk_insert
from community.markdown import render_markdown

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

TITLES = (
    "Anyone else dealing with {symptom} on {treatment}?",
    "Six months on {treatment}: my experience",
    "How do you cope with {symptom}?",
    "Tips for the first weeks of {treatment}",
    "{symptom} getting worse in the evenings",
    "Small wins this week",
    "What do you wish you had known about {treatment}?",
    "Question about {treatment} and {symptom}",
    "Newly diagnosed and a bit overwhelmed",
    "Does {treatment} help with {symptom} for you?",
)
OPENERS = (
    "I started {treatment} about {months} months ago and wanted to share how it has gone.",
    "Lately my {symptom} has been harder to manage than usual.",
    "I have been living with this for {years} years and I am still learning.",
    "My clinician and I are talking about trying {treatment}.",
    "This week was a mixed one for me.",
)
MIDDLES = (
    "The first few weeks were rough, but the {symptom} eased off after a while.",
    "Keeping a simple diary has helped me notice patterns in my {symptom}.",
    "I found that pacing myself makes a real difference on bad days.",
    "Sleep seems to matter more than anything else for my {symptom}.",
    "My family has been supportive, which helps more than I expected.",
    "I noticed some {symptom} at first, which my clinician said can happen.",
)
CLOSERS = (
    "Has anyone else had a similar experience?",
    "I would love to hear what has worked for others.",
    "Thanks for reading, this community helps a lot.",
    "Wishing everyone a gentle week.",
    "Curious how it went for you.",
)
REPLIES = (
    "Thank you for sharing this. I had {symptom} too when I started {treatment}, and it got "
    "better after about {months} months.",
    "Same here. What helped me most was keeping a routine and resting before I needed to.",
    "Sending hugs. The first year was the hardest for me as well.",
    "Good question to bring to your own clinician at your next appointment.",
    "I tried {treatment} for a while; it was not right for me, but everyone is different.",
    "This is really helpful, thank you for writing it all down.",
    "I keep a symptom diary too and it made my appointments much more useful.",
    "Rooting for you. Small wins count.",
)
# Replies per thread: most threads are short, a few run long.
REPLY_COUNTS = (0, 1, 2, 3, 4, 5, 6, 8, 10, 14)
POSTS_PER_THREAD = 1 + sum(REPLY_COUNTS) / len(REPLY_COUNTS)
# Without a posts_per_patient target, one thread is started per two memberships.
THREADS_PER_MEMBERSHIP = 0.5


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


def _fill(template: str, rng: random.Random, treatments: tuple[str, ...],
          symptoms: tuple[str, ...]) -> str:
    text = template.format(treatment=rng.choice(treatments), symptom=rng.choice(symptoms),
                           months=rng.randint(2, 18), years=rng.randint(1, 20))
    return text[0].upper() + text[1:]


def _body(rng: random.Random, treatments: tuple[str, ...], symptoms: tuple[str, ...]) -> str:
    parts = [_fill(rng.choice(OPENERS), rng, treatments, symptoms),
             _fill(rng.choice(MIDDLES), rng, treatments, symptoms)]
    if rng.random() < 0.5:
        parts.append(_fill(rng.choice(MIDDLES), rng, treatments, symptoms))
    return " ".join(parts) + "\n\n" + rng.choice(CLOSERS)


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
    """Communities, memberships, threads and replies, in bulk.

    Without `posts_per_patient` there are about five posts per patient (a lively small
    demo); with it, about that many, by starting fewer threads of the same lengths.
    """
    rng = random.Random(seed)
    await seed_communities(session)
    communities = list(await session.scalars(select(Community).order_by(Community.id)))
    topics = {slug: (t, s) for slug, _n, _i, _d, t, s in COMMUNITIES}
    if not people or not communities:
        return f"{len(communities)} communities"
    members: dict[int, list[int]] = {c.id: [] for c in communities}
    membership_rows: list[dict[str, Any]] = []
    for person in people:
        for community in rng.sample(communities, k=rng.choice((1, 1, 2, 3))):
            members[community.id].append(person.id)
            membership_rows.append({"user_id": person.id, "community_id": community.id})
    await bulk_insert(session, Membership, membership_rows)
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
        ids = members[community.id]
        if not ids:
            continue
        treatments, symptoms = topics.get(community.slug, (("treatment",), ("symptoms",)))
        for _ in range(max(1, int(len(ids) * threads_per_membership))):
            started = now - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1439))
            author = rng.choice(ids)
            posts = [(author, _body(rng, treatments, symptoms), started)]
            moment = started
            for _reply in range(rng.choice(REPLY_COUNTS)):
                moment += timedelta(minutes=rng.randint(5, 60 * 48))
                posts.append((rng.choice(ids), _fill(rng.choice(REPLIES), rng, treatments,
                                                     symptoms), moment))
            kind = "ask_a_clinician" if rng.random() < 0.1 else "discussion"
            thread_rows.append({
                "community_id": community.id, "author_id": author, "kind": kind,
                "title": _fill(rng.choice(TITLES), rng, treatments, symptoms),
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
    return (f"{len(communities)} communities, {len(membership_rows)} memberships, "
            f"{len(thread_rows)} threads, {len(post_rows)} posts")


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> list[list[dict[str, Any]]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)]
