"""Test helpers for sketch/: a duck-typed draw call and a small figure drawn with PIL whose trace is known."""
from __future__ import annotations

from typing import Any

from PIL import Image, ImageDraw

from render import DrawCall


def FakeCall(fn: str, args: list[Any], line: int | None, bbox: tuple[float, float, float, float] | None,
             kind: str = "shape", text: str | None = None) -> DrawCall:
    """A render.DrawCall written by hand, as a figure whose trace is known would record it."""
    return DrawCall(fn, args, line, bbox, kind, text)


def mlp_scene(size: tuple[int, int] = (400, 400)) -> tuple[Image.Image, list[DrawCall]]:
    """Three columns of nodes (lines 14, 15, 16), labels (line 20), a title (line 31), a frame rect (line 5)."""
    w, h = size
    im = Image.new("RGB", size, (255, 255, 255))
    d = ImageDraw.Draw(im)
    trace: list[DrawCall] = [FakeCall("background", [255], 3, (0, 0, w, h), "other")]
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


def stroke_layer(paths: list[list[tuple[float, float]]], size: tuple[int, int], width: float = 5.0,
                 colour: tuple[int, int, int] = (220, 30, 30), layer: Image.Image | None = None) -> Image.Image:
    """Transparent RGBA layer with the given pen paths drawn on it (round joints)."""
    im = layer if layer is not None else Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    col = colour + (255,)
    for p in paths:
        d.line(p, fill=col, width=int(width), joint="curve")
        r = width / 2
        for x, y in (p[0], p[-1]):
            d.ellipse([x - r, y - r, x + r, y + r], fill=col)
    return im


def ellipse_path(cx: float, cy: float, a: float, b: float, n: int = 90, sweep: float = 6.5) -> list[tuple[float, float]]:
    """An ellipse drawn as one pen path, slightly overshooting like a hand does."""
    import math
    return [(cx + a * math.cos(sweep * k / n), cy + b * math.sin(sweep * k / n)) for k in range(n + 1)]


def editor_value(background: Image.Image, layer: Image.Image) -> dict:
    """A Gradio ImageEditor-like value from a background and one stroke layer."""
    import numpy as np
    bg = background.convert("RGBA")
    if bg.size != layer.size:
        bg = bg.resize(layer.size)
    comp = Image.alpha_composite(bg, layer)
    return {"background": np.asarray(bg), "layers": [np.asarray(layer)], "composite": np.asarray(comp)}
