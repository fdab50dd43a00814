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

__all__ = ["SynthConfig", "TruthGroup", "SynthSketch", "make_sketch", "PALETTE"]

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
