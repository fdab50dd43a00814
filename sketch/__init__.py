"""Sketch understanding: strokes drawn on a figure (or a blank pad) → primitives → the program lines they touch."""
from .analysis import AnalyzeConfig, SketchAnalysis, analyze
from .types import KINDS, SketchError, StrokeGroup

__all__ = ["analyze", "AnalyzeConfig", "SketchAnalysis", "StrokeGroup", "SketchError", "KINDS"]
