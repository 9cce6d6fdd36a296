"""The whole demo: coherent content, staff accounts with work waiting, screening-clean posts,
and the same content for the same seed."""

from __future__ import annotations

import inspect
import io
import json
import re
import sqlite3
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from community.accounts.models import User
from community.app import demo_loaders, finish_demo
from community.communities.demo_content import TOPICS
from community.communities.models import Community, Post, Thread
from community.demo import DEMO_PASSWORD, create_people
from community.profiles.models import Profile
from community.screening import AuthorContext, ScreenAction
from moderation.demo import CLINICIAN_ADVICE, HELD_THREADS, MEMBER_FLAGS
from moderation.education.models import Article, ArticleVersion
from moderation.queue.models import ReviewItem
from moderation.vetting.models import ClinicianApplication, ClinicianProfile
from outcomes.catalog.models import Condition, Symptom, Treatment
from outcomes.research.models import ConsentRecord, ExportJob, ResearchApplication
from outcomes.tracking.models import SymptomEntry
from outcomes.treatments.models import CoursePurpose, TreatmentCourse
from tests.helpers import Visitor

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_demo(visitor: Visitor, *, patients: int, seed: int) -> list[str]:
    """What `kindred demo` does, on the test app's runtime (real screening and queue)."""

    async def _work(runtime: Any) -> list[str]:
        lines = []
        async with runtime.sessionmaker() as db, db.begin():
            people, staff = await create_people(db, patients=patients, seed=seed)
            for loader in demo_loaders():
                extra = ({"runtime": runtime}
                         if "runtime" in inspect.signature(loader).parameters else {})
                lines.append(await loader(db, people=people, staff=staff, seed=seed, **extra))
        lines.append(await finish_demo(runtime))
        return lines

    return visitor.run(_work)


def query(visitor: Visitor, statement: Any) -> list[Any]:
    async def _work(runtime: Any) -> list[Any]:
        async with runtime.sessionmaker() as db:
            return list(await db.execute(statement))

    return visitor.run(_work)


def test_demo_posts_pass_screening_unless_written_to_be_held(visitor: Visitor) -> None:
    load_demo(visitor, patients=300, seed=4)
    rows = query(visitor, select(Post.id, Post.body, Post.status, Thread.title, Thread.kind,
                                 Thread.id, User.id, User.locale)
                 .join(Thread, Thread.id == Post.thread_id)
                 .join(User, User.id == Post.author_id).order_by(Post.id))
    first_posts = {thread_id: post_id for thread_id, post_id in query(
        visitor, select(Post.thread_id, func.min(Post.id)).group_by(Post.thread_id))}
    roles = {user_id: user for user_id, user in
             ((u.id, u) for (u,) in query(visitor, select(User)))}

    def screened(runtime: Any) -> dict[str, tuple[str, str]]:
        verdicts: dict[tuple[str, str, str], str] = {}
        outcome: dict[str, tuple[str, str]] = {}
        for post_id, body, status, title, kind, thread_id, user_id, locale in rows:
            text = f"{title}\n\n{body}" if first_posts[thread_id] == post_id else body
            venue = "ask_a_clinician" if kind == "ask_a_clinician" else "discussion"
            role = roles[user_id].primary_role.value
            key = (text, venue, role)
            if key not in verdicts:
                verdicts[key] = runtime.screener.screen(
                    text, author_role=role, venue=venue,
                    author_context=AuthorContext(published_posts=10, locale=locale)).action
            outcome[body] = (verdicts[key], status)
        return outcome

    outcome = visitor.run(lambda runtime: _async(screened, runtime))
    held_on_purpose = {body for _c, _k, _t, body in HELD_THREADS} | {CLINICIAN_ADVICE}
    not_published = {body for body, (action, _s) in outcome.items()
                     if action != ScreenAction.PUBLISH}
    assert not_published == held_on_purpose, not_published ^ held_on_purpose
    for body, (_action, status) in outcome.items():
        assert status == "published" or body in held_on_purpose, body
    # The reported replies were published first; the members' reports put them in the queue.
    for _reason, text, _note in MEMBER_FLAGS:
        assert outcome[text][1] == "published"
    # Articles were screened on submission: none was sent to the queue.
    assert not query(visitor, select(ReviewItem.id).where(ReviewItem.target_type == "article"))
    # Some members write in Russian.
    russian = [body for body, in query(visitor, select(Post.body).join(User, User.id == Post.author_id)
                                       .where(User.locale == "ru"))]
    assert russian and all(re.search("[а-яё]", body, re.IGNORECASE) for body in russian)


async def _async(function: Any, *args: Any) -> Any:
    return function(*args)


def test_demo_is_coherent_and_staff_have_work_waiting(visitor: Visitor) -> None:
    load_demo(visitor, patients=600, seed=7)
    # Treatments follow prevalence: the first-line drug is the most taken per condition.
    taken = Counter(query(visitor, select(Condition.slug, Treatment.slug)
                          .join(CoursePurpose, CoursePurpose.condition_id == Condition.id)
                          .join(TreatmentCourse, TreatmentCourse.id == CoursePurpose.course_id)
                          .join(Treatment, Treatment.id == TreatmentCourse.treatment_id)))

    def top(condition: str) -> str:
        counts = {t: n for (c, t), n in taken.items() if c == condition}
        return max(counts, key=lambda t: counts[t])

    assert top("type-2-diabetes") == "metformin"
    assert top("rheumatoid-arthritis") == "methotrexate"
    assert top("hypothyroidism") == "levothyroxine"
    assert top("major-depressive-disorder") in {"sertraline", "escitalopram"}
    # Symptoms recorded for a condition come from that condition's own list.
    for condition, symptom in set(query(visitor, select(Condition.slug, Symptom.slug)
                                        .join(SymptomEntry,
                                              SymptomEntry.condition_id == Condition.id)
                                        .join(Symptom, Symptom.id == SymptomEntry.symptom_id))):
        assert symptom in {s.slug for s in TOPICS[condition].symptoms}, (condition, symptom)
    # A thread about one treatment does not drift to another in its posts.
    posts: dict[int, list[str]] = {}
    for thread_id, body in query(visitor, select(Post.thread_id, Post.body)
                                 .where(Post.status == "published")):
        posts.setdefault(thread_id, []).append(body)
    for thread_id, title, slug in query(visitor, select(Thread.id, Thread.title, Community.slug)
                                        .join(Community, Community.id == Thread.community_id)):
        names = {t.en for t in TOPICS[slug].treatments if t.drug} | {
            t.ru for t in TOPICS[slug].treatments if t.drug}
        named = {n for n in names if n in title}
        if len(named) == 1:
            for body in posts.get(thread_id, []):
                assert {n for n in names if n in body} <= named, (title, body)

    # A demo patient finds people like them.
    patient = query(visitor, select(User.username).join(Profile, Profile.user_id == User.id)
                    .order_by(User.id).limit(1))[0][0]
    assert visitor.login(patient, DEMO_PASSWORD).status_code == 303
    like_me = visitor.get("/people/like-me")
    assert like_me.status_code == 200 and "Nobody matches yet" not in like_me.text

    # dr_demo: a verified clinician with a public profile, two published articles, one returned.
    assert visitor.get("/clinicians/dr_demo").status_code == 200
    assert len(query(visitor, select(ClinicianProfile.user_id))) == 2
    statuses = Counter(status for status, in query(
        visitor, select(ArticleVersion.status).join(Article, Article.id == ArticleVersion.article_id)
        .join(User, User.id == Article.author_id).where(User.username == "dr_demo")))
    assert statuses == {"published": 2, "returned": 1}
    # The moderator's queue holds something of every reason.
    reasons = {reason for reason, in query(visitor, select(ReviewItem.reason)
                                            .where(ReviewItem.status == "pending"))}
    assert {"urgent", "advice_request", "identifying", "clinician_advice", "promotion",
            "off_topic", "inappropriate", "other"} <= reasons
    # The admin has a clinician and a researcher application waiting.
    assert query(visitor, select(ClinicianApplication.id)
                 .where(ClinicianApplication.status == "pending"))
    assert query(visitor, select(ResearchApplication.id)
                 .where(ResearchApplication.status == "pending"))
    # researcher_demo's export is built, over consenting patients, and its tables have rows.
    consenting = query(visitor, select(func.count()).select_from(ConsentRecord))[0][0]
    assert 0.3 * 600 < consenting < 0.6 * 600
    (job,) = [j for j, in query(visitor, select(ExportJob))]
    assert job.status == "done", job.error
    with zipfile.ZipFile(io.BytesIO(Path(job.archive_path).read_bytes())) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        # At this small size a table whose every cell would be hidden is left out and named
        # (the default demo's 3,000 patients release all seven: the browser test downloads it).
        released = {n.removesuffix(".csv") for n in archive.namelist() if n.endswith(".csv")}
        assert {"treatment_use", "questionnaire_bands"} <= released, released
        for table in released:
            assert len(archive.read(f"{table}.csv").decode().splitlines()) > 1, table
        assert released | set(manifest.get("not_released", {})) >= {
            "patients", "treatment_use", "questionnaire_bands"}


def _dump(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, without what a run stamps with the clock or random salts."""
    skip_tables = {"alembic_version", "audit_log", "user_session", "counter"}
    skip_columns = {"password_hash", "manifest", "hash", "prev_hash", "archive_path",
                    "download_expires_at", "lease_until", "finished_at"}
    connection = sqlite3.connect(database)
    tables = [name for name, in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    dump = {}
    for table in tables:
        if table in skip_tables or "_fts" in table:
            continue
        columns = [name for _cid, name, kind, *_rest in connection.execute(
            f"PRAGMA table_info('{table}')")
            if "DATETIME" not in kind.upper() and "TIMESTAMP" not in kind.upper()
            and name not in skip_columns
            # report summary versions are random by design (a cache key is never reused)
            and not (name == "version" and table.startswith("report_"))]
        rows = connection.execute(
            f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM '{table}'")
        dump[table] = [tuple(columns), *sorted(rows, key=repr)]
    connection.close()
    return dump


def _kindred(tmp: Path, *args: str) -> str:
    env = {"KINDRED_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'kindred.db'}",
           "KINDRED_VAR_DIR": str(tmp / "var"), "KINDRED_ENV": "development",
           "KINDRED_SECRET_KEY": "demo-test-secret-key-0123456789abcdef012345",
           "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run([sys.executable, "-c", "from community.cli import main; main()",
                             *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.long
def test_kindred_demo_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    dumps = []
    for run in ("first", "second"):
        folder = tmp_path / run
        folder.mkdir()
        _kindred(folder, "db", "upgrade")
        _kindred(folder, "demo", "--patients", "120", "--seed", "11")
        dumps.append(_dump(folder / "kindred.db"))
    first, second = dumps
    assert first["thread"] and first["post"] and first["treatment_course"]
    assert first["review_item"] and first["research_export_job"]
    differing = {t: [c for i, c in enumerate(first[t][0])
                     if [r[i] for r in first[t][1:]] != [r[i] for r in second[t][1:]]]
                 for t in first if first[t] != second[t]}
    assert differing == {}
