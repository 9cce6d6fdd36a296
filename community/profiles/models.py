"""Pseudonymous patient profiles: what a person tells about themselves and who may see each part."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from community.db import Base, BigId, IdMixin, utcnow
from community.i18n import gettext as _


class Visibility(StrEnum):
    """Who may see one part of a profile. The rule itself lives in `community.profiles.access`."""

    PUBLIC = "public"
    MEMBERS = "members"
    ONLY_ME = "only_me"

    @property
    def label(self) -> str:
        return {
            Visibility.PUBLIC: _("Everyone, also signed out"),
            Visibility.MEMBERS: _("Signed-in members"),
            Visibility.ONLY_ME: _("Only me"),
        }[self]


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"

    @property
    def label(self) -> str:
        return {Sex.FEMALE: _("Female"), Sex.MALE: _("Male"), Sex.INTERSEX: _("Intersex")}[self]


# Ten-year bands (the youngest and oldest open-ended) so no birth date is ever asked for.
AGE_BANDS: tuple[str, ...] = (
    "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+",
)

# ISO 3166-1 alpha-2 codes offered on the profile form; a short list keeps people hard
# to single out.
COUNTRIES: dict[str, str] = {
    "AR": "Argentina", "AT": "Austria", "AU": "Australia", "BE": "Belgium", "BR": "Brazil",
    "CA": "Canada", "CH": "Switzerland", "CL": "Chile", "CN": "China", "CO": "Colombia",
    "CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EG": "Egypt", "ES": "Spain",
    "FI": "Finland", "FR": "France", "GB": "United Kingdom", "GR": "Greece", "HU": "Hungary",
    "IE": "Ireland", "IL": "Israel", "IN": "India", "IT": "Italy", "JP": "Japan",
    "KE": "Kenya", "KR": "South Korea", "MX": "Mexico", "NG": "Nigeria", "NL": "Netherlands",
    "NO": "Norway", "NZ": "New Zealand", "PH": "Philippines", "PL": "Poland", "PT": "Portugal",
    "RO": "Romania", "SE": "Sweden", "SG": "Singapore", "TR": "Türkiye", "UA": "Ukraine",
    "US": "United States", "ZA": "South Africa",
}


class AboutStatus(StrEnum):
    """Where the "about" text stands after screening; only published text reaches others."""

    PUBLISHED = "published"
    HELD = "held"
    OFF_PLATFORM = "off_platform"


class Profile(Base):
    """One per person who has saved their profile; absent means every field is empty."""

    __tablename__ = "profile"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    sex: Mapped[str | None] = mapped_column(String(16))
    sex_visibility: Mapped[str] = mapped_column(String(16), default=Visibility.MEMBERS)
    age_band: Mapped[str | None] = mapped_column(String(8))
    age_band_visibility: Mapped[str] = mapped_column(String(16), default=Visibility.MEMBERS)
    country: Mapped[str | None] = mapped_column(String(2))
    country_visibility: Mapped[str] = mapped_column(String(16), default=Visibility.MEMBERS)
    about: Mapped[str] = mapped_column(Text, default="")
    about_visibility: Mapped[str] = mapped_column(String(16), default=Visibility.MEMBERS)
    about_status: Mapped[str] = mapped_column(String(16), default=AboutStatus.PUBLISHED)
    # "Who can find me" in patients-like-me: members, or nobody (False).
    discoverable: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProfileCondition(IdMixin, Base):
    """A condition the person lives with; each community is one condition."""

    __tablename__ = "profile_condition"
    __table_args__ = (
        UniqueConstraint("user_id", "community_id"),
        Index("ix_profile_condition_community_id", "community_id"),
    )

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE")
    )
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id", ondelete="CASCADE"))
    diagnosed_year: Mapped[int | None]
    first_symptoms_year: Mapped[int | None]
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.MEMBERS)
