"""Patients like me: members who share a condition, ranked by how alike they are.

Only what each member lets the viewer see takes part: a condition, sex, age band or
country hidden from the viewer neither matches, filters nor scores, so the ranking
reveals nothing the profile page would not. Members whose "who can find me" is "only me"
never appear.

Extension point: other domains (outcomes: shared treatments and symptoms) add signals by
supplying async callables in ``Extensions.like_me_signals`` (community.extensions)::

    async def signal(db, *, viewer, candidate_ids) -> dict[int, tuple[float, str]]

returning, per candidate user id, a score to add and a short reason shown to the viewer.
A signal must apply its own domain's visibility rules to what it compares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.i18n import gettext as _
from community.profiles.access import levels_visible_to, visible_fields
from community.profiles.models import Profile, ProfileCondition

if TYPE_CHECKING:
    from community.extensions import LikeMeSignal

CANDIDATE_LIMIT = 500
SHOWN = 50



@dataclass(frozen=True)
class LikeMeFilters:
    sex: str = ""
    age_band: str = ""
    country: str = ""
    community_id: int | None = None


@dataclass
class Match:
    user: User
    fields: dict[str, Any]
    shared: list[str]
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


async def people_like_me(
    db: AsyncSession,
    viewer: User,
    filters: LikeMeFilters,
    *,
    community_names: dict[int, str],
    signals: Sequence[LikeMeSignal] = (),
) -> list[Match]:
    """The members most like `viewer`, best first.

    `community_names` names the viewer's conditions (community id -> name).
    """
    from community.communities.models import Membership

    mine = list(await db.scalars(
        select(ProfileCondition).where(ProfileCondition.user_id == viewer.id)
    ))
    wanted = [c.community_id for c in mine
              if filters.community_id in (None, c.community_id)]
    if not wanted:
        return []
    levels = [level.value for level in levels_visible_to(viewer)]
    shared_count = func.count(ProfileCondition.id)
    statement = (
        select(ProfileCondition.user_id)
        .join(Profile, Profile.user_id == ProfileCondition.user_id)
        .join(User, User.id == ProfileCondition.user_id)
        .join(Membership, (Membership.user_id == ProfileCondition.user_id)
              & (Membership.community_id == ProfileCondition.community_id))
        .where(
            ProfileCondition.community_id.in_(wanted),
            ProfileCondition.visibility.in_(levels),
            ProfileCondition.user_id != viewer.id,
            Profile.discoverable.is_(True),
            User.is_active.is_(True),
            User.deleted_at.is_(None),
        )
        .group_by(ProfileCondition.user_id)
        .order_by(shared_count.desc(), ProfileCondition.user_id)
        .limit(CANDIDATE_LIMIT)
    )
    # A filter only matches a field the viewer may see, or filtering would reveal it.
    for name in ("sex", "age_band", "country"):
        value = getattr(filters, name)
        if value:
            statement = statement.where(getattr(Profile, name) == value,
                                        getattr(Profile, f"{name}_visibility").in_(levels))
    candidate_ids = list(await db.scalars(statement))
    if not candidate_ids:
        return []
    users = {u.id: u for u in await db.scalars(select(User).where(User.id.in_(candidate_ids)))}
    profiles = {p.user_id: p for p in await db.scalars(
        select(Profile).where(Profile.user_id.in_(candidate_ids)))}
    conditions: dict[int, list[ProfileCondition]] = defaultdict(list)
    for condition in await db.scalars(
        select(ProfileCondition).where(ProfileCondition.user_id.in_(candidate_ids))
    ):
        conditions[condition.user_id].append(condition)

    my_profile = await db.get(Profile, viewer.id)
    my_conditions = {c.community_id: c for c in mine}
    matches = []
    for user_id in candidate_ids:
        shown = visible_fields(viewer, profiles[user_id], conditions[user_id])
        match = Match(user=users[user_id], fields=shown, shared=[])
        _score(match, shown, my_profile, my_conditions, community_names)
        matches.append(match)
    for signal in signals:
        extra = await signal(db, viewer=viewer, candidate_ids=candidate_ids)
        for match in matches:
            if match.user.id in extra:
                points, reason = extra[match.user.id]
                match.score += points
                match.reasons.append(reason)
    matches.sort(key=lambda m: (-m.score, m.user.username_key))
    return matches[:SHOWN]


def _score(
    match: Match,
    shown: dict[str, Any],
    me: Profile | None,
    my_conditions: dict[int, ProfileCondition],
    community_names: dict[int, str],
) -> None:
    for condition in shown["conditions"]:
        mine = my_conditions.get(condition.community_id)
        if mine is None:
            continue
        name = community_names.get(condition.community_id, "")
        match.shared.append(name)
        match.score += 10
        if mine.diagnosed_year and condition.diagnosed_year:
            gap = abs(mine.diagnosed_year - condition.diagnosed_year)
            # Diagnosed within a few years of each other: a similar stage of the journey.
            match.score += max(0.0, 3 - gap / 2)
            if gap <= 2:
                match.reasons.append(
                    _("diagnosed with %(name)s around the same time") % {"name": name})
    if me is None:
        return
    for name, points, reason in (
        ("age_band", 3, _("same age band")),
        ("sex", 2, _("same sex")),
        ("country", 2, _("same country")),
    ):
        value = getattr(me, name)
        if value and shown.get(name) == value:
            match.score += points
            match.reasons.append(reason)
