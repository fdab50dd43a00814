"""Figure-code dataset: procedural figures, edit turns, TikZ→p5.js translation, sketch pairs and validation."""
from __future__ import annotations

from .schema import COLUMNS, KINDS, empty_row
from .synth import make_rows, split_rows

__all__ = ["COLUMNS", "KINDS", "empty_row", "make_rows", "split_rows"]
