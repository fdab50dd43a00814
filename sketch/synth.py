"""Synthetic annotated sketches: hand-like strokes drawn over a rendered figure whose draw trace is known.

Used by `sketch.evaluate` (accuracy of analysis) and by `dataset/` (annotation-edit rows)::

    from sketch.synth import SynthConfig, make_sketch
    s = make_sketch(r.image, r.trace, np.random.default_rng(0))
    s.value        # {"background", "layers", "composite"} like a Gradio ImageEditor value (pad size)
    s.groups       # ground truth: kind, bbox, points, lines, … in figure pixels
    s.lines        # every program line the marks refer to
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageDraw

from .ground import (GroundConfig, calls_at_point, calls_covered, calls_enclosed, calls_near_box, calls_touched,
                     usable_calls)
from .types import KINDS, BBox, Point

__all__ = ["SynthConfig", "TruthGroup", "SynthSketch", "make_sketch", "PALETTE", "DIAGRAM_FAMILIES", "DiagramSynthConfig",
           "DiagramSketch", "make_diagram"]

PALETTE = {"red": (225, 35, 35), "blue": (35, 80, 230), "green": (20, 150, 60), "orange": (245, 130, 10),
           "magenta": (210, 40, 190), "black": (20, 20, 20), "purple": (120, 50, 180)}


@dataclass(frozen=True)
class SynthConfig:
    """How synthetic marks are drawn."""

    kinds: tuple[str, ...] = KINDS
    n_groups: tuple[int, int] = (1, 3)            # marks per sketch (inclusive)
    pad_scales: tuple[float, ...] = (1.0, 1.5, 2.0)  # pad size = figure size × one of these
    width: tuple[float, float] = (2.0, 9.0)       # brush width range, pad pixels
    jitter: float = 0.015                         # low-frequency wobble, share of the mark's size
    same_colour_prob: float = 0.35                # all marks of a sketch in one colour
    composite_only_prob: float = 0.2              # return empty layers (editor versions that drop them)
    supersample: int = 2                          # antialiasing like a browser canvas brush
    ground: GroundConfig = GroundConfig()


@dataclass
class TruthGroup:
    """A mark as drawn (ideal geometry, figure pixels) and the lines it refers to."""

    kind: str
    bbox: BBox
    points: list[Point]
    lines: list[int]
    color: str
    width: float                                   # figure pixels
    tail: Point | None = None
    head: Point | None = None
    strokes: list[list[Point]] = field(default_factory=list, repr=False)   # jittered pen paths
    matches: dict[str, list[Any]] = field(default_factory=dict, repr=False)


@dataclass
class SynthSketch:
    """One synthetic annotated sketch with its ground truth."""

    value: dict[str, Any]
    groups: list[TruthGroup]
    figure_size: tuple[int, int]
    pad_size: tuple[int, int]

    @property
    def lines(self) -> list[int]:
        """Every grounded program line of every mark."""
        return sorted({l for g in self.groups for l in g.lines})


# Geometry helpers -----------------------------------------------------------------------------------------

def _resample(path: np.ndarray, step: float) -> np.ndarray:
    """Points every `step` pixels along a polyline."""
    seg = np.hypot(*np.diff(path, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    if arc[-1] <= 0:
        return path[:1]
    t = np.linspace(0, arc[-1], max(2, int(arc[-1] / step) + 1))
    return np.stack([np.interp(t, arc, path[:, 0]), np.interp(t, arc, path[:, 1])], axis=1)


def _wobble(path: np.ndarray, amp: float, rng: np.random.Generator) -> np.ndarray:
    """Hand-like jitter: smooth sideways wobble plus a little tremor."""
    p = _resample(path, 2.0)
    n = len(p)
    if n < 3:
        return p
    d = np.gradient(p, axis=0)
    nrm = np.stack([-d[:, 1], d[:, 0]], axis=1)
    nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-9)
    t = np.linspace(0, 1, n)
    off = np.zeros(n)
    for _ in range(3):
        off += rng.normal(0, amp / 2) * np.sin(2 * math.pi * rng.uniform(0.3, 2.5) * t + rng.uniform(0, 6.3))
    off += rng.normal(0, 0.25, n)
    return p + nrm * off[:, None]


def _ellipse(cx: float, cy: float, a: float, b: float, t0: float, sweep: float, rot: float = 0.0) -> np.ndarray:
    t = np.linspace(t0, t0 + sweep, max(24, int(abs(sweep) * max(a, b) / 3)))
    x, y = a * np.cos(t), b * np.sin(t)
    c, s = math.cos(rot), math.sin(rot)
    return np.stack([cx + x * c - y * s, cy + x * s + y * c], axis=1)


def _union(calls: Sequence[Any]) -> BBox:
    bs = [tuple(float(v) for v in c.bbox) for c in calls]
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


def _bbox(paths: list[np.ndarray]) -> BBox:
    p = np.concatenate(paths)
    return (float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()), float(p[:, 1].max()))


def _inside_canvas(b: BBox, size: tuple[int, int], m: float = 2.0) -> bool:
    return b[0] >= m and b[1] >= m and b[2] <= size[0] - m and b[3] <= size[1] - m


def _boxes_clash(a: BBox, b: BBox, gap: float) -> bool:
    return not (a[2] + gap < b[0] or b[2] + gap < a[0] or a[3] + gap < b[1] or b[3] + gap < a[1])


# Mark generators (figure pixels) ----------------------------------------------------------------------------

def _pick_targets(calls: list[Any], rng: np.random.Generator, size: tuple[int, int]) -> list[Any]:
    """One call, or every call of its line when they sit compactly together (a loop's output)."""
    anchor = calls[int(rng.integers(len(calls)))]
    same = [c for c in calls if c.line == anchor.line]
    if len(same) > 1 and rng.random() < 0.5:
        u = _union(same)
        if u[2] - u[0] <= 0.7 * size[0] and u[3] - u[1] <= 0.7 * size[1]:
            return same
    return [anchor]


def _gen_enclosure(kind: str, calls: list[Any], rng: np.random.Generator, size: tuple[int, int],
                   width: float) -> tuple[list[np.ndarray], list[Point], dict[str, Any]] | None:
    """Circle, rectangle or lasso around a few calls."""
    tg = _pick_targets(calls, rng, size)
    x0, y0, x1, y1 = _union(tg)
    m = rng.uniform(6, 16) + width / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw, hh = max((x1 - x0) / 2 + m, 10.0), max((y1 - y0) / 2 + m, 10.0)
    if kind == "circle":
        a, b = hw * 1.3, hh * 1.3
        if rng.random() < 0.4:   # round circles are common around single nodes
            a = b = max(a, b)
        t0 = rng.uniform(0, 2 * math.pi)
        ideal = _ellipse(cx, cy, a, b, t0, 2 * math.pi)
        pen = _ellipse(cx, cy, a, b, t0, 2 * math.pi + rng.uniform(-0.3, 0.45), rng.uniform(-0.15, 0.15))
        strokes = [pen]
    elif kind == "rectangle":
        rot = rng.uniform(-0.04, 0.04)
        corners = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]])
        c, s = math.cos(rot), math.sin(rot)
        corners = corners @ np.array([[c, s], [-s, c]]) + [cx, cy]
        start = int(rng.integers(4))
        order = [corners[(start + k) % 4] for k in range(5)]
        pen = np.array(order)
        over = rng.uniform(-0.05, 0.12)  # a small gap or overshoot where the pen closes the box
        pen[-1] = pen[-2] + (pen[-1] - pen[-2]) * (1 + over)
        ideal = np.array(order)
        strokes = [pen]
    else:  # selection: a lasso, bulging irregularly (not an ellipse)
        t = np.linspace(0, 2 * math.pi, 120)
        base = 1.25 * np.hypot(hw * np.cos(t), hh * np.sin(t)) / np.maximum(np.hypot(np.cos(t), np.sin(t)), 1e-9)
        k = int(rng.integers(3, 6))
        bump = rng.uniform(0.3, 0.55) * (0.5 + 0.5 * np.sin(k * t + rng.uniform(0, 6.3)))
        bump += rng.uniform(0.05, 0.15) * (0.5 + 0.5 * np.sin((k + 1) * t + rng.uniform(0, 6.3)))
        r = base * (1 + bump)
        ideal = np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)
        extra = int(rng.integers(-4, 10))
        pen = np.concatenate([ideal, ideal[1:max(2, extra)]]) if extra > 1 else ideal[:len(ideal) + extra]
        strokes = [pen]
    poly = [tuple(p) for p in ideal]
    return strokes, poly, {}


def _edge_point(b: BBox, rng: np.random.Generator, toward: Point) -> Point:
    """A point on (or just inside) a box's border facing a direction."""
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    dx, dy = toward[0] - cx, toward[1] - cy
    n = math.hypot(dx, dy) or 1.0
    hw, hh = max((b[2] - b[0]) / 2, 1), max((b[3] - b[1]) / 2, 1)
    k = min(hw / (abs(dx / n) + 1e-9), hh / (abs(dy / n) + 1e-9))
    k *= rng.uniform(0.75, 1.1)
    return (cx + dx / n * k, cy + dy / n * k)


def _gen_connector(kind: str, calls: list[Any], rng: np.random.Generator, size: tuple[int, int],
                   width: float) -> tuple[list[np.ndarray], list[Point], dict[str, Any]] | None:
    """Arrow or line from one call to another call or to an empty spot."""
    a = calls[int(rng.integers(len(calls)))]
    others = [c for c in calls if c.line != a.line or c is not a]
    ab = tuple(float(v) for v in a.bbox)
    acx, acy = (ab[0] + ab[2]) / 2, (ab[1] + ab[3]) / 2
    if others and rng.random() < 0.6:
        bcall = others[int(rng.integers(len(others)))]
        bb = tuple(float(v) for v in bcall.bbox)
        bc = ((bb[0] + bb[2]) / 2, (bb[1] + bb[3]) / 2)
        tail = _edge_point(ab, rng, bc)
        head = _edge_point(bb, rng, tail)
    else:
        ang = rng.uniform(0, 2 * math.pi)
        dist = rng.uniform(70, 0.45 * min(size))
        tail = _edge_point(ab, rng, (acx + math.cos(ang), acy + math.sin(ang)))
        head = (tail[0] + dist * math.cos(ang), tail[1] + dist * math.sin(ang))
    length = math.dist(tail, head)
    if length < 45:
        return None
    # A slight bow, as a hand rarely draws dead straight.
    bow = rng.uniform(-0.06, 0.06) * length if kind == "arrow" else rng.uniform(-0.01, 0.01) * length
    mid = ((tail[0] + head[0]) / 2 - (head[1] - tail[1]) / length * bow,
           (tail[1] + head[1]) / 2 + (head[0] - tail[0]) / length * bow)
    t = np.linspace(0, 1, 30)[:, None]
    shaft = (1 - t) ** 2 * np.array(tail) + 2 * (1 - t) * t * np.array(mid) + t ** 2 * np.array(head)
    strokes = [shaft]
    if kind == "arrow":
        d = shaft[-1] - shaft[-4]
        ang = math.atan2(d[1], d[0])
        bl = max(12.0 + width, rng.uniform(0.15, 0.3) * length)
        spread = rng.uniform(0.4, 0.65)
        b1 = (head[0] - bl * math.cos(ang - spread), head[1] - bl * math.sin(ang - spread))
        b2 = (head[0] - bl * math.cos(ang + spread), head[1] - bl * math.sin(ang + spread))
        if rng.random() < 0.5:
            strokes.append(np.array([b1, head, b2]))
        else:
            strokes += [np.array([head, b1]), np.array([head, b2])]
    return strokes, [tail, head], {"tail": tail, "head": head}


def _gen_cross(calls: list[Any], rng: np.random.Generator, size: tuple[int, int],
               width: float) -> tuple[list[np.ndarray], list[Point], dict[str, Any]] | None:
    """An X or a scribble over one call."""
    pref = [c for c in calls if c.kind == "text"] if rng.random() < 0.5 else []
    c = (pref or calls)[int(rng.integers(len(pref or calls)))]
    x0, y0, x1, y1 = (float(v) for v in c.bbox)
    mx, my = rng.uniform(3, 10), rng.uniform(3, 10)
    x0, y0, x1, y1 = x0 - mx, y0 - my, x1 + mx, y1 + my
    if x1 - x0 < 24:
        x0, x1 = (x0 + x1) / 2 - 12, (x0 + x1) / 2 + 12
    if y1 - y0 < 24:
        y0, y1 = (y0 + y1) / 2 - 12, (y0 + y1) / 2 + 12
    if rng.random() < 0.55:
        strokes = [np.array([[x0, y0], [x1, y1]]), np.array([[x1, y0], [x0, y1]])]
    else:
        pitch = max(width * 1.6, rng.uniform(5, 10))
        n = max(6, int((x1 - x0) / pitch))
        xs = np.linspace(x0, x1, n)
        ys = np.where(np.arange(n) % 2 == 0, y0, y1) + rng.normal(0, 1.5, n)
        strokes = [np.stack([xs, ys], axis=1)]
    return strokes, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], {}


def _gen_freehand(calls: list[Any], rng: np.random.Generator, size: tuple[int, int],
                  width: float) -> tuple[list[np.ndarray], list[Point], dict[str, Any]] | None:
    """A wavy open curve, often through an element."""
    w, h = size
    c = calls[int(rng.integers(len(calls)))]
    b = tuple(float(v) for v in c.bbox)
    start = np.array([(b[0] + b[2]) / 2 + rng.uniform(-40, 40), (b[1] + b[3]) / 2 + rng.uniform(-40, 40)])
    ang = rng.uniform(0, 2 * math.pi)
    length = rng.uniform(90, 0.6 * min(w, h))
    t = np.linspace(0, 1, 80)
    # Gentle bends: a curve with many tight waves reads as a scribble (cross-out), to people and to analyze().
    amp = rng.uniform(0.08, 0.2) * length
    waves = rng.uniform(0.5, 1.5)
    along = np.array([math.cos(ang), math.sin(ang)])
    side = np.array([-along[1], along[0]])
    pts = start + np.outer(t * length, along) + np.outer(amp * np.sin(2 * math.pi * waves * t), side)
    pts = pts - np.outer(t * length, along) * 0.5   # centre the curve near the element
    return [pts], [tuple(p) for p in pts], {}


_GLYPHS = [[[(0, 1), (0.5, 0), (1, 1)], [(0.25, 0.55), (0.75, 0.55)]], [[(0, 0), (0, 1), (1, 1)]],
           [[(1, 0.1), (0.2, 0), (0, 0.5), (0.2, 1), (1, 0.9)]], [[(0, 1), (0, 0), (1, 1), (1, 0)]],
           [[(0, 0), (1, 0)], [(0.5, 0), (0.5, 1)]], [[(0, 0), (0.5, 1), (1, 0)]], [[(0.5, 0), (0.5, 1)]],
           [[(1, 0), (0, 0), (0, 0.5), (0.8, 0.5), (1, 1), (0, 1)]], [[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]],
           [[(0.5, 0), (1, 0.5), (0.5, 1), (0, 0.5), (0.5, 0)]], [[(0, 1), (0, 0), (1, 0.3), (0, 0.55), (1, 1)]]]


def _gen_text(calls: list[Any], rng: np.random.Generator, size: tuple[int, int],
              width: float) -> tuple[list[np.ndarray], list[Point], dict[str, Any]] | None:
    """Handwriting-like marks (a short word of letter-shaped strokes) beside an element."""
    c = calls[int(rng.integers(len(calls)))]
    b = tuple(float(v) for v in c.bbox)
    gh = rng.uniform(13, 26)
    gw = gh * rng.uniform(0.5, 0.75)
    n = int(rng.integers(3, 8))
    gap = gh * rng.uniform(0.2, 0.45)
    total = n * gw + (n - 1) * gap
    side = int(rng.integers(4))
    off = rng.uniform(6, 22)
    if side == 0:
        x, y = b[2] + off, (b[1] + b[3]) / 2 - gh / 2
    elif side == 1:
        x, y = b[0] - off - total, (b[1] + b[3]) / 2 - gh / 2
    elif side == 2:
        x, y = (b[0] + b[2]) / 2 - total / 2, b[1] - off - gh
    else:
        x, y = (b[0] + b[2]) / 2 - total / 2, b[3] + off
    strokes = []
    slant = rng.uniform(-0.25, 0.1)
    for i in range(n):
        gx = x + i * (gw + gap)
        for s in _GLYPHS[int(rng.integers(len(_GLYPHS)))]:
            p = np.array(s, float)
            pts = np.stack([gx + p[:, 0] * gw + (1 - p[:, 1]) * gh * slant, y + p[:, 1] * gh], axis=1)
            strokes.append(pts)
    box = _bbox(strokes)
    return strokes, [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])], {}


def _truth_lines(kind: str, poly: list[Point], extra: dict[str, Any], calls: list[Any], width: float,
                 cfg: GroundConfig) -> dict[str, list[Any]]:
    """Ground truth: the grounding rules applied to the ideal (unjittered) geometry."""
    if kind in ("circle", "rectangle", "selection"):
        enc = calls_enclosed(calls, poly, cfg.enclosed_frac)
        if enc:
            return {"enclosed": enc}
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        inside = calls_at_point(calls, ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2), 0.0)
        return {"within": inside} if inside else {}
    if kind == "cross_out":
        xs, ys = [p[0] for p in poly], [p[1] for p in poly]
        return {"crossed": calls_covered(calls, (min(xs), min(ys), max(xs), max(ys)), cfg.covered_frac)}
    if kind in ("arrow", "line"):
        tol = cfg.point_tol + width
        return {"from": calls_at_point(calls, extra["tail"], tol), "to": calls_at_point(calls, extra["head"], tol)}
    if kind == "freehand":
        return {"touched": calls_touched(calls, poly, width / 2 + 2)}
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    return {"near": calls_near_box(calls, (min(xs), min(ys), max(xs), max(ys)), cfg.near_tol)}


# Drawing ---------------------------------------------------------------------------------------------------

def _draw(layer: ImageDraw.ImageDraw, path: np.ndarray, width: float, colour: tuple[int, int, int],
          scale: float, rng: np.random.Generator) -> None:
    """One pen stroke with round joints and a slowly varying width (scale: figure → supersampled pad)."""
    p = path * scale
    wv = width * scale * (1 + 0.12 * np.sin(np.linspace(0, rng.uniform(2, 6), len(p)) + rng.uniform(0, 6)))
    col = colour + (255,)
    for i in range(len(p) - 1):
        layer.line([tuple(p[i]), tuple(p[i + 1])], fill=col, width=max(1, int(round(wv[i]))))
    for i in range(len(p)):
        r = wv[i] / 2
        if r >= 1:
            layer.ellipse([p[i][0] - r, p[i][1] - r, p[i][0] + r, p[i][1] + r], fill=col)


def make_sketch(background: Any, trace: Sequence[Any], rng: np.random.Generator,
                cfg: SynthConfig = SynthConfig(), kinds: Sequence[str] | None = None) -> SynthSketch:
    """Draw 1–3 hand-like marks over a figure; return an editor-like value and the ground-truth groups."""
    bg = background if isinstance(background, Image.Image) else Image.fromarray(np.asarray(background))
    bg = bg.convert("RGB")
    size = bg.size
    calls = usable_calls(trace, size, cfg.ground)
    if not calls:
        raise ValueError("the figure has no draw calls to annotate")
    scale = float(rng.choice(cfg.pad_scales))
    pad = (int(round(size[0] * scale)), int(round(size[1] * scale)))
    ss = cfg.supersample
    layer = Image.new("RGBA", (pad[0] * ss, pad[1] * ss), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    names = list(PALETTE)
    one_colour = rng.random() < cfg.same_colour_prob
    first = names[int(rng.integers(len(names)))]
    n = int(rng.integers(cfg.n_groups[0], cfg.n_groups[1] + 1))
    want = list(kinds) if kinds else [cfg.kinds[int(rng.integers(len(cfg.kinds)))] for _ in range(n)]
    groups: list[TruthGroup] = []
    boxes: list[BBox] = []
    for kind in want:
        for _attempt in range(25):
            width_pad = rng.uniform(*cfg.width)
            width = width_pad / scale
            if kind in ("circle", "rectangle", "selection"):
                made = _gen_enclosure(kind, calls, rng, size, width)
            elif kind in ("arrow", "line"):
                made = _gen_connector(kind, calls, rng, size, width)
            elif kind == "cross_out":
                made = _gen_cross(calls, rng, size, width)
            elif kind == "freehand":
                made = _gen_freehand(calls, rng, size, width)
            else:
                width = rng.uniform(1.5, 3.5) / scale   # handwriting uses a fine pen, or it is a blot
                made = _gen_text(calls, rng, size, width)
            if made is None:
                continue
            strokes, poly, extra = made
            amp = cfg.jitter * max(np.ptp(np.concatenate(strokes), axis=0).max(), 20.0)
            pens = [_wobble(np.asarray(s, float), amp if kind != "text_mark" else 0.3, rng) for s in strokes]
            box = _bbox(pens)
            grow = width / 2 + 1
            box = (box[0] - grow, box[1] - grow, box[2] + grow, box[3] + grow)
            if not _inside_canvas(box, size) or any(_boxes_clash(box, o, 10.0) for o in boxes):
                continue
            matches = _truth_lines(kind, poly, extra, calls, width, cfg.ground)
            matches = {k: v for k, v in matches.items() if v}
            colour = first if one_colour else names[(names.index(first) + len(groups)) % len(names)]
            for p in pens:
                _draw(draw, p, width, PALETTE[colour], scale * ss, rng)
            lines = sorted({int(c.line) for v in matches.values() for c in v})
            groups.append(TruthGroup(kind, box, poly, lines, "#%02x%02x%02x" % PALETTE[colour], width,
                                     extra.get("tail"), extra.get("head"), [p.tolist() for p in pens], matches))
            boxes.append(box)
            break
    if ss > 1:
        layer = layer.resize(pad, Image.LANCZOS)
    layer_np = np.asarray(layer).copy()
    bg_pad = bg.resize(pad, Image.BILINEAR) if pad != size else bg
    comp = Image.alpha_composite(bg_pad.convert("RGBA"), layer)
    composite_only = rng.random() < cfg.composite_only_prob
    value = {"background": np.asarray(bg_pad.convert("RGBA")).copy(),
             "layers": [] if composite_only else [layer_np],
             "composite": np.asarray(comp).copy()}
    return SynthSketch(value, groups, size, pad)


# Connected diagrams on a blank pad ---------------------------------------------------------------------------------

DIAGRAM_FAMILIES = ("network", "tree", "flowchart", "state_machine", "bar_chart", "function_plot", "venn",
                    "block_diagram")


@dataclass(frozen=True)
class DiagramSynthConfig:
    """How synthetic hand-drawn diagrams are drawn (pad pixels)."""

    pad_sizes: tuple[tuple[int, int], ...] = ((800, 800), (800, 600), (640, 640), (900, 700))
    width: tuple[float, float] = (2.5, 7.0)       # brush width range
    width_spread: float = 0.2                     # each stroke's width differs from the sketch's by up to ±20 %
    jitter: float = 0.012                         # low-frequency wobble, share of a stroke's size
    open_prob: float = 0.35                       # outlines left with a gap (else closed with an overshoot)
    end_gap: tuple[float, float] = (-0.25, 0.15)  # connector ends stop short (−) or overshoot (+), × node radius
    label_prob: float = 0.4                       # shapes get a handwritten label inside
    flat_prob: float = 0.3                        # a flat image (an attached scan) instead of an editor value
    supersample: int = 2


@dataclass
class DiagramSketch:
    """One synthetic diagram: the pad value and its ground truth (pad pixels)."""

    family: str
    value: Any                                     # editor-like dict or an H×W×3 image
    pad_size: tuple[int, int]
    shapes: list[dict[str, Any]]                   # {"kind", "center", "bbox"} of circles and boxes, in order
    counts: dict[str, int]                         # primitives of each kind (sketch.diagram.DIAGRAM_KINDS)
    connections: list[tuple[int, int, bool]]       # (shape a, shape b, directed a → b)
    structure: dict[str, Any]                      # family-specific: layers, nodes, bars, …


class _Pen:
    """Collects hand-drawn strokes of one sketch and the primitive counts."""

    def __init__(self, rng: np.random.Generator, cfg: DiagramSynthConfig, size: tuple[int, int]):
        self.rng, self.cfg, self.size = rng, cfg, size
        self.width = rng.uniform(*cfg.width)
        self.strokes: list[tuple[np.ndarray, float]] = []
        self.counts = {k: 0 for k in ("circle", "rectangle", "line", "arrow", "axes", "text_mark", "freehand")}
        self.shapes: list[dict[str, Any]] = []
        self.unit = min(size)

    def stroke(self, pts: Any, wobble: bool = True) -> None:
        p = np.asarray(pts, float)
        if wobble:
            amp = self.cfg.jitter * max(float(np.ptp(p, axis=0).max()), 20.0)
            p = _wobble(p, amp, self.rng)
        w = self.width * (1 + self.rng.uniform(-self.cfg.width_spread, self.cfg.width_spread))
        self.strokes.append((p, w))

    def circle(self, cx: float, cy: float, r: float, label: bool = True) -> int:
        rng = self.rng
        a, b = r * rng.uniform(0.93, 1.08), r * rng.uniform(0.93, 1.08)
        extra = rng.uniform(-0.3, -0.08) if rng.random() < self.cfg.open_prob else rng.uniform(0.0, 0.45)
        extra = max(extra, -40.0 / r) if extra < 0 else extra     # a gap of at most ~40 px, however big the circle
        self.stroke(_ellipse(cx, cy, a, b, rng.uniform(0, 2 * math.pi), 2 * math.pi + extra, rng.uniform(-0.2, 0.2)))
        return self._shape("circle", cx, cy, a, b, label)

    def box(self, cx: float, cy: float, hw: float, hh: float, label: bool = True, open_bottom: bool = False) -> int:
        rng = self.rng
        rot = rng.uniform(-0.03, 0.03)
        c, s = math.cos(rot), math.sin(rot)
        corners = np.array([[-hw, hh], [-hw, -hh], [hw, -hh], [hw, hh]]) @ np.array([[c, s], [-s, c]]) + [cx, cy]
        if open_bottom:   # a bar standing on the axis: three sides
            self.stroke(corners)
        else:
            start = int(rng.integers(4))
            pen = np.array([corners[(start + k) % 4] for k in range(5)])
            over = rng.uniform(-0.14, -0.05) if rng.random() < self.cfg.open_prob else rng.uniform(0.0, 0.1)
            pen[-1] = pen[-2] + (pen[-1] - pen[-2]) * (1 + over)
            self.stroke(pen)
        return self._shape("rectangle", cx, cy, hw, hh, label)

    def _shape(self, kind: str, cx: float, cy: float, a: float, b: float, label: bool) -> int:
        self.counts[kind] += 1
        self.shapes.append({"kind": kind, "center": (cx, cy), "bbox": (cx - a, cy - b, cx + a, cy + b)})
        if label and self.rng.random() < self.cfg.label_prob and min(a, b) >= 0.03 * self.unit:
            self.text(cx, cy, max_w=1.3 * a, max_h=0.9 * b)
        return len(self.shapes) - 1

    def text(self, cx: float, cy: float, max_w: float, max_h: float, n: int | None = None) -> None:
        rng = self.rng
        gh = min(rng.uniform(0.024, 0.034) * self.unit, max_h)
        gw = gh * rng.uniform(0.5, 0.7)
        gap = gh * rng.uniform(0.2, 0.4)
        n = n or int(rng.integers(1, 4))
        while n > 1 and n * gw + (n - 1) * gap > max_w:
            n -= 1
        if n == 1 and gw > max_w:
            return
        total = n * gw + (n - 1) * gap
        x, y = cx - total / 2, cy - gh / 2
        tw = rng.uniform(1.5, 3.0)
        for i in range(n):
            gx = x + i * (gw + gap)
            for st in _GLYPHS[int(rng.integers(len(_GLYPHS)))]:
                p = np.array(st, float)
                pts = np.stack([gx + p[:, 0] * gw, y + p[:, 1] * gh], axis=1)
                self.strokes.append((_wobble(pts, 0.3, rng), tw))
        self.counts["text_mark"] += 1

    def connector(self, p0: Point, p1: Point, arrow: bool, bow: float = 0.02, r0: float = 0.0, r1: float = 0.0,
                  count: bool = True) -> None:
        """A line or arrow between two points on shape outlines (ends moved by a gap or overshoot)."""
        rng = self.rng
        a, b = np.asarray(p0, float), np.asarray(p1, float)
        d = b - a
        L = float(np.hypot(*d))
        u = d / max(L, 1e-9)
        a = a - u * r0 * rng.uniform(*self.cfg.end_gap)
        b = b + u * r1 * rng.uniform(*self.cfg.end_gap)
        L = float(np.hypot(*(b - a)))
        nrm = np.array([-u[1], u[0]])
        mid = (a + b) / 2 + nrm * rng.uniform(-bow, bow) * L
        t = np.linspace(0, 1, 40)[:, None]
        shaft = (1 - t) ** 2 * a + 2 * (1 - t) * t * mid + t ** 2 * b
        self._shaft_and_head(shaft, arrow)
        if count:
            self.counts["arrow" if arrow else "line"] += 1

    def _shaft_and_head(self, shaft: np.ndarray, arrow: bool) -> None:
        rng = self.rng
        if not arrow:
            self.stroke(shaft)
            return
        tip = shaft[-1]
        dv = shaft[-1] - shaft[-5]
        ang = math.atan2(dv[1], dv[0])
        L = float(np.hypot(*np.diff(shaft, axis=0).T).sum())
        bl = float(np.clip(rng.uniform(0.18, 0.3) * L, 0.03 * self.unit, 0.05 * self.unit))
        spread = rng.uniform(0.4, 0.65)
        b1 = tip - bl * np.array([math.cos(ang - spread), math.sin(ang - spread)])
        b2 = tip - bl * np.array([math.cos(ang + spread), math.sin(ang + spread)])
        style = rng.random()
        if style < 0.3:      # shaft and one barb in one stroke, the other barb separately
            self.stroke(np.vstack([shaft, b1[None]]))
            self.stroke(np.array([tip, b2]), wobble=False)
        elif style < 0.65:   # the head as a separate V
            self.stroke(shaft)
            self.stroke(np.array([b1, tip, b2]), wobble=False)
        else:                # two separate barbs
            self.stroke(shaft)
            self.stroke(np.array([tip, b1]), wobble=False)
            self.stroke(np.array([tip, b2]), wobble=False)

    def render(self, flat: bool) -> Any:
        ss = self.cfg.supersample
        W, H = self.size
        layer = Image.new("RGBA", (W * ss, H * ss), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        colour = [(20, 20, 20), (35, 80, 230), (20, 20, 20), (200, 30, 30)][int(self.rng.integers(4))]
        for p, w in self.strokes:
            _draw(draw, p, w, colour, ss, self.rng)
        layer = layer.resize((W, H), Image.LANCZOS)
        paper = Image.new("RGBA", (W, H), (255, 255, 255, 255))
        comp = Image.alpha_composite(paper, layer)
        if flat:
            return np.asarray(comp.convert("RGB")).copy()
        return {"background": np.asarray(paper).copy(), "layers": [np.asarray(layer).copy()],
                "composite": np.asarray(comp).copy()}


def _toward(c: Point, r: float, other: Point) -> Point:
    """The point of a circle of radius r around c facing another point."""
    d = np.asarray(other, float) - np.asarray(c, float)
    d /= max(float(np.hypot(*d)), 1e-9)
    return (c[0] + d[0] * r, c[1] + d[1] * r)


def _diag_network(pen: _Pen, W: int, H: int) -> dict[str, Any]:
    rng = pen.rng
    options = [(3, 2), (2, 3), (2, 3, 2), (3, 4, 2), (4, 3), (2, 2, 1), (3, 3), (1, 3, 2), (2, 4, 3), (4, 2)]
    layers = options[int(rng.integers(len(options)))]
    arrows = rng.random() < 0.3
    mx, my = 0.12 * W, 0.1 * H
    xs = np.linspace(mx, W - mx, len(layers))
    gap_y = (H - 2 * my) / max(layers)
    r = min(0.065 * min(W, H), 0.32 * gap_y, 0.18 * (xs[1] - xs[0])) * rng.uniform(0.85, 1.1)
    ids, centres = [], []
    for li, n in enumerate(layers):
        col = []
        for k in range(n):
            y = H / 2 + (k - (n - 1) / 2) * gap_y + rng.uniform(-0.05, 0.05) * gap_y
            x = xs[li] + rng.uniform(-0.04, 0.04) * r * 4
            col.append(pen.circle(x, y, r))
            centres.append((x, y))
        ids.append(col)
    conns = []
    for li in range(len(layers) - 1):
        for a in ids[li]:
            for b in ids[li + 1]:
                ca, cb = centres[a], centres[b]
                pen.connector(_toward(ca, r, cb), _toward(cb, r, ca), arrows, 0.015, r, r)
                conns.append((a, b, arrows))
    return {"connections": conns, "structure": {"layers": list(layers)}}


def _diag_tree(pen: _Pen, W: int, H: int) -> dict[str, Any]:
    rng = pen.rng
    depth = int(rng.integers(2, 4))
    levels = [[None]]
    parents: list[list[int]] = [[-1]]
    for d in range(1, depth):
        kids, par = [], []
        for pi in range(len(levels[-1])):
            for _ in range(int(rng.integers(0 if d > 1 else 1, 4 if d == 1 else 3))):
                kids.append(None)
                par.append(pi)
        if not kids or len(kids) > 7:
            break
        levels.append(kids)
        parents.append(par)
    boxes = rng.random() < 0.35
    ys = np.linspace(0.12 * H, 0.88 * H, len(levels))
    widest = max(len(l) for l in levels)
    r = min(0.06 * min(W, H), 0.35 * (W * 0.8) / widest / 2 * 1.6, 0.22 * (ys[1] - ys[0]))
    pos: list[list[Point]] = []
    for d, lev in enumerate(levels):
        n = len(lev)
        xs = [W / 2] if n == 1 else list(np.linspace(0.5 * W / n, W - 0.5 * W / n, n))
        pos.append([(x + rng.uniform(-0.03, 0.03) * W, ys[d]) for x in xs])
    ids: list[list[int]] = []
    for d, lev in enumerate(levels):
        row = []
        for (x, y) in pos[d]:
            row.append(pen.box(x, y, 1.5 * r, r) if boxes else pen.circle(x, y, r))
        ids.append(row)
    conns = []
    for d in range(1, len(levels)):
        for k, pi in enumerate(parents[d]):
            pa, ch = pos[d - 1][pi], pos[d][k]
            p0 = (pa[0], pa[1] + r) if boxes else _toward(pa, r, ch)
            p1 = (ch[0], ch[1] - r) if boxes else _toward(ch, r, pa)
            pen.connector(p0, p1, False, 0.02, r, r)
            conns.append((ids[d - 1][pi], ids[d][k], False))
    n = sum(len(l) for l in levels)
    return {"connections": conns, "structure": {"nodes": n, "levels": [len(l) for l in levels]}}


def _diag_chain(pen: _Pen, W: int, H: int, vertical: bool) -> dict[str, Any]:
    """Flowchart (boxes top to bottom) or block diagram (boxes left to right, maybe a feedback path)."""
    rng = pen.rng
    n = int(rng.integers(3, 6)) if vertical else int(rng.integers(3, 5))
    conns, ids = [], []
    if vertical:
        ys = np.linspace(0.12 * H, 0.88 * H, n)
        hh = min(0.22 * (ys[1] - ys[0]), 0.07 * H)   # leaves room for arrows at least twice their head
        hw = rng.uniform(0.16, 0.28) * W
        cs = [(W / 2 + rng.uniform(-0.02, 0.02) * W, y) for y in ys]
        for c in cs:
            ids.append(pen.box(c[0], c[1], hw, hh))
        for k in range(n - 1):
            pen.connector((cs[k][0], cs[k][1] + hh), (cs[k + 1][0], cs[k + 1][1] - hh), True, 0.02, hh, hh)
            conns.append((ids[k], ids[k + 1], True))
        return {"connections": conns, "structure": {"chain": n, "direction": "down"}}
    xs = np.linspace(0.13 * W, 0.87 * W, n)
    hw = min(0.3 * (xs[1] - xs[0]), 0.1 * W)
    hh = rng.uniform(0.07, 0.12) * H
    cy = 0.42 * H
    cs = [(x, cy + rng.uniform(-0.02, 0.02) * H) for x in xs]
    for c in cs:
        ids.append(pen.box(c[0], c[1], hw, hh))
    for k in range(n - 1):
        pen.connector((cs[k][0] + hw, cs[k][1]), (cs[k + 1][0] - hw, cs[k + 1][1]), True, 0.02, hw * 0.5, hw * 0.5)
        conns.append((ids[k], ids[k + 1], True))
    feedback = rng.random() < 0.35
    if feedback:   # from the last box down, back left, up into the first
        y2 = cy + hh + 0.2 * H
        path = np.array([(cs[-1][0], cs[-1][1] + hh + 2), (cs[-1][0], y2), (cs[0][0], y2), (cs[0][0], cs[0][1] + hh)])
        pen._shaft_and_head(_resample(path, 4.0), True)
        pen.counts["arrow"] += 1
        conns.append((ids[-1], ids[0], True))
    return {"connections": conns, "structure": {"chain": n, "direction": "right", "feedback": feedback}}


def _diag_states(pen: _Pen, W: int, H: int) -> dict[str, Any]:
    rng = pen.rng
    n = int(rng.integers(3, 5))
    r = (0.07 if n == 3 else 0.055) * min(W, H)   # arrows between neighbours stay at least twice their head
    if n == 3 and rng.random() < 0.5:
        cs = [(0.25 * W, 0.7 * H), (0.5 * W, 0.25 * H), (0.75 * W, 0.7 * H)]
    else:
        cs = [(x, 0.5 * H + rng.uniform(-0.05, 0.05) * H) for x in np.linspace(0.14 * W, 0.86 * W, n)]
    ids = [pen.circle(x, y, r) for x, y in cs]
    conns = []
    for k in range(len(cs) - 1):
        pairs = [(k, k + 1)] + ([(k + 1, k)] if rng.random() < 0.4 else [])
        for a, b in pairs:
            both = len(pairs) == 2
            ca, cb = np.array(cs[a]), np.array(cs[b])
            d = cb - ca
            u = d / np.hypot(*d)
            nrm = np.array([-u[1], u[0]])
            side = 1 if (not both or (a < b)) else 1
            off = 0.45 * r * side
            p0 = ca + u * r * 0.9 + nrm * off * (1 if both else 0)
            p1 = cb - u * r * 0.9 + nrm * off * (1 if both else 0)
            pen.connector(tuple(p0), tuple(p1), True, 0.12, r, r)
            conns.append((ids[a], ids[b], True))
    return {"connections": conns, "structure": {"nodes": n, "edges": len(conns)}}


def _axes_strokes(pen: _Pen, ox: float, oy: float, x1: float, y1: float, x0: float | None = None,
                  y0: float | None = None) -> None:
    """x and y axes from (x0, oy)–(x1, oy) and (ox, y0)–(ox, y1), optionally with arrowheads, counted as one."""
    rng = pen.rng
    x0 = ox if x0 is None else x0
    y0 = oy if y0 is None else y0
    heads = rng.random() < 0.4
    hx = np.array([(x0 - rng.uniform(0, 0.02) * pen.size[0], oy), (x1, oy)])
    vy = np.array([(ox, y0 + rng.uniform(0, 0.02) * pen.size[1]), (ox, y1)])
    if rng.random() < 0.4 and x0 == ox and y0 == oy:   # one L-shaped stroke
        pen.stroke(np.vstack([vy[::-1], hx[1:]]))
    else:
        pen.stroke(hx)
        pen.stroke(vy)
    if heads:
        for tip, back in ((hx[1], (-1, 0)), (vy[1], (0, 1))):
            bl = 0.03 * pen.unit
            b = np.array(back, float)
            nrm = np.array([-b[1], b[0]])
            pen.stroke(np.array([tip + bl * (b * 0.9 + nrm * 0.5), tip, tip + bl * (b * 0.9 - nrm * 0.5)]), wobble=False)
    pen.counts["axes"] += 1


def _diag_bars(pen: _Pen, W: int, H: int) -> dict[str, Any]:
    rng = pen.rng
    k = int(rng.integers(3, 7))
    ox, oy, x1, y1 = 0.1 * W, 0.88 * H, 0.92 * W, 0.1 * H
    _axes_strokes(pen, ox, oy, x1, y1)
    slot = (x1 - ox - 0.05 * W) / k
    heights = rng.uniform(0.15, 0.9, k) * (oy - y1 - 0.05 * H)
    three_sided = rng.random() < 0.6
    for i, h in enumerate(heights):
        cx = ox + 0.04 * W + (i + 0.5) * slot
        hw = slot * rng.uniform(0.25, 0.35)
        pen.box(cx, oy - h / 2, hw, h / 2, label=False, open_bottom=three_sided)
    return {"connections": [], "structure": {"bars": k, "heights": [float(h / (oy - y1)) for h in heights]}}


def _diag_function(pen: _Pen, W: int, H: int) -> dict[str, Any]:
    rng = pen.rng
    centred = rng.random() < 0.4
    if centred:
        ox, oy = 0.5 * W, 0.5 * H
        _axes_strokes(pen, ox, oy, 0.92 * W, 0.08 * H, 0.08 * W, 0.92 * H)
    else:
        ox, oy = 0.1 * W, 0.88 * H
        _axes_strokes(pen, ox, oy, 0.92 * W, 0.08 * H)
    n = int(rng.integers(1, 3))
    kinds = list(rng.permutation(["sin", "parabola", "exp", "bump"]))[:n]
    for kind in kinds:
        t = np.linspace(0, 1, 80)
        if centred:
            x = 0.12 * W + t * 0.76 * W
            if kind == "sin":
                y = oy - 0.3 * H * np.sin(2 * math.pi * rng.uniform(0.8, 1.4) * t + rng.uniform(0, 1))
            elif kind == "parabola":
                y = oy - 0.3 * H + 0.6 * H * (2 * t - 1) ** 2 * 0.9
            elif kind == "exp":
                y = oy + 0.3 * H - 0.65 * H * (np.exp(2.5 * t) - 1) / (math.exp(2.5) - 1)
            else:
                y = oy + 0.1 * H - 0.4 * H * np.exp(-((t - 0.5) / 0.15) ** 2)
        else:
            x = ox + 0.04 * W + t * 0.76 * W
            if kind == "sin":
                y = oy - 0.4 * H - 0.28 * H * np.sin(2 * math.pi * rng.uniform(0.8, 1.4) * t + rng.uniform(0, 1))
            elif kind == "parabola":
                y = oy - 0.1 * H - 0.6 * H * (2 * t - 1) ** 2
            elif kind == "exp":
                y = oy - 0.05 * H - 0.65 * H * (np.exp(2.5 * t) - 1) / (math.exp(2.5) - 1)
            else:
                y = oy - 0.08 * H - 0.6 * H * np.exp(-((t - 0.5) / 0.15) ** 2)
        pen.stroke(np.stack([x, y], axis=1))
        pen.counts["freehand"] += 1
    return {"connections": [], "structure": {"curves": n}}


def _diag_venn(pen: _Pen, W: int, H: int) -> dict[str, Any]:
    rng = pen.rng
    n = int(rng.integers(2, 4))
    r = rng.uniform(0.2, 0.26) * min(W, H)
    d = r * rng.uniform(0.8, 1.15)
    if n == 2:
        cs = [(W / 2 - d / 2, H / 2), (W / 2 + d / 2, H / 2)]
    else:
        cs = [(W / 2 + d / math.sqrt(3) * math.cos(a), H / 2 + d / math.sqrt(3) * math.sin(a))
              for a in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)]
    for c in cs:
        pen.circle(c[0], c[1], r, label=False)
    return {"connections": [], "structure": {"circles": n}}


def make_diagram(rng: np.random.Generator, family: str | None = None,
                 cfg: DiagramSynthConfig = DiagramSynthConfig()) -> DiagramSketch:
    """One hand-drawn connected diagram on a blank pad, with its primitives, connections and structure."""
    family = family or DIAGRAM_FAMILIES[int(rng.integers(len(DIAGRAM_FAMILIES)))]
    if family not in DIAGRAM_FAMILIES:
        raise ValueError(f"unknown diagram family {family!r}; one of {', '.join(DIAGRAM_FAMILIES)}")
    W, H = cfg.pad_sizes[int(rng.integers(len(cfg.pad_sizes)))]
    pen = _Pen(rng, cfg, (W, H))
    make = {"network": _diag_network, "tree": _diag_tree, "state_machine": _diag_states, "bar_chart": _diag_bars,
            "function_plot": _diag_function, "venn": _diag_venn,
            "flowchart": lambda p, w, h: _diag_chain(p, w, h, True),
            "block_diagram": lambda p, w, h: _diag_chain(p, w, h, False)}[family]
    info = make(pen, W, H)
    value = pen.render(rng.random() < cfg.flat_prob)
    return DiagramSketch(family, value, (W, H), pen.shapes, dict(pen.counts), info["connections"], info["structure"])
