"""Remove the text from a rendered figure so image similarity is not dominated by labels."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Redaction", "plan_redaction", "paint_out", "strip_svg_text", "P5_NO_TEXT_PRELUDE"]

log = logging.getLogger(__name__)

# Prepended to a p5 program when the renderer gave no draw trace: text() becomes a no-op. Global mode copies
# functions from p5.prototype at start, so this covers global and instance mode alike.
P5_NO_TEXT_PRELUDE = "if (typeof p5 !== 'undefined') { p5.prototype.text = function () { return this; }; }\n"

PAD = 2  # pixels around a text box: anti-aliasing bleeds past the measured bounds


@dataclass
class Redaction:
    """Either the redacted image at once, or a program to render whose output is the redacted image."""

    image: Any = None
    code: str | None = None
    lang: str | None = None
    method: str = "none"  # "trace" | "unchanged" | "rerender"


def background_colour(img: Any) -> tuple[int, ...]:
    """The most common colour, taken as the background to paint text boxes with."""
    small = img.convert("RGB").resize((max(1, img.width // 4), max(1, img.height // 4)))
    colours = small.getcolors(small.width * small.height)
    return max(colours)[1] if colours else (255, 255, 255)


def paint_out(img: Any, boxes: list[tuple[float, float, float, float]]) -> Any:
    """A copy of `img` with each box filled with the background colour."""
    from PIL import ImageDraw

    out = img.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    bg = background_colour(out)
    for x0, y0, x1, y1 in boxes:
        lo_x, hi_x = sorted((x0, x1))
        lo_y, hi_y = sorted((y0, y1))
        draw.rectangle([lo_x - PAD, lo_y - PAD, hi_x + PAD, hi_y + PAD], fill=bg)
    return out


def strip_svg_text(svg: str) -> str | None:
    """The SVG without `<text>` elements, or None when it cannot be parsed safely."""
    from xml.etree import ElementTree as ET

    from defusedxml import ElementTree as SafeET

    try:
        root = SafeET.fromstring(svg)
    except Exception as e:  # malformed or forbidden (entities): no redaction rather than a crash
        log.debug("SVG not parsed for redaction: %s", e)
        return None
    for parent in list(root.iter()):
        for child in list(parent):
            if re.sub(r"^\{.*\}", "", str(child.tag)) == "text":
                parent.remove(child)
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    return ET.tostring(root, encoding="unicode")


def plan_redaction(code: str, lang: str, result: Any) -> Redaction:
    """How to get a text-free version of a successful render (`result`, a render.RenderResult)."""
    if result is None or getattr(result, "status", None) != "ok" or result.image is None:
        return Redaction()
    if lang == "svg":
        stripped = strip_svg_text(code)
        if stripped is None:
            return Redaction()
        if stripped == code:
            return Redaction(image=result.image, method="unchanged")
        return Redaction(code=stripped, lang="svg", method="rerender")
    trace = getattr(result, "trace", None) or []
    if trace:
        boxes = [tuple(c.bbox) for c in trace if getattr(c, "kind", None) == "text" and getattr(c, "bbox", None)]
        if not boxes:
            return Redaction(image=result.image, method="unchanged")
        return Redaction(image=paint_out(result.image, boxes), method="trace")
    # A drawing that rendered but left no trace: the renderer did not record one, so render again without text.
    return Redaction(code=P5_NO_TEXT_PRELUDE + code, lang="p5", method="rerender")
