"""Profile actions: look a person up, save one's own profile (validated and screened)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import User
from community.accounts.services import FormErrors
from community.db import utcnow
from community.i18n import gettext as _
from community.posting import ensure_can_post
from community.profiles.access import blank_profile
from community.profiles.models import (
    AGE_BANDS,
    COUNTRIES,
    AboutStatus,
    Profile,
    ProfileCondition,
    Sex,
    Visibility,
)
from community.runtime import Runtime
from community.screening import HeldContent, ScreenLabel, Venue, Verdict

ABOUT_MAX = 2000
FIRST_YEAR = 1900


@dataclass
class ConditionChoice:
    """One community a person may list as their condition, with what they said about it."""

    community_id: int
    name: str
    slug: str
    listed: bool = False
    diagnosed_year: int | None = None
    first_symptoms_year: int | None = None
    visibility: str = Visibility.MEMBERS


@dataclass
class SavedProfile:
    profile: Profile
    verdict: Verdict = field(default_factory=Verdict)


async def find_person(db: AsyncSession, username: str) -> User | None:
    return await db.scalar(
        select(User).where(User.username_key == username.strip().lower(),
                           User.deleted_at.is_(None), User.is_active.is_(True))
    )


async def profile_of(db: AsyncSession, user_id: int) -> Profile:
    return await db.get(Profile, user_id) or blank_profile(user_id)


async def conditions_of(db: AsyncSession, user_id: int) -> list[tuple[ProfileCondition, str, str]]:
    """The person's conditions with each community's name and slug, oldest diagnosis first."""
    from community.communities.models import Community

    rows = await db.execute(
        select(ProfileCondition, Community.name, Community.slug)
        .join(Community, Community.id == ProfileCondition.community_id)
        .where(ProfileCondition.user_id == user_id)
        .order_by(ProfileCondition.diagnosed_year.is_(None), ProfileCondition.diagnosed_year,
                  Community.name)
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def condition_choices(db: AsyncSession, user: User) -> list[ConditionChoice]:
    """The communities `user` belongs to, or has listed, as rows of the profile form."""
    from community.communities.models import Community, Membership

    listed = {c.community_id: c for c, _name, _slug in await conditions_of(db, user.id)}
    member_of = select(Membership.community_id).where(Membership.user_id == user.id)
    communities = await db.execute(
        select(Community.id, Community.name, Community.slug)
        .where(Community.id.in_(member_of) | Community.id.in_(list(listed) or [-1]))
        .order_by(Community.name)
    )
    choices = []
    for community_id, name, slug in communities:
        condition = listed.get(community_id)
        choice = ConditionChoice(community_id, name, slug)
        if condition is not None:
            choice.listed = True
            choice.diagnosed_year = condition.diagnosed_year
            choice.first_symptoms_year = condition.first_symptoms_year
            choice.visibility = condition.visibility
        choices.append(choice)
    return choices


def _enum_value(form: dict[str, str], name: str, allowed: Any, errors: dict[str, list[str]],
                message: str) -> str | None:
    value = form.get(name, "").strip()
    if not value:
        return None
    if value not in allowed:
        errors[name] = [message]
        return None
    return value


def _visibility(form: dict[str, str], name: str, errors: dict[str, list[str]]) -> str:
    value = form.get(name, Visibility.MEMBERS).strip() or Visibility.MEMBERS
    if value not in {v.value for v in Visibility}:
        errors[name] = [_("Choose who may see this from the list.")]
        return Visibility.MEMBERS
    return value


def _year(form: dict[str, str], name: str, errors: dict[str, list[str]]) -> int | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    this_year = utcnow().year
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= this_year:
        errors[name] = [_("Enter a year between %(first)d and %(last)d.")
                        % {"first": FIRST_YEAR, "last": this_year}]
        return None
    return int(raw)


def _parse_conditions(
    form: dict[str, str], choices: list[ConditionChoice], errors: dict[str, list[str]]
) -> list[ConditionChoice]:
    parsed = []
    for choice in choices:
        key = choice.community_id
        row = ConditionChoice(choice.community_id, choice.name, choice.slug,
                              listed=form.get(f"condition_{key}") == "on")
        row.diagnosed_year = _year(form, f"diagnosed_{key}", errors)
        row.first_symptoms_year = _year(form, f"symptoms_{key}", errors)
        row.visibility = _visibility(form, f"visibility_{key}", errors)
        if (row.diagnosed_year and row.first_symptoms_year
                and row.first_symptoms_year > row.diagnosed_year):
            errors[f"symptoms_{key}"] = [
                _("First symptoms cannot come after the diagnosis.")
            ]
        parsed.append(row)
    return parsed


async def save_profile(
    db: AsyncSession, runtime: Runtime, user: User, form: dict[str, str]
) -> SavedProfile:
    """Validate and store `user`'s own profile; raises FormErrors naming every problem."""
    errors: dict[str, list[str]] = {}
    sex = _enum_value(form, "sex", {s.value for s in Sex}, errors, _("Choose from the list."))
    age_band = _enum_value(form, "age_band", AGE_BANDS, errors,
                           _("Choose an age band from the list."))
    country = _enum_value(form, "country", COUNTRIES, errors, _("Choose a country from the list."))
    about = form.get("about", "").strip().replace("\r\n", "\n")
    if len(about) > ABOUT_MAX:
        errors["about"] = [_("Keep it under %(max)d characters (now %(n)d).")
                           % {"max": ABOUT_MAX, "n": len(about)}]
    visibilities = {
        name: _visibility(form, f"{name}_visibility", errors)
        for name in ("sex", "age_band", "country", "about")
    }
    discoverable = form.get("discoverable", "members")
    if discoverable not in {"members", "only_me"}:
        errors["discoverable"] = [_("Choose who can find you from the list.")]
    choices = await condition_choices(db, user)
    conditions = _parse_conditions(form, choices, errors)
    if errors:
        raise FormErrors(errors)

    profile = await db.get(Profile, user.id)
    if profile is None:
        profile = blank_profile(user.id)
        db.add(profile)
    verdict = Verdict()
    if about != profile.about:
        verdict = await _screen_about(db, runtime, user, about)
        profile.about_status = _about_status(verdict)
    profile.sex, profile.age_band, profile.country, profile.about = sex, age_band, country, about
    profile.sex_visibility = visibilities["sex"]
    profile.age_band_visibility = visibilities["age_band"]
    profile.country_visibility = visibilities["country"]
    profile.about_visibility = visibilities["about"]
    profile.discoverable = discoverable == "members"
    profile.updated_at = utcnow()
    await _store_conditions(db, user, conditions)
    await db.flush()
    await audit.record(db, "profile.updated", actor_id=user.id, target_type="user",
                       target_id=user.id)
    return SavedProfile(profile, verdict)


async def apply_moderation_decision(db: AsyncSession, user_id: int, *, decision: str) -> None:
    """A moderator's decision on a held "about" text: approval publishes it to the audience
    its owner chose; rejection leaves it visible to its owner alone."""
    profile = await db.get(Profile, user_id)
    if profile is None:
        raise LookupError(f"user {user_id} has no profile")
    if decision == "approve" and profile.about_status in (AboutStatus.HELD,
                                                          AboutStatus.OFF_PLATFORM):
        profile.about_status = AboutStatus.PUBLISHED


def _about_status(verdict: Verdict) -> AboutStatus:
    # By the labels, not the one action: a crisis that also asks for advice is still moved.
    if verdict.is_held:
        return AboutStatus.HELD
    if verdict.is_off_platform:
        return AboutStatus.OFF_PLATFORM
    return AboutStatus.PUBLISHED


async def _screen_about(db: AsyncSession, runtime: Runtime, user: User, about: str) -> Verdict:
    if not about:
        return Verdict()
    await ensure_can_post(db, runtime, user)
    verdict = runtime.screener.screen(about, author_role=user.primary_role.value,
                                      venue=Venue.PROFILE)
    if (not verdict.is_visible_to_others or ScreenLabel.URGENT in verdict.labels
            or verdict.needs_crisis_check):
        await runtime.review_sink.open_review(
            db, HeldContent(target_type="profile", target_id=user.id, author_id=user.id,
                            verdict=verdict, excerpt=about[:500]),
        )
    return verdict


async def _store_conditions(
    db: AsyncSession, user: User, conditions: list[ConditionChoice]
) -> None:
    existing = {
        c.community_id: c
        for c in await db.scalars(
            select(ProfileCondition).where(ProfileCondition.user_id == user.id))
    }
    for row in conditions:
        current = existing.get(row.community_id)
        if not row.listed:
            if current is not None:
                await db.delete(current)
            continue
        if current is None:
            current = ProfileCondition(user_id=user.id, community_id=row.community_id)
            db.add(current)
        current.diagnosed_year = row.diagnosed_year
        current.first_symptoms_year = row.first_symptoms_year
        current.visibility = row.visibility
