"""A patient's own data: the personal archive, and deleting the account.

`build_personal_archive` gathers everything one person gave Kindred (it is one person's
data, so it is built in memory). `delete_account` ends the account in the caller's single
transaction: research consent is withdrawn, outcomes leave every maintained summary before
their rows go, and the user row stays as a "former member" tombstone so threads, audit
entries and foreign keys keep their shape.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from community import audit
from community.accounts.models import EmailToken, User
from community.accounts.passwords import verify_password
from community.accounts.services import FormErrors
from community.communities import services as communities
from community.communities.drafts import drafts_of, forget_drafts
from community.communities.models import (
    Community,
    Membership,
    Post,
    PostStatus,
    PostVersion,
    Thread,
)
from community.db import utcnow
from community.i18n import gettext as _
from community.messages.access import readable_by
from community.messages.models import Block, Message
from community.notifications.models import Notification
from community.profiles.models import Profile, ProfileCondition
from community.runtime import Runtime
from outcomes.catalog.models import Condition, Symptom
from outcomes.research.models import ConsentRecord
from outcomes.research.services import withdraw_consent
from outcomes.rights import fhir
from outcomes.tracking.models import CheckIn, Feeling, QuestionnaireAnswer, Severity, SymptomEntry
from outcomes.tracking.services import questionnaires, remove_person_tracking
from outcomes.treatments import scales
from outcomes.treatments.models import Evaluation, TreatmentCourse
from outcomes.treatments.services import names_for, remove_person_outcomes

TOMBSTONE_PREFIX = "former-member-"
FORMER_MEMBER = "former member"
# Stored, so not translated; it replaces the title of a thread whose author removed their posts.
REMOVED_THREAD_TITLE = "[removed by its author]"

ARCHIVE_FILES = (
    "README.txt", "account.json", "profile.json", "posts.json", "posts.csv", "drafts.json",
    "messages.json",
    "treatments.json", "treatments.csv", "evaluations.json", "evaluations.csv",
    "symptoms.csv", "check_ins.csv", "questionnaires.json", "consent.json", "fhir/bundle.json",
)


# ---- the archive --------------------------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _aware(moment: datetime) -> datetime:
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_iso).encode()


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else _iso(cell) for cell in row])
    return out.getvalue().encode()


def dose_text(amount: Any, unit: str, frequency: str, as_needed: bool, since: Any) -> str:
    parts = [scales.format_amount(amount), scales.DOSE_UNIT.label(unit) if unit else "",
             scales.FREQUENCY.label(frequency) if frequency else ""]
    text = " ".join(part for part in parts if part) or _("dose not given")
    if as_needed:
        text += " " + _("as needed")
    return f"{text} ({_('from %(day)s') % {'day': since.isoformat()}})"


async def _account(db: AsyncSession, user: User) -> dict[str, Any]:
    return {
        "username": user.username, "email": user.email,
        "email_verified_at": user.email_verified_at, "created_at": user.created_at,
        "locale": user.locale, "roles": sorted(r.value for r in user.role_names),
    }


async def _profile(db: AsyncSession, user: User) -> tuple[dict[str, Any], str | None]:
    profile = await db.get(Profile, user.id)
    rows = (await db.execute(
        select(ProfileCondition, Community.name)
        .join(Community, Community.id == ProfileCondition.community_id)
        .where(ProfileCondition.user_id == user.id).order_by(ProfileCondition.id)
    )).all()
    data: dict[str, Any] = {"saved": profile is not None}
    if profile is not None:
        data.update({
            column: getattr(profile, column)
            for column in ("sex", "sex_visibility", "age_band", "age_band_visibility", "country",
                           "country_visibility", "about", "about_visibility", "about_status",
                           "discoverable", "updated_at")
        })
    data["conditions"] = [
        {"community": name, "diagnosed_year": c.diagnosed_year,
         "first_symptoms_year": c.first_symptoms_year, "visibility": c.visibility}
        for c, name in rows
    ]
    memberships = (await db.execute(
        select(Community.name, Membership.joined_at).join(Membership)
        .where(Membership.user_id == user.id).order_by(Membership.joined_at)
    )).all()
    data["communities"] = [{"community": name, "joined_at": at} for name, at in memberships]
    return data, profile.sex if profile is not None else None


async def _posts(db: AsyncSession, user: User) -> list[dict[str, Any]]:
    rows = (await db.execute(
        select(Post, Thread.title, Community.name)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Community, Community.id == Thread.community_id)
        .where(Post.author_id == user.id).order_by(Post.id)
    )).all()
    versions: dict[int, list[dict[str, Any]]] = {}
    if rows:
        for version in await db.scalars(
            select(PostVersion).join(Post, Post.id == PostVersion.post_id)
            .where(Post.author_id == user.id).order_by(PostVersion.post_id, PostVersion.version)
        ):
            versions.setdefault(version.post_id, []).append(
                {"version": version.version, "created_at": version.created_at,
                 "body": version.body})
    return [
        {"id": post.id, "thread_id": post.thread_id, "thread_title": title, "community": name,
         "created_at": post.created_at, "edited_at": post.edited_at, "status": post.status,
         "body": post.body, "versions": versions.get(post.id, [])}
        for post, title, name in rows
    ]


async def _messages(db: AsyncSession, user: User) -> list[dict[str, Any]]:
    # A received message that was held never reached this person: it stays with its sender.
    messages = list(await db.scalars(
        select(Message).where(readable_by(user.id)).order_by(Message.id)))
    partner_ids = {m.recipient_id if m.sender_id == user.id else m.sender_id for m in messages}
    names = dict((await db.execute(
        select(User.id, User.username).where(User.id.in_(partner_ids)))).tuples().all()
    ) if partner_ids else {}
    out = []
    for m in messages:
        sent = m.sender_id == user.id
        out.append({
            "id": m.id, "direction": "sent" if sent else "received",
            "with": names.get(m.recipient_id if sent else m.sender_id, ""),
            "created_at": m.created_at, "status": m.status, "read_at": m.read_at,
            "body": m.body,
        })
    return out


async def _treatments(db: AsyncSession, user: User) -> tuple[
    list[dict[str, Any]], list[dict[str, Any]], list[fhir.CourseFacts]
]:
    courses = list(await db.scalars(
        select(TreatmentCourse).where(TreatmentCourse.user_id == user.id)
        .options(selectinload(TreatmentCourse.doses), selectinload(TreatmentCourse.purposes))
        .order_by(TreatmentCourse.started_on, TreatmentCourse.id)
    ))
    evaluations = list(await db.scalars(
        select(Evaluation).where(Evaluation.user_id == user.id)
        .options(selectinload(Evaluation.effects), selectinload(Evaluation.side_effects))
        .order_by(Evaluation.evaluated_on, Evaluation.id)
    ))
    names = await names_for(
        db, treatments={c.treatment_id for c in courses} | {e.treatment_id for e in evaluations},
        purposes={p.key for c in courses for p in c.purposes}
        | {f.purpose for e in evaluations for f in e.effects},
        side_effects={s.side_effect_id for e in evaluations for s in e.side_effects},
    )

    def treatment_name(treatment_id: int) -> str:
        term = names.treatments.get(treatment_id)
        return term.name if term else str(treatment_id)

    course_rows, facts = [], []
    for course in courses:
        doses = [dose_text(d.amount, d.unit, d.frequency, d.as_needed, d.started_on)
                 for d in course.doses]
        purposes = [names.purpose(p.key) for p in course.purposes]
        course_rows.append({
            "id": course.id, "treatment": treatment_name(course.treatment_id),
            "started_on": course.started_on, "stopped_on": course.stopped_on,
            "stop_reason": course.stop_reason, "stop_reason_other": course.stop_reason_other,
            "purposes": purposes,
            "doses": [{"started_on": d.started_on, "amount": scales.format_amount(d.amount),
                       "unit": d.unit, "frequency": d.frequency, "as_needed": d.as_needed}
                      for d in course.doses],
        })
        facts.append(fhir.CourseFacts(
            id=course.id, medication=treatment_name(course.treatment_id),
            started_on=course.started_on, stopped_on=course.stopped_on,
            stop_reason=course.stop_reason, doses=doses, purposes=purposes))
    evaluation_rows = [
        {"id": e.id, "course_id": e.course_id, "treatment": treatment_name(e.treatment_id),
         "evaluated_on": e.evaluated_on,
         "effectiveness": {names.purpose(f.purpose): f.effectiveness for f in e.effects},
         "side_effect_severity": e.side_effect_severity,
         "side_effects": sorted(
             names.side_effects[s.side_effect_id].name if s.side_effect_id in names.side_effects
             else str(s.side_effect_id) for s in e.side_effects),
         "adherence": e.adherence, "burden": e.burden, "cost": e.cost, "tip": e.tip,
         "tip_status": e.tip_status, "visibility": e.visibility, "updated_at": e.updated_at}
        for e in evaluations
    ]
    return course_rows, evaluation_rows, facts


async def _tracking(db: AsyncSession, user: User) -> tuple[
    list[fhir.SymptomFacts], list[tuple[Any, ...]], list[fhir.CheckInFacts],
    list[dict[str, Any]], list[fhir.AnswerFacts]
]:
    symptom_rows = (await db.execute(
        select(SymptomEntry, Symptom.name, Condition.name)
        .join(Symptom, Symptom.id == SymptomEntry.symptom_id)
        .outerjoin(Condition, Condition.id == SymptomEntry.condition_id)
        .where(SymptomEntry.user_id == user.id)
        .order_by(SymptomEntry.recorded_on, SymptomEntry.id)
    )).all()
    symptoms = [fhir.SymptomFacts(id=e.id, symptom=name, severity=e.severity,
                                  severity_label=Severity(e.severity).label,
                                  recorded_on=e.recorded_on)
                for e, name, _condition in symptom_rows]
    symptom_csv = [(e.recorded_on, name, condition or "", e.severity, Severity(e.severity).label)
                   for e, name, condition in symptom_rows]
    check_ins = [
        fhir.CheckInFacts(id=c.id, level=c.level, level_label=Feeling(c.level).label,
                          note=c.note, recorded_on=c.recorded_on)
        for c in await db.scalars(select(CheckIn).where(CheckIn.user_id == user.id)
                                  .order_by(CheckIn.recorded_on))
    ]
    definitions = questionnaires()
    answers = list(await db.scalars(
        select(QuestionnaireAnswer).where(QuestionnaireAnswer.user_id == user.id)
        .order_by(QuestionnaireAnswer.authored_at, QuestionnaireAnswer.id)
    ))
    answer_rows = [
        {"id": a.id, "questionnaire": a.questionnaire_id, "version": a.questionnaire_version,
         "title": definitions[a.questionnaire_id].title if a.questionnaire_id in definitions
         else a.questionnaire_id,
         "authored_at": _aware(a.authored_at), "answers": a.answers, "total": a.total,
         "band": a.band_code, "flags": a.flags, "subscales": a.subscales}
        for a in answers
    ]
    answer_facts = [fhir.AnswerFacts(id=a.id, definition=definitions.get(a.questionnaire_id),
                                     answers=a.answers, authored_at=_aware(a.authored_at))
                    for a in answers]
    return symptoms, symptom_csv, check_ins, answer_rows, answer_facts


async def _consent(db: AsyncSession, user: User) -> list[dict[str, Any]]:
    return [
        {"version": r.version, "granted": r.granted, "at": r.at}
        for r in await db.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                                  .order_by(ConsentRecord.id))
    ]


README = """Your Kindred data, as of {at}.

account.json        your account (username, e-mail, roles)
profile.json        your profile, conditions and communities
posts.json/.csv     every post you wrote, with thread titles, status and earlier versions
drafts.json         replies you started and have not posted yet
messages.json       private messages you sent, and those delivered to you
treatments.*        your treatment courses and doses
evaluations.*       your evaluations of them
symptoms.csv        symptoms you recorded
check_ins.csv       your daily check-ins
questionnaires.json questionnaires you completed, with scores
consent.json        your research consent history
fhir/bundle.json    the same health data as a FHIR R4 Bundle, without identifying you
"""


async def build_personal_archive(db: AsyncSession, user: User) -> bytes:
    """Everything `user` gave Kindred, as a zip of JSON, CSV and FHIR R4; audited."""
    now = utcnow()
    profile, sex = await _profile(db, user)
    posts = await _posts(db, user)
    courses, evaluations, course_facts = await _treatments(db, user)
    symptoms, symptom_csv, check_ins, answers, answer_facts = await _tracking(db, user)
    bundle = fhir.build_bundle(sex=sex, courses=course_facts, symptoms=symptoms,
                               check_ins=check_ins, answers=answer_facts, generated_at=now)
    files: dict[str, bytes] = {
        "README.txt": README.format(at=now.isoformat(timespec="seconds")).encode(),
        "account.json": _json(await _account(db, user)),
        "profile.json": _json(profile),
        "posts.json": _json(posts),
        "posts.csv": _csv(
            ("id", "thread_id", "thread_title", "community", "created_at", "edited_at",
             "status", "body"),
            ((p["id"], p["thread_id"], p["thread_title"], p["community"], p["created_at"],
              p["edited_at"], p["status"], p["body"]) for p in posts)),
        "drafts.json": _json([
            {"thread_id": draft.thread_id, "thread_title": title, "saved_at": draft.updated_at,
             "body": draft.body} for draft, title in await drafts_of(db, user.id)]),
        "messages.json": _json(await _messages(db, user)),
        "treatments.json": _json(courses),
        "treatments.csv": _csv(
            ("id", "treatment", "started_on", "stopped_on", "stop_reason", "purposes", "doses"),
            ((c.id, c.medication, c.started_on, c.stopped_on, c.stop_reason,
              "; ".join(c.purposes), "; ".join(c.doses)) for c in course_facts)),
        "evaluations.json": _json(evaluations),
        "evaluations.csv": _csv(
            ("id", "course_id", "treatment", "evaluated_on", "effectiveness",
             "side_effect_severity", "side_effects", "adherence", "burden", "cost", "tip",
             "visibility"),
            ((e["id"], e["course_id"], e["treatment"], e["evaluated_on"],
              "; ".join(f"{k}: {v}" for k, v in e["effectiveness"].items()),
              e["side_effect_severity"], "; ".join(e["side_effects"]), e["adherence"],
              e["burden"], e["cost"], e["tip"], e["visibility"]) for e in evaluations)),
        "symptoms.csv": _csv(("recorded_on", "symptom", "condition", "severity",
                              "severity_label"), symptom_csv),
        "check_ins.csv": _csv(("recorded_on", "level", "level_label", "note"),
                              ((c.recorded_on, c.level, c.level_label, c.note)
                               for c in check_ins)),
        "questionnaires.json": _json(answers),
        "consent.json": _json(await _consent(db, user)),
        "fhir/bundle.json": _json(bundle),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ARCHIVE_FILES:
            archive.writestr(zipfile.ZipInfo(f"kindred-data/{name}",
                                             date_time=now.timetuple()[:6]), files[name],
                             compress_type=zipfile.ZIP_DEFLATED)
    await audit.record(db, "data.exported", actor_id=user.id, target_type="user",
                       target_id=user.id)
    return buffer.getvalue()


def archive_filename(moment: datetime) -> str:
    return f"kindred-data-{moment.date().isoformat()}.zip"


# ---- deleting the account -----------------------------------------------------------------


def _lock_key(user_id: int) -> str:
    return f"delete-account:{user_id}"


async def check_password(db: AsyncSession, runtime: Runtime, user: User, password: str) -> None:
    """Re-authenticate before an irreversible action, under the sign-in failure limit."""
    settings = runtime.settings
    key = _lock_key(user.id)
    if await runtime.counters.peek(key) >= settings.login_max_failures_per_account:
        raise FormErrors({"password": [
            _("Too many wrong passwords. Wait %(minutes)d minutes and try again.")
            % {"minutes": settings.login_lockout_minutes}]})
    if not password or not await verify_password(user.password_hash, password):
        await runtime.counters.hit(key, timedelta(minutes=settings.login_lockout_minutes), db=db)
        raise FormErrors({"password": [_("Your password is not correct.")]})


async def delete_account(
    db: AsyncSession, runtime: Runtime, user: User, *, keep_posts: bool, password: str
) -> None:
    """Delete the account in the caller's transaction; raises FormErrors on a wrong password
    (after counting the failure: the caller commits that, and nothing else has changed)."""
    await check_password(db, runtime, user, password)
    user_id = user.id
    await withdraw_consent(db, user)
    # Summaries first: they are recounted from the rows about to go.
    await remove_person_outcomes(db, user_id)
    await remove_person_tracking(db, user_id)
    await _remove_community_traces(db, user)
    await _settle_posts(db, user, keep_posts=keep_posts)
    await db.execute(update(Message).where(Message.sender_id == user_id)
                     .values(body="", labels=""))
    await db.execute(delete(Block).where(or_(Block.blocker_id == user_id,
                                             Block.blocked_id == user_id)))
    await db.execute(delete(Notification).where(Notification.user_id == user_id))
    await forget_drafts(db, user_id)
    await _unname_in_notifications(db, user.username)
    await db.execute(delete(EmailToken).where(EmailToken.user_id == user_id))
    # Other domains (moderation's review excerpts, for one) erase their copies here.
    for hook in runtime.extensions.account_deletion_hooks:
        await hook(db, user_id, keep_posts=keep_posts)
    _tombstone(user)
    await db.flush()
    await runtime.sessions.revoke_all(user_id, db=db)
    await runtime.counters.reset(_lock_key(user_id), db=db)
    await audit.record(db, "account.deleted", actor_id=user_id, target_type="user",
                       target_id=user_id, detail={"keep_posts": keep_posts})


async def _remove_community_traces(db: AsyncSession, user: User) -> None:
    user_id = user.id
    await db.execute(delete(Profile).where(Profile.user_id == user_id))
    await db.execute(delete(ProfileCondition).where(ProfileCondition.user_id == user_id))
    member_of = list(await db.scalars(
        select(Community).join(Membership).where(Membership.user_id == user_id)))
    for community in member_of:
        await communities.leave_community(db, user, community)
    await communities.take_back_reactions(db, user_id)


async def _settle_posts(db: AsyncSession, user: User, *, keep_posts: bool) -> None:
    if keep_posts:
        return
    posts = list(await db.scalars(
        select(Post).where(Post.author_id == user.id)
        .options(joinedload(Post.thread)).order_by(Post.id)
    ))
    for post in posts:
        if post.status not in (PostStatus.AUTHOR_DELETED, PostStatus.REMOVED):
            await communities.delete_own_post(db, user, post)
        post.body, post.body_html, post.screen_spans = "", "", []
    if posts:
        await db.execute(delete(PostVersion).where(
            PostVersion.post_id.in_(select(Post.id).where(Post.author_id == user.id))))
        # A thread they opened keeps its place, not their words.
        await db.execute(update(Thread).where(Thread.author_id == user.id)
                         .values(title=REMOVED_THREAD_TITLE))


async def _unname_in_notifications(db: AsyncSession, username: str) -> None:
    """Other people's notifications name the actor first ("… mentioned you") or last
    ("New message from …"); either way the name becomes "former member"."""
    text = Notification.text
    await db.execute(
        update(Notification)
        .where(text.startswith(f"{username} ", autoescape=True))
        .values(text=literal(FORMER_MEMBER) + func.substr(text, len(username) + 1))
    )
    await db.execute(
        update(Notification)
        .where(text.endswith(f" {username}", autoescape=True))
        .values(text=func.substr(text, 1, func.length(text) - len(username))
                + literal(FORMER_MEMBER))
    )


def _tombstone(user: User) -> None:
    user.username = f"{TOMBSTONE_PREFIX}{user.id}"
    # "~" is never allowed in a registered name and the address carries a random part, so
    # nobody can claim either beforehand and make a deletion fail on a unique constraint.
    user.username_key = f"~{user.username}"
    user.email = f"deleted-{user.id}-{secrets.token_hex(8)}@deleted.invalid"
    user.email_verified_at = None
    user.password_hash = ""
    user.roles = []
    user.privilege_version += 1
    user.is_active = False
    user.deleted_at = utcnow()



def parse_deletion_form(form: dict[str, str]) -> bool:
    """Whether to keep the posts; FormErrors when the choice or the confirmation is missing."""
    errors: dict[str, list[str]] = {}
    if form.get("posts") not in ("keep", "remove"):
        errors["posts"] = [_("Choose what happens to your posts.")]
    if form.get("confirm") != "yes":
        errors["confirm"] = [
            _("Tick the box to confirm that you understand this cannot be undone.")]
    if errors:
        raise FormErrors(errors)
    return form["posts"] == "keep"
