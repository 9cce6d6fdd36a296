"""The core's view of content screening.

The core never imports `moderation`: it asks a `Screener` whether a piece of text
may be published, and `community.app` plugs the real implementation in. The
default `PassThroughScreener` publishes everything and exists for tests and for
deployments that run without the moderation domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class ScreenAction(StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"
    MOVE_OFF_PLATFORM = "move_off_platform"
    CRISIS_SUPPORT = "crisis_support"


class ScreenLabel(StrEnum):
    URGENT = "urgent"
    ADVICE_REQUEST = "advice_request"
    IDENTIFYING = "identifying"
    CLINICIAN_ADVICE = "clinician_advice"
    PROMOTION = "promotion"


# Kept beside a text's stored labels when a crisis is possible but not likely (the author
# notices read it back); never a label of its own.
URGENT_POSSIBLE = "urgent_possible"


class Venue(StrEnum):
    DISCUSSION = "discussion"
    ASK_A_CLINICIAN = "ask_a_clinician"
    EDUCATION = "education"
    MESSAGE = "message"
    PROFILE = "profile"
    EVALUATION = "evaluation"


@dataclass(frozen=True, slots=True)
class Span:
    """A character range [start, end) of the screened text and what was found there."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True, slots=True)
class AuthorContext:
    """What the pipeline may know about the author beyond their role."""

    published_posts: int = 0
    locale: str = "en"


@dataclass(frozen=True, slots=True)
class Verdict:
    labels: tuple[ScreenLabel, ...] = ()
    action: ScreenAction = ScreenAction.PUBLISH
    spans: tuple[Span, ...] = field(default=())
    # Under crisis support, what the screener also decided for the text itself (HOLD or
    # MOVE_OFF_PLATFORM): help is shown at once, but a telephone number is still not published.
    also: ScreenAction | None = None
    # A crisis is possible but not likely: the text is treated as its labels say (published
    # when clean), its author sees a gentle help panel and moderators get a crisis check.
    urgent_possible: bool = False

    @property
    def is_held(self) -> bool:
        """Waits for a moderator: the screener decided to hold it."""
        return ScreenAction.HOLD in (self.action, self.also)

    @property
    def is_off_platform(self) -> bool:
        """A personal advice request, visible only to its author and the moderators."""
        return not self.is_held and ScreenAction.MOVE_OFF_PLATFORM in (self.action, self.also)

    @property
    def is_visible_to_others(self) -> bool:
        return not self.is_held and not self.is_off_platform

    @property
    def needs_crisis_check(self) -> bool:
        """A moderator should check on the author (a crisis possible, not likely)."""
        return self.urgent_possible and ScreenLabel.URGENT not in self.labels

    def stored_labels(self) -> list[str]:
        """What a text keeps of its verdict: the labels, and URGENT_POSSIBLE when a crisis
        check was opened."""
        return [label.value for label in self.labels] + (
            [URGENT_POSSIBLE] if self.needs_crisis_check else [])


class Screener(Protocol):
    def screen(
        self,
        text: str,
        *,
        author_role: str,
        venue: str,
        author_context: AuthorContext | None = None,
    ) -> Verdict: ...


class PassThroughScreener:
    """Publishes everything; the default until moderation is plugged in."""

    def screen(
        self,
        text: str,
        *,
        author_role: str,
        venue: str,
        author_context: AuthorContext | None = None,
    ) -> Verdict:
        return Verdict()


@dataclass(frozen=True, slots=True)
class HeldContent:
    """What the core tells moderation about content that was not published as is."""

    target_type: str
    target_id: int
    author_id: int
    verdict: Verdict
    excerpt: str
    community_id: int | None = None


class ReviewSink(Protocol):
    """Where the core sends content for human review; moderation implements it."""

    async def open_review(self, db: Any, content: HeldContent) -> None: ...

    async def resolve_reviews(
        self, db: Any, target_type: str, target_id: int, *, actor_id: int | None, note: str
    ) -> bool:
        """The author fixed the content (an edit that screens clean): close what the edit
        answers; True when something else (a crisis, a member's report) still holds it."""
        ...


class NoReviewSink:
    """Keeps nothing; the default until moderation is plugged in."""

    async def open_review(self, db: Any, content: HeldContent) -> None:
        return None

    async def resolve_reviews(
        self, db: Any, target_type: str, target_id: int, *, actor_id: int | None, note: str
    ) -> bool:
        return False
