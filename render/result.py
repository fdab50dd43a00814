"""Render results: the outcome of running one p5.js or SVG program, with cached derived views."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

Status = Literal["ok", "error", "blank", "timeout"]
Kind = Literal["shape", "line", "text", "image", "other"]

__all__ = ["DrawCall", "RenderResult", "Status"]


@dataclass
class DrawCall:
    """One p5 drawing call recorded during a render, boxed in canvas pixels after transforms."""

    fn: str
    args: list[Any]
    line: int | None
    bbox: tuple[float, float, float, float] | None
    kind: Kind = "other"
    text: str | None = None
    end_line: int | None = None  # beginShape()…endShape(): line of endShape(); `line` is beginShape()'s
    call_lines: list[int] = field(default_factory=list)  # user frames, innermost first (helpers' callers)
    fill: tuple[int, int, int, int] | None = None  # RGBA (0–255) at draw time; None after noFill()
    stroke: tuple[int, int, int, int] | None = None  # RGBA at draw time; None after noStroke()
    # Canvas-pixel points after transforms (at most 256): line/point ends, triangle/quad corners, curve anchors,
    # beginShape() vertices, samples along an arc's curve; None for calls without such points (circle, rect, …).
    points: list[tuple[float, float]] | None = None
    mode: str | None = None  # endShape(): beginShape's kind ("lines", "triangles", …); None for a plain shape

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DrawCall":
        """Build from the harness's JSON record."""
        bbox = d.get("bbox")
        return cls(
            fn=str(d.get("fn")),
            args=list(d.get("args") or []),
            line=d.get("line"),
            bbox=tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
            kind=d.get("kind") or "other",
            text=d.get("text"),
            end_line=d.get("end_line"),
            call_lines=[int(v) for v in d.get("call_lines") or []],
            fill=_rgba(d.get("fill")),
            stroke=_rgba(d.get("stroke")),
            points=[(float(p[0]), float(p[1])) for p in d["points"]] if d.get("points") is not None else None,
            mode=d.get("mode"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "fn": self.fn, "args": self.args, "line": self.line,
            "bbox": list(self.bbox) if self.bbox else None, "kind": self.kind, "text": self.text,
            "end_line": self.end_line, "call_lines": self.call_lines,
            "fill": list(self.fill) if self.fill else None, "stroke": list(self.stroke) if self.stroke else None,
            "points": [list(p) for p in self.points] if self.points is not None else None, "mode": self.mode,
        }


def _rgba(v: Any) -> tuple[int, int, int, int] | None:
    """An [r, g, b, a] record as a tuple of ints, or None."""
    if not v or len(v) != 4:
        return None
    return tuple(int(c) for c in v)  # type: ignore[return-value]


@dataclass
class RenderResult:
    """Outcome of one render: status, error and its line in the user's program, PNG, size, time, trace."""

    status: Status
    lang: str = "p5"
    error: str | None = None
    line: int | None = None
    png: bytes | None = field(default=None, repr=False)
    width: int = 0
    height: int = 0
    ms: float = 0.0
    trace: list[DrawCall] = field(default_factory=list, repr=False)
    svg: str | None = field(default=None, repr=False)  # SVG markup (export_svg only)

    @property
    def ok(self) -> bool:
        """True when the program rendered a non-blank image."""
        return self.status == "ok"

    @cached_property
    def image(self):  # -> PIL.Image.Image | None
        """The PNG as a PIL RGB image (already composited on white), or None."""
        if not self.png:
            return None
        from PIL import Image

        with Image.open(io.BytesIO(self.png)) as im:
            return im.convert("RGB")

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON object: status, error, line, width, height, ms."""
        return {
            "status": self.status,
            "error": self.error,
            "line": self.line,
            "width": self.width,
            "height": self.height,
            "ms": round(self.ms, 1),
        }
