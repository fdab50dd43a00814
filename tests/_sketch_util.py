"""Test helpers for sketch/: a duck-typed draw call and a small figure drawn with PIL whose trace is known."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw


@dataclass
class FakeCall:
    """Same fields as render.DrawCall."""

    fn: str
    args: list[Any]
    line: int | None
    bbox: tuple[float, float, float, float] | None
    kind: str = "shape"
    text: str | None = None


def mlp_scene(size: tuple[int, int] = (400, 400)) -> tuple[Image.Image, list[FakeCall]]:
    """Three columns of nodes (lines 14, 15, 16), labels (line 20), a title (line 31), a frame rect (line 5)."""
    w, h = size
    im = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(im)
    trace: list[FakeCall] = [FakeCall("background", [255], 3, (0, 0, w, h), "other")]
    xs = [w * 0.2, w * 0.5, w * 0.8]
    counts = [3, 4, 2]
    for li, (x, n) in enumerate(zip(xs, counts)):
        for k in range(n):
            y = h * (0.3 + 0.5 * (k + 0.5) / n)
            r = 16
            d.ellipse([x - r, y - r, x + r, y + r], outline=(0, 0, 0), fill=(200, 220, 255), width=2)
            trace.append(FakeCall("circle", [round(x), round(y), 2 * r], 14 + li, (x - r, y - r, x + r, y + r)))
    for li, x in enumerate(xs):
        d.text((x - 15, h * 0.88), f"L{li}", fill=(0, 0, 0))
        trace.append(FakeCall("text", [f"L{li}", round(x), round(h * 0.9)], 20, (x - 15, h * 0.88 - 2, x + 15, h * 0.88 + 12),
                              "text", f"L{li}"))
    d.text((w * 0.35, h * 0.06), "Network title", fill=(0, 0, 0))
    trace.append(FakeCall("text", ["Network title", round(w / 2), round(h * 0.08)], 31,
                          (w * 0.35, h * 0.06 - 2, w * 0.65, h * 0.06 + 12), "text", "Network title"))
    return im, trace
