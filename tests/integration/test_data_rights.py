"""A patient's own data through HTTP: the personal archive, and deleting the account."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from community import audit
from community.accounts.models import User, UserSession
from community.app import create_app
from community.communities.models import Community, Membership, Post, PostVersion, Thread
from community.db import utcnow
from community.messages.models import Message
from community.notifications.models import Notification
from community.profiles.models import Profile, ProfileCondition
from community.settings import Settings
from community.web import SESSION_COOKIE
from outcomes.catalog.models import Condition, Symptom, Treatment
from outcomes.reports.models import TreatmentSummary
from outcomes.research.models import ConsentRecord
from outcomes.research.services import CONSENT_VERSION
from outcomes.research.tables import consenting_users
from outcomes.rights import routes as rights_routes
from outcomes.rights.services import ARCHIVE_FILES
from outcomes.tracking import services as tracking
from outcomes.tracking.models import CheckIn, QuestionnaireAnswer, SymptomEntry
from outcomes.treatments.models import TreatmentCourse
from tests.communities_support import (
    db_run,
    person,
    reply,
    scalar,
    seed,
    start_thread,
)
from tests.helpers import STRONG_PASSWORD, Visitor
from tests.integration.test_treatments import (
    add_course,
    assert_summaries_match_rebuild,
    evaluate,
    load_vocabularies,
)

TODAY = "2026-11-20"
PATIENT = "quiet_heron"
OTHER = "other_wren"


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(premoderate_first_posts=0)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    application = create_app(settings)
    # Until the composition root lists these routes, the tests add them themselves.
    if "/account/delete" not in {route.path for route in application.routes}:
        for handler in rights_routes.route_handlers:
            application.register(handler)
    return application


@dataclass
class World:
    patient: Visitor
    other: Visitor
    third: Visitor
    signed_out: Visitor
    patient_id: int
    wren_reply: int
    thread_id: int
    reply_id: int
    other_thread_id: int


def ids(visitor: Visitor, model: Any, *slugs: str) -> list[int]:
    return [scalar(visitor, select(model.id).where(model.slug == slug)) for slug in slugs]


def record_tracking(visitor: Visitor, tag: str) -> None:
    fatigue, = ids(visitor, Symptom, "fatigue")
    ra, = ids(visitor, Condition, "rheumatoid-arthritis")
    assert visitor.post("/my/symptoms", {"symptom_id": str(fatigue), "severity": "2",
                                         "condition_id": str(ra),
                                         "recorded_on": TODAY}).status_code == 303
    assert visitor.post("/my/check-in", {"level": "4", "note": f"check-in note {tag}",
                                         "recorded_on": TODAY}).status_code == 303
    assert visitor.post("/my/questionnaires/gad-7",
                        {f"gad7-{i}": "LA6569-3" for i in range(1, 8)}).status_code == 303


@pytest.fixture
def world(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> World:
    seed(visitor)
    load_vocabularies(visitor)
    patient = new_visitor()
    patient.signup_and_login(PATIENT)
    patient_id = scalar(visitor, select(User.id).where(User.username == PATIENT))
    assert patient.post("/communities/rheumatoid-arthritis/join").status_code == 303
    thread_id = start_thread(patient, "rheumatoid-arthritis", title="Heron's morning stiffness",
                             body="Mornings are stiff as a plank, porcupinequill.")
    other = person(new_visitor, OTHER, joins=("rheumatoid-arthritis",))
    third = person(new_visitor, "third_lark", joins=("rheumatoid-arthritis",))
    reply_id = reply(patient, thread_id, "Replying to myself about heronfeather.")
    wren_reply = reply(other, thread_id, "Wren says warm showers help.")
    other_thread_id = start_thread(other, "rheumatoid-arthritis", title="Wren only thread",
                                   body="Wren private wrenword thoughts.")
    assert patient.post(f"/posts/{wren_reply}/react", {"kind": "helpful"}).status_code == 303
    course = add_course(patient)
    assert evaluate(patient, course).status_code == 303
    record_tracking(patient, "heron")
    assert patient.post("/account/privacy/consent", {"version": CONSENT_VERSION}
                        ).status_code == 303
    assert patient.post(f"/messages/{OTHER}", {"body": "Hello wren, from heron"}
                        ).status_code == 303
    assert other.post(f"/messages/{PATIENT}", {"body": "Hello heron, from wren"}
                      ).status_code == 303
    assert other.post("/messages/third_lark", {"body": "Secret between wren and lark"}
                      ).status_code == 303
    record_tracking(other, "wren")
    add_course(other, treatment="Methotrexate")

    async def _profile(db: Any) -> None:
        community_id = await db.scalar(select(Community.id).where(
            Community.slug == "rheumatoid-arthritis"))
        db.add(Profile(user_id=patient_id, sex="female", age_band="35-44", country="NL",
                       about="Heron about text"))
        db.add(ProfileCondition(user_id=patient_id, community_id=community_id,
                                diagnosed_year=2019))

    db_run(visitor, _profile)
    return World(patient=patient, other=other, third=third, signed_out=visitor,
                 patient_id=patient_id, wren_reply=wren_reply, thread_id=thread_id,
                 reply_id=reply_id,
                 other_thread_id=other_thread_id)


def download(visitor: Visitor) -> dict[str, bytes]:
    response = visitor.post("/account/data/download")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="kindred-')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name.removeprefix("kindred-data/"): archive.read(name)
                for name in archive.namelist()}


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def audit_actions(visitor: Visitor) -> list[tuple[str, dict[str, Any]]]:
    async def _read(db: Any) -> list[tuple[str, dict[str, Any]]]:
        result = await db.execute(select(audit.AuditEntry.action, audit.AuditEntry.detail)
                                  .order_by(audit.AuditEntry.seq))
        return [(a, d) for a, d in result.all()]

    return db_run(visitor, _read)


def audit_ok(visitor: Visitor) -> bool:
    async def _verify(db: Any) -> bool:
        return (await audit.verify(db)).ok

    return bool(db_run(visitor, _verify))


# ---- the archive ----------------------------------------------------------------------------


def test_pages_need_sign_in(visitor: Visitor) -> None:
    assert visitor.get("/account/data").status_code == 303
    assert visitor.get("/account/delete").status_code == 303
    assert visitor.post("/account/data/download").status_code == 401
    assert visitor.post("/account/delete", {"posts": "keep"}).status_code == 401


def test_download_needs_the_csrf_token(world: World) -> None:
    assert world.patient.get("/account/data").status_code == 200
    assert world.patient.post("/account/data/download", csrf=False).status_code == 403


def test_archive_holds_each_kind_of_data(world: World) -> None:
    page = world.patient.get("/account/data")
    assert 'action="/account/data/download"' in page.text
    files = download(world.patient)
    assert set(ARCHIVE_FILES) <= set(files)
    account = json.loads(files["account.json"])
    assert account["username"] == PATIENT and account["email"] == f"{PATIENT}@example.org"
    profile = json.loads(files["profile.json"])
    assert profile["sex"] == "female" and profile["about"] == "Heron about text"
    assert profile["conditions"][0]["diagnosed_year"] == 2019
    assert [c["community"] for c in profile["communities"]] == ["Rheumatoid arthritis"]
    posts = json.loads(files["posts.json"])
    assert {p["thread_title"] for p in posts} == {"Heron's morning stiffness"}
    assert any("porcupinequill" in p["body"] for p in posts)
    assert any("heronfeather" in r["body"] for r in rows(files["posts.csv"]))
    assert all(p["versions"] for p in posts)
    messages = json.loads(files["messages.json"])
    assert {(m["direction"], m["with"], m["body"]) for m in messages} == {
        ("sent", OTHER, "Hello wren, from heron"), ("received", OTHER, "Hello heron, from wren")}
    treatments = rows(files["treatments.csv"])
    assert [t["treatment"] for t in treatments] == ["Methotrexate"]
    assert "Rheumatoid arthritis" in treatments[0]["purposes"]
    assert "15" in treatments[0]["doses"]
    evaluations = rows(files["evaluations.csv"])
    assert evaluations[0]["tip"] == "Take it with food."
    assert "Nausea" in evaluations[0]["side_effects"]
    assert json.loads(files["evaluations.json"])[0]["effectiveness"] == {
        "Rheumatoid arthritis": "major"}
    symptoms = rows(files["symptoms.csv"])
    assert [(s["symptom"], s["condition"], s["severity"]) for s in symptoms] == [
        ("Fatigue", "Rheumatoid arthritis", "2")]
    assert [c["note"] for c in rows(files["check_ins.csv"])] == ["check-in note heron"]
    questionnaires = json.loads(files["questionnaires.json"])
    assert [q["questionnaire"] for q in questionnaires] == ["gad-7"]
    consent = json.loads(files["consent.json"])
    assert [(c["version"], c["granted"]) for c in consent] == [(CONSENT_VERSION, True)]
    assert ("data.exported", {}) in audit_actions(world.signed_out)


def test_archive_holds_nobody_elses_data(world: World) -> None:
    everything = b"\n".join(download(world.patient).values()).decode()
    for foreign in ("wrenword", "Wren only thread", "Secret between wren and lark",
                    "check-in note wren", "third_lark", "Wren says warm showers help"):
        assert foreign not in everything, foreign
    # The other patient's own archive holds their data, not the first patient's.
    theirs = b"\n".join(download(world.other).values()).decode()
    assert "wrenword" in theirs and "check-in note wren" in theirs
    assert "porcupinequill" not in theirs and "check-in note heron" not in theirs


def test_fhir_bundle_is_well_formed(world: World) -> None:
    bundle = json.loads(download(world.patient)["fhir/bundle.json"])
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    entries = bundle["entry"]
    full_urls = [e["fullUrl"] for e in entries]
    assert len(set(full_urls)) == len(full_urls)
    for entry in entries:
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    patients = [e for e in entries if e["resource"]["resourceType"] == "Patient"]
    assert len(patients) == 1
    patient = patients[0]["resource"]
    assert set(patient) <= {"resourceType", "id", "gender"} and patient["gender"] == "female"
    patient_url = patients[0]["fullUrl"]
    assert PATIENT not in json.dumps(bundle) and "example.org" not in json.dumps(bundle)

    statements = by_type["MedicationStatement"]
    assert len(statements) == 1
    statement = statements[0]
    assert statement["status"] in {"active", "completed", "stopped"}
    assert statement["medicationCodeableConcept"]["text"] == "Methotrexate"
    assert statement["effectivePeriod"]["start"] == "2026-01-10"
    assert statement["dosage"][0]["text"].startswith("15 mg")
    assert statement["reasonCode"] == [{"text": "Rheumatoid arthritis"}]

    observations = by_type["Observation"]
    assert len(observations) == 2, "one symptom and one check-in"
    for observation in observations:
        assert observation["status"] == "final"
        assert observation["category"][0]["coding"][0]["code"] == "survey"
        assert observation["code"]["text"]
        assert observation["effectiveDateTime"] == TODAY
        assert observation["valueCodeableConcept"]["coding"][0]["code"]
    assert {o["code"]["text"] for o in observations} == {"Fatigue", "How are you today"}
    symptom = next(o for o in observations if o["code"]["text"] == "Fatigue")
    assert symptom["valueCodeableConcept"]["text"] == "Moderate"

    responses = by_type["QuestionnaireResponse"]
    assert len(responses) == 1
    response = responses[0]
    assert response["status"] == "completed" and response["questionnaire"].count("|") == 1
    assert len(response["item"]) == 7 and response["authored"]

    for resources in by_type.values():
        for resource in resources:
            if resource["resourceType"] != "Patient":
                assert resource["subject"] == {"reference": patient_url}


# ---- deleting the account -------------------------------------------------------------------


def counts(visitor: Visitor, user_id: int) -> dict[str, int]:
    async def _count(db: Any) -> dict[str, int]:
        out = {}
        for name, model in (("symptoms", SymptomEntry), ("check_ins", CheckIn),
                            ("answers", QuestionnaireAnswer), ("courses", TreatmentCourse),
                            ("profiles", Profile), ("conditions", ProfileCondition),
                            ("memberships", Membership)):
            out[name] = int(await db.scalar(
                select(func.count()).select_from(model).where(model.user_id == user_id)))
        return out

    return db_run(visitor, _count)


def methotrexate_patients(visitor: Visitor) -> int:
    summary = db_run(visitor, lambda db: db.scalar(
        select(TreatmentSummary).join(Treatment, Treatment.id == TreatmentSummary.treatment_id)
        .where(Treatment.slug == "methotrexate")))
    return summary.current_patients + summary.former_patients if summary else 0


def assert_symptom_summaries_match_rebuild(visitor: Visitor) -> None:
    async def _check(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            maintained = await tracking.symptom_summaries(db)
            await tracking.rebuild_symptom_summaries(db)
            assert await tracking.symptom_summaries(db) == maintained
            await db.rollback()

    visitor.run(_check)


def delete_account(visitor: Visitor, *, posts: str, password: str = STRONG_PASSWORD) -> Any:
    return visitor.post("/account/delete", {"posts": posts, "password": password,
                                            "confirm": "yes"})


def test_deletion_with_a_wrong_password_is_refused(world: World) -> None:
    page = world.patient.get("/account/delete")
    assert page.status_code == 200 and 'name="password"' in page.text
    before = counts(world.signed_out, world.patient_id)
    response = delete_account(world.patient, posts="remove", password="not my password at all")
    assert response.status_code == 400
    assert "Your password is not correct." in response.text
    assert 'value="remove" checked' in response.text, "the choice stays in place"
    assert counts(world.signed_out, world.patient_id) == before
    assert world.patient.get("/account").status_code == 200, "still signed in"
    assert "account.deleted" not in [a for a, _d in audit_actions(world.signed_out)]
    # A missing choice or confirmation is refused before the password is even checked.
    missing = world.patient.post("/account/delete", {"password": STRONG_PASSWORD})
    assert missing.status_code == 400
    assert counts(world.signed_out, world.patient_id) == before


def test_wrong_passwords_are_limited(world: World) -> None:
    for _attempt in range(5):
        assert delete_account(world.patient, posts="keep", password="wrong guess here"
                              ).status_code == 400
    refused = delete_account(world.patient, posts="keep")
    assert refused.status_code == 400 and "Too many wrong passwords" in refused.text
    assert scalar(world.signed_out, select(User.deleted_at).where(
        User.id == world.patient_id)) is None


def test_other_people_cannot_delete_someone_else(world: World) -> None:
    # The form acts on the signed-in person only: the other patient's password does nothing
    # to the first patient, and their own (no password) account is refused.
    assert delete_account(world.other, posts="keep").status_code == 400
    assert scalar(world.signed_out, select(User.deleted_at).where(
        User.id == world.patient_id)) is None


def test_deletion_keeping_posts(world: World) -> None:
    signed_out = world.signed_out
    ra_members = scalar(signed_out, select(Community.member_count).where(
        Community.slug == "rheumatoid-arthritis"))
    assert methotrexate_patients(signed_out) == 2
    response = delete_account(world.patient, posts="keep")
    assert response.status_code == 200, response.text
    assert "Your account was deleted" in response.text
    assert f"{SESSION_COOKIE}=;" in response.headers["set-cookie"]
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert PATIENT not in response.text and 'action="/logout"' not in response.text

    # Signed out everywhere, and cannot sign in again by name or by e-mail.
    assert world.patient.get("/account").status_code == 303
    assert scalar(signed_out, select(func.count()).select_from(UserSession).where(
        UserSession.user_id == world.patient_id, UserSession.revoked_at.is_(None))) == 0
    again = new_browser(world)
    assert again.login(PATIENT).status_code == 400
    assert again.login(f"{PATIENT}@example.org").status_code == 400
    assert signed_out.get(f"/people/{PATIENT}").status_code == 404

    user = scalar(signed_out, select(User).where(User.id == world.patient_id))
    assert user.username == f"former-member-{user.id}" and user.deleted_at is not None
    assert user.username_key == f"~former-member-{user.id}"
    assert user.email.endswith("@deleted.invalid") and user.password_hash == ""
    assert not user.is_active and user.roles == []

    # Health data gone, summaries updated and equal to a rebuild.
    assert counts(signed_out, world.patient_id) == dict.fromkeys(
        counts(signed_out, world.patient_id), 0)
    assert methotrexate_patients(signed_out) == 1
    assert_summaries_match_rebuild(signed_out)
    assert_symptom_summaries_match_rebuild(signed_out)
    assert scalar(signed_out, select(Community.member_count).where(
        Community.slug == "rheumatoid-arthritis")) == ra_members - 1
    assert scalar(signed_out, select(Post.helpful_count).where(
        Post.id == world.wren_reply)) == 0, "their reaction is taken back"

    # Consent withdrawn by a new record, so every later export leaves them out.
    consent = db_run(signed_out, lambda db: db.execute(
        select(ConsentRecord.granted).where(ConsentRecord.user_id == world.patient_id)
        .order_by(ConsentRecord.id)))
    assert [granted for granted, in consent] == [True, False]
    consenting = db_run(signed_out, lambda db: db.scalars(consenting_users(utcnow())))
    assert world.patient_id not in set(consenting)

    # Their posts stay, under "former member"; the messages they sent lose their text.
    page = world.other.get(f"/threads/{world.thread_id}").text
    assert "porcupinequill" in page and "former member" in page
    assert PATIENT not in page
    sent = db_run(signed_out, lambda db: db.scalars(
        select(Message.body).where(Message.sender_id == world.patient_id)))
    assert list(sent) == [""]
    conversation = world.other.get(f"/messages/{user.username}")
    assert "Hello wren, from heron" not in conversation.text

    # Other people's notifications no longer name them.
    other_id = scalar(signed_out, select(User.id).where(User.username == OTHER))
    texts = list(db_run(signed_out, lambda db: db.scalars(
        select(Notification.text).where(Notification.user_id == other_id))))
    assert texts and all(PATIENT not in text for text in texts)
    assert any(text.startswith("former member ") for text in texts)
    assert ("account.deleted", {"keep_posts": True}) in audit_actions(signed_out)
    assert audit_ok(signed_out)


def new_browser(world: World) -> Visitor:
    import httpx

    return Visitor(world.signed_out.client, httpx.Cookies())


def test_deletion_removing_posts(world: World) -> None:
    signed_out = world.signed_out
    assert "heronfeather" in world.other.get(f"/threads/{world.thread_id}").text
    hit = f"#post-{world.reply_id}"
    assert hit in world.other.get("/search?q=heronfeather").text
    response = delete_account(world.patient, posts="remove")
    assert response.status_code == 200, response.text

    statuses = db_run(signed_out, lambda db: db.execute(
        select(Post.status, Post.body).where(Post.author_id == world.patient_id)))
    assert {(status, body) for status, body in statuses} == {("author_deleted", "")}
    assert scalar(signed_out, select(func.count()).select_from(PostVersion).join(
        Post, Post.id == PostVersion.post_id).where(Post.author_id == world.patient_id)) == 0
    assert scalar(signed_out, select(Thread.title).where(Thread.id == world.thread_id)) \
        != "Heron's morning stiffness"
    # Nobody reads their words any more, on thread pages or in search; as with a post its
    # author deletes, a thread whose opening post is deleted is hidden from members.
    for viewer in (world.other, world.third, signed_out):
        response = viewer.get(f"/threads/{world.thread_id}")
        assert response.status_code == 404
        assert "porcupinequill" not in response.text and "heronfeather" not in response.text
        assert hit not in viewer.get("/search?q=heronfeather").text
        assert 'class="snippet"' not in viewer.get("/search?q=porcupinequill").text
    # Other people's threads are untouched.
    assert "wrenword" in world.third.get(f"/threads/{world.other_thread_id}").text
    assert ("account.deleted", {"keep_posts": False}) in audit_actions(signed_out)
    assert audit_ok(signed_out)


def test_a_deleted_account_has_nothing_left_to_download(world: World) -> None:
    assert delete_account(world.patient, posts="keep").status_code == 200
    assert world.patient.post("/account/data/download").status_code == 401


def test_deletion_erases_moderation_copies(world) -> None:  # type: ignore[no-untyped-def]
    """Review excerpts of the person's words are erased by moderation's deletion hook."""
    from moderation.queue.models import ReviewItem

    async def _add_item(db):  # type: ignore[no-untyped-def]
        db.add(ReviewItem(target_type="post", target_id=999, reason="identifying",
                          author_id=world.patient_id, excerpt="my address is 5 Elm Street"))

    db_run(world.other, _add_item)
    response = world.patient.post("/account/delete", {"password": STRONG_PASSWORD,
                                                      "posts": "keep", "confirm": "yes"})
    assert response.status_code in (200, 303), response.text[:500]
    excerpts = db_run(world.other, lambda db: db.scalars(
        select(ReviewItem.excerpt).where(ReviewItem.author_id == world.patient_id)))
    assert all("Elm Street" not in text for text in excerpts)
