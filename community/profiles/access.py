"""Who may see which part of a profile: the one place this rule lives.

- public: everyone, signed out included;
- members: every signed-in person (moderators and admins are members here, nothing more);
- only me: the owner alone. Staff review held text through the review queue, not here.

The "about" text is shown to others only once screening published it; its owner always
sees it, with its status.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from community.accounts.models import User
from community.profiles.models import AboutStatus, Profile, ProfileCondition, Visibility

PROFILE_FIELDS = ("sex", "age_band", "country", "about")


def levels_visible_to(viewer: User | None) -> frozenset[Visibility]:
    """The visibility levels of other people's fields that `viewer` may see (for query filters)."""
    if viewer is None:
        return frozenset({Visibility.PUBLIC})
    return frozenset({Visibility.PUBLIC, Visibility.MEMBERS})


def can_see(viewer: User | None, owner_id: int, visibility: str) -> bool:
    if viewer is not None and viewer.id == owner_id:
        return True
    return Visibility(visibility) in levels_visible_to(viewer)


def blank_profile(user_id: int) -> Profile:
    """The profile of someone who has not filled one in: every field empty, defaults applied."""
    return Profile(
        user_id=user_id, sex=None, sex_visibility=Visibility.MEMBERS, age_band=None,
        age_band_visibility=Visibility.MEMBERS, country=None,
        country_visibility=Visibility.MEMBERS, about="", about_visibility=Visibility.MEMBERS,
        about_status=AboutStatus.PUBLISHED, discoverable=True,
    )


def visible_fields(
    viewer: User | None, profile: Profile, conditions: Sequence[ProfileCondition] = ()
) -> dict[str, Any]:
    """Every field of `profile` by name: its value if `viewer` may see it, else None.

    `conditions` (the owner's) come back under "conditions", filtered the same way.
    """
    owner = profile.user_id
    shown: dict[str, Any] = dict.fromkeys(PROFILE_FIELDS)
    for name in PROFILE_FIELDS:
        value = getattr(profile, name)
        if not value or not can_see(viewer, owner, getattr(profile, f"{name}_visibility")):
            continue
        if name == "about" and profile.about_status != AboutStatus.PUBLISHED and not _is_owner(
            viewer, owner
        ):
            continue
        shown[name] = value
    shown["conditions"] = visible_conditions(viewer, conditions)
    return shown


def visible_conditions(
    viewer: User | None, conditions: Iterable[ProfileCondition]
) -> list[ProfileCondition]:
    return [c for c in conditions if can_see(viewer, c.user_id, c.visibility)]


def may_edit_profile(viewer: User | None, owner_id: int) -> bool:
    """Only the owner edits a profile; staff hide content through moderation instead."""
    return viewer is not None and viewer.id == owner_id


def _is_owner(viewer: User | None, owner_id: int) -> bool:
    return viewer is not None and viewer.id == owner_id
