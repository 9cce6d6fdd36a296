"""Profiles through HTTP: each field's visibility for every kind of viewer, editing, validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from community.accounts.models import Role, User
from community.audit import AuditEntry
from community.communities.models import Community
from community.profiles.models import AboutStatus, Profile, ProfileCondition
from tests.helpers import Visitor
from tests.profiles_support import (  # noqa: F401 - `app` overrides the fixture
    XSS_PAYLOADS,
    app,
    assert_inert,
    make_community,
    member,
    profile_form,
    query,
    sink,
)

# ---- tests ----------------------------------------------------------------------------------


@pytest.fixture
def viewers(new_visitor: Callable[[], Visitor]) -> dict[str, Visitor]:
    """An owner with one field at each level, and every kind of viewer."""
    owner = member(new_visitor, "owner_olive")
    make_community(owner, "lupus", "Lupus")
    assert owner.post("/communities/lupus/join").status_code == 303
    form = profile_form(sex="female", sex_visibility="public", age_band="35-44",
                        age_band_visibility="members", country="PT",
                        country_visibility="only_me", about="Gardening keeps me sane.",
                        about_visibility="members")
    community_id = query(owner, select(Community.id).where(Community.slug == "lupus"))[0]
    form.update({f"condition_{community_id}": "on", f"diagnosed_{community_id}": "2015",
                 f"symptoms_{community_id}": "2012", f"visibility_{community_id}": "only_me"})
    assert owner.post("/account/profile", form).status_code == 303
    other = member(new_visitor, "other_otis")
    moderator = member(new_visitor, "mod_mona", roles=(Role.MODERATOR,))
    return {"owner": owner, "member": other, "moderator": moderator, "anonymous": new_visitor()}


# What each kind of viewer sees of owner_olive's profile, and what they do not.
FIELDS_BY_VIEWER = [
    ("anonymous", ["Female"], ["35-44", "Portugal", "Gardening", "Lupus"]),
    ("member", ["Female", "35-44", "Gardening"], ["Portugal", "Lupus"]),
    ("moderator", ["Female", "35-44", "Gardening"], ["Portugal", "Lupus"]),
    ("owner", ["Female", "35-44", "Portugal", "Gardening", "Lupus", "diagnosed 2015",
               "first symptoms 2012"], []),
]


def test_each_field_is_shown_only_to_who_may_see_it(viewers: dict[str, Visitor]) -> None:
    for viewer, sees, does_not_see in FIELDS_BY_VIEWER:
        page = viewers[viewer].get("/people/owner_olive")
        assert page.status_code == 200, viewer
        assert "owner_olive" in page.text, viewer
        for text in sees:
            assert text in page.text, (viewer, text)
        for text in does_not_see:
            assert text not in page.text, (viewer, text)


def test_defaults_are_members_only(new_visitor: Callable[[], Visitor]) -> None:
    owner = member(new_visitor, "plain_pat")
    assert owner.post("/account/profile", profile_form(sex="male", age_band="25-34",
                                                      about="Hello there")).status_code == 303
    stored = query(owner, select(Profile))[0]
    assert {stored.sex_visibility, stored.age_band_visibility, stored.country_visibility,
            stored.about_visibility} == {"members"}
    anonymous = new_visitor().get("/people/plain_pat")
    assert anonymous.status_code == 200
    assert "Hello there" not in anonymous.text and "25-34" not in anonymous.text
    assert "Hello there" in member(new_visitor, "reader_ray").get("/people/plain_pat").text


def test_unknown_person_is_404(visitor: Visitor) -> None:
    assert visitor.get("/people/nobody_at_all").status_code == 404


def test_edit_page_needs_sign_in(visitor: Visitor) -> None:
    assert visitor.get("/account/profile").status_code == 303
    response = visitor.post("/account/profile", profile_form(about="sneaky"))
    assert response.status_code in (303, 401)
    assert query(visitor, select(Profile)) == []


def test_nobody_edits_another_persons_profile(new_visitor: Callable[[], Visitor]) -> None:
    victim = member(new_visitor, "victim_vic")
    victim.post("/account/profile", profile_form(about="Mine alone"))
    attacker = member(new_visitor, "mallory_m")
    victim_id = query(victim, select(User.id).where(User.username_key == "victim_vic"))[0]
    # Extra identifying fields in the form are ignored: the form always edits its sender.
    response = attacker.post("/account/profile", {**profile_form(about="Hacked"),
                                                  "user_id": str(victim_id),
                                                  "username": "victim_vic"})
    assert response.status_code == 303
    profiles = {p.user_id: p.about for p in query(victim, select(Profile))}
    assert profiles[victim_id] == "Mine alone"
    assert "Hacked" not in new_visitor().get("/people/victim_vic").text
    for path in ("/people/victim_vic", "/people/victim_vic/edit", "/account/profile/victim_vic"):
        assert attacker.post(path, profile_form(about="Hacked")).status_code in (404, 405)


def test_conditions_of_another_community_cannot_be_claimed(
    new_visitor: Callable[[], Visitor],
) -> None:
    person = member(new_visitor, "joiner_jo")
    make_community(person, "asthma")
    other_id = make_community(person, "gout")
    assert person.post("/communities/asthma/join").status_code == 303
    # Not a member of gout: the row is not offered, so a forged field is ignored.
    person.post("/account/profile", {**profile_form(), f"condition_{other_id}": "on"})
    assert query(person, select(ProfileCondition)) == []


# Each refused field: the value typed and the message shown.
INVALID_FIELDS = [
    ("sex", "robot", "Choose from the list"),
    ("age_band", "12", "Choose an age band"),
    ("country", "XX", "Choose a country"),
    ("about", "x" * 2001, "under 2000 characters"),
    ("about_visibility", "everyone", "Choose who may see"),
    ("discoverable", "public", "Choose who can find you"),
]


def test_invalid_fields_are_refused_and_the_form_is_kept(
    new_visitor: Callable[[], Visitor],
) -> None:
    # One app for every case: a refused form stores nothing, so the cases cannot interfere.
    person = member(new_visitor, "typo_tom")
    for field, value, message in INVALID_FIELDS:
        typed = {"about": "kept text", field: value}
        response = person.post("/account/profile", profile_form(**typed))
        assert response.status_code == 400, field
        assert message in response.text, field
        assert query(person, select(Profile)) == [], field
        if field != "about":
            assert "kept text" in response.text, field


# Each refused pair of years (diagnosed, first symptoms) and the message shown.
INVALID_YEARS = [
    ("1899", "", "between 1900 and"),
    ("3000", "", "between 1900 and"),
    ("twenty", "", "between 1900 and"),
    ("2010", "2015", "cannot come after the diagnosis"),
]


def test_condition_years_are_checked(new_visitor: Callable[[], Visitor]) -> None:
    person = member(new_visitor, "year_yan")
    community_id = make_community(person, "crohns")
    person.post("/communities/crohns/join")
    for diagnosed, symptoms, message in INVALID_YEARS:
        response = person.post("/account/profile", {
            **profile_form(), f"condition_{community_id}": "on",
            f"diagnosed_{community_id}": diagnosed, f"symptoms_{community_id}": symptoms,
        })
        assert response.status_code == 400, diagnosed
        assert message in response.text, diagnosed
        assert f'value="{diagnosed}"' in response.text, diagnosed
        assert query(person, select(ProfileCondition)) == [], diagnosed


@pytest.mark.parametrize(
    ("text", "status", "owner_notice"),
    [
        ("Call me on HOLDME 555", AboutStatus.HELD, "waiting for a moderator"),
        ("ADVICEME should I stop my pills", AboutStatus.OFF_PLATFORM, "personal medical advice"),
    ],
)
def test_screened_about_is_shown_to_its_owner_only(
    new_visitor: Callable[[], Visitor], text: str, status: AboutStatus, owner_notice: str
) -> None:
    owner = member(new_visitor, "screened_sam")
    saved = owner.post("/account/profile", profile_form(about=text, about_visibility="public"))
    assert saved.status_code == 303
    assert query(owner, select(Profile.about_status)) == [status]
    own_page = owner.get("/people/screened_sam").text
    assert text in own_page and owner_notice in own_page
    assert owner_notice in owner.get("/account/profile").text
    for viewer in (member(new_visitor, "curious_cat"), new_visitor()):
        assert text not in viewer.get("/people/screened_sam").text
    assert [(h.target_type, h.excerpt) for h in sink(owner).opened] == [("profile", text)]


def test_crisis_about_shows_help_to_the_author(new_visitor: Callable[[], Visitor]) -> None:
    owner = member(new_visitor, "low_lou")
    response = owner.post("/account/profile", profile_form(about="CRISISME tonight"))
    assert response.headers["location"] == "/account/profile"
    page = owner.get("/account/profile").text
    assert "Your profile was saved." in page and "call your local emergency number now" in page
    assert "call your local emergency number now" not in owner.get("/account/profile").text
    assert sink(owner).opened and sink(owner).opened[0].target_type == "profile"


def test_profile_edits_are_audited(new_visitor: Callable[[], Visitor]) -> None:
    owner = member(new_visitor, "audit_ann")
    owner.post("/account/profile", profile_form(about="hi"))
    assert "profile.updated" in query(owner, select(AuditEntry.action))


def test_clinician_block_comes_from_the_registered_hook(new_visitor: Callable[[], Visitor]) -> None:
    from community.profiles.extras import ClinicianCard, ProfileExtras

    doctor = member(new_visitor, "dr_dana")

    async def extras(db: Any, *, viewer: Any, subject: User) -> ProfileExtras | None:
        if subject.username == "dr_dana":
            return ProfileExtras(clinician=ClinicianCard(
                real_name="Dana <b>Reyes</b>", profession="Rheumatologist",
                details=(("Licence", "GMC 1234567"),)))
        return None

    runtime = doctor.app.state.runtime
    runtime.install(replace(runtime.extensions, profile_extras=extras))
    page = new_visitor().get("/people/dr_dana")
    assert "Verified clinician" in page.text and "Rheumatologist" in page.text
    assert "Dana &lt;b&gt;Reyes&lt;/b&gt;" in page.text, "hook data is escaped like any text"
    assert "Verified clinician" not in new_visitor().get("/people/owner_nobody").text


def test_xss_payloads_in_profile_fields_are_inert(new_visitor: Callable[[], Visitor]) -> None:
    assert len(XSS_PAYLOADS) >= 50
    owner = member(new_visitor, "xss_xena")
    reader = member(new_visitor, "reader_rae")
    about = "\n\n".join(XSS_PAYLOADS)
    saved = owner.post("/account/profile",
                       profile_form(about=about[:2000], about_visibility="public"))
    assert saved.status_code == 303
    for payload in XSS_PAYLOADS:
        assert owner.post("/account/profile", profile_form(about=payload)).status_code == 303
        page = reader.get("/people/xss_xena")
        assert page.status_code == 200
        assert_inert(page.text)
        assert_inert(owner.get("/account/profile").text)
    # Invalid enumerated values never reach a page unescaped either.
    for payload in XSS_PAYLOADS[:10]:
        response = owner.post("/account/profile", profile_form(country=payload, sex=payload))
        assert response.status_code == 400
        assert_inert(response.text)


def test_avatar_is_an_svg_for_any_name(visitor: Visitor) -> None:
    response = visitor.get("/avatars/quiet_heron.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text == visitor.get("/avatars/QUIET_HERON.svg").text
    assert visitor.get("/avatars/<script>.svg").status_code == 404
    assert visitor.get("/avatars/quiet_heron.png").status_code == 404
