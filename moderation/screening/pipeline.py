"""The one screening pipeline: run every detector, then decide a single action."""

from __future__ import annotations

from community.screening import AuthorContext, ScreenAction, ScreenLabel, Span, Verdict

from .detectors import DETECTORS
from .model import load_model
from .text import Post

# Labels whose text waits for a moderator (the one place this rule is written).
HOLD_LABELS = frozenset(
    {ScreenLabel.IDENTIFYING, ScreenLabel.CLINICIAN_ADVICE, ScreenLabel.PROMOTION}
)


def _without_crisis(labels: tuple[ScreenLabel, ...] | frozenset[ScreenLabel]) -> ScreenAction:
    if ScreenLabel.ADVICE_REQUEST in labels:
        return ScreenAction.MOVE_OFF_PLATFORM
    if HOLD_LABELS.intersection(labels):
        return ScreenAction.HOLD
    return ScreenAction.PUBLISH


def decide_action(labels: tuple[ScreenLabel, ...] | frozenset[ScreenLabel]) -> ScreenAction:
    """Crisis first, then moving personal advice off-platform, then holding for review."""
    if ScreenLabel.URGENT in labels:
        return ScreenAction.CRISIS_SUPPORT
    return _without_crisis(labels)


def decide(labels: tuple[ScreenLabel, ...], spans: tuple[Span, ...] = ()) -> Verdict:
    """The verdict for these labels: its action and, under crisis support, what else holds
    the text (a hold label still holds; an advice request still moves off-platform)."""
    action = decide_action(labels)
    also = None
    if action is ScreenAction.CRISIS_SUPPORT:
        rest = _without_crisis(labels)
        also = None if rest is ScreenAction.PUBLISH else rest
    return Verdict(labels=labels, action=action, spans=spans, also=also)


def screen(
    text: str,
    *,
    author_role: str,
    venue: str,
    author_context: AuthorContext | None = None,
    use_model: bool = True,
) -> Verdict:
    """Screen one piece of user text and return its labels, action and evidence spans.

    Each label is the rules' finding OR the trained model's (`model.py`); the model's
    advice_request counts only for non-clinician authors and its clinician_advice only for
    clinicians. Identifying stays rules-only because it needs exact character spans.
    `use_model=False` gives the rules alone (used when training the model).
    """
    if not text.strip():
        return Verdict()
    # author_context (post count, locale) is not needed: both languages are always screened.
    role, venue = str(author_role), str(venue)
    post = Post(text, role, venue)
    labels: list[ScreenLabel] = []
    spans: list[Span] = []
    for label, detect in DETECTORS.items():
        found = detect(post)
        if found:
            labels.append(label)
            spans.extend(found)
    model = load_model() if use_model else None
    if model is not None:
        for name in model.predict(text, role, venue):
            label = ScreenLabel(name)
            if label in labels:
                continue
            if label is ScreenLabel.ADVICE_REQUEST and role == "clinician":
                continue
            if label is ScreenLabel.CLINICIAN_ADVICE and role != "clinician":
                continue
            labels.append(label)
            # The model has no evidence span of its own: it points at the whole text.
            spans.append(Span(0, len(text), f"{name}_model"))
        labels.sort(key=list(DETECTORS).index)
    spans.sort(key=lambda span: (span.start, span.end, span.kind))
    return decide(tuple(labels), tuple(spans))


class PipelineScreener:
    """The moderation domain's implementation of `community.screening.Screener`."""

    def warm_up(self) -> None:
        """Load the model at start-up (about 2 s), so no request waits for it."""
        load_model()

    def screen(
        self,
        text: str,
        *,
        author_role: str,
        venue: str,
        author_context: AuthorContext | None = None,
    ) -> Verdict:
        return screen(text, author_role=author_role, venue=venue, author_context=author_context)
