"""Figure checks: a small declarative language over the draw trace (see docs/checks.md).

    errors = validate_checks(row["checks"])             # [] when every check is well formed
    outcomes = run_checks(row["checks"], render(code))  # one CheckOutcome per check, with a readable reason
    all_pass, fraction = summarize(outcomes)
"""
from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

__all__ = ["CheckOutcome", "Element", "Scene", "validate_checks", "run_checks", "summarize", "CHECK_TYPES",
           "COLOR_NAMES", "color_matches", "parse_color", "normalize_text"]

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------------------------
# Tunables (documented in docs/checks.md)
# ---------------------------------------------------------------------------------------------------------------
CONNECT_TOL = 12.0  # px: a line end "lies on" a shape when this close to its outline or inside it
BASELINE_TOL = 3.0  # px: bars stand on a common baseline when their bottoms differ by at most this
BAR_VALUE_TOL = 0.15  # relative: bar heights within 15 % of the least-squares fit to the asked values
BACKGROUND_COVER = 0.9  # a shape covering this much of the canvas is a background, never selected
LABEL_NEAR = 8.0  # px: a small shape this close to a label's box wins over a much larger shape containing it
LABEL_MAX_DIST = 0.35  # a label belongs to the nearest shape within this fraction of the canvas's longer side
HEAD_MAX_SIDE = 40.0  # px: an arrow head is at most this long
MIN_SHAPE_SIZE = 4.0  # px: default smallest bbox side for shapes (drops dots and hairlines)
RAW_MIN_ALPHA = 0.15  # a translucent colour also matches as specified from this opacity on (≈ 38/255)

KINDS = ("circle", "ellipse", "rect", "line", "arrow", "text", "polygon", "polyline", "curve", "arc", "point",
         "arrowhead", "image", "shape", "any")
DIRECTIONS = ("left-to-right", "top-to-bottom", "right-to-left", "bottom-to-top")


# ---------------------------------------------------------------------------------------------------------------
# Colours
# ---------------------------------------------------------------------------------------------------------------
# name -> reference RGBs. A colour matches a name when its nearest reference (CIE Lab distance) belongs to the
# name's family, so "blue" accepts light and dark blues, while "lightblue" accepts only light blues.
_REFS: dict[str, list[tuple[int, int, int]]] = {
    "red": [(255, 0, 0), (220, 20, 60), (200, 30, 30), (178, 34, 34), (230, 60, 60), (240, 100, 100)],
    "darkred": [(139, 0, 0), (128, 0, 0), (110, 20, 20)],
    "orange": [(255, 165, 0), (255, 140, 0), (255, 128, 0), (240, 120, 40), (255, 180, 80)],
    "yellow": [(255, 255, 0), (255, 215, 0), (240, 220, 60), (255, 235, 120), (255, 255, 150)],
    "green": [(0, 128, 0), (0, 255, 0), (50, 180, 50), (34, 139, 34), (60, 200, 90), (100, 200, 100)],
    "lightgreen": [(144, 238, 144), (152, 251, 152), (180, 240, 180), (200, 255, 200)],
    "darkgreen": [(0, 100, 0), (20, 80, 20)],
    "blue": [(0, 0, 255), (30, 100, 220), (65, 105, 225), (0, 90, 200), (50, 120, 255), (70, 130, 180)],
    "lightblue": [(173, 216, 230), (135, 206, 235), (135, 206, 250), (150, 200, 255), (200, 225, 255),
                  (100, 180, 240)],
    "darkblue": [(0, 0, 139), (0, 0, 128), (25, 25, 112), (20, 50, 120)],
    "cyan": [(0, 255, 255), (0, 220, 220), (64, 224, 208)],
    "teal": [(0, 128, 128), (0, 150, 150)],
    "purple": [(128, 0, 128), (150, 50, 200), (147, 112, 219), (120, 60, 180), (186, 85, 211), (200, 160, 230)],
    "magenta": [(255, 0, 255), (200, 0, 200)],
    "pink": [(255, 192, 203), (255, 105, 180), (255, 182, 193), (255, 150, 200), (240, 130, 170)],
    "brown": [(139, 69, 19), (165, 42, 42), (160, 82, 45), (120, 70, 30), (180, 120, 70)],
    "gray": [(128, 128, 128), (169, 169, 169), (100, 100, 100), (150, 150, 150)],
    "lightgray": [(211, 211, 211), (200, 200, 200), (225, 225, 225), (235, 235, 235)],
    "darkgray": [(64, 64, 64), (80, 80, 80), (50, 50, 50)],
    "black": [(0, 0, 0), (20, 20, 20), (35, 35, 35)],
    "white": [(255, 255, 255), (248, 248, 248)],
}
_FAMILY: dict[str, set[str]] = {
    "red": {"red", "darkred"}, "blue": {"blue", "lightblue", "darkblue"}, "green": {"green", "lightgreen", "darkgreen"},
    "gray": {"gray", "lightgray", "darkgray"}, "cyan": {"cyan", "teal"}, "purple": {"purple", "magenta"},
}
_ALIASES = {
    "grey": "gray", "lightgrey": "lightgray", "darkgrey": "darkgray", "navy": "darkblue", "skyblue": "lightblue",
    "violet": "purple", "gold": "yellow", "crimson": "red", "lime": "green", "aqua": "cyan", "fuchsia": "magenta",
    "赤": "red", "青": "blue", "緑": "green", "黄": "yellow", "黄色": "yellow", "橙": "orange", "オレンジ": "orange",
    "紫": "purple", "ピンク": "pink", "桃": "pink", "灰": "gray", "灰色": "gray", "グレー": "gray", "黒": "black",
    "白": "white", "茶": "brown", "茶色": "brown", "水色": "lightblue", "紺": "darkblue",
}
COLOR_NAMES = tuple(sorted(set(_REFS) | set(_ALIASES)))
HEX_TOL = 25.0  # CIE76 distance within which a colour matches a #rrggbb target


def _lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """sRGB (0–255) to CIE Lab (D65)."""
    def lin(c: float) -> float:
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _dist(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = _lab(a), _lab(b)
    return math.dist(la, lb)


def parse_color(spec: str) -> str | tuple[int, int, int] | None:
    """A canonical colour name, an (r, g, b) for '#rrggbb', or None when unknown."""
    if not isinstance(spec, str):
        return None
    s = spec.strip().lower().replace(" ", "").replace("-", "")
    if re.fullmatch(r"#[0-9a-f]{6}", s):
        return int(s[1:3], 16), int(s[3:5], 16), int(s[5:7], 16)
    s = _ALIASES.get(s, s)
    return s if s in _REFS else None


def nearest_color_name(rgb: tuple[float, float, float]) -> str:
    """The palette name whose reference is nearest in Lab."""
    return min(((name, _dist(rgb, ref)) for name, refs in _REFS.items() for ref in refs), key=lambda t: t[1])[0]


def color_matches(rgb: tuple[float, float, float] | None, spec: str) -> bool:
    """True when rgb (already composited on white) is near the named or #rrggbb colour."""
    if rgb is None:
        return False
    target = parse_color(spec)
    if target is None:
        return False
    if isinstance(target, tuple):
        return _dist(rgb, target) <= HEX_TOL
    return nearest_color_name(rgb) in _FAMILY.get(target, {target})


def _on_white(c: tuple[int, int, int, int] | None) -> tuple[float, float, float] | None:
    """RGBA composited over white (what the eye sees on a white page); None when fully transparent."""
    if c is None:
        return None
    a = c[3] / 255.0
    if a <= 0.02:
        return None
    return tuple(v * a + 255 * (1 - a) for v in c[:3])  # type: ignore[return-value]


def _fmt_rgb(rgb: tuple[float, float, float] | None) -> str:
    if rgb is None:
        return "none"
    r, g, b = (int(round(v)) for v in rgb)
    return f"{nearest_color_name(rgb)} ({r}, {g}, {b})"


# ---------------------------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------------------------
# Dashes that stand for a minus sign or a hyphen in labels ("x − 1", "t–1", "ー" is a Japanese letter, kept):
# hyphen, non-breaking hyphen, figure dash, en dash, minus sign, heavy minus (NFKC already maps ﹣ and －).
_MINUS = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2212\u2796"})


def normalize_text(s: str) -> str:
    """NFKC, minus signs and en dashes as "-", case-folded, whitespace collapsed: how labels are compared."""
    t = unicodedata.normalize("NFKC", str(s)).translate(_MINUS)
    return re.sub(r"\s+", " ", t).strip().casefold()


# ---------------------------------------------------------------------------------------------------------------
# Scene: the trace as elements with kinds, colours and geometry
# ---------------------------------------------------------------------------------------------------------------
Point = tuple[float, float]


@dataclass(eq=False)  # identity: two identical draws are still two elements
class Element:
    """One visible thing in the figure, derived from a trace call (LINES shapes give one element per segment)."""

    index: int
    fn: str
    kinds: set[str]
    bbox: tuple[float, float, float, float]
    line: int | None = None
    text: str | None = None
    fill: tuple[float, float, float] | None = None  # composited on white; None when not filled
    stroke: tuple[float, float, float] | None = None
    points: list[Point] = field(default_factory=list)
    raw: tuple[tuple[float, float, float] | None, ...] = ()  # translucent fill/stroke before compositing
    fill_alpha: float = 1.0  # opacity of the fill (0..1)
    corners: int | None = None  # closed polygons and rects: corners, not counting repeats and straight-through ones
    ends: tuple[Point, Point] | None = None  # connectors: first and last point (tips when arrow heads are found)
    heads: list[int] = field(default_factory=list)  # connectors: which ends (0, 1) carry an arrow head
    area: list[Point] | None = None  # arcs: the wedge (or chord) outline, where the bbox would be too big
    ellipse: tuple[float, float, float, float] | None = None  # arcs: the whole ellipse (min_size is its size)

    @property
    def cx(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2

    @property
    def cy(self) -> float:
        return (self.bbox[1] + self.bbox[3]) / 2

    @property
    def w(self) -> float:
        return self.bbox[2] - self.bbox[0]

    @property
    def h(self) -> float:
        return self.bbox[3] - self.bbox[1]

    @property
    def color(self) -> tuple[float, float, float] | None:
        """The colour a person would name: fill for shapes and text, stroke for lines and unfilled shapes."""
        if "text" in self.kinds:
            return self.fill or self.stroke
        if "line" in self.kinds or "point" in self.kinds:
            return self.stroke or self.fill
        # A white or faintly tinted fill inside a coloured outline: the outline is what a person sees.
        if self.fill is not None and not (self.stroke is not None and (min(self.fill) > 245
                                                                       or self.fill_alpha < RAW_MIN_ALPHA)):
            return self.fill
        return self.stroke or self.fill

    def colors(self) -> list[tuple[float, float, float]]:
        """Every colour of the element (fill and stroke, and a translucent one also as specified), main first."""
        out = [c for c in (self.color, self.fill, self.stroke) if c is not None]
        # "a semi-transparent red" is red to the person who asked, though it shows pink on white
        out += [c for c in self.raw if c is not None]
        return list(dict.fromkeys(out))

    def describe(self) -> str:
        """Short words for reasons: "circle at (100, 50)" or "text 'Input'"."""
        if self.text is not None:
            return f"text {self.text!r}"
        kind = next((k for k in ("arc", "circle", "rect", "arrow", "line", "ellipse", "polygon", "point", "image")
                     if k in self.kinds), self.fn)
        where = f" (line {self.line})" if self.line else ""
        return f"{kind} at ({self.cx:.0f}, {self.cy:.0f}){where}"

    def distance(self, p: Point) -> float:
        """Distance from p to this element's outline, 0 inside (circles as circles, arcs as their wedge, the rest
        as boxes)."""
        x, y = p
        if self.area:
            return 0.0 if _in_polygon(p, self.area) else _seg_distance(p, self.area + self.area[:1])
        if "ellipse" in self.kinds and self.w > 0 and self.h > 0:
            r = (self.w + self.h) / 4
            return max(0.0, math.hypot(x - self.cx, y - self.cy) - r)
        dx = max(self.bbox[0] - x, 0.0, x - self.bbox[2])
        dy = max(self.bbox[1] - y, 0.0, y - self.bbox[3])
        return math.hypot(dx, dy)


def _visible(c: Any) -> bool:
    return _on_white(getattr(c, "fill", None)) is not None or _on_white(getattr(c, "stroke", None)) is not None


def _closed(points: list[Point]) -> bool:
    return len(points) > 2 and math.dist(points[0], points[-1]) < 1.0


def _axis_rect(points: list[Point]) -> bool:
    """True for four corners (optionally closed) of an axis-aligned rectangle."""
    pts = points[:-1] if _closed(points) else points
    if len(pts) != 4:
        return False
    xs = sorted({round(p[0]) for p in pts})
    ys = sorted({round(p[1]) for p in pts})
    return len(xs) == 2 and len(ys) == 2


class Scene:
    """The elements of one render, with connectors, arrow heads and background shapes worked out once."""

    def __init__(self, result: Any) -> None:
        self.width = float(getattr(result, "width", 0) or 0)
        self.height = float(getattr(result, "height", 0) or 0)
        self.elements: list[Element] = []
        for i, c in enumerate(getattr(result, "trace", None) or []):
            self.elements.extend(self._from_call(i, c))
        self._find_heads()
        self._connectors: list[Element] | None = None

    # -- building --------------------------------------------------------------------------------------------------
    def _from_call(self, i: int, c: Any) -> list[Element]:
        fn, bbox = c.fn, c.bbox
        if bbox is None or fn in ("background", "clear"):
            return []
        fill, stroke = _on_white(getattr(c, "fill", None)), _on_white(getattr(c, "stroke", None))
        has_colour = getattr(c, "fill", None) is not None or getattr(c, "stroke", None) is not None
        if has_colour and fill is None and stroke is None:
            return []  # noFill() and noStroke(), or fully transparent: nothing visible
        pts = [tuple(p) for p in (getattr(c, "points", None) or [])]
        # fill(255, 0, 0, 80) is "a semi-transparent red"; fill(255, 0, 0, 8) is a faint tint, red to nobody
        raw = tuple(tuple(float(v) for v in col[:3]) for col in (getattr(c, "fill", None), getattr(c, "stroke", None))
                    if col is not None and RAW_MIN_ALPHA * 255 <= col[3] < 255)
        fill_alpha = getattr(c, "fill", None)[3] / 255.0 if fill is not None else 1.0
        base = dict(index=i, fn=fn, line=c.line, fill=fill, stroke=stroke, raw=raw, fill_alpha=fill_alpha)
        w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
        if c.kind == "text":
            if not (c.text or "").strip():
                return []
            return [Element(kinds={"text"}, bbox=bbox, text=c.text, **base)]
        if c.kind == "image":
            return [Element(kinds={"image"}, bbox=bbox, **base)]
        if fn == "point":
            return [Element(kinds={"point"}, bbox=bbox, points=pts, **base)]
        if fn == "line":
            return [self._connector(base, bbox, pts)]
        mode = getattr(c, "mode", None)
        if fn == "endShape" and mode == "lines":
            return [self._connector(dict(base), _box(seg), seg) for seg in (pts[k:k + 2] for k in range(0, len(pts) - 1, 2))]
        if fn == "endShape" and mode == "points":
            return [Element(kinds={"point"}, bbox=_box([p]), points=[p], **base) for p in pts]
        is_open = fn == "endShape" and mode is None and not (c.args and c.args[0] == "close") and not _closed(pts)
        if is_open and len(pts) == 2:
            return [self._connector(base, bbox, pts)]
        kinds = {"shape"}
        square = w > 0 and h > 0 and 0.8 <= w / h <= 1.25
        if fn == "circle" or (fn in ("ellipse", "arc") and square):
            kinds |= {"circle", "ellipse"}
        elif fn == "ellipse":
            kinds.add("ellipse")
        if fn == "arc":
            kinds.add("arc")
        elif fn in ("rect", "square") or (fn == "quad" or (fn == "endShape" and not is_open)) and _axis_rect(pts):
            kinds.add("rect")
        if fn in ("triangle", "quad", "endShape"):
            kinds.add("polygon")
        el = Element(kinds=kinds, bbox=bbox, points=pts, **base)
        if fn in ("rect", "square"):
            el.corners = 4
        elif fn in ("triangle", "quad") or (fn == "endShape" and (
                (mode is None and (not is_open or fill is not None))  # closed, or filled (p5 fills it closed)
                or (mode in ("triangles", "triangle_fan", "triangle_strip") and len(pts) == 3)
                or (mode == "quads" and len(pts) == 4))):
            el.corners = _corner_count(pts)
        if fn == "arc" and len(pts) >= 2:
            self._arc_geometry(el, c.args, bbox)
        if (is_open or fn in ("bezier", "curve")) and len(pts) >= 2:
            # An open polyline or a curve is still a shape (a line chart's plot) but can also join two shapes.
            el.kinds.add("polyline" if is_open else "curve")
            if fill is None:
                el.kinds.add("line")  # an unfilled open path reads as a (bent) line
            el.ends = (pts[0], pts[-1])
        return [el]

    @staticmethod
    def _arc_geometry(el: Element, args: list[Any], full: tuple[float, float, float, float]) -> None:
        """An arc's drawn extent: the traced bbox is its whole ellipse, far bigger than a small angle mark.

        The points are samples along the drawn curve. p5 fills a wedge to the centre (default and PIE mode) or a
        chord (CHORD, OPEN), and strokes the radii only in PIE mode; the bbox covers what is drawn, and `area`
        (what distances are measured to) is the wedge or chord region, so a label inside an angle mark belongs
        to it.
        """
        pts = el.points
        mode = args[6] if len(args) > 6 and isinstance(args[6], str) else None
        if math.dist(pts[0], pts[-1]) < 1.0:
            return  # a whole ellipse: the bbox is right
        centre = ((full[0] + full[2]) / 2, (full[1] + full[3]) / 2)  # affine maps keep the box's centre
        wedge = mode not in ("chord", "open")
        drawn = list(pts)
        if wedge and (el.fill is not None or (mode == "pie" and el.stroke is not None)):
            drawn.append(centre)
        el.ellipse, el.bbox = full, _box(drawn)
        el.area = list(pts) + ([centre] if wedge else [])

    @staticmethod
    def _connector(base: dict[str, Any], bbox: tuple[float, float, float, float], pts: list[Point]) -> Element:
        ends = (pts[0], pts[-1]) if len(pts) >= 2 else None
        return Element(kinds={"line"}, bbox=bbox, points=list(pts), ends=ends, **base)

    def _find_heads(self) -> None:
        """Mark arrow heads: a small triangle (or 3-vertex shape) or a V of two short lines at a line's end."""
        lines = [e for e in self.elements if e.ends is not None]
        tris = [e for e in self.elements if "polygon" in e.kinds and 3 <= len(e.points) <= 4
                and (len(e.points) == 3 or _closed(e.points)) and max(e.w, e.h) <= HEAD_MAX_SIDE]
        opens = [e for e in lines if len(e.points) == 3 and max(e.w, e.h) <= HEAD_MAX_SIDE]  # a V as one shape
        short = [e for e in lines if len(e.points) == 2]
        used: set[int] = set()
        for ln in lines:
            if id(ln) in used or ln.ends is None:
                continue
            length = _path_length(ln.points)
            if length < 6:
                continue
            new_ends = list(ln.ends)
            for k in (0, 1):
                end = ln.ends[k]
                prev = ln.points[-2] if k == 1 else ln.points[1]
                tip = self._triangle_tip(end, prev, tris + [o for o in opens if o is not ln], length, used)
                if tip is None:
                    tip = self._v_tip(end, prev, [s for s in short if s is not ln], length, used)
                if tip is not None:
                    ln.heads.append(k)
                    new_ends[k] = tip
            if ln.heads:
                ln.kinds.add("arrow")
                ln.ends = (new_ends[0], new_ends[1])
        for e in self.elements:
            if id(e) in used:
                e.kinds = {"arrowhead"}
                e.ends = None

    @staticmethod
    def _triangle_tip(end: Point, prev: Point, cands: list[Element], length: float, used: set[int]) -> Point | None:
        d = _unit(prev, end)
        for t in cands:
            if id(t) in used or max(t.w, t.h) > max(6.0, 0.6 * length):
                continue
            verts = t.points[:3]
            if min(math.dist(v, end) for v in verts) > CONNECT_TOL and math.dist(_centroid(verts), end) > CONNECT_TOL:
                continue
            tip = max(verts, key=lambda v: (v[0] - end[0]) * d[0] + (v[1] - end[1]) * d[1])
            along = (tip[0] - end[0]) * d[0] + (tip[1] - end[1]) * d[1]
            if along < -CONNECT_TOL:
                continue  # the triangle lies back along the line: a marker, not a head
            used.add(id(t))
            return tip if along > 0 else end
        return None

    @staticmethod
    def _v_tip(end: Point, prev: Point, cands: list[Element], length: float, used: set[int]) -> Point | None:
        back = _unit(end, prev)
        arms = []
        for s in cands:
            if id(s) in used or s.ends is None:
                continue
            a, b = s.ends
            if math.dist(a, end) <= 4:
                far = b
            elif math.dist(b, end) <= 4:
                far = a
            else:
                continue
            arm = math.dist(end, far)
            if arm < 2 or arm > min(HEAD_MAX_SIDE, 0.5 * length):
                continue
            u = _unit(end, far)
            ang = math.degrees(math.acos(max(-1.0, min(1.0, u[0] * back[0] + u[1] * back[1]))))
            if 10 <= ang <= 80:
                arms.append(s)
        if len(arms) >= 2:
            used.update(id(s) for s in arms[:2])
            return end
        return None

    # -- selection -------------------------------------------------------------------------------------------------
    def is_background(self, e: Element) -> bool:
        """A shape covering most of the canvas (a backdrop drawn with rect())."""
        area = self.width * self.height
        return area > 0 and "shape" in e.kinds and e.w * e.h >= BACKGROUND_COVER * area

    def of_kind(self, kind: str, min_size: float | None = None) -> list[Element]:
        """Visible, non-background elements of a kind."""
        out = []
        for e in self.elements:
            if kind == "any":
                ok = "arrowhead" not in e.kinds
            elif kind == "shape":
                ok = "shape" in e.kinds
            else:
                ok = kind in e.kinds
            if not ok or (kind != "any" and self.is_background(e)):
                continue
            size = min_size if min_size is not None else (MIN_SHAPE_SIZE if "shape" in e.kinds else 0.0)
            if e.ends is not None:  # lines, polylines, curves: their length counts, not their thickness
                if size and _path_length(e.points) < size:
                    continue
            elif ("shape" in e.kinds or "image" in e.kinds) and _min_side(e.ellipse or e.bbox) < size:
                continue  # an arc is as big as its circle: a thin pie wedge still belongs to a big pie
            out.append(e)
        return out

    def texts(self) -> list[Element]:
        """Every visible text() element."""
        return [e for e in self.elements if "text" in e.kinds]

    def label_texts(self, label: str) -> list[Element]:
        """Text elements for a label: exact (normalised) matches when any, else those containing it."""
        want = normalize_text(label)
        texts = self.texts()
        exact = [t for t in texts if normalize_text(t.text or "") == want]
        return exact or [t for t in texts if want in normalize_text(t.text or "")]

    def select(self, sel: dict[str, Any]) -> list[Element]:
        """Elements matching a selector (see docs/checks.md), in drawing order."""
        kind = sel.get("kind")
        label = sel.get("label")
        if label is not None and kind != "text":
            pool = self._filter(self.of_kind(kind or "shape", sel.get("min_size")), sel, skip=("column", "row"))
            found = []
            for t in self.label_texts(label):
                host = self._host(t, pool)
                if host is None and kind is None:
                    host = t  # a label with no shape near it stands for itself
                if host is not None and host not in found:
                    found.append(host)
            els = found
        else:
            els = self._filter(self.of_kind(kind or "any", sel.get("min_size")), sel, skip=("column", "row"))
            if label is not None:
                want = {id(t) for t in self.label_texts(label)}
                els = [e for e in els if id(e) in want]
        for key, axis in (("column", "x"), ("row", "y")):
            if sel.get(key) is not None:
                groups = group_by(els, axis)
                k = int(sel[key])
                idx = k - 1 if k > 0 else len(groups) + k
                els = groups[idx] if 0 <= idx < len(groups) else []
        return sorted(els, key=lambda e: e.index)

    def _filter(self, els: list[Element], sel: dict[str, Any], skip: tuple[str, ...] = ()) -> list[Element]:
        region = sel.get("region")
        if region is not None and self.width and self.height:
            x0, y0, x1, y1 = region
            els = [e for e in els if x0 * self.width <= e.cx <= x1 * self.width
                   and y0 * self.height <= e.cy <= y1 * self.height]
        if sel.get("color") is not None:
            els = [e for e in els if any(color_matches(c, sel["color"]) for c in e.colors()[:1])]
        if sel.get("corners") is not None:
            els = [e for e in els if e.corners == sel["corners"]]
        return els

    def _host(self, t: Element, pool: list[Element]) -> Element | None:
        """The shape a text labels: the smallest one containing its centre, else the nearest within reach."""
        p = (t.cx, t.cy)
        inside = [e for e in pool if e.ends is None and e.distance(p) == 0]  # inside the outline (a circle's)
        if inside:
            best = min(inside, key=lambda e: e.w * e.h)
            # A point's name sits inside a big circle but right next to the point's own dot: the dot is meant.
            small = [e for e in pool if e not in inside and _box_gap(t.bbox, e.bbox) <= LABEL_NEAR
                     and e.w * e.h * 10 <= best.w * best.h]
            if small:
                return min(small, key=lambda e: (_box_gap(t.bbox, e.bbox), e.index))
            return best
        reach = LABEL_MAX_DIST * max(self.width, self.height, 1.0)
        near = [(e.distance(p) if e.ends is None else _seg_distance(p, e.points), e) for e in pool]
        near = [(d, e) for d, e in near if d <= reach]
        # A column header above its column, a bar's label under it, a node's name beside it: prefer shapes in
        # line with the text (overlapping it horizontally or vertically) over a nearer one off to the side.
        aligned = [(d, e) for d, e in near if _overlap(t.bbox[0], t.bbox[2], e.bbox[0], e.bbox[2])
                   or _overlap(t.bbox[1], t.bbox[3], e.bbox[1], e.bbox[3])]
        near = aligned or near
        return min(near, key=lambda de: (de[0], de[1].index))[1] if near else None

    def connectors(self) -> list[Element]:
        """Lines, arrows, open polylines and curves that can join two shapes, plus routed paths drawn in pieces."""
        if self._connectors is None:
            base = [e for e in self.elements if e.ends is not None]
            self._connectors = base + self._chains(base)
        return self._connectors

    def _chains(self, base: list[Element]) -> list[Element]:
        """Pieces whose ends meet (within 3 px, two pieces only, not inside a shape) joined into one path.

        An elbow connector drawn as line(); line(); arrow() then has one end on each box. Where several lines
        meet (a network node) or the meeting point lies inside a shape, nothing is joined: the shape is the
        junction, not a bend.
        """
        shapes = [e for e in self.elements if e.ends is None and "shape" in e.kinds and not self.is_background(e)
                  and min(e.w, e.h) >= MIN_SHAPE_SIZE]
        ends = [(c, k) for c in base for k in (0, 1)]
        link: dict[tuple[int, int], tuple[int, int]] = {}
        for ci, c in enumerate(base):
            for k in (0, 1):
                if k in c.heads:
                    continue  # an arrow's tip ends the path
                p = c.ends[k]  # type: ignore[index]
                partners = [(base.index(d), m) for d, m in ends if d is not c and m not in d.heads
                            and math.dist(p, d.ends[m]) <= 3.0]  # type: ignore[index]
                if len(partners) == 1 and not any(e.distance(p) == 0 for e in shapes):
                    link[(ci, k)] = partners[0]
        link = {a: b for a, b in link.items() if link.get(b) == a}  # mutual only
        out: list[Element] = []
        seen: set[int] = set()
        for ci in range(len(base)):
            if ci in seen:
                continue
            free = [k for k in (0, 1) if (ci, k) not in link]
            if not free or ((ci, 0) not in link and (ci, 1) not in link):
                continue  # a closed loop, or a piece that joins nothing
            pieces, k_in = [(ci, free[0])], free[0]
            seen.add(ci)
            cur = ci
            while (cur, 1 - k_in) in link:
                nxt, m = link[(cur, 1 - k_in)]
                if nxt in seen:
                    break
                pieces.append((nxt, m))
                seen.add(nxt)
                cur, k_in = nxt, m
            if len(pieces) < 2:
                continue
            pts: list[Point] = []
            for pi, k in pieces:
                ps = base[pi].points if k == 0 else list(reversed(base[pi].points))
                pts += ps
            first, last = pieces[0], pieces[-1]
            start = base[first[0]].ends[first[1]]  # type: ignore[index]
            stop = base[last[0]].ends[1 - last[1]]  # type: ignore[index]
            heads = ([0] if first[1] in base[first[0]].heads else []) + \
                ([1] if (1 - last[1]) in base[last[0]].heads else [])
            el = Element(index=base[first[0]].index, fn="path", kinds={"line"} | ({"arrow"} if heads else set()),
                         bbox=_box(pts + [start, stop]), line=base[first[0]].line,
                         stroke=base[first[0]].stroke, points=pts, ends=(start, stop), heads=heads)
            out.append(el)
        return out


def _min_side(box: tuple[float, float, float, float]) -> float:
    return min(box[2] - box[0], box[3] - box[1])


def _box_gap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Distance between two boxes (0 when they touch or overlap)."""
    dx = max(a[0] - b[2], b[0] - a[2], 0.0)
    dy = max(a[1] - b[3], b[1] - a[3], 0.0)
    return math.hypot(dx, dy)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> bool:
    """True when the intervals overlap, or one's centre lies within the other."""
    return min(a1, b1) - max(a0, b0) > 0 or a0 <= (b0 + b1) / 2 <= a1 or b0 <= (a0 + a1) / 2 <= b1


def _box(pts: list[Point]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def _unit(a: Point, b: Point) -> Point:
    """Unit vector from a to b ((0, 0) when they coincide)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = math.hypot(dx, dy)
    return (dx / n, dy / n) if n else (0.0, 0.0)


def _centroid(pts: list[Point]) -> Point:
    return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)


def _path_length(pts: list[Point]) -> float:
    return sum(math.dist(a, b) for a, b in zip(pts, pts[1:]))


def _corner_count(pts: list[Point]) -> int:
    """Corners of a closed outline: repeated vertices and vertices on a straight side are not corners.

    A quad() with two equal corners, or a beginShape() triangle with a fourth vertex on one side, has 3. Outlines
    of more than 16 vertices (sampled curves) are not simplified.
    """
    ring = [p for k, p in enumerate(pts) if k == 0 or math.dist(p, pts[k - 1]) >= 1.0]
    if len(ring) > 1 and math.dist(ring[0], ring[-1]) < 1.0:
        ring.pop()
    if len(ring) > 16:
        return len(ring)
    removed = True
    while removed and len(ring) > 3:
        removed = False
        for k in range(len(ring)):
            a, b, c = ring[k - 1], ring[k], ring[(k + 1) % len(ring)]
            if _seg_distance(b, [a, c]) < max(1.0, 0.03 * math.dist(a, c)):
                del ring[k]
                removed = True
                break
    return len(ring)


def _in_polygon(p: Point, poly: list[Point]) -> bool:
    """Even-odd rule: True when p lies inside the closed polygon."""
    x, y = p
    inside = False
    for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _seg_distance(p: Point, pts: list[Point]) -> float:
    """Distance from p to a polyline."""
    best = math.inf
    for a, b in zip(pts, pts[1:]):
        dx, dy = b[0] - a[0], b[1] - a[1]
        n2 = dx * dx + dy * dy
        t = 0.0 if n2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / n2))
        best = min(best, math.dist(p, (a[0] + t * dx, a[1] + t * dy)))
    return best if pts[1:] else (math.dist(p, pts[0]) if pts else math.inf)


def group_by(els: list[Element], axis: str, gap: float | None = None) -> list[list[Element]]:
    """Elements grouped into columns (axis 'x') or rows ('y') by their centres, in increasing order.

    A new group starts where consecutive centres are further apart than `gap` (default: half the median
    element size along the axis, at least 8 px), so a column of nodes stays one column however it is spaced.
    """
    if not els:
        return []
    pos = (lambda e: e.cx) if axis == "x" else (lambda e: e.cy)
    size = sorted((e.w if axis == "x" else e.h) for e in els)
    if gap is None:
        gap = max(8.0, 0.5 * size[len(size) // 2])
    ordered = sorted(els, key=pos)
    groups = [[ordered[0]]]
    for e in ordered[1:]:
        if pos(e) - pos(groups[-1][-1]) > gap:
            groups.append([e])
        else:
            groups[-1].append(e)
    return groups


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------
SELECTOR_KEYS = {"kind", "region", "color", "min_size", "label", "column", "row", "corners"}


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _validate_selector(sel: Any, where: str) -> list[str]:
    if not isinstance(sel, dict):
        return [f"{where} must be an object (a selector), got {type(sel).__name__}"]
    errs = [f"{where}: unknown key {k!r} (selector keys: {', '.join(sorted(SELECTOR_KEYS))})"
            for k in sel if k not in SELECTOR_KEYS]
    if "kind" in sel and sel["kind"] not in KINDS:
        errs.append(f"{where}: kind {sel['kind']!r} is not one of {', '.join(KINDS)}")
    if "region" in sel:
        r = sel["region"]
        if not (isinstance(r, list) and len(r) == 4 and all(_is_num(v) and -0.01 <= v <= 1.01 for v in r)
                and r[0] < r[2] and r[1] < r[3]):
            errs.append(f"{where}: region must be [x0, y0, x1, y1], fractions of the canvas with x0 < x1, y0 < y1")
    if "color" in sel and parse_color(sel["color"]) is None:
        errs.append(f"{where}: unknown colour {sel['color']!r} (a name such as red, lightblue, gray, or #rrggbb)")
    if "corners" in sel and not (_is_count(sel["corners"]) and sel["corners"] >= 3):
        errs.append(f"{where}: corners must be an integer >= 3")
    if "min_size" in sel and not (_is_num(sel["min_size"]) and sel["min_size"] >= 0):
        errs.append(f"{where}: min_size must be a number >= 0")
    if "label" in sel and not (isinstance(sel["label"], str) and sel["label"].strip()):
        errs.append(f"{where}: label must be a non-empty string")
    for key in ("column", "row"):
        if key in sel and not (isinstance(sel[key], int) and not isinstance(sel[key], bool) and sel[key] != 0):
            errs.append(f"{where}: {key} must be a non-zero integer (1 = first, -1 = last)")
    return errs


def _labels_ok(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(s, str) and s.strip() for s in v)


# type -> (required keys, optional keys, validator of the values)
def _v_count(c: dict[str, Any]) -> list[str]:
    errs = []
    if not any(k in c for k in ("eq", "min", "max")):
        errs.append("needs one of eq, min, max")
    if "eq" in c and ("min" in c or "max" in c):
        errs.append("eq cannot be combined with min/max")
    for k in ("eq", "min", "max"):
        if k in c and not _is_count(c[k]):
            errs.append(f"{k} must be an integer >= 0")
    if _is_count(c.get("min")) and _is_count(c.get("max")) and c["min"] > c["max"]:
        errs.append("min is larger than max")
    return errs


def _v_groups(c: dict[str, Any]) -> list[str]:
    errs = []
    if not (isinstance(c.get("counts"), list) and c["counts"] and all(_is_count(v) and v > 0 for v in c["counts"])):
        errs.append("counts must be a non-empty list of positive integers")
    if "gap" in c and not (_is_num(c["gap"]) and c["gap"] > 0):
        errs.append("gap must be a positive number of pixels")
    return errs


def _v_text(c: dict[str, Any]) -> list[str]:
    errs = [] if _labels_ok(c.get("labels")) else ["labels must be a non-empty list of non-empty strings"]
    if "any" in c and not isinstance(c["any"], bool):
        errs.append("any must be true or false")
    return errs


def _v_color(c: dict[str, Any]) -> list[str]:
    errs = []
    if parse_color(c.get("color")) is None:
        errs.append(f"unknown colour {c.get('color')!r} (a name such as red, lightblue, gray, or #rrggbb)")
    if "min" in c and not (_is_count(c["min"]) and c["min"] >= 1):
        errs.append("min must be an integer >= 1")
    if "all" in c and not isinstance(c["all"], bool):
        errs.append("all must be true or false")
    return errs


def _v_connected(c: dict[str, Any]) -> list[str]:
    errs = []
    if "min" in c and not (_is_count(c["min"]) and c["min"] >= 1):
        errs.append("min must be an integer >= 1")
    for k in ("all_pairs", "directed"):
        if k in c and not isinstance(c[k], bool):
            errs.append(f"{k} must be true or false")
    if "tolerance" in c and not (_is_num(c["tolerance"]) and c["tolerance"] >= 0):
        errs.append("tolerance must be a number of pixels >= 0")
    return errs


def _v_order(c: dict[str, Any]) -> list[str]:
    errs = []
    if not (_labels_ok(c.get("labels")) and len(c["labels"]) >= 2):
        errs.append("labels must be a list of at least two non-empty strings")
    if c.get("direction") not in DIRECTIONS:
        errs.append(f"direction must be one of {', '.join(DIRECTIONS)}")
    return errs


def _v_bars(c: dict[str, Any]) -> list[str]:
    errs = []
    n = c.get("count")
    if not (_is_count(n) and n >= 1):
        errs.append("count must be an integer >= 1")
    if "values" in c:
        v = c["values"]
        if not (isinstance(v, list) and all(_is_num(x) and x >= 0 for x in v) and any(x > 0 for x in v)):
            errs.append("values must be a list of numbers >= 0, not all zero")
        elif _is_count(n) and len(v) != n:
            errs.append(f"values has {len(v)} entries for {n} bars")
    if "labels" in c:
        if not _labels_ok(c["labels"]):
            errs.append("labels must be a list of non-empty strings")
        elif _is_count(n) and len(c["labels"]) != n:
            errs.append(f"labels has {len(c['labels'])} entries for {n} bars")
    if "horizontal" in c and not isinstance(c["horizontal"], bool):
        errs.append("horizontal must be true or false")
    return errs


def _v_canvas(c: dict[str, Any]) -> list[str]:
    errs = [f"{k} must be a positive integer" for k in ("width", "height") if not (_is_count(c.get(k)) and c[k] > 0)]
    if "tolerance" in c and not (_is_num(c["tolerance"]) and c["tolerance"] >= 0):
        errs.append("tolerance must be a number >= 0")
    return errs


def _v_tolerance(c: dict[str, Any]) -> list[str]:
    return [] if "tolerance" not in c or (_is_num(c["tolerance"]) and c["tolerance"] >= 0) else [
        "tolerance must be a number of pixels >= 0"]


def _v_overlap(c: dict[str, Any]) -> list[str]:
    return [] if "min_overlap" not in c or (_is_num(c["min_overlap"]) and 0 < c["min_overlap"] <= 1) else [
        "min_overlap must be a fraction in (0, 1]"]


# type: (required keys, optional keys, selector keys, value validator)
_SCHEMA: dict[str, tuple[set[str], set[str], tuple[str, ...], Callable[[dict[str, Any]], list[str]]]] = {
    "count": ({"select"}, {"eq", "min", "max"}, ("select",), _v_count),
    "columns": ({"select", "counts"}, {"gap"}, ("select",), _v_groups),
    "rows": ({"select", "counts"}, {"gap"}, ("select",), _v_groups),
    "text": ({"labels"}, {"any"}, (), _v_text),
    "color": ({"select", "color"}, {"min", "all"}, ("select",), _v_color),
    "connected": ({"a", "b"}, {"min", "all_pairs", "directed", "tolerance"}, ("a", "b"), _v_connected),
    "order": ({"labels", "direction"}, set(), (), _v_order),
    "bars": ({"count"}, {"values", "labels", "horizontal", "select"}, ("select",), _v_bars),
    "canvas": ({"width", "height"}, {"tolerance"}, (), _v_canvas),
    "inside_canvas": (set(), {"tolerance"}, (), _v_tolerance),
    "no_text_overlap": (set(), {"min_overlap"}, (), _v_overlap),
}
CHECK_TYPES = tuple(_SCHEMA)
_COMMON_KEYS = {"type", "note"}  # "note": free text for people reading the row; ignored by the checks


def _check_errors(c: Any) -> list[str]:
    """Schema errors of one check, without the "check N" prefix."""
    if not isinstance(c, dict):
        return [f"must be an object, got {type(c).__name__}"]
    t = c.get("type")
    if t not in _SCHEMA:
        return [f"unknown type {t!r} (types: {', '.join(CHECK_TYPES)})"]
    required, optional, selectors, validate = _SCHEMA[t]
    errs = [f"missing {k!r}" for k in sorted(required) if k not in c]
    errs += [f"unknown key {k!r} (allowed: {', '.join(sorted(required | optional))})"
             for k in c if k not in required | optional | _COMMON_KEYS]
    for k in selectors:
        if k in c:
            errs += _validate_selector(c[k], k)
    if not any(e.startswith("missing") for e in errs):
        errs += validate(c)
    return errs


def validate_checks(checks: list[dict]) -> list[str]:
    """Readable schema errors ("check 3 (columns): counts must be …"); [] when every check is well formed."""
    if not isinstance(checks, list):
        return [f"checks must be a list of objects, got {type(checks).__name__}"]
    if not checks:
        return ["checks is empty: give at least one check"]
    out = []
    for i, c in enumerate(checks, 1):
        name = c.get("type") if isinstance(c, dict) else None
        out += [f"check {i}" + (f" ({name})" if isinstance(name, str) else "") + f": {e}" for e in _check_errors(c)]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class CheckOutcome:
    """The verdict on one check: passed, a one-line reason a person can read, and the check itself."""

    passed: bool
    reason: str
    check: dict


def _sel_words(sel: dict[str, Any]) -> str:
    """A selector in words: "red circles labelled 'Output' in column 2"."""
    kind = sel.get("kind") or ("shape" if sel.get("label") else "element")
    noun = {"any": "element", "text": "text"}.get(kind, kind)
    words = ([sel["color"]] if sel.get("color") else []) + [noun + "s"]
    if sel.get("corners"):
        words.append(f"with {sel['corners']} corners")
    if sel.get("label"):
        words.append(f"labelled {sel['label']!r}")
    if sel.get("column"):
        words.append(f"in column {sel['column']}")
    if sel.get("row"):
        words.append(f"in row {sel['row']}")
    if sel.get("region"):
        words.append("in region [" + ", ".join(f"{v:g}" for v in sel["region"]) + "]")
    return " ".join(words)


def _c_count(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    n = len(s.select(c["select"]))
    what = _sel_words(c["select"])
    if "eq" in c:
        return n == c["eq"], f"{n} {what}, want {c['eq']}"
    lo, hi = c.get("min", 0), c.get("max", math.inf)
    want = f"{lo}–{hi}" if "min" in c and "max" in c else (f"at least {lo}" if "min" in c else f"at most {hi}")
    return lo <= n <= hi, f"{n} {what}, want {want}"


def _c_groups(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    axis, word = ("x", "column") if c["type"] == "columns" else ("y", "row")
    groups = group_by(s.select(c["select"]), axis, c.get("gap"))
    got, want = [len(g) for g in groups], list(c["counts"])
    what = _sel_words(c["select"])
    if got == want:
        return True, f"{len(got)} {word}s of {what}: {', '.join(map(str, got))}"
    if len(got) != len(want):
        return False, (f"{len(got)} {word}s of {what} ({', '.join(map(str, got)) or 'none'}), want {len(want)} "
                       f"({', '.join(map(str, want))})")
    k = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
    return False, f"{word} {k + 1} has {got[k]} {what}, want {want[k]} (all: {', '.join(map(str, got))})"


def _c_text(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    texts = [normalize_text(t.text or "") for t in s.texts()]
    joined = normalize_text(" ".join(t.text or "" for t in s.texts()))
    found = [lab for lab in c["labels"] if any(normalize_text(lab) in t for t in texts)
             or normalize_text(lab) in joined]
    missing = [lab for lab in c["labels"] if lab not in found]
    if c.get("any"):
        return bool(found), (f"found {found[0]!r}" if found else
                             f"none of {', '.join(map(repr, c['labels']))} is drawn as text")
    if not missing:
        return True, f"all {len(found)} labels drawn"
    return False, f"missing text {', '.join(map(repr, missing))} ({len(found)} of {len(c['labels'])} found)"


def _c_color(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    els = s.select(c["select"])
    what = _sel_words(c["select"])
    if not els:
        return False, f"no {what} found"
    good = [e for e in els if any(color_matches(col, c["color"]) for col in e.colors())]
    if c.get("all"):
        bad = [e for e in els if e not in good]
        if bad:
            return False, f"{len(bad)} of {len(els)} {what} not {c['color']}: {bad[0].describe()} is {_fmt_rgb(bad[0].color)}"
        return True, f"all {len(els)} {what} are {c['color']}"
    need = c.get("min", 1)
    if len(good) >= need:
        return True, f"{len(good)} of {len(els)} {what} are {c['color']}"
    return False, (f"{len(good)} of {len(els)} {what} are {c['color']}, want {need}; "
                   f"{els[0].describe()} is {_fmt_rgb(els[0].color)}")


def _ends_for(s: Scene, sel: dict[str, Any]) -> list[list[Element]]:
    """What a connector may end on for a selector, as nodes: each selected element, with its label's text.

    For a label without `kind`, an arrow may start at the text itself (Q, K, V written as plain text under the
    arrows) or at the shape the text labels; both are one node, so one arrow from there is one connection.
    """
    els = s.select(sel)
    nodes = [[e] for e in els]
    if sel.get("label") is not None and sel.get("kind") is None:
        pool = s._filter(s.of_kind("shape", sel.get("min_size")), sel)
        for t in s._filter(s.label_texts(sel["label"]), sel):
            host = s._host(t, pool)
            node = next((n for n in nodes if n[0] is host), None)
            if node is not None and t not in node:
                node.append(t)
    return nodes


def _near(node: list[Element], p: Point, tol: float, skip: Element) -> list[Element]:
    """The node's elements that p lies on (within tol of), other than `skip` (the connector itself)."""
    return [e for e in node if e is not skip and e.distance(p) <= tol]


def _matching(links: list[set[tuple[int, int]]]) -> int:
    """How many connectors can each be given a different pair they join (each line counts once, each pair once).

    A maximum bipartite matching (augmenting paths found breadth-first, no recursion).
    """
    owner: dict[tuple[int, int], int] = {}  # pair -> the connector it is given to
    held: dict[int, tuple[int, int]] = {}  # connector -> its pair
    for start in range(len(links)):
        prev: dict[tuple[int, int], int] = {}  # pair -> the connector that reached it
        queue, seen, found = [start], {start}, None
        for ci in queue:
            for pair in links[ci]:
                if pair in prev:
                    continue
                prev[pair] = ci
                if pair not in owner:
                    found = pair
                    break
                if owner[pair] not in seen:
                    seen.add(owner[pair])
                    queue.append(owner[pair])
            if found is not None:
                break
        pair = found
        while pair is not None:  # hand each pair on the path to the connector that reached it
            ci = prev[pair]
            given_up = held.get(ci)
            owner[pair], held[ci] = ci, pair
            pair = given_up
    return len(held)


def _c_connected(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    a_nodes, b_nodes = _ends_for(s, c["a"]), _ends_for(s, c["b"])
    aw, bw = _sel_words(c["a"]), _sel_words(c["b"])
    if not a_nodes or not b_nodes:
        return False, f"no {aw if not a_nodes else bw} found"

    def same(i: int, j: int) -> bool:
        """The two nodes are the very same elements (nothing to join)."""
        return {id(e) for e in a_nodes[i]} == {id(e) for e in b_nodes[j]}

    if all(same(i, j) for i in range(len(a_nodes)) for j in range(len(b_nodes))):
        return False, f"{aw} and {bw} are the same element ({a_nodes[0][0].describe()}): nothing to join"
    tol = float(c.get("tolerance", CONNECT_TOL))
    directed = bool(c.get("directed"))
    links: list[set[tuple[int, int]]] = []  # per connector, the a–b node pairs it joins
    undirected_only = 0
    for ln in s.connectors():
        p, q = ln.ends  # type: ignore[misc]
        joins: set[tuple[int, int]] = set()
        for (src, dst, head_end) in ((p, q, 1), (q, p, 0)):
            srcs = [(i, hit) for i, node in enumerate(a_nodes) if (hit := _near(node, src, tol, ln))]
            dsts = [(j, hit) for j, node in enumerate(b_nodes) if (hit := _near(node, dst, tol, ln))]
            # the two ends on two different elements (a label's text may be drawn on the other node's shape)
            pairs = {(i, j) for i, xs in srcs for j, ys in dsts if any(x is not y for x in xs for y in ys)}
            if not pairs:
                continue
            if directed and head_end not in ln.heads:
                undirected_only += 1
                continue
            joins |= pairs
        links.append(joins)
    joined = set().union(*links) if links else set()
    verb = "arrows" if directed else "connections"
    if c.get("all_pairs"):
        total = {(i, j) for i in range(len(a_nodes)) for j in range(len(b_nodes)) if not same(i, j)}
        missing = sorted(total - joined)
        if not missing:
            return True, f"all {len(total)} {aw}–{bw} pairs joined"
        i, j = missing[0]
        return False, (f"{len(total) - len(missing)} of {len(total)} {aw}–{bw} pairs joined; missing "
                       f"{a_nodes[i][0].describe()} → {b_nodes[j][0].describe()}")
    need = c.get("min", 1)
    count = _matching(links)
    if count >= need:
        return True, f"{count} {aw} → {bw} {verb}"
    extra = f" ({undirected_only} line(s) join them without an arrow head at the {bw} end)" if undirected_only else ""
    near = _nearest_miss(s, [e for nd in a_nodes for e in nd], [e for nd in b_nodes for e in nd]) if not joined else ""
    return False, f"{count} {aw} → {bw} {verb}, want {need}{extra}{near}"


def _nearest_miss(s: Scene, a_els: list[Element], b_els: list[Element]) -> str:
    """Why the closest line did not count: how far its ends are from the two shapes."""
    best = None
    for ln in s.connectors():
        p, q = ln.ends  # type: ignore[misc]
        for src, dst in ((p, q), (q, p)):
            da = min(e.distance(src) for e in a_els)
            db = min(e.distance(dst) for e in b_els)
            if best is None or da + db < best[0]:
                best = (da + db, da, db, ln)
    if best is None:
        return "; no lines drawn"
    _, da, db, ln = best
    return f"; the nearest {ln.describe()} stops {da:.0f} px and {db:.0f} px from them"


def _c_order(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    pos = []
    for lab in c["labels"]:
        ts = s.label_texts(lab)
        if not ts:
            return False, f"text {lab!r} not found"
        pos.append((lab, ts[0]))
    d = c["direction"]
    key = {"left-to-right": lambda e: e.cx, "right-to-left": lambda e: -e.cx,
           "top-to-bottom": lambda e: e.cy, "bottom-to-top": lambda e: -e.cy}[d]
    axis = "x" if "left" in d else "y"
    for (la, ea), (lb, eb) in zip(pos, pos[1:]):
        if not key(ea) < key(eb):
            va, vb = (ea.cx, eb.cx) if axis == "x" else (ea.cy, eb.cy)
            return False, f"{la!r} ({axis}={va:.0f}) is not before {lb!r} ({axis}={vb:.0f}) {d}"
    return True, f"{len(pos)} labels in {d} order"


def _c_bars(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    horiz = bool(c.get("horizontal"))
    sel = dict(c.get("select") or {})
    sel.setdefault("kind", "rect")
    rects = s.select(sel)
    # A rect that contains another candidate (a plot frame) is not a bar.
    rects = [r for r in rects if not any(o is not r and r.bbox[0] <= o.bbox[0] + 0.5 and r.bbox[1] <= o.bbox[1] + 0.5
                                         and o.bbox[2] <= r.bbox[2] + 0.5 and o.bbox[3] <= r.bbox[3] + 0.5
                                         and o.w * o.h < r.w * r.h for o in rects)]
    if not rects:
        return False, "no rectangles drawn"
    base = (lambda e: e.bbox[0]) if horiz else (lambda e: e.bbox[3])
    groups: list[list[Element]] = []
    for r in sorted(rects, key=base):
        if groups and base(r) - base(groups[-1][0]) <= BASELINE_TOL:
            groups[-1].append(r)
        else:
            groups.append([r])
    bars = max(groups, key=lambda g: (len(g), sum(e.w * e.h for e in g)))
    bars.sort(key=(lambda e: e.cy) if horiz else (lambda e: e.cx))
    n = c["count"]
    edge = "left edge" if horiz else "baseline"
    if len(bars) != n:
        return False, f"{len(bars)} bars on a common {edge}, want {n}"
    lengths = [e.w if horiz else e.h for e in bars]
    if "values" in c:
        vals = [float(v) for v in c["values"]]
        # The scale is the median pixels-per-unit over the bars, so one wrong bar is named rather than
        # smeared over all of them by a least-squares fit.
        ratios = sorted(h / v for h, v in zip(lengths, vals) if v > 0)
        k = ratios[len(ratios) // 2] if len(ratios) % 2 else (ratios[len(ratios) // 2 - 1] + ratios[len(ratios) // 2]) / 2
        for i, (h, v) in enumerate(zip(lengths, vals)):
            if abs(h - k * v) > BAR_VALUE_TOL * k * v + 2:
                return False, (f"bar {i + 1} is {h:.0f} px long, want about {k * v:.0f} px for value {v:g} "
                               f"(lengths {', '.join(f'{x:.0f}' for x in lengths)})")
    if "labels" in c:
        centre = (lambda e: e.cy) if horiz else (lambda e: e.cx)
        for i, lab in enumerate(c["labels"]):
            ts = s.label_texts(lab)
            if not ts:
                return False, f"bar label {lab!r} not found"
            homes = [min(range(n), key=lambda j: abs(centre(bars[j]) - centre(t))) for t in ts]
            if i not in homes:
                return False, f"label {lab!r} is at bar {homes[0] + 1}, want bar {i + 1}"
    extra = " with the asked heights" if "values" in c else ""
    return True, f"{n} bars on a common {edge}{extra}" + (" and labels in order" if "labels" in c else "")


def _c_canvas(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    tol = float(c.get("tolerance", 0))
    ok = abs(s.width - c["width"]) <= tol and abs(s.height - c["height"]) <= tol
    return ok, f"canvas is {s.width:.0f}×{s.height:.0f}" + ("" if ok else f", want {c['width']}×{c['height']}")


def _c_inside(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    tol = float(c.get("tolerance", 2))
    worst = None
    for e in s.elements:
        if s.is_background(e):
            continue
        x0, y0, x1, y1 = e.bbox
        over = max(-x0, -y0, x1 - s.width, y1 - s.height)
        if over > tol and (worst is None or over > worst[0]):
            side = ["left", "top", "right", "bottom"][[-x0, -y0, x1 - s.width, y1 - s.height].index(over)]
            worst = (over, e, side)
    if worst is None:
        return True, f"all {len(s.elements)} elements inside the {s.width:.0f}×{s.height:.0f} canvas"
    over, e, side = worst
    return False, f"{e.describe()} extends {over:.0f} px past the {side} edge"


def _c_overlap(s: Scene, c: dict[str, Any]) -> tuple[bool, str]:
    frac = float(c.get("min_overlap", 0.3))
    texts = s.texts()
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            ix = min(a.bbox[2], b.bbox[2]) - max(a.bbox[0], b.bbox[0])
            iy = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
            if ix <= 0 or iy <= 0:
                continue
            small = min(a.w * a.h, b.w * b.h)
            if small > 0 and ix * iy / small > frac:
                return False, f"{a.describe()} and {b.describe()} overlap ({100 * ix * iy / small:.0f}% of the smaller)"
    return True, f"no overlapping text among {len(texts)} labels"


_RUN: dict[str, Callable[[Scene, dict[str, Any]], tuple[bool, str]]] = {
    "count": _c_count, "columns": _c_groups, "rows": _c_groups, "text": _c_text, "color": _c_color,
    "connected": _c_connected, "order": _c_order, "bars": _c_bars, "canvas": _c_canvas,
    "inside_canvas": _c_inside, "no_text_overlap": _c_overlap,
}


def run_checks(checks: list[dict], result: Any) -> list[CheckOutcome]:
    """Evaluate every check over a RenderResult; a program that did not render fails them all."""
    if not getattr(result, "ok", False):
        why = getattr(result, "status", "error")
        return [CheckOutcome(False, f"did not render ({why})", c) for c in checks]
    scene = Scene(result)
    out = []
    for c in checks:
        errs = _check_errors(c)
        if errs:
            out.append(CheckOutcome(False, "invalid check: " + "; ".join(errs), c))
            continue
        try:
            ok, reason = _RUN[c["type"]](scene, c)
        except Exception as e:  # a bug here must not hide the other checks' verdicts; say what broke
            log.exception("check %s failed to evaluate", c)
            ok, reason = False, f"check could not be evaluated: {type(e).__name__}: {e}"
        out.append(CheckOutcome(bool(ok), reason, c))
    return out


def summarize(outcomes: Iterable[CheckOutcome]) -> tuple[bool, float]:
    """(all checks passed, fraction passed); no outcomes counts as (False, 0.0): nothing was shown to hold."""
    outs = list(outcomes)
    if not outs:
        return False, 0.0
    n = sum(o.passed for o in outs)
    return n == len(outs), n / len(outs)
