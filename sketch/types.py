"""Data types of sketch understanding: stroke groups, the analysis result and the user-facing error."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["KINDS", "SketchError", "StrokeGroup", "TraceCall", "Point", "BBox"]

KINDS = ("line", "arrow", "circle", "rectangle", "selection", "cross_out", "freehand", "text_mark")

Point = tuple[float, float]
BBox = tuple[float, float, float, float]


class SketchError(ValueError):
    """A sketch that cannot be analysed; the message is meant for the user."""


class TraceCall(Protocol):
    """What grounding needs from a draw call (``render.DrawCall`` or any object with these attributes)."""

    fn: str
    args: list[Any]
    line: int | None
    bbox: tuple[float, float, float, float]
    kind: str
    text: str | None


@dataclass
class StrokeGroup:
    """One mark the user drew: its primitive kind, geometry in figure pixels and the program lines it touches."""

    kind: str
    bbox: BBox                                   # x0, y0, x1, y1 in figure pixels
    points: list[Point]                          # outline (closed kinds) or path (open kinds), figure pixels
    color: str                                   # "#rrggbb", median colour of the stroke
    stroke_width: float                          # estimated brush width in figure pixels
    order: int                                   # 0-based index: layer first, then reading order (images carry no time)
    tail: Point | None = None                    # arrows and lines: start point
    head: Point | None = None                    # arrows and lines: end point (arrow tip)
    lines: list[int] = field(default_factory=list)   # grounded 1-based line numbers of the user's program
    components: int = 1                          # connected pieces merged into this group
    matches: dict[str, list[Any]] = field(default_factory=dict, repr=False)  # role -> matched draw calls

    @property
    def center(self) -> Point:
        """Centre of the bounding box."""
        x0, y0, x1, y1 = self.bbox
        return ((x0 + x1) / 2, (y0 + y1) / 2)

    @property
    def size(self) -> tuple[float, float]:
        """Width and height of the bounding box."""
        x0, y0, x1, y1 = self.bbox
        return (x1 - x0, y1 - y0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (without the matched draw-call objects)."""
        return {"kind": self.kind, "bbox": [round(v, 1) for v in self.bbox],
                "points": [[round(x, 1), round(y, 1)] for x, y in self.points], "color": self.color,
                "stroke_width": round(self.stroke_width, 1), "order": self.order,
                "tail": None if self.tail is None else [round(v, 1) for v in self.tail],
                "head": None if self.head is None else [round(v, 1) for v in self.head],
                "lines": list(self.lines), "components": self.components}
