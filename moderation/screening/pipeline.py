"""The one screening pipeline: run every detector, then decide a single action."""

from __future__ import annotations

from community.screening import AuthorContext, ScreenAction, ScreenLabel, Span, Verdict

from .detectors import DETECTORS
from .text import Post

HOLD_LABELS = frozenset(
    {ScreenLabel.IDENTIFYING, ScreenLabel.CLINICIAN_ADVICE, ScreenLabel.PROMOTION}
)


def decide_action(labels: tuple[ScreenLabel, ...] | frozenset[ScreenLabel]) -> ScreenAction:
    """Crisis first, then moving personal advice off-platform, then holding for review."""
    if ScreenLabel.URGENT in labels:
        return ScreenAction.CRISIS_SUPPORT
    if ScreenLabel.ADVICE_REQUEST in labels:
        return ScreenAction.MOVE_OFF_PLATFORM
    if HOLD_LABELS.intersection(labels):
        return ScreenAction.HOLD
    return ScreenAction.PUBLISH


def screen(
    text: str,
    *,
    author_role: str,
    venue: str,
    author_context: AuthorContext | None = None,
) -> Verdict:
    """Screen one piece of user text and return its labels, action and evidence spans."""
    if not text.strip():
        return Verdict()
    # author_context (post count, locale) is not needed: both languages are always screened.
    post = Post(text, str(author_role), str(venue))
    labels: list[ScreenLabel] = []
    spans: list[Span] = []
    for label, detect in DETECTORS.items():
        found = detect(post)
        if found:
            labels.append(label)
            spans.extend(found)
    spans.sort(key=lambda span: (span.start, span.end, span.kind))
    return Verdict(labels=tuple(labels), action=decide_action(tuple(labels)), spans=tuple(spans))


class PipelineScreener:
    """The moderation domain's implementation of `community.screening.Screener`."""

    def screen(
        self,
        text: str,
        *,
        author_role: str,
        venue: str,
        author_context: AuthorContext | None = None,
    ) -> Verdict:
        return screen(text, author_role=author_role, venue=venue, author_context=author_context)
