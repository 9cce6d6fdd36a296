"""One detector per label; each returns the spans it found, empty when the label does not apply."""

from __future__ import annotations

from collections.abc import Callable

from community.screening import ScreenLabel, Span

from .advice import detect_advice_request
from .clinician import detect_clinician_advice
from .identifying import detect_identifying
from .promotion import detect_promotion
from .text import Post
from .urgent import detect_urgent

Detector = Callable[[Post], tuple[Span, ...]]

DETECTORS: dict[ScreenLabel, Detector] = {
    ScreenLabel.URGENT: detect_urgent,
    ScreenLabel.ADVICE_REQUEST: detect_advice_request,
    ScreenLabel.IDENTIFYING: detect_identifying,
    ScreenLabel.CLINICIAN_ADVICE: detect_clinician_advice,
    ScreenLabel.PROMOTION: detect_promotion,
}
