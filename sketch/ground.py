"""Grounding stroke groups to the draw calls (and so the program lines) they enclose, cross, touch or point at."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from skimage.measure import points_in_poly

from .types import BBox, Point, StrokeGroup

__all__ = ["GroundConfig", "ground", "usable_calls", "calls_at_point", "calls_enclosed", "calls_covered",
           "calls_touched", "calls_near_box"]


@dataclass(frozen=True)
class GroundConfig:
    """Tolerances of grounding, in figure pixels unless said otherwise."""

    enclosed_frac: float = 0.6     # share of a call's box inside a loop for it to count as enclosed
    covered_frac: float = 0.5      # share of a call's box under a cross-out's box
    point_tol: float = 14.0        # an arrow end this close to a call's box points at it
    near_tol: float = 28.0         # a text mark this close to a call's box is "next to" it
    max_area_frac: float = 0.5     # calls covering more of the canvas (backgrounds, frames) are never targets


def usable_calls(trace: Sequence[Any] | None, figure_size: tuple[int, int],
                 cfg: GroundConfig = GroundConfig()) -> list[Any]:
    """Draw calls that can be pointed at: visible, with a source line, not a whole-canvas background."""
    if not trace:
        return []
    w, h = figure_size
    out = []
    for c in trace:
        bbox = getattr(c, "bbox", None)
        if bbox is None or getattr(c, "line", None) is None or getattr(c, "kind", "other") == "other":
            continue
        x0, y0, x1, y1 = (float(v) for v in bbox)
        if not all(np.isfinite([x0, y0, x1, y1])) or x1 < 0 or y1 < 0 or x0 > w or y0 > h:
            continue
        if max(x1 - x0, 1) * max(y1 - y0, 1) > cfg.max_area_frac * w * h:
            continue
        out.append(c)
    return out


def _box(c: Any) -> BBox:
    """A call's box with at least 1 px extent, so lines and points have area."""
    x0, y0, x1, y1 = (float(v) for v in c.bbox)
    if x1 - x0 < 1:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y1 - y0 < 1:
        y0, y1 = y0 - 0.5, y1 + 0.5
    return x0, y0, x1, y1


def _area(b: BBox) -> float:
    return max(b[2] - b[0], 0.0) * max(b[3] - b[1], 0.0)


def _samples(c: Any, n: int = 5) -> np.ndarray:
    """Points spread over a call's box (along the segment for lines)."""
    x0, y0, x1, y1 = _box(c)
    if getattr(c, "kind", "") == "line" and getattr(c, "fn", "") == "line" and len(c.args) >= 4:
        try:
            ax, ay, bx, by = (float(v) for v in c.args[:4])
            if x0 - 1 <= min(ax, bx) and max(ax, bx) <= x1 + 1 and y0 - 1 <= min(ay, by) and max(ay, by) <= y1 + 1:
                t = np.linspace(0, 1, n * 2)
                return np.stack([ax + (bx - ax) * t, ay + (by - ay) * t], axis=1)
        except (TypeError, ValueError):
            pass   # transformed or odd arguments: fall back to the box
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def _dist_to_box(p: Point, b: BBox) -> float:
    dx = max(b[0] - p[0], 0.0, p[0] - b[2])
    dy = max(b[1] - p[1], 0.0, p[1] - b[3])
    return float(np.hypot(dx, dy))


def calls_at_point(calls: Sequence[Any], p: Point, tol: float) -> list[Any]:
    """Calls whose box is within tol of a point; the smallest ones among the closest (a label over a node)."""
    near = [(c, _dist_to_box(p, _box(c))) for c in calls]
    near = [(c, d) for c, d in near if d <= tol]
    if not near:
        return []
    dmin = min(d for _, d in near)
    near = [(c, d) for c, d in near if d <= dmin + 3.0]
    amin = min(_area(_box(c)) for c, _ in near)
    return [c for c, _ in near if _area(_box(c)) <= 4 * amin + 16]


def calls_enclosed(calls: Sequence[Any], polygon: Sequence[Point], frac: float) -> list[Any]:
    """Calls whose box lies (mostly) inside a closed outline."""
    if len(polygon) < 3:
        return []
    poly = np.asarray(polygon, np.float64)
    out = []
    for c in calls:
        s = _samples(c)
        if points_in_poly(s, poly).mean() >= frac:
            out.append(c)
    return out


def calls_covered(calls: Sequence[Any], box: BBox, frac: float) -> list[Any]:
    """Calls whose box is mostly under a given box; else the smallest call containing the box's centre."""
    out = []
    for c in calls:
        b = _box(c)
        ix = max(0.0, min(b[2], box[2]) - max(b[0], box[0]))
        iy = max(0.0, min(b[3], box[3]) - max(b[1], box[1]))
        if ix * iy >= frac * _area(b):
            out.append(c)
    if out:
        return out
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    inside = [c for c in calls if _dist_to_box((cx, cy), _box(c)) == 0]
    return sorted(inside, key=lambda c: _area(_box(c)))[:1]


def calls_touched(calls: Sequence[Any], path: Sequence[Point], tol: float) -> list[Any]:
    """Calls whose box a drawn path passes through (within tol)."""
    p = np.asarray(path, np.float64)
    if len(p) == 0:
        return []
    if len(p) > 1:   # densify so long straight segments still hit small boxes
        seg = [np.linspace(p[i], p[i + 1], max(2, int(np.hypot(*(p[i + 1] - p[i])) / 3))) for i in range(len(p) - 1)]
        p = np.concatenate(seg)
    out = []
    for c in calls:
        x0, y0, x1, y1 = _box(c)
        if ((p[:, 0] >= x0 - tol) & (p[:, 0] <= x1 + tol) & (p[:, 1] >= y0 - tol) & (p[:, 1] <= y1 + tol)).any():
            out.append(c)
    return out


def calls_near_box(calls: Sequence[Any], box: BBox, tol: float) -> list[Any]:
    """The call(s) nearest to a box, within tol (what a handwritten note sits next to)."""
    best, best_d = [], tol + 1e-9
    for c in calls:
        b = _box(c)
        dx = max(0.0, max(b[0], box[0]) - min(b[2], box[2]))
        dy = max(0.0, max(b[1], box[1]) - min(b[3], box[3]))
        d = float(np.hypot(dx, dy))
        if d < best_d - 1.0:
            best, best_d = [c], d
        elif abs(d - best_d) <= 1.0:
            best.append(c)
    return best


def ground(groups: list[StrokeGroup], trace: Sequence[Any] | None, figure_size: tuple[int, int],
           cfg: GroundConfig = GroundConfig()) -> None:
    """Fill each group's `matches` (role → calls) and `lines` from the draw trace, in place."""
    calls = usable_calls(trace, figure_size, cfg)
    for g in groups:
        g.matches = {}
        if not calls:
            g.lines = []
            continue
        if g.kind in ("circle", "rectangle", "selection"):
            m = calls_enclosed(calls, g.points, cfg.enclosed_frac)
            if m:
                g.matches["enclosed"] = m
            else:
                # A small loop inside one element marks a spot of that element.
                inside = calls_at_point(calls, g.center, 0.0)
                if inside:
                    g.matches["within"] = inside
        elif g.kind == "cross_out":
            g.matches["crossed"] = calls_covered(calls, g.bbox, cfg.covered_frac)
        elif g.kind in ("arrow", "line"):
            tol = cfg.point_tol + g.stroke_width
            if g.tail is not None:
                g.matches["from"] = calls_at_point(calls, g.tail, tol)
            if g.head is not None:
                g.matches["to"] = calls_at_point(calls, g.head, tol)
        elif g.kind == "freehand":
            g.matches["touched"] = calls_touched(calls, g.points, g.stroke_width / 2 + 2)
        elif g.kind == "text_mark":
            g.matches["near"] = calls_near_box(calls, g.bbox, cfg.near_tol)
        g.matches = {k: v for k, v in g.matches.items() if v}
    _ends_on_loops(groups)
    for g in groups:
        g.lines = sorted({int(c.line) for v in g.matches.values() for c in v if c.line is not None})


def _ends_on_loops(groups: list[StrokeGroup]) -> None:
    """An arrow or line end touching a loop drawn in the same sketch (an arrow from a circled node to another)
    points at what that loop marks, when the end points at nothing itself."""
    loops = [g for g in groups if g.kind in ("circle", "rectangle", "selection") and len(g.points) >= 3
             and ("enclosed" in g.matches or "within" in g.matches)]
    if not loops:
        return
    for g in groups:
        if g.kind not in ("arrow", "line"):
            continue
        for role, end in (("from", g.tail), ("to", g.head)):
            if end is None or role in g.matches:
                continue
            tol = 2 * g.stroke_width + 4.0      # the loop's ring was cut away from the stroke when they were split
            best = None
            for lp in loops:
                d = _dist_to_polygon(end, lp.points)
                if d <= tol + lp.stroke_width / 2 and (best is None or d < best[0]):
                    best = (d, lp)
            if best is not None:
                lm = best[1].matches
                g.matches[role] = lm.get("enclosed") or lm["within"]


def _dist_to_polygon(p: Point, poly: Sequence[Point]) -> float:
    """Distance from a point to a closed polyline."""
    pts = np.asarray(list(poly) + [poly[0]], float)
    a, b = pts[:-1], pts[1:]
    ab = b - a
    q = np.asarray(p, float)
    t = np.clip(((q - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-9), 0, 1)
    return float(np.hypot(*(a + t[:, None] * ab - q).T).min())
