"""Content screening: one pipeline over five detectors, one verdict per text."""

from .pipeline import PipelineScreener, decide_action, screen

__all__ = ["PipelineScreener", "decide_action", "screen"]
