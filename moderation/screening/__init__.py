"""Content screening: detectors for crisis, advice requests, identifying data, clinician advice, promotion."""

from .pipeline import PipelineScreener, decide_action, screen

__all__ = ["PipelineScreener", "decide_action", "screen"]
