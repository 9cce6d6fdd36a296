"""The one screening pipeline: run every detector, then decide a single action."""

from __future__ import annotations

from community.screening import AuthorContext, ScreenAction, ScreenLabel, Span, Verdict

from .detectors import DETECTORS
from .model import RULES_STAND, load_model
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


def decide(
    labels: tuple[ScreenLabel, ...], spans: tuple[Span, ...] = (), *, urgent_possible: bool = False
) -> Verdict:
    """The verdict for these labels: its action and, under crisis support, what else holds
    the text (a hold label still holds; an advice request still moves off-platform).
    `urgent_possible` (a crisis is possible, not likely) never changes the action."""
    action = decide_action(labels)
    also = None
    if action is ScreenAction.CRISIS_SUPPORT:
        rest = _without_crisis(labels)
        also = None if rest is ScreenAction.PUBLISH else rest
    possible = urgent_possible and ScreenLabel.URGENT not in labels
    return Verdict(labels=labels, action=action, spans=spans, also=also,
                   urgent_possible=possible)


def model_applies(label: str, role: str) -> bool:
    """Where the model's finding counts: advice requests from non-clinicians, clinicians'
    advice from clinicians, the other labels from anyone (the training rows are the same)."""
    if label == ScreenLabel.ADVICE_REQUEST:
        return role != "clinician"
    if label == ScreenLabel.CLINICIAN_ADVICE:
        return role == "clinician"
    return True


def screen(
    text: str,
    *,
    author_role: str,
    venue: str,
    author_context: AuthorContext | None = None,
    use_model: bool = True,
) -> Verdict:
    """Screen one piece of user text and return its labels, action and evidence spans.

    The rules find each label with its spans; the trained model (`model.py`) then decides
    the labels it covers, where they apply: it adds what the rules missed and drops a rule's
    finding it does not confirm enough (training chose, per label, how much a rule needs
    the model). `urgent` is *likely* (the label) or *possible* (`urgent_possible`).
    For `identifying` the rules' findings (exact spans) always stand and the model only
    adds the disguised or split details they miss. `use_model=False`
    gives the rules alone (used when training the model).
    """
    if not text.strip():
        return Verdict()
    # author_context (post count, locale) is not needed: both languages are always screened.
    role, venue = str(author_role), str(venue)
    post = Post(text, role, venue)
    found: dict[ScreenLabel, tuple[Span, ...]] = {}
    for label, detect in DETECTORS.items():
        if spans := detect(post):
            found[label] = spans
    model = load_model() if use_model else None
    possible = False
    if model is not None:
        decision = model.decide(text, role, venue, frozenset(label.value for label in found))
        possible = decision.urgent_possible
        for name in model.labels:
            label = ScreenLabel(name)
            if not model_applies(name, role):
                continue  # the rules alone decide
            if name not in decision.labels:
                if name not in RULES_STAND:
                    found.pop(label, None)
            elif label not in found:
                # The model has no evidence span of its own: it points at the whole text.
                found[label] = (Span(0, len(text), f"{name}_model"),)
    labels = tuple(label for label in DETECTORS if label in found)
    evidence = sorted({span for label in labels for span in found[label]},
                      key=lambda span: (span.start, span.end, span.kind))
    return decide(labels, tuple(evidence), urgent_possible=possible)


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
