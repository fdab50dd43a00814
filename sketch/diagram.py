"""Connected hand-drawn diagrams: one ink mask → shapes, connectors, axes and text → relations and structure.

A pad sketch of a network is one connected blob of ink (lines touch the circles they join, bars stand on the
axis, edges cross). `decompose` takes it apart:

1. small separate pieces on a common line are handwriting (text marks);
2. the skeleton of the rest is traced into strokes, continuing straight through junctions (crossing lines stay
   two lines); long perpendicular strokes meeting at a corner are axes;
3. enclosed holes (after bridging small gaps between open ends) are shapes when their outline is an ellipse or a
   box and does not turn sharply where other strokes meet it (cells between crossing lines do); holes that are
   not shapes but whose union is an ellipse are overlapping circles (a Venn diagram);
4. the shapes' rings are removed and the remaining ink is traced again into connectors: lines, polylines, curves,
   and arrows (short barbs at a stroke's end, drawn in the same stroke or separately);
5. connector ends are attached to the nearest shape; shapes are grouped into rows and columns.

All coordinates here are (x, y) in the pixels of the mask (analysis scale).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import ndimage
from skimage.draw import line as draw_line
from skimage.measure import find_contours
from skimage.morphology import skeletonize

from .classify import _douglas_peucker, _ellipse_iou, _min_rect_fill, _solidity
from .extract import _merge_letters

__all__ = ["DiagramConfig", "Primitive", "Connection", "Diagram", "decompose", "structure", "DIAGRAM_KINDS"]

DIAGRAM_KINDS = ("circle", "rectangle", "line", "arrow", "axes", "text_mark", "freehand")

Pt = tuple[float, float]


@dataclass(frozen=True)
class DiagramConfig:
    """Thresholds of the decomposition (shares of the ink's long side `L`, or of the stroke width `w`)."""

    text_side: float = 0.075      # a separate piece whose long side is below this × L may be a letter
    text_canvas: float = 0.035    # ... or below this share of the pad's long side
    text_gap: float = 1.3         # letters closer than this × their height join one word
    bridge: float = 0.07          # open ends closer than this × L (and the gap is short next to the ink
    bridge_wide: float = 0.14     # ... up to this × L when the path between is six times the gap
    bridge_ratio: float = 3.0     # path between them, by this ratio) are a gap in an outline: bridged for holes
    min_node: float = 0.045       # holes narrower than this × L are not shapes
    ellipse_iou: float = 0.88     # outline IoU with its moment ellipse, above: circle/ellipse
    rect_fill: float = 0.8        # outline area over its tightest rectangle, above: box
    convex: float = 0.9           # outline area over hull area, below: not a drawn shape
    sag_convex: float = 0.85      # ... but down to this for a box (long sides sagging: a flat box drawn with a
    sag_fill: float = 0.85        # ... wobble) that fills this much of its tightest rectangle and is no ellipse
    pinch_fit: float = 0.8        # a flat hole this convex and filling this much of its tightest rectangle
    pinch_ends: float = 0.85      # ... with ends this square (_end_span) is a box whose long sides both sag in
    box_ends: float = 0.6         # an ellipse fit below clean_ellipse with ends this square (share of the short
                                  # side the outline spans at each end of its long axis; an ellipse ~0.45) is a box
    corner_deg: float = 50.0      # an outline turning sharper than this where strokes meet it is a cell, not a shape
    tail: float = 0.15            # ... where strokes meet: dead ends shorter than this × L are tails, not strokes
    clean_ellipse: float = 0.95   # ... unless it fits an ellipse
    union_ellipse: float = 0.92   # cells joined into one circle must fit an ellipse this well
    clean_rect: float = 0.93      # ... or a rectangle this well
    clean_corner_deg: float = 80.0   # (for such clean outlines only a turn sharper than this is a cell's corner)
    pair_deg: float = 40.0        # strokes go on through a junction when they bend less than this
    link_bow: float = 0.03        # a straight connector may bow off its chord by this × its length
    link_cover: float = 0.92      # ... and ink covers this share of the middle of the segment between two shapes
    pair_far: float = 0.08        # ... judged by their direction up to this × L away from the junction
    split_deg: float = 95.0       # a stroke is cut where it turns back sharper than this (barb drawn in one go)
    line_dev: float = 0.08        # max deviation / chord for a straight line
    bar_fill: float = 0.68        # a hole standing on the x axis is a bar when it fills this much of its rectangle
    bar_convex: float = 0.85      # ... and is this convex
    bar_top: float = 0.6          # ... and its top quarter spans this much of its width (a curve's hump narrows)
    bar_reach: float = 0.08       # a stroke heading down to the x axis from up to this × L above is taken to it
    axis_len: float = 0.45        # an axis spans at least this share of the ink's width (x) or height (y)
    axis_tilt_deg: float = 12.0   # ... and is within this of horizontal / vertical
    barb_max: float = 0.14        # arrow barbs are shorter than this × L
    attach: float = 0.06          # a connector end within this × L (+ 2 w) of a shape's outline is attached to it
    max_strokes: int = 150        # busier ink (a photo, a dense screenshot) skips rejoining cut strokes
    max_link_shapes: int = 40     # ... and checking straight connectors between every two shapes
    min_stroke: float = 0.03      # leftover strokes shorter than this × L (and 4 w) are specks
    head_zone: float = 0.06       # an arrowhead lies within this × L behind a stroke's end
    head_spread: float = 1.6      # ... and spreads sideways over more than this × w (+ 2 px)
    head_spread_rel: float = 1.1  # ... or more than this × w and
    head_spread_gap: float = 0.6  # ... this × w more than the stroke's other end
    ring: float = 0.7             # a shape's ring reaches this × w (+ 2 px) either side of its centre line
    notch: float = 0.025          # a hole that is no shape is tried again with notches this × L wide filled


@dataclass
class Primitive:
    """One part of a diagram."""

    kind: str                       # one of DIAGRAM_KINDS
    bbox: tuple[float, float, float, float]
    points: list[Pt]                # outline (shapes), path (connectors, curves), box corners (text)
    tail: Pt | None = None          # connectors: start; arrows: the end without a head
    head: Pt | None = None          # connectors: end; arrows: the tip
    ends: list[int | None] = field(default_factory=lambda: [None, None])   # shapes at tail / head
    heads: int = 0                  # arrowheads (2 = double-headed)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def center(self) -> Pt:
        x0, y0, x1, y1 = self.bbox
        return ((x0 + x1) / 2, (y0 + y1) / 2)

    @property
    def size(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.bbox
        return (x1 - x0, y1 - y0)


@dataclass
class Connection:
    """A connector joining two shapes (indices into Diagram.primitives)."""

    a: int
    b: int
    via: int                        # the line or arrow primitive
    directed: bool                  # an arrow from a to b


@dataclass
class Diagram:
    """Primitives, connections and the relations between shapes."""

    primitives: list[Primitive]
    connections: list[Connection]
    width: float                    # stroke width (mask pixels)
    inside: list[tuple[int, int]] = field(default_factory=list)   # (inner, outer)
    origin: tuple[float, float] = (0.0, 0.0)    # where the mask sits in the analysis image (set by analyze)
    factor: int = 1                             # pad pixels per analysis pixel

    def to_pad(self, p: Pt) -> Pt:
        """Mask coordinates → pad pixels."""
        f = self.factor
        return ((p[0] + self.origin[0]) * f + (f - 1) / 2, (p[1] + self.origin[1]) * f + (f - 1) / 2)

    @property
    def shapes(self) -> list[int]:
        """Indices of closed shapes (nodes)."""
        return [i for i, p in enumerate(self.primitives) if p.kind in ("circle", "rectangle")]

    def counts(self) -> dict[str, int]:
        """Number of primitives of each kind."""
        out = {k: 0 for k in DIAGRAM_KINDS}
        for p in self.primitives:
            out[p.kind] += 1
        return out


# Skeleton graph --------------------------------------------------------------------------------------------------

_K8 = np.ones((3, 3), int)


@dataclass
class _Graph:
    """Skeleton as junction/end nodes and ordered pixel chains between them."""

    paths: list[np.ndarray]          # (n, 2) xy, from node ends[i][0] to ends[i][1]
    ends: list[list[int]]            # node index at each end (-1: closed loop without nodes)
    pos: list[np.ndarray]            # node positions
    is_junction: list[bool]


def _order_chain(pix: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Walk an 8-connected chain of (y, x) pixels from one end (or anywhere on a loop)."""
    def nb(p):
        y, x = p
        return [(y + dy, x + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy or dx) and (y + dy, x + dx) in pix]
    start = next(iter(pix))
    for p in pix:
        if len(nb(p)) <= 1:
            start = p
            break
    out = [start]
    seen = {start}
    cur = start
    while True:
        cand = [q for q in nb(cur) if q not in seen]
        if not cand:
            break
        # Prefer 4-neighbours: diagonal shortcuts skip pixels of a staircase.
        cand.sort(key=lambda q: abs(q[0] - cur[0]) + abs(q[1] - cur[1]))
        cur = cand[0]
        seen.add(cur)
        out.append(cur)
    return out


def _graph(skel: np.ndarray, merge_len: float) -> _Graph:
    """Junction clusters, end points and the chains between them; junctions joined by very short chains merge."""
    deg = ndimage.convolve(skel.astype(np.int32), _K8, mode="constant") - 1
    deg[~skel] = 0
    junc = skel & (deg >= 3)
    jlab, nj = ndimage.label(junc, structure=_K8)
    pos: list[np.ndarray] = []
    is_j: list[bool] = []
    for sl_i, sl in enumerate(ndimage.find_objects(jlab)):
        ys, xs = np.nonzero(jlab[sl] == sl_i + 1)
        pos.append(np.array([xs.mean() + sl[1].start, ys.mean() + sl[0].start]))
        is_j.append(True)
    jnear = ndimage.maximum_filter(jlab, size=3)
    chains = skel & ~junc
    clab, nc = ndimage.label(chains, structure=_K8)
    paths: list[np.ndarray] = []
    ends: list[list[int]] = []
    for ci, sl in enumerate(ndimage.find_objects(clab)):
        ys, xs = np.nonzero(clab[sl] == ci + 1)
        pix = {(int(y) + sl[0].start, int(x) + sl[1].start) for y, x in zip(ys, xs)}
        order = _order_chain(pix)
        pts = np.array([(x, y) for y, x in order], float)
        e = []
        for k, (y, x) in ((0, order[0]), (1, order[-1])):
            j = int(jnear[y, x])
            if j > 0:
                e.append(j - 1)
                pts = np.vstack([pos[j - 1][None], pts]) if k == 0 else np.vstack([pts, pos[j - 1][None]])
            elif deg[y, x] <= 1 and not (len(order) > 2 and k == 1 and
                                         max(abs(order[0][0] - y), abs(order[0][1] - x)) <= 1):
                pos.append(np.array([x, y], float))
                is_j.append(False)
                e.append(len(pos) - 1)
            else:
                e.append(-1)
        if e[0] == -1 or e[1] == -1:
            e = [-1, -1]     # a closed loop with no junction on it
        paths.append(pts)
        ends.append(e)
    # Junction pixels adjacent to each other belong to one label already; junctions joined by a short chain are
    # one crossing seen by the skeleton as two forks.
    parent = list(range(len(pos)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    keep = []
    for i, (p, e) in enumerate(zip(paths, ends)):
        if e[0] >= 0 and e[1] >= 0 and is_j[e[0]] and is_j[e[1]] and e[0] != e[1] and _plen(p) < merge_len:
            parent[find(e[0])] = find(e[1])
        else:
            keep.append(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(pos)):
        groups.setdefault(find(i), []).append(i)
    for r, mem in groups.items():
        if len(mem) > 1:
            pos[r] = np.mean([pos[m] for m in mem], axis=0)
    paths = [paths[i] for i in keep]
    ends = [[find(a) if a >= 0 else -1 for a in ends[i]] for i in keep]
    return _Graph(paths, ends, pos, is_j)


def _plen(p: np.ndarray) -> float:
    return float(np.hypot(*np.diff(p, axis=0).T).sum()) if len(p) > 1 else 0.0


def _direction(p: np.ndarray, d: float) -> np.ndarray:
    """Unit vector from p[0] toward the point about d along the path."""
    seg = np.hypot(*np.diff(p, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    k = int(np.searchsorted(arc, min(d, arc[-1])))
    k = min(max(k, 1), len(p) - 1)
    v = p[k] - p[0]
    n = float(np.hypot(*v))
    return v / n if n > 1e-9 else np.array([1.0, 0.0])


def _direction_far(p: np.ndarray, near: float, far: float) -> np.ndarray:
    """Unit direction of a path leaving p[0], measured between arc lengths near and far (past a junction's blur)."""
    seg = np.hypot(*np.diff(p, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    far = min(far, arc[-1])
    near = min(near, 0.3 * far)
    k0 = min(int(np.searchsorted(arc, near)), len(p) - 1)
    k1 = min(max(int(np.searchsorted(arc, far)), k0 + 1), len(p) - 1)
    v = p[k1] - p[k0]
    n = float(np.hypot(*v))
    if n < 1e-9:
        v, n = p[-1] - p[0], float(np.hypot(*(p[-1] - p[0])))
    return v / n if n > 1e-9 else np.array([1.0, 0.0])


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    """Angle between two vectors in degrees."""
    c = float(np.dot(u, v) / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-9))
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def _trace(g: _Graph, w: float, spur: float, pair_deg: float, far: float = 20.0) -> list[np.ndarray]:
    """Strokes: chains joined through junctions where they continue with the least bend (spurs dropped)."""
    n = len(g.paths)
    alive = [True] * n
    # Short dead ends hanging off a junction are skeleton spurs, overshoots or stubs: dropped.
    for i, (p, e) in enumerate(zip(g.paths, g.ends)):
        if e[0] >= 0 and e[1] >= 0 and (g.is_junction[e[0]] != g.is_junction[e[1]]) and _plen(p) < spur:
            alive[i] = False
    inc: dict[int, list[tuple[int, int]]] = {}
    for i, e in enumerate(g.ends):
        if not alive[i]:
            continue
        for side in (0, 1):
            if e[side] >= 0 and g.is_junction[e[side]]:
                inc.setdefault(e[side], []).append((i, side))
    link: dict[tuple[int, int], tuple[int, int]] = {}
    ext: dict[tuple[int, int], np.ndarray] = {}
    dfar = max(6 * w + 6, far)
    for j, items in inc.items():
        if len(items) == 2 and items[0][0] != items[1][0]:
            a, b = items
            link[a], link[b] = b, a
            continue
        dirs = []
        for i, side in items:
            p = g.paths[i] if side == 0 else g.paths[i][::-1]
            dirs.append(_direction_far(p, 1.5 * w + 1, dfar))
        cands = []
        for x in range(len(items)):
            for y in range(x + 1, len(items)):
                if items[x][0] == items[y][0]:
                    continue
                bend = 180.0 - _angle(dirs[x], dirs[y])
                if bend < pair_deg:
                    cands.append((bend, x, y))
        used: set[int] = set()
        for _, x, y in sorted(cands):
            if x in used or y in used:
                continue
            used |= {x, y}
            link[items[x]], link[items[y]] = items[y], items[x]
        # Two lines leaving one spot at a shallow angle share their first stretch (a Y): the branch left over
        # gets the shared stem too.
        for x in range(len(items)):
            if x in used:
                continue
            stems = [(180.0 - _angle(dirs[x], dirs[y]), y) for y in used if items[y][0] != items[x][0]]
            stems = [t for t in stems if t[0] < pair_deg]
            if stems:
                s_i, s_side = items[min(stems)[1]]
                sp = g.paths[s_i]
                ext[items[x]] = sp[::-1] if s_side == 0 else sp
    strokes: list[np.ndarray] = []
    seen = [False] * n

    def walk(i: int, side_in: int) -> np.ndarray:
        parts = []
        if (i, side_in) in ext:
            parts.append(ext[(i, side_in)])
        while True:
            seen[i] = True
            p = g.paths[i] if side_in == 0 else g.paths[i][::-1]
            parts.append(p if not parts else p[1:])
            nxt = link.get((i, 1 - side_in))
            if nxt is None or seen[nxt[0]] or not alive[nxt[0]]:
                if nxt is None and (i, 1 - side_in) in ext:
                    parts.append(ext[(i, 1 - side_in)][::-1][1:])
                break
            i, side_in = nxt
        return np.vstack(parts)
    for i in range(n):   # strokes with a free end first
        if not alive[i] or seen[i]:
            continue
        for side in (0, 1):
            if (i, side) not in link:
                strokes.append(walk(i, side))
                break
    for i in range(n):   # what is left are loops
        if alive[i] and not seen[i]:
            strokes.append(walk(i, 0))
    return strokes


def _dp_index(pts: np.ndarray, tol: float) -> list[int]:
    """Indices of the vertices Douglas–Peucker keeps."""
    n = len(pts)
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        a, d = pts[i], pts[j] - pts[i]
        seg = pts[i + 1:j] - a
        L = math.hypot(d[0], d[1])
        dist = np.abs(seg[:, 0] * d[1] - seg[:, 1] * d[0]) / L if L > 1e-9 else np.hypot(seg[:, 0], seg[:, 1])
        k = int(dist.argmax())
        if dist[k] > tol:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return [int(i) for i in np.nonzero(keep)[0]]


def _split_sharp(p: np.ndarray, tol: float, deg: float) -> list[np.ndarray]:
    """Cut a stroke where it turns back sharply (an arrow drawn with its barb in one go, a V head)."""
    if len(p) < 5:
        return [p]
    keep = _dp_index(p, tol)
    cuts = []
    for a, b, c in zip(keep, keep[1:], keep[2:]):
        if _angle(p[b] - p[a], p[c] - p[b]) > deg:
            cuts.append(b)
    if not cuts:
        return [p]
    out, s = [], 0
    for c in cuts:
        out.append(p[s:c + 1])
        s = c
    out.append(p[s:])
    return [q for q in out if len(q) >= 2]


# Shapes ----------------------------------------------------------------------------------------------------------

def _outline(region: np.ndarray) -> np.ndarray:
    """Longest contour of a boolean region as (x, y) points."""
    cs = find_contours(np.pad(region, 1).astype(np.float32), 0.5)
    return max(cs, key=len)[:, ::-1] - 1.0


def _sharp_at(outline: np.ndarray, pts: list[np.ndarray], near: float, step: float, deg: float,
              max_count: int = 1) -> bool:
    """True when the closed outline turns sharper than `deg` close to `max_count` of the given points."""
    count = 0
    x, y = outline[:, 0], outline[:, 1]
    orient = np.sign(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    if not pts or len(outline) < 8:
        return False
    seg = np.hypot(*np.diff(outline, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    total = arc[-1]
    for q in pts:
        d = np.hypot(*(outline - q).T)
        k = int(d.argmin())
        if d[k] > near:
            continue
        a0 = arc[k]
        i0 = int(np.searchsorted(arc, (a0 - step) % total))
        i1 = int(np.searchsorted(arc, (a0 + step) % total))
        i0, i1 = min(i0, len(outline) - 1), min(i1, len(outline) - 1)
        u, v = outline[k] - outline[i0], outline[i1] - outline[k]
        if np.hypot(*u) < 1 or np.hypot(*v) < 1:
            continue
        # Only convex corners: a stroke poking into a shape makes a notch (concave), a cell has corners.
        if _angle(u, v) > deg and np.sign(u[0] * v[1] - u[1] * v[0]) == orient:
            count += 1
            if count >= max_count:
                return True
    return False


def _end_span(outline: np.ndarray, band: float = 0.06) -> float:
    """Share of the short side the outline spans within `band` of each end of its long axis (the smaller end)."""
    return _ends_and_aspect(outline, band)[0]


def _ends_and_aspect(outline: np.ndarray, band: float = 0.06) -> tuple[float, float]:
    """_end_span and the outline's extent along its long axis over its extent across it."""
    if len(outline) < 8:
        return 0.0, 1.0
    c = outline - outline.mean(axis=0)
    _, vecs = np.linalg.eigh(np.cov(c.T))
    u, v = c @ vecs[:, 1], c @ vecs[:, 0]
    span_u, span_v = float(np.ptp(u)), float(np.ptp(v))
    if span_u <= 0 or span_v <= 0:
        return 0.0, 1.0
    d = band * span_u
    return min(float(np.ptp(v[u >= u.max() - d])), float(np.ptp(v[u <= u.min() + d]))) / span_v, span_u / span_v


def _shape_of(region: np.ndarray, cfg: DiagramConfig) -> tuple[str | None, np.ndarray, dict[str, float]]:
    """circle / rectangle / None for a centre-line region, with its outline."""
    out = _outline(region)
    ell = _ellipse_iou(region)
    rect = _min_rect_fill(region, out)
    sol = _solidity(out)
    kind = None
    if sol >= cfg.convex:
        if ell >= cfg.ellipse_iou and ell >= rect + 0.02:
            # A flat box with rounded corners or bulging sides can fit an ellipse nearly as well as a drawn
            # ellipse, but its short sides stay straight across the ends of its long axis.
            kind = "rectangle" if ell < cfg.clean_ellipse and _end_span(out) >= cfg.box_ends else "circle"
        elif rect >= cfg.rect_fill:
            kind = "rectangle"
        elif ell >= cfg.ellipse_iou:
            kind = "circle"
    elif sol >= cfg.sag_convex and rect >= cfg.sag_fill and ell < cfg.ellipse_iou:
        kind = "rectangle"
    elif sol >= cfg.pinch_fit and rect >= cfg.pinch_fit and ell < cfg.ellipse_iou:
        # Both long sides of a flat box sagging in (an hourglass): its short sides still stand straight
        # across its ends, which a cell between crossing strokes or a lens does not have.
        ends, aspect = _ends_and_aspect(out)
        if ends >= cfg.pinch_ends and aspect >= 2.0:
            kind = "rectangle"
    return kind, out, {"ell": ell, "rect": rect, "sol": sol}


def _bridge(mask: np.ndarray, g: _Graph, w: float, max_gap: float, ratio: float, small_gap: float,
            x_axis: tuple[np.ndarray, np.ndarray] | None = None, axis_reach: float = 0.0) -> np.ndarray:
    """Join an open end to ink across a small gap (a circle or box not quite closed) when the way round is long.

    With an x axis, an end heading down to it from up to axis_reach above (a bar's side the pen lifted early) is
    taken down to it.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra
    ends = [i for i, j in enumerate(g.is_junction) if not j]
    if not ends:
        return mask
    nodes = np.array(g.pos)
    P = nodes[ends]
    d = np.hypot(P[:, None, 0] - nodes[None, :, 0], P[:, None, 1] - nodes[None, :, 1])   # end × node
    # Path length along the ink: shortest path through the skeleton graph.
    rows, cols, wts = [], [], []
    for p, e in zip(g.paths, g.ends):
        if e[0] >= 0 and e[1] >= 0 and e[0] != e[1]:
            rows += [e[0], e[1]]
            cols += [e[1], e[0]]
            wts += [max(_plen(p), 1e-3)] * 2
    nn = len(g.pos)
    close = [a for a in range(len(ends)) if ((d[a] <= max_gap) & (np.arange(nn) != ends[a])).any()]
    if not close and x_axis is None:
        return mask
    pairs: list[tuple[float, int, int]] = []
    geo_of: dict[int, np.ndarray] = {}
    if close:
        geo = dijkstra(csr_matrix((wts, (rows, cols)), shape=(nn, nn)), indices=[ends[a] for a in close])
        geo_of = {a: geo[r] for r, a in enumerate(close)}
        pairs = sorted(((d[a, t], a, t) for a in close for t in range(nn) if t != ends[a] and d[a, t] <= max_gap))
    bridges = np.zeros_like(mask)
    used: set[int] = set()
    H, W = mask.shape
    if x_axis is not None:
        # First, ends heading down to the x axis: straight down to its ink (the drawn axis wobbles about its chord).
        (ax0, ay0), (ax1, ay1) = x_axis
        for p, e in zip(g.paths, g.ends):
            for side in (0, 1):
                j = e[side]
                if j < 0 or g.is_junction[j] or j in used or _plen(p) < 3 * w:
                    continue
                q = p if side == 0 else p[::-1]
                u = -_direction(q, max(3 * w + 3, 8.0))
                start = q[0]
                xi = int(round(start[0]))
                yb = ay0 + (ay1 - ay0) * (start[0] - ax0) / max(ax1 - ax0, 1e-9)
                if u[1] < math.cos(math.radians(20)) or not (min(ax0, ax1) <= start[0] <= max(ax0, ax1)) or \
                        not (0 < yb - start[1] <= axis_reach) or not (0 <= xi < W):
                    continue
                y0 = int(round(start[1] + 1.5 * w + 1))
                hit = [y for y in range(max(y0, 0), min(int(yb + 2 * w + 4), H - 1) + 1) if mask[y, xi]]
                if hit:
                    bridges[int(round(start[1])):hit[0] + 1, xi] = True
                    used.add(j)
    enclosed = ndimage.binary_fill_holes(mask) & ~mask
    enclosed_bridges = 0          # bridges drawn when `enclosed` was last computed
    for gap, a, t in pairs:
        ia = ends[a]
        if ia in used or (not g.is_junction[t] and t in used):
            continue
        along = float(geo_of[a][t])
        if not math.isfinite(along):
            if gap > small_gap:
                continue      # separate strokes: only small gaps
        elif along < ratio * max(gap, 2 * w) or (gap > small_gap and along < 6.0 * gap):
            continue
        pa, pb = g.pos[ia], g.pos[t]
        rr, cc = draw_line(int(round(pa[1])), int(round(pa[0])), int(round(pb[1])), int(round(pb[0])))
        ok = (rr >= 0) & (rr < mask.shape[0]) & (cc >= 0) & (cc < mask.shape[1])
        if gap > small_gap:
            if enclosed_bridges < len(used):
                # An outline closed by a shorter bridge (a box left open by the pen) has an inside now too.
                closed = mask | bridges
                enclosed = ndimage.binary_fill_holes(closed) & ~closed
                enclosed_bridges = len(used)
            if enclosed[rr[ok], cc[ok]].mean() >= 0.5:
                continue      # far across a closed outline's inside (an arrow ending in a box): no gap of an outline
        used |= {ia, t}
        bridges[rr[ok], cc[ok]] = True
    # An end stopping just short of other ink straight ahead (a bar's side above the axis) is extended to it.
    reach = max(3 * w, 0.5 * small_gap)
    for p, e in zip(g.paths, g.ends):
        for side in (0, 1):
            j = e[side]
            if j < 0 or g.is_junction[j] or j in used or _plen(p) < 3 * w:
                continue
            q = p if side == 0 else p[::-1]          # q starts at the end
            u = -_direction(q, max(3 * w + 3, 8.0))
            start = q[0]
            for t in np.arange(1.5 * w + 1, reach, 1.0):
                x, y = start + u * t
                xi, yi = int(round(x)), int(round(y))
                if not (0 <= xi < W and 0 <= yi < H):
                    break
                if mask[yi, xi]:
                    rr, cc = draw_line(int(round(start[1])), int(round(start[0])), yi, xi)
                    bridges[rr, cc] = True
                    used.add(j)
                    break
    if not bridges.any():
        return mask
    return mask | ndimage.binary_dilation(bridges, iterations=max(1, int(w / 2)))


def _find_shapes(ink: np.ndarray, g: _Graph, w: float, L: float, axis_segs: list[tuple[np.ndarray, np.ndarray]],
                 cfg: DiagramConfig) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Closed shapes as (kind, centre-line region mask (full size), outline)."""
    # Small gaps close whenever the ink path around is a few times longer; wide ones (a big circle left open)
    # only when the path around is much longer still.
    bridged = _bridge(ink, g, w, max(cfg.bridge_wide * L, 5 * w), cfg.bridge_ratio, max(cfg.bridge * L, 5 * w),
                      axis_segs[0] if axis_segs else None, cfg.bar_reach * L)
    holes = ndimage.binary_fill_holes(bridged) & ~bridged
    lab, n = ndimage.label(holes)
    if n == 0:
        return []
    # Junctions where at least three real strokes meet (an overshooting corner has one short tail: not counted).
    branches: dict[int, int] = {}
    tail = max(2.5 * w + 2, cfg.tail * L)
    for p, e in zip(g.paths, g.ends):
        dead = (e[0] < 0 or not g.is_junction[e[0]]) or (e[1] < 0 or not g.is_junction[e[1]]) or e[0] == e[1]
        if dead and _plen(p) < tail:
            continue
        for j in set(e):
            if j >= 0 and g.is_junction[j]:
                branches[j] = branches.get(j, 0) + (2 if e[0] == e[1] else 1)
    junctions = [g.pos[i] for i, j in enumerate(g.is_junction) if j and branches.get(i, 0) >= 3]
    # Crossings: four real strokes meet.
    crossings = [g.pos[i] for i, j in enumerate(g.is_junction) if j and branches.get(i, 0) >= 4]
    # A junction on an axis is where a bar meets it: a bar's corner there is a real corner. A curve crossing
    # the axis (four strokes meeting) makes a cell's corner there, as anywhere else.
    def off_axis(q: np.ndarray) -> bool:
        if any(q is c for c in crossings):
            return True
        return all(_near_segment(q, a, b) > 2 * w + 3 for a, b in axis_segs)
    junctions = [q for q in junctions if off_axis(q)]
    r = max(1, int(math.ceil(w / 2)))
    min_side = max(cfg.min_node * L, 3 * w)
    shapes = []
    rejected: list[tuple[int, np.ndarray, tuple[slice, slice]]] = []
    for i, sl in enumerate(ndimage.find_objects(lab)):
        hs, ws = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if min(hs, ws) + 2 * r < min_side:
            continue
        pad = r + 2
        y0, x0 = max(sl[0].start - pad, 0), max(sl[1].start - pad, 0)
        y1, x1 = min(sl[0].stop + pad, ink.shape[0]), min(sl[1].stop + pad, ink.shape[1])
        hole = lab[y0:y1, x0:x1] == i + 1
        # Filled: ink enclosed by the hole (a label touching the outline, cut off by its own small holes) is
        # inside the shape, not a dent in it.
        region = ndimage.binary_fill_holes(ndimage.binary_dilation(hole, iterations=r) & (hole | bridged[y0:y1, x0:x1]))
        res = _classify_region(region, (x0, y0), junctions, w, cfg)
        if res is None:
            # An arrowhead poking through a box's edge leaves a notch whose sides turn sharply at a junction:
            # the outline with small notches filled is the shape.
            filled = _fill_notches(region, int(math.ceil(cfg.notch * L)) + 1)
            if filled is not None:
                res = _classify_region(filled, (x0, y0), junctions, w, cfg)
                if res is not None:
                    region = filled
        if res is None and axis_segs:
            res = _bar_on_axis(region, (x0, y0), axis_segs[0], axis_segs[1], crossings, w, cfg)
        if res is not None:
            full = np.zeros_like(ink)
            full[y0:y1, x0:x1] = region
            shapes.append((res[0], full, res[1]))
        elif len(rejected) < 16:
            rejected.append((i + 1, region, (slice(y0, y1), slice(x0, x1))))
    shapes += _overlapping_circles(lab, rejected, bridged, junctions, w, r, cfg)
    return shapes


def _fill_notches(region: np.ndarray, k: int, max_share: float = 0.06) -> np.ndarray | None:
    """The region closed over k pixels, when that adds only a little (notches, not a different shape)."""
    padded = np.pad(region, k + 1)
    closed = ndimage.binary_closing(padded, structure=np.ones((3, 3), bool), iterations=k)[k + 1:-k - 1, k + 1:-k - 1]
    added = int((closed & ~region).sum())
    if added == 0 or added > max_share * region.sum():
        return None
    return closed


def _classify_region(region: np.ndarray, origin: tuple[int, int], junctions: list[np.ndarray], w: float,
                     cfg: DiagramConfig) -> tuple[str, np.ndarray] | None:
    """A hole's centre-line region as a drawn shape, or None for a cell left between strokes."""
    kind, out, f = _shape_of(region, cfg)
    if kind is None:
        return None
    out = out + np.array(origin, float)
    size = max(np.ptp(out, axis=0))
    # The turn is measured over ±step along the outline: short enough that a small circle's own curvature
    # (2 step / radius) stays well below the corner threshold.
    step = max(3 * w + 3, 0.06 * size)
    if kind == "circle" and f["ell"] >= cfg.clean_ellipse - 0.02:
        step = min(step, 0.3 * math.sqrt(float(region.sum()) / math.pi))
    # Cells between strokes are never this clean; a clean outline with a stroke poking in stays a shape.
    clean = f["ell"] >= cfg.clean_ellipse or f["rect"] >= cfg.clean_rect
    # Two corners where strokes cross (a lens between two circles) make a cell however clean its outline.
    if _sharp_at(out, junctions, near=w + 4, step=step, deg=cfg.corner_deg, max_count=2) or \
            _sharp_at(out, junctions, near=w + 4, step=step, deg=cfg.clean_corner_deg if clean else cfg.corner_deg):
        return None
    return kind, out


def _bar_on_axis(region: np.ndarray, origin: tuple[int, int], x_axis: tuple[np.ndarray, np.ndarray],
                 y_axis: tuple[np.ndarray, np.ndarray], crossings: list[np.ndarray], w: float,
                 cfg: DiagramConfig) -> tuple[str, np.ndarray] | None:
    """A tall box standing on the x axis, its sides wobbly next to its narrow width: still a bar.

    A bar's outline crosses no stroke above the axis, and its sides are its own strokes: a cell whose outline
    crosses a stroke (a curve crossing the y axis) or runs up the y axis (a curve over the corner where the axes
    cross) is left between strokes.
    """
    kind, out, f = _shape_of(region, cfg)
    out = out + np.array(origin, float)
    axis_y = (x_axis[0][1] + x_axis[1][1]) / 2
    if any(q[1] < axis_y - 2 * w - 3 and float(np.hypot(*(out - q).T).min()) <= w + 4 for q in crossings):
        return None
    if float((_seg_dist(out, y_axis[0][None], y_axis[1][None])[0] <= 2 * w + 3).mean()) >= 0.2:
        return None
    bottom = float(out[:, 1].max())
    if abs(bottom - axis_y) > 2 * w + 3 or f["rect"] < cfg.bar_fill or f["sol"] < cfg.bar_convex:
        return None
    # Bars stand upright: they fill their upright box too (a cell between a curve and the axis does not), and
    # their flat top spans their width (a hump of a curve over the axis narrows to its top).
    ys, xs = np.nonzero(region)
    box = region[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    if float(box.mean()) < cfg.bar_fill or float(box[: max(1, len(box) // 4)].any(axis=0).mean()) < cfg.bar_top:
        return None
    return "rectangle", out


def _overlapping_circles(lab: np.ndarray, rejected: list[tuple[int, np.ndarray, tuple[slice, slice]]],
                         bridged: np.ndarray, junctions: list[np.ndarray], w: float, r: int,
                         cfg: DiagramConfig) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Cells that are no shape alone but whose union is an ellipse: overlapping circles (Venn diagrams)."""
    k = len(rejected)
    if k < 2 or k > 12:
        return []
    grow = int(math.ceil(w)) + 2
    full = []
    boxes = []
    for li, region, sl in rejected:
        m = np.zeros(lab.shape, bool)
        m[sl] = region
        full.append(m)
        boxes.append((sl[1].start, sl[0].start, sl[1].stop, sl[0].stop))
    area = [float(m.sum()) for m in full]

    def touch(a: int, b: int) -> bool:
        ba, bb = boxes[a], boxes[b]
        if ba[2] + grow < bb[0] or bb[2] + grow < ba[0] or ba[3] + grow < bb[1] or bb[3] + grow < ba[1]:
            return False
        y0, x0 = max(min(ba[1], bb[1]) - grow, 0), max(min(ba[0], bb[0]) - grow, 0)
        y1, x1 = max(ba[3], bb[3]) + grow, max(ba[2], bb[2]) + grow
        return bool((ndimage.binary_dilation(full[a][y0:y1, x0:x1], iterations=grow) & full[b][y0:y1, x0:x1]).any())
    adj = [[a != b and touch(a, b) for b in range(k)] for a in range(k)]
    found: list[tuple[str, np.ndarray, np.ndarray]] = []
    used_sets: list[frozenset[int]] = []
    seen_sets: set[frozenset[int]] = set()
    cands: list[tuple[float, frozenset[int], np.ndarray, np.ndarray]] = []
    frontier = [frozenset([a]) for a in range(k)]
    for size in range(2, 5):
        nxt = set()
        for s in frontier:
            for a in s:
                for b in range(k):
                    if adj[a][b] and b not in s:
                        nxt.add(s | {b})
        frontier = list(nxt)
        for s in sorted(frontier, key=sorted):
            if s in seen_sets:
                continue
            seen_sets.add(s)
            # Cheap test first: the cells must fill most of the ellipse inscribed in their joint box.
            bx0, by0 = min(boxes[a][0] for a in s), min(boxes[a][1] for a in s)
            bx1, by1 = max(boxes[a][2] for a in s), max(boxes[a][3] for a in s)
            if sum(area[a] for a in s) < 0.75 * math.pi / 4 * (bx1 - bx0) * (by1 - by0):
                continue
            y0, x0 = max(by0 - 2 * grow, 0), max(bx0 - 2 * grow, 0)
            y1c, x1c = min(by1 + 2 * grow, lab.shape[0]), min(bx1 + 2 * grow, lab.shape[1])
            union = np.zeros((y1c - y0, x1c - x0), bool)
            for a in s:
                union |= full[a][y0:y1c, x0:x1c]
            # The union with the ink between its cells, as one centre-line region.
            crop = ndimage.binary_fill_holes(ndimage.binary_closing(union, iterations=grow))
            region = np.zeros(lab.shape, bool)
            region[y0:y0 + crop.shape[0], x0:x0 + crop.shape[1]] = crop
            ys, xs = np.nonzero(crop)
            if not len(ys):
                continue
            y0, x0 = y0 + ys.min(), x0 + xs.min()
            crop = crop[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
            kind, out, f = _shape_of(crop, cfg)
            if kind != "circle":
                continue
            out = out + np.array([x0, y0], float)
            inner = [q for q in junctions if region[min(int(q[1]), region.shape[0] - 1),
                                                    min(int(q[0]), region.shape[1] - 1)]]
            step = max(3 * w + 3, 0.06 * max(np.ptp(out, axis=0)))
            if _sharp_at(out, [q for q in junctions if not any(q is z for z in inner)], w + 4, step, cfg.corner_deg):
                continue
            cands.append((f["ell"], s, region, out))
    # Best ellipses first; a union overlapping an accepted one in all but one cell is the same circle seen
    # differently (or the rounded triangle in the middle of three circles).
    for ell, s, region, out in sorted(cands, key=lambda c: -c[0]):
        if ell < cfg.union_ellipse or any(len(s & u) >= min(len(s), len(u)) - 1 and len(s & u) >= 2 and
                                          not (len(s) == 2 and len(u) == 2) for u in used_sets) \
                or any(s <= u or u <= s for u in used_sets):
            continue
        used_sets.append(s)
        found.append(("circle", region, out))
    return found


# Text ------------------------------------------------------------------------------------------------------------

def _text_pieces(ink: np.ndarray, L: float, cfg: DiagramConfig) -> tuple[list[np.ndarray], np.ndarray]:
    """Handwriting: words of small separate pieces; returns their boxes and the ink without them."""
    lab, n = ndimage.label(ink, structure=_K8)
    objs = ndimage.find_objects(lab)
    side = cfg.text_side * L
    small = [i for i, sl in enumerate(objs)
             if max(sl[0].stop - sl[0].start, sl[1].stop - sl[1].start) <= side]
    words = _merge_letters([objs[i] for i in small], side, cfg.text_gap) if small else []
    rest = ink.copy()
    boxes = []
    # Joined-up letters: one low, wide piece about a letter high, without a large enclosed hole.
    for i, sl in enumerate(objs):
        hh, ww = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if i in small or not (0.5 * side <= hh <= 1.2 * side and 1.6 * hh <= ww <= 4 * side):
            continue
        piece = lab[sl] == i + 1
        if (ndimage.binary_fill_holes(piece) & ~piece).sum() >= 0.3 * piece.size:
            continue
        rest[sl] &= ~piece
        boxes.append(np.array([sl[1].start, sl[0].start, sl[1].stop, sl[0].stop], float))
    for members in words:
        idx = [small[m] for m in members]
        sls = [objs[i] for i in idx]
        y0, x0 = min(s[0].start for s in sls), min(s[1].start for s in sls)
        y1, x1 = max(s[0].stop for s in sls), max(s[1].stop for s in sls)
        if len(idx) == 1:
            piece = lab[sls[0]] == idx[0] + 1
            ps = max(piece.shape)
            if ps < 0.25 * side:
                rest[sls[0]] &= ~piece      # a speck
                continue
            holes = ndimage.binary_fill_holes(piece) & ~piece
            # A lone small closed outline is a small shape, not a letter.
            if holes.sum() >= 0.3 * piece.size and ps >= 0.6 * side:
                continue
        for i in idx:
            rest[objs[i]] &= ~(lab[objs[i]] == i + 1)
        boxes.append(np.array([x0, y0, x1, y1], float))
    return boxes, rest


def _inside_labels(rest: np.ndarray, shapes: list[tuple[str, np.ndarray, np.ndarray]], boxes: list[np.ndarray],
                   w: float, side: float) -> list[np.ndarray]:
    """Ink left inside a shape once its ring is out, away from the outline, is the shape's label (handwriting
    that touched the outline, so it was not a separate piece); it leaves `rest` and joins or makes a text box."""
    out = list(boxes)
    outlines = np.concatenate([np.asarray(o, float) for _, _, o in shapes]) if shapes else np.zeros((0, 2))
    for _, region, _ in shapes:
        ys, xs = np.nonzero(region)
        sl = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
        filled = ndimage.binary_fill_holes(region[sl])
        sub = rest[sl] & filled
        if not sub.any():
            continue
        depth = ndimage.distance_transform_edt(filled)
        short = min(filled.shape)
        lab, n = ndimage.label(sub, structure=_K8)
        keep = np.zeros_like(sub)
        for k, csl in enumerate(ndimage.find_objects(lab)):
            comp = lab[csl] == k + 1
            # Only pieces wholly inside (a connector's end pokes in from outside) that reach well away from the
            # outline (a head's barb or a wobble of the ring stays next to it) and are more than a speck.
            if (rest[sl][csl] & ~filled[csl] & ndimage.binary_dilation(comp)).any() or comp.sum() < w * w + 4:
                continue
            if depth[csl][comp].max() < max(0.4 * depth.max(), w):
                continue
            # Letters, not a stroke crossing the shape (an arc of a Venn circle not found): letter-high and a
            # word wide at most (as for joined-up writing), and one letter's size or much more ink than one
            # stroke across their extent.
            if min(comp.shape) > side or max(comp.shape) > 4 * side:
                continue
            diag = math.hypot(*comp.shape)
            if diag > min(0.5 * short, 1.5 * side) and float(skeletonize(comp).sum()) < 1.5 * diag:
                continue
            # ... nor ink along some shape's outline (another circle's arc off its fit).
            cy, cx = np.nonzero(comp)
            pts = np.stack([cx + csl[1].start + sl[1].start, cy + csl[0].start + sl[0].start], axis=1)
            pts = pts[:: max(1, len(pts) // 40)].astype(float)
            d = np.sqrt(((pts[:, None, :] - outlines[None, :, :]) ** 2).sum(-1)).min(axis=1)
            if float((d <= 2 * w + 3).mean()) >= 0.5:
                continue
            keep[csl] |= comp
        if not keep.any():
            continue
        rest[sl] &= ~keep
        ky, kx = np.nonzero(keep)
        b = np.array([kx.min() + sl[1].start, ky.min() + sl[0].start, kx.max() + 1 + sl[1].start,
                      ky.max() + 1 + sl[0].start], float)
        # Letters of the label that were separate pieces already make a text box inside the shape: one label.
        for j, t in enumerate(out):
            cx, cy = int((t[0] + t[2]) / 2) - sl[1].start, int((t[1] + t[3]) / 2) - sl[0].start
            if 0 <= cy < filled.shape[0] and 0 <= cx < filled.shape[1] and filled[cy, cx]:
                out[j] = np.array([min(t[0], b[0]), min(t[1], b[1]), max(t[2], b[2]), max(t[3], b[3])], float)
                break
        else:
            out.append(b)
    return out


# Decomposition ---------------------------------------------------------------------------------------------------

def _stroke_kind(p: np.ndarray, w: float, cfg: DiagramConfig) -> tuple[str, list[Pt]]:
    """line (straight or polyline) or freehand, with simplified points."""
    chord = float(np.hypot(*(p[-1] - p[0])))
    length = _plen(p)
    if chord > 0:
        u = (p[-1] - p[0]) / chord
        d = p - p[0]
        dev = float(np.abs(d[:, 0] * u[1] - d[:, 1] * u[0]).max()) / chord
        if dev <= cfg.line_dev:
            return "line", [tuple(p[0]), tuple(p[-1])]
    # A polyline: few straight pieces with clear corners.
    tol = max(2.0 * w, 0.035 * length)
    v = _douglas_peucker(p, tol)
    if 3 <= len(v) <= 5:
        segs = np.diff(v, axis=0)
        turns = [_angle(segs[i], segs[i + 1]) for i in range(len(segs) - 1)]
        if min(turns) >= 50 and min(np.hypot(*segs.T)) >= 0.12 * length:
            return "line", [tuple(q) for q in v]
    return "freehand", [tuple(q) for q in _douglas_peucker(p, max(1.0, 0.6 * w))]


def _merge_across(strokes: list[np.ndarray], ink: np.ndarray, gap: float, w: float,
                  bend: float = 30.0) -> list[np.ndarray]:
    """Rejoin strokes cut by a removed shape ring or axis (a line passing over a circle, a curve over an axis).

    bend: the most each end may turn toward the gap when both turn about as much (a curve cut at its trough);
    otherwise both continue the gap within 35°.
    """
    strokes = list(strokes)
    changed = True
    while changed:
        changed = False
        best = None
        dl = max(3 * w + 3, 6.0)
        ends = []
        for i, p in enumerate(strokes):
            if len(p) < 2 or _plen(p) < 2 * w:
                continue
            ends.append((i, 0, p[0], _direction(p, dl)))
            ends.append((i, 1, p[-1], _direction(p[::-1], dl)))
        for x in range(len(ends)):
            for y in range(x + 1, len(ends)):
                i, si, pa, ua = ends[x]
                j, sj, pb, ub = ends[y]
                if i == j:
                    continue
                d = float(np.hypot(*(pb - pa)))
                if d > gap:
                    continue
                if d < 2 * w + 2:
                    # Ends at one spot (a junction where tracing stopped): they only need to continue each other.
                    if _angle(ua, -ub) > bend:
                        continue
                    if best is None or d < best[0]:
                        best = (d, i, si, j, sj)
                    continue
                # ua points from the end back into its stroke; the gap runs from pa to pb.
                g = (pb - pa) / d
                a1, a2 = _angle(-ua, g), _angle(-ub, -g)
                # Straight on; or (bend > 30) a curve turning evenly on both sides of the cut (its trough).
                if not (max(a1, a2) <= 35 and _angle(ua, -ub) <= 30) and \
                        not (max(a1, a2) <= bend and abs(a1 - a2) <= 0.4 * bend):
                    continue
                n = max(int(d), 2)
                xs = np.linspace(pa[0], pb[0], n).round().astype(int).clip(0, ink.shape[1] - 1)
                ys = np.linspace(pa[1], pb[1], n).round().astype(int).clip(0, ink.shape[0] - 1)
                if ink[ys, xs].mean() < 0.85:
                    continue
                if best is None or d < best[0]:
                    best = (d, i, si, j, sj)
        if best is not None:
            _, i, si, j, sj = best
            a = strokes[i] if si == 1 else strokes[i][::-1]
            b = strokes[j] if sj == 0 else strokes[j][::-1]
            merged = np.vstack([a, b])
            strokes = [p for k, p in enumerate(strokes) if k not in (i, j)] + [merged]
            changed = True
    return strokes


def _split_reversals(p: np.ndarray, span: float) -> list[np.ndarray]:
    """A chain cut where it turns back in x: a function's graph never does, so it is two curves' halves that
    tracing joined where they meet (two peaks on one spot, both rising from the left).

    Only a clear turn counts: the chain runs at least `span` one way in x and then at least `span` back.
    """
    x = p[:, 0]
    for k in (int(np.argmax(x)), int(np.argmin(x))):     # the turn is the chain's rightmost or leftmost point
        if abs(x[k] - x[0]) >= span and abs(x[k] - x[-1]) >= span:
            return _split_reversals(p[: k + 1], span) + _split_reversals(p[k:], span)
    return [p]


def _unshare_stems(chains: list[np.ndarray], w: float, gap: float) -> list[np.ndarray]:
    """Give back a stretch one curve took from another where the two touch at a shallow angle.

    Tracing pairs the ways through such a touch by least bend, so a curve with a valley at the touch may go on
    along the other curve to its end, and the valley's other side is left as a third curve. Where two chains end
    together after running side by side, and another chain's free end waits where they part, on the other side
    in x (a function's graph has one point over each x), one of the two gives up the shared stretch so that the
    joining that follows can join the two sides. Either way the plot has the same curves over the same x.
    """
    tol = 1.5 * w + 2
    for _ in range(len(chains)):
        best = None
        for i, j in itertools.permutations(range(len(chains)), 2):
            o = chains[j]
            for si in (0, 1):
                c = chains[i] if si == 0 else chains[i][::-1]        # the shared end first
                if min(math.dist(c[0], o[0]), math.dist(c[0], o[-1])) > tol:
                    continue
                off = _seg_dist(c, o[:-1], o[1:]).min(axis=0) > tol
                if not off.any():
                    continue
                k = int(np.argmax(off))
                rest = c[k:]
                if _plen(c[: k + 1]) < 3 * w or _plen(rest) < 3 * w:
                    continue
                # The nearest free end of another chain waiting where they part, on the other side in x.
                d = min((math.dist(end, rest[0]) for m, p in enumerate(chains) if m not in (i, j)
                         for sm, end in ((0, p[0]), (1, p[-1]))
                         if math.dist(end, rest[0]) <= gap and _facing(rest, 0, p, sm, 2 * w + 2)), default=None)
                if d is not None and (best is None or d < best[0]):
                    best = (d, i, rest if si == 0 else rest[::-1])
        if best is None:
            return chains
        chains = [best[2] if n == best[1] else p for n, p in enumerate(chains)]
    return chains


def _join_curves(pieces: list[np.ndarray], ink: np.ndarray, w: float, gap: float, far: float,
                 max_bend: float = 60.0, far_bend: float = 30.0, cross: np.ndarray | None = None,
                 cross_reach: float = 0.0) -> list[np.ndarray]:
    """Join pieces of curves end to end where one continues the other (least bend first); drop copies.

    Ends at one spot (a crossing) need only continue each other within max_bend; ends further apart also need
    ink along the gap and the gap to continue both ends; up to `far` apart (a curve crossing an axis at a
    shallow angle loses a long stretch with the axis) within far_bend. A graph of a function has one point
    over each x: two chains side by side whose facing ends are up to `far` apart with ink between join however
    sharply they meet there (a parabola's vertex cut out by the y axis); the ink between them may be thinner
    there (half of it the axis's). A gap running through `cross` (where the axes cross, both cutting the
    curve) may be cross_reach longer. Specks of a junction (shorter than 2 w) are left out. Chains turning back
    in x are cut first and stretches taken from a touching curve given back (_split_reversals, _unshare_stems);
    ends hooked past each other at a crossing join through the ink, after every plain join.
    """
    chains = [p for p in pieces if len(p) >= 2 and _plen(p) >= 2 * w]
    near, dl = 1.5 * w + 1, max(6 * w + 6, 20.0)
    chains = _unshare_stems([q for p in chains for q in _split_reversals(p, dl)], w, gap)
    while True:
        best = None
        # Outward direction at each end, judged a little away from it (tracing may hook at a crossing).
        ends = [(i, side, p[0] if side == 0 else p[-1], -_direction_far(p if side == 0 else p[::-1], near, dl))
                for i, p in enumerate(chains) for side in (0, 1)]
        lens = [_plen(p) for p in chains]
        for x in range(len(ends)):
            i, si, pa, ua = ends[x]
            for y in range(x + 1, len(ends)):
                j, sj, pb, ub = ends[y]
                if i == j:
                    continue
                d = float(np.hypot(*(pb - pa)))
                if d > far and not (cross is not None and d <= far + cross_reach and
                                    _near_segment(cross, pa, pb) <= cross_reach / 2):
                    continue
                agree = _angle(ua, -ub)
                bend = agree
                side_by_side = _facing(chains[i], si, chains[j], sj, 2 * w + 2)
                if side_by_side:
                    bend = min(bend, max_bend)
                if d >= 2 * w + 2:
                    g = (pb - pa) / d
                    bend = max(bend, _angle(ua, g), _angle(-ub, g))
                    if d > gap and bend > far_bend and not side_by_side:
                        continue
                    if side_by_side:
                        bend = min(bend, max_bend)
                    inked = False
                    if bend <= max_bend:
                        n = max(int(d), 2)
                        xs = np.linspace(pa[0], pb[0], n).round().astype(int).clip(0, ink.shape[1] - 1)
                        ys = np.linspace(pa[1], pb[1], n).round().astype(int).clip(0, ink.shape[0] - 1)
                        inked = ink[ys, xs].mean() >= (0.6 if side_by_side else 0.85)
                    if not inked:
                        # Ends hooked by tracing through a crossing overlap or point off the gap, so no straight
                        # inked chord joins them: ends close together that continue each other further back (or
                        # side by side in x) and are joined by a short way through the ink are still one curve
                        # (not a speck of the crossing: it has no direction of its own).
                        hooked = ((d <= gap and agree <= far_bend) or agree <= far_bend / 2 or side_by_side) and \
                            min(lens[i], lens[j]) >= dl and _through_ink(ink, pa, pb, int(1.5 * d + 2 * w) + 2)
                        if not hooked:
                            continue
                        bend = max_bend    # after every plain join
                if bend <= max_bend and (best is None or bend < best[0]):
                    best = (bend, i, si, j, sj)
        if best is None:
            break
        _, i, si, j, sj = best
        a = chains[i] if si == 1 else chains[i][::-1]
        b = chains[j] if sj == 0 else chains[j][::-1]
        chains = [p for k, p in enumerate(chains) if k not in (i, j)] + [np.vstack([a, b])]
    # Two curves touching along a stretch are traced with that stretch twice: a piece lying along longer
    # chains is a copy.
    chains.sort(key=lambda p: -_plen(p))
    kept: list[np.ndarray] = []
    for p in chains:
        q = p[:: max(1, len(p) // 24)]
        if kept:
            near = np.zeros(len(q), bool)
            for o in kept:
                near |= _seg_dist(q, o[:-1], o[1:]).min(axis=0) <= 1.5 * w + 2
            if near.mean() >= 0.8:
                continue
        kept.append(p)
    return kept


def _through_ink(ink: np.ndarray, a: np.ndarray, b: np.ndarray, limit: int) -> bool:
    """True when b is reached from a through ink (8-connected) within limit steps."""
    h, wd = ink.shape
    x0, x1 = int(max(0, min(a[0], b[0]) - limit)), int(min(wd, max(a[0], b[0]) + limit + 1))
    y0, y1 = int(max(0, min(a[1], b[1]) - limit)), int(min(h, max(a[1], b[1]) + limit + 1))
    win = ink[y0:y1, x0:x1]
    ay, ax = int(round(a[1])) - y0, int(round(a[0])) - x0
    by, bx = int(round(b[1])) - y0, int(round(b[0])) - x0
    if not (0 <= ay < win.shape[0] and 0 <= ax < win.shape[1] and 0 <= by < win.shape[0] and 0 <= bx < win.shape[1]):
        return False
    if not (win[ay, ax] and win[by, bx]):
        return False
    reached = np.zeros_like(win, dtype=bool)
    reached[ay, ax] = True
    for _ in range(limit):
        grown = ndimage.binary_dilation(reached, _K8) & win
        if grown[by, bx]:
            return True
        if (grown == reached).all():
            return False
        reached = grown
    return False


def _join_corners(pieces: list[np.ndarray], lens: list[float], used: list[bool], heads: dict[tuple[int, int], int],
                  shapes: list[Primitive], w: float, min_len: float, attach: float) -> None:
    """Join (in place) two long pieces whose ends meet where no other long piece ends and no shape is near: a
    connector's corner. The first piece takes the joined path; heads at the far ends move with it."""
    near = max(2.0, 1.5 * w)
    while True:
        live = [k for k in range(len(pieces)) if not used[k] and lens[k] >= min_len]
        ends = [(k, s, pieces[k][0 if s == 0 else -1]) for k in live for s in (0, 1)]
        found = None
        for i, (k, sk, pk) in enumerate(ends):
            for m, sm, pm in ends[i + 1:]:
                if m == k or math.dist(pk, pm) > near or (k, sk) in heads or (m, sm) in heads:
                    continue
                if any(math.dist(q, pk) <= 2 * near for j, _, q in ends if j not in (k, m)):
                    continue
                if any(abs(_dist_to_outline(tuple(pk), s)) <= attach for s in shapes):
                    continue
                found = (k, sk, m, sm)
                break
            if found:
                break
        if found is None:
            return
        k, sk, m, sm = found
        a = pieces[k] if sk == 1 else pieces[k][::-1]       # ends at the corner
        b = pieces[m] if sm == 0 else pieces[m][::-1]       # starts there
        h0, h1 = heads.pop((k, 1 - sk), 0), heads.pop((m, 1 - sm), 0)
        pieces[k] = np.vstack([a, b[1:]])
        lens[k] = _plen(pieces[k])
        used[m] = True
        for side, h in ((0, h0), (1, h1)):
            if h:
                heads[(k, side)] = h


def _facing(a: np.ndarray, sa: int, b: np.ndarray, sb: int, tol: float) -> bool:
    """True when two chains lie side by side in x and the given ends are their facing extremes."""
    ea, eb = (a[0] if sa == 0 else a[-1]), (b[0] if sb == 0 else b[-1])
    (l, ll), (r, rr) = ((a, ea), (b, eb)) if a[:, 0].mean() <= b[:, 0].mean() else ((b, eb), (a, ea))
    return bool(l[:, 0].max() <= ll[0] + tol and r[:, 0].min() >= rr[0] - tol and ll[0] <= rr[0] + tol)


def _axes(strokes: list[np.ndarray], w: float, box: tuple[float, float, float, float],
          cfg: DiagramConfig, dist: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """A horizontal and a vertical long straight stroke that meet (or cross): the x and y axes.

    Curves crossing an axis cut its traced stroke into pieces (tracing may turn onto a curve at a crossing), so
    any straight piece of a fifth of the ink's width or height is followed along the ink in both directions first
    and judged by how far the ink goes.
    """
    W, H = box[2] - box[0], box[3] - box[1]
    seed = 0.2 if dist is not None else cfg.axis_len
    hs, vs = [], []
    for p in strokes:
        for q in _split_sharp(p, max(2.0, 1.5 * w), 60.0):
            if len(q) < 2:
                continue
            a, b = q[0], q[-1]
            d = b - a
            length = float(np.hypot(*d))
            if length < 1:
                continue
            dev = float(np.abs((q - a) @ np.array([d[1], -d[0]]) / length).max()) / length
            if dev > cfg.line_dev:
                continue
            ang = math.degrees(math.atan2(abs(d[1]), abs(d[0])))
            horizontal = ang <= cfg.axis_tilt_deg
            if not (horizontal or ang >= 90 - cfg.axis_tilt_deg):
                continue
            span = W if horizontal else H
            if length < seed * span:
                continue
            if dist is not None:
                a, b = _extend(a, b, dist, w), _extend(b, a, dist, w)
                length = float(np.hypot(*(b - a)))
            (hs if horizontal else vs).append((length, a, b))
    # Pieces of one axis followed from both sides of a crossing overlap: one axis.
    hs = [c for c in _merge_collinear(hs, 0, 2 * w + 3) if c[0] >= cfg.axis_len * W]
    vs = [c for c in _merge_collinear(vs, 1, 2 * w + 3) if c[0] >= cfg.axis_len * H]
    best = None
    for lh, ha, hb in hs:
        for lv, va, vb in vs:
            # Where the two lines would meet, and how far each has to be extended to get there.
            x_at, y_at = (va[0] + vb[0]) / 2, (ha[1] + hb[1]) / 2
            ext_h = max(0.0, min(ha[0], hb[0]) - x_at, x_at - max(ha[0], hb[0]))
            ext_v = max(0.0, min(va[1], vb[1]) - y_at, y_at - max(va[1], vb[1]))
            # Axes meet at the lower left (an L) or cross; a path turning at its lower right (a feedback
            # arrow under a row of boxes) or upper corners is not a pair of axes.
            left_x, right_x = min(ha[0], hb[0]), max(ha[0], hb[0])
            top_y, bottom_y = min(va[1], vb[1]), max(va[1], vb[1])
            x_frac = (x_at - left_x) / max(right_x - left_x, 1.0)
            y_frac = (bottom_y - y_at) / max(bottom_y - top_y, 1.0)
            if x_frac > 0.7 or y_frac > 0.7:
                continue
            if ext_h <= 0.08 * lh + 3 * w and ext_v <= 0.08 * lv + 3 * w:
                if best is None or lh + lv > best[0]:
                    best = (lh + lv, (ha, hb), (va, vb))
    if best is None:
        return None
    (ha, hb), (va, vb) = best[1], best[2]
    return np.array([ha, hb]), np.array([va, vb])


def _merge_collinear(segs: list[tuple[float, np.ndarray, np.ndarray]], k: int,
                     tol: float) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Join axis-parallel segments (along coordinate k) that overlap and lie on one line (within tol)."""
    segs = [(l, a, b) if a[k] <= b[k] else (l, b, a) for l, a, b in segs]
    changed = True
    while changed:
        changed = False
        for x in range(len(segs)):
            for y in range(x + 1, len(segs)):
                _, a1, b1 = segs[x]
                _, a2, b2 = segs[y]
                lo, hi = max(a1[k], a2[k]), min(b1[k], b2[k])
                if hi < lo - tol:
                    continue
                mid = (lo + hi) / 2

                def at(a: np.ndarray, b: np.ndarray) -> float:
                    t = (mid - a[k]) / max(b[k] - a[k], 1e-9)
                    return float(a[1 - k] + t * (b[1 - k] - a[1 - k]))
                if abs(at(a1, b1) - at(a2, b2)) > tol:
                    continue
                a = a1 if a1[k] <= a2[k] else a2
                b = b1 if b1[k] >= b2[k] else b2
                segs[x] = (float(np.hypot(*(b - a))), a, b)
                del segs[y]
                changed = True
                break
            if changed:
                break
    return segs


def _extend(a: np.ndarray, b: np.ndarray, dist: np.ndarray, w: float) -> np.ndarray:
    """Move a away from b for as long as ink continues along the line (gaps up to 2 w are bridged).

    A hand-drawn axis wobbles off its chord: the walk follows the ink sideways by up to a quarter pixel a step
    (about 14°), up to a few widths and 5 % of its length off the line.
    """
    d = a - b
    n = float(np.hypot(*d))
    if n < 1e-9:
        return a
    u = d / n
    nrm = np.array([-u[1], u[0]])
    H, W = dist.shape
    on = 0.5 * w + 1.5
    best, miss, t, lat = a, 0.0, 0.0, 0.0
    while miss <= 2 * w + 1:
        t += 1.0
        found = None
        for dl in (0.0, -0.25, 0.25):
            if abs(lat + dl) > 2 * w + 3 + 0.05 * (n + t):
                continue
            x, y = a + u * t + nrm * (lat + dl)
            xi, yi = int(round(x)), int(round(y))
            if not (0 <= xi < W and 0 <= yi < H):
                continue
            if dist[yi, xi] <= on and (found is None or dist[yi, xi] < found[0]):
                found = (float(dist[yi, xi]), dl)
        x, y = a + u * t + nrm * lat
        if not (0 <= int(round(x)) < W and 0 <= int(round(y)) < H):
            break
        if found is not None:
            lat += found[1]
            best, miss = a + u * t + nrm * lat, 0.0
        else:
            miss += 1.0
    return best


def _head_spread(pieces: list[np.ndarray], m: int, side: int, others: list[int], rest: np.ndarray, w: float,
                 zone: float, stubs: bool = False, reach: float = 0.0,
                 through: np.ndarray | None = None,
                 bands: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> float:
    """Sideways extent of the ink just behind one end of a stroke (its own line is about w wide).

    stubs: the end is at a shape's removed ring, so separate small pieces beside it count too, unless one of
    the long strokes traced into the mask `through` passes over them (another line arriving at the shape), or
    they lie along one of the other verified straight connectors `bands` (ends a, ends b, tolerances).
    reach: how far from the end its ink may stop (a verified straight connector's end is only known to within
    its tolerance).
    """
    p = pieces[m] if side == 1 else pieces[m][::-1]      # p ends at the end in question
    end = p[-1]
    u = -_direction(p[::-1], max(3 * w + 3, 0.25 * zone))   # outward at the end
    R = zone + w
    x0, y0 = int(max(end[0] - R - 2, 0)), int(max(end[1] - R - 2, 0))
    x1, y1 = int(min(end[0] + R + 3, rest.shape[1])), int(min(end[1] + R + 3, rest.shape[0]))
    crop = rest[y0:y1, x0:x1].copy()
    if not crop.any():
        return 0.0
    # Ink of other long strokes passing by is not part of this end.
    other = np.zeros_like(crop)
    for k in others:
        if k == m:
            continue
        q = pieces[k]
        inside = (q[:, 0] >= x0 - 2) & (q[:, 0] < x1 + 2) & (q[:, 1] >= y0 - 2) & (q[:, 1] < y1 + 2)
        if not inside.any():
            continue
        qq = np.round(q[inside] - [x0, y0]).astype(int)
        for a, b in zip(qq[:-1], qq[1:]):
            rr, cc = draw_line(a[1], a[0], b[1], b[0])
            ok = (rr >= 0) & (rr < crop.shape[0]) & (cc >= 0) & (cc < crop.shape[1])
            other[rr[ok], cc[ok]] = True
    if other.any():
        crop &= ~ndimage.binary_dilation(other, iterations=int(math.ceil(0.6 * w)) + 1)
    lab, _ = ndimage.label(crop, structure=_K8)
    ey, ex = int(round(end[1])) - y0, int(round(end[0])) - x0
    ys, xs = np.nonzero(lab)
    if not len(ys):
        return 0.0
    k = int(np.argmin((ys - ey) ** 2 + (xs - ex) ** 2))
    if (ys[k] - ey) ** 2 + (xs[k] - ex) ** 2 > max(w + 2, reach) ** 2:
        return 0.0
    sel = lab == lab[ys[k], xs[k]]
    if stubs:
        # A shape's ring cut the head off its shaft: the barbs' outer stubs are small pieces of their own, each
        # to one side behind the end.
        nrm = np.array([-u[1], u[0]])
        for c, sl in enumerate(ndimage.find_objects(lab)):
            if c + 1 == lab[ys[k], xs[k]]:
                continue
            cy, cx = np.nonzero(lab[sl] == c + 1)
            rel = np.stack([cx + sl[1].start + x0 - end[0], cy + sl[0].start + y0 - end[1]], axis=1)
            al, la = rel @ u, rel @ nrm
            if al.min() >= -zone and al.max() <= w + 2 and np.abs(la).max() <= zone and al.mean() <= -0.5 * w \
                    and (la.min() > 0.5 * w or la.max() < -0.5 * w) and \
                    not (through is not None and through[cy + sl[0].start + y0, cx + sl[1].start + x0].mean() >= 0.5) \
                    and not (bands is not None and len(bands[0]) and
                             ((_seg_dist(rel + end, bands[0], bands[1]) <= bands[2][:, None]).mean(axis=1) >= 0.5).any()):
                sel[sl] |= lab[sl] == c + 1
    ys, xs = np.nonzero(sel)
    rel = np.stack([xs + x0 - end[0], ys + y0 - end[1]], axis=1)
    along = rel @ u
    lat = rel @ np.array([-u[1], u[0]])
    keep = (along >= -zone) & (along <= w + 2) & (np.abs(lat) <= zone)
    if not keep.any():
        return 0.0
    # Both sides: a head spreads to either side of its shaft; a neighbouring line merging in spreads to one.
    return float(2 * min(lat[keep].max(), -lat[keep].min()))


def _axes_on_shapes(axis_segs: list[tuple[np.ndarray, np.ndarray]], shapes: list[Primitive], w: float) -> bool:
    """True when the 'axes' are sides of shapes (two boxes' edges, a box and a connector), or a path from shape
    to shape (a feedback arrow routed below a row of boxes), not axes."""
    outs = [np.asarray(s.points, float) for s in shapes]
    # Axes end in the open: an end running into a shape (the ink's way on from the end is inside it) belongs to
    # a connector. (A bar standing next to the x axis's end is beside the way on, not on it.)
    for a, b in axis_segs:
        for q, o in ((a, b), (b, a)):
            u = (q - o) / max(float(np.hypot(*(q - o))), 1e-9)
            ahead = q + u * (2 * w + 4)
            if any(_dist_to_outline((float(ahead[0]), float(ahead[1])), s) < 0 for s in shapes):
                return True
    fr = []
    for a, b in axis_segs:
        pts = a + np.linspace(0, 1, 12)[:, None] * (b - a)
        near = [min(float(np.hypot(*(o - q).T).min()) for o in outs) <= 2 * w + 3 for q in pts]
        fr.append(sum(near) / len(near))
    return fr[1] >= 0.4 or fr[0] >= 0.85


def _seg_dist(pts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances (segments × points) from points (n, 2) to segments a[i]–b[i] (m, 2)."""
    ab = (b - a)[:, None, :]
    ap = pts[None, :, :] - a[:, None, :]
    t = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-9), 0, 1)
    return np.hypot(*(ap - t[..., None] * ab).transpose(2, 0, 1))


def _resample_path(pts: list[Pt], n: int) -> np.ndarray:
    """n points evenly spaced along a polyline."""
    p = np.asarray(pts, float)
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])
    if arc[-1] <= 0:
        return np.repeat(p[:1], n, axis=0)
    t = np.linspace(0, arc[-1], n)
    return np.stack([np.interp(t, arc, p[:, 0]), np.interp(t, arc, p[:, 1])], axis=1)


def _apart(p: Primitive, q: Primitive) -> float:
    """Median distance from the middle of one connector's path to the other's path."""
    mid = _resample_path(p.points, 21)[5:16]
    other = np.asarray(q.points, float)
    if len(other) < 2:
        return float(np.hypot(*(mid - other[0]).T).min())
    return float(np.median(_seg_dist(mid, other[:-1], other[1:]).min(axis=0)))


def _side_by_side(mask: np.ndarray, a: np.ndarray, b: np.ndarray, path: list[Pt], w: float) -> bool:
    """True when, across the middle of the segment a–b, ink runs beside the given path as well (a second
    stroke between the same two ends), in at least four of five cross-sections."""
    n = float(np.hypot(*(b - a)))
    if n < 1:
        return False
    u = (b - a) / n
    nrm = np.array([-u[1], u[0]])
    p = _resample_path(path, 41)
    along, side = (p - a) @ u, (p - a) @ nrm
    hits = 0
    for f in (0.3, 0.4, 0.5, 0.6, 0.7):
        s0 = float(side[int(np.argmin(np.abs(along - f * n)))])
        half = abs(s0) + 3 * w + 2
        offs = np.arange(-half, half + 0.25, 0.5)
        q = a + u * f * n + offs[:, None] * nrm
        xi, yi = np.round(q[:, 0]).astype(int), np.round(q[:, 1]).astype(int)
        ok = (xi >= 0) & (xi < mask.shape[1]) & (yi >= 0) & (yi < mask.shape[0])
        ink = np.zeros(len(offs), bool)
        ink[ok] = mask[yi[ok], xi[ok]]
        lab, k = ndimage.label(ink)
        centres = [float(offs[lab == r].mean()) for r in range(1, k + 1)]
        if any(abs(c - s0) >= 2 * w + 2 for c in centres):
            hits += 1
    return hits >= 4


def _trim_along_axes(q: np.ndarray, axis_segs: list[tuple[np.ndarray, np.ndarray]], w: float, tol: float,
                     max_deg: float = 15.0) -> np.ndarray:
    """Cut off an end stretch (at least 4 w long) of a traced curve that runs beside an axis at a steady distance."""
    for side in (0, 1):
        p = q if side == 0 else q[::-1]
        for a, b in axis_segs:
            n_ab = float(np.hypot(*(b - a)))
            u = (b - a) / max(n_ab, 1e-9)
            off = np.abs((p - a) @ np.array([-u[1], u[0]]))
            t = (p - a) @ u
            # Steady: within a width (and a pixel or two) of the distance at the end.
            inside = (off <= tol) & (np.abs(off - off[0]) <= w + 2) & (t >= -tol) & (t <= n_ab + tol)
            k = int(np.argmin(inside)) if not inside.all() else len(p)
            if k < 2 or _plen(p[:k]) < 4 * w or _plen(p[k:]) < 2 * _plen(p[:k]):
                continue
            chord = p[k - 1] - p[0]
            along = abs(float(chord @ u)) / max(float(np.hypot(*chord)), 1e-9)
            if along >= math.cos(math.radians(max_deg)):
                p = p[k - 1:]
                break
        q = p if side == 0 else p[::-1]
    return q


def _crossing(h: np.ndarray, v: np.ndarray) -> np.ndarray | None:
    """Where the lines through two segments cross (None when they are nearly parallel)."""
    d1, d2 = h[1] - h[0], v[1] - v[0]
    den = float(d1[0] * d2[1] - d1[1] * d2[0])
    if abs(den) < 1e-9:
        return None
    t = float((v[0] - h[0])[0] * d2[1] - (v[0] - h[0])[1] * d2[0]) / den
    return h[0] + t * d1


def _near_segment(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    t = np.clip(np.dot(q - a, b - a) / max(np.dot(b - a, b - a), 1e-9), 0, 1)
    return float(np.hypot(*(a + t * (b - a) - q)))


def _open_circle(p: np.ndarray, w: float, min_side: float, max_gap_deg: float = 100.0) -> np.ndarray | None:
    """The outline of the circle a curve runs around when it goes most of the way round one (else None)."""
    if len(p) < 8:
        return None
    x, y = p[:, 0], p[:, 1]
    # Least-squares circle: x² + y² + D x + E y + F = 0.
    A = np.stack([x, y, np.ones_like(x)], axis=1)
    sol, *_ = np.linalg.lstsq(A, -(x * x + y * y), rcond=None)
    cx, cy = -sol[0] / 2, -sol[1] / 2
    r2 = cx * cx + cy * cy - sol[2]
    if r2 <= 0:
        return None
    r = math.sqrt(r2)
    if 2 * r < min_side:
        return None
    res = np.hypot(x - cx, y - cy) - r
    if float(np.sqrt(np.mean(res ** 2))) > max(0.06 * r, w):
        return None
    ang = np.sort(np.degrees(np.arctan2(y - cy, x - cx)))
    gaps = np.diff(np.concatenate([ang, [ang[0] + 360.0]]))
    if float(gaps.max()) > max_gap_deg:
        return None
    t = np.linspace(0, 2 * math.pi, 48, endpoint=False)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1)


def _circle_across_ink(p: np.ndarray, w: float, min_side: float, dist_ink: np.ndarray,
                       max_gap_deg: float = 170.0, cover: float = 0.75) -> np.ndarray | None:
    """The circle an arc runs around when ink lies along the rest of it (the arc's other side cut off as a lens)."""
    ring = _open_circle(p, w, min_side, max_gap_deg)
    if ring is None:
        return None
    c = ring.mean(axis=0)
    r = float(np.hypot(*(ring[0] - c)))
    ang = np.sort(np.arctan2(p[:, 1] - c[1], p[:, 0] - c[0]))
    gaps = np.diff(np.concatenate([ang, [ang[0] + 2 * math.pi]]))
    k = int(np.argmax(gaps))
    t = ang[k] + np.linspace(0, gaps[k], 24)[1:-1]
    q = np.round(np.stack([c[0] + r * np.cos(t), c[1] + r * np.sin(t)], axis=1)).astype(int)
    h, wd = dist_ink.shape
    ok = (q[:, 0] >= 0) & (q[:, 0] < wd) & (q[:, 1] >= 0) & (q[:, 1] < h)
    near = np.zeros(len(q), bool)
    near[ok] = dist_ink[q[ok, 1], q[ok, 0]] <= w + 2 + 0.12 * r
    return ring if float(near.mean()) >= cover else None


def _same_circle(a: np.ndarray, b: np.ndarray, w: float) -> bool:
    """Whether two outlines are one circle (centres and radii within a tenth of the radius)."""
    ca, cb = a.mean(axis=0), b.mean(axis=0)
    ra = float(np.hypot(a[:, 0] - ca[0], a[:, 1] - ca[1]).mean())
    rb = float(np.hypot(b[:, 0] - cb[0], b[:, 1] - cb[1]).mean())
    tol = 0.1 * max(ra, rb) + w
    return math.dist(tuple(ca), tuple(cb)) <= tol and abs(ra - rb) <= tol


def _is_lens(outline: np.ndarray, own: int, circles: list[tuple[np.ndarray, float, bool]], w: float) -> bool:
    """Whether a closed outline is made of arcs of two other circles (one of them found open): their overlap."""
    x, y = outline[:, 0], outline[:, 1]
    area = 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))
    covered = np.zeros(len(outline), bool)
    parts, new = 0, False
    for k, (c, r, is_new) in enumerate(circles):
        if k == own or area >= 0.8 * math.pi * r * r:
            continue    # not smaller than the circle: the same circle found twice, not an overlap
        on = np.abs(np.hypot(outline[:, 0] - c[0], outline[:, 1] - c[1]) - r) <= 1.5 * w + 2 + 0.1 * r
        if on.mean() >= 0.2:
            parts += 1
            new = new or is_new
        covered |= on
    return parts >= 2 and new and float(covered.mean()) >= 0.9


def _ring(region: np.ndarray, grow: int) -> np.ndarray:
    """A shape's drawn outline: its centre-line region's border, grown to either side."""
    return ndimage.binary_dilation(region, iterations=grow) & ~ndimage.binary_erosion(region, iterations=grow)


def _shape_primitive(kind: str, outline: np.ndarray, w: float) -> Primitive:
    """A circle or box primitive from its outline."""
    x0, y0 = outline.min(axis=0)
    x1, y1 = outline.max(axis=0)
    pts = _douglas_peucker(outline, max(1.0, 0.5 * w))
    return Primitive(kind, (float(x0), float(y0), float(x1), float(y1)), [tuple(q) for q in pts])


def decompose(ink: np.ndarray, cfg: DiagramConfig = DiagramConfig(), canvas_side: float = 0.0) -> Diagram:
    """Take a (connected) ink mask apart into primitives, connections and containment.

    canvas_side: the pad's long side in mask pixels; letters are judged against it too, so the label of a
    single small shape is still a letter.
    """
    ink = np.asarray(ink, bool)
    ys, xs = np.nonzero(ink)
    if len(ys) == 0:
        return Diagram([], [], 1.0)
    box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    L = max(box[2] - box[0], box[3] - box[1], 1.0)
    prims: list[Primitive] = []
    L_text = max(L, cfg.text_canvas / cfg.text_side * canvas_side)
    text_boxes, body = _text_pieces(ink, L_text, cfg)
    skel = skeletonize(body)
    sk_len = max(float(skel.sum()), 1.0)
    w = max(1.0, float(body.sum()) / sk_len)
    spur = max(2.5 * w + 2, 0.02 * L)
    g = _graph(skel, merge_len=max(2.5 * w, 4.0))
    # Pass A: strokes of the whole body, for the axes.
    strokes_a = _trace(g, w, spur, cfg.pair_deg)
    if body.any():
        bys, bxs = np.nonzero(body)
        bbox_body = (float(bxs.min()), float(bys.min()), float(bxs.max() + 1), float(bys.max() + 1))
    else:
        bbox_body = box
    axes = _axes(strokes_a, w, bbox_body, cfg, ndimage.distance_transform_edt(~body)) if strokes_a else None
    axis_segs = [(axes[0][0], axes[0][1]), (axes[1][0], axes[1][1])] if axes is not None else []
    shapes = _find_shapes(body, g, w, L, axis_segs, cfg) if body.any() else []
    # Rings of the shapes out; the rest is connectors, axes and curves.
    rest = body.copy()
    grow = int(math.ceil(cfg.ring * w)) + 2
    for kind, region, outline in shapes:
        rest &= ~_ring(region, grow)
        prims.append(_shape_primitive(kind, outline, w))
    n_shapes = len(prims)
    if axes is not None and shapes and _axes_on_shapes(axis_segs, prims, w):
        # No axes after all: the shapes are found again without the rules for bars standing on an axis.
        axes, axis_segs = None, []
        shapes = _find_shapes(body, g, w, L, axis_segs, cfg)
        rest = body.copy()
        prims = []
        for kind, region, outline in shapes:
            rest &= ~_ring(region, grow)
            prims.append(_shape_primitive(kind, outline, w))
        n_shapes = len(prims)
    text_boxes = _inside_labels(rest, shapes, text_boxes, w, cfg.text_side * L_text)
    if axes is not None:
        # The axes out too: curves crossing them are cut there and rejoined straight across below, instead of
        # being traced around the crossing onto the axis.
        band = np.zeros_like(rest)
        for a, b in axis_segs:
            rr, cc = draw_line(int(round(a[1])), int(round(a[0])), int(round(b[1])), int(round(b[0])))
            ok = (rr >= 0) & (rr < band.shape[0]) & (cc >= 0) & (cc < band.shape[1])
            band[rr[ok], cc[ok]] = True
        rest &= ~ndimage.binary_dilation(band, iterations=grow)
    # Without the shapes, junctions are crossings and arrow tips: forks a few widths apart are one crossing
    # (two lines crossing at a shallow angle share a stretch of skeleton).
    # Arrow barbs cut short by a ring are short branches too: only true skeleton spurs (about a width) are dropped.
    strokes = _trace(_graph(skeletonize(rest), max(5 * w + 4, 0.03 * L)), w, 1.5 * w + 1, cfg.pair_deg,
                     cfg.pair_far * L) \
        if rest.any() else []
    if len(strokes) <= cfg.max_strokes:      # pairwise over stroke ends: bounded for busy images
        strokes = _merge_across(strokes, body, 2 * grow + 2 * w + 4, w, 30.0 if axes is None else 60.0)
    # A plot: axes and no shapes. Its strokes are graphs of functions, which may peak sharply: not cut there.
    plot = axes is not None and n_shapes == 0
    pieces = list(strokes) if plot else [q for p in strokes for q in _split_sharp(p, max(2.0, 1.2 * w), cfg.split_deg)]
    min_len = max(cfg.min_stroke * L, 4 * w)
    lens = [_plen(q) for q in pieces]
    # Pieces running along a shape's outline are leftovers of its ring (an overshoot, a wobble off the fit).
    used = [_along_outline(q, prims[:n_shapes], 2 * w + 3, max(w + 1, 4.0)) for q in pieces]
    # A short stroke leaving a shape's outline along its tangent is the pen running on past a corner or past
    # the start of a circle (an overshoot), not a connector.
    def joined(k: int) -> bool:
        """True when a piece ends where a longer piece does (a barb and its shaft at one junction)."""
        return any(m != k and lens[m] > lens[k] and min(math.dist(a, b) for a in (pieces[k][0], pieces[k][-1])
                                                         for b in (pieces[m][0], pieces[m][-1])) <= 1.5
                   for m in range(len(pieces)))
    for k in range(len(pieces)):
        if not used[k] and lens[k] <= cfg.tail * L and _overshoot(pieces[k], prims[:n_shapes], 2 * w + 3) \
                and not joined(k):
            used[k] = True
    # ... unless a short one leaves the end of a longer stroke that is not (a barb of a head on a shape's edge).
    for k in [k for k in range(len(pieces)) if used[k] and lens[k] <= cfg.head_zone * L + 2 * w]:
        if any(not used[m] and lens[m] > 2 * lens[k] and min(math.dist(a, b) for a in (pieces[k][0], pieces[k][-1])
                                                              for b in (pieces[m][0], pieces[m][-1])) <= 1.5
               for m in range(len(pieces)) if m != k):
            used[k] = False
    # Axes absorb the pieces lying along them (and barbs at their ends become axis arrowheads).
    if axes is not None:
        for k, q in enumerate(pieces):
            sample = q[:: max(1, len(q) // 12)]
            near = [min(_near_segment(pt, a, b) for a, b in axis_segs) <= 2 * w + 3 + 0.02 * L for pt in sample]
            if np.mean(near) >= 0.8:
                used[k] = True
        # A wobbly axis is followed only so far: a piece going on from an axis's end along its line is the
        # rest of that axis (with its arrowhead), not a curve or a line.
        tol_ax = 2 * w + 3 + 0.02 * L
        for k, q in enumerate(pieces):
            if used[k]:
                continue
            for ai, (a, b) in enumerate(axis_segs):
                u = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
                off = np.abs((q - a) @ np.array([-u[1], u[0]]))
                t = (q - a) @ u
                n_ab = float(np.hypot(*(b - a)))
                for e, beyond in ((a, t <= tol_ax), (b, t >= n_ab - tol_ax)):
                    if min(math.dist(q[0], e), math.dist(q[-1], e)) <= tol_ax and off.max() <= tol_ax \
                            and beyond.all():
                        used[k] = True
                        far = a + u * (float(t.min()) if e is a else float(t.max()))
                        axis_segs[ai] = (far, b) if e is a else (a, far)
                        break
                if used[k]:
                    break
        if plot:
            # A curve meeting a wobbly axis at a shallow angle is traced on along the axis's ink left outside
            # the cut band: an end stretch running beside an axis at a steady distance is the axis's, not the
            # curve's (left on, its end points away from the rest of the curve and no join continues it).
            for k, q in enumerate(pieces):
                if not used[k]:
                    pieces[k] = _trim_along_axes(q, axis_segs, w, tol_ax)
                    lens[k] = _plen(pieces[k])
        axes = (np.array(axis_segs[0]), np.array(axis_segs[1]))
        hx, vx = axes
        xs_ = np.concatenate([hx[:, 0], vx[:, 0]])
        ys_ = np.concatenate([hx[:, 1], vx[:, 1]])
        prims.append(Primitive("axes", (float(xs_.min()), float(ys_.min()), float(xs_.max()), float(ys_.max())),
                               [tuple(hx[0]), tuple(hx[1]), tuple(vx[0]), tuple(vx[1])],
                               extra={"x_axis": [tuple(hx[0]), tuple(hx[1])], "y_axis": [tuple(vx[0]), tuple(vx[1])]}))
    # Straight connectors between two shapes, found by checking the ink along the segment joining them: robust
    # where many lines cross (a dense network), where tracing through junctions goes astray.
    n_traced = len(pieces)
    barb_max = cfg.barb_max * L
    links = [(ea, eb, 0.6 * w + 2 + cfg.link_bow * float(np.hypot(*(eb - ea))))
             for _, _, ea, eb in _straight_links(prims[:n_shapes], body, rest, w, cfg)]
    link_a = np.array([l[0] for l in links]).reshape(-1, 2)
    link_b = np.array([l[1] for l in links]).reshape(-1, 2)
    link_tol = np.array([l[2] for l in links])
    if links:
        # Traced pieces lying along the verified connectors (one, or several where tracing switched lines at a
        # crossing) are parts of them.
        # A short piece leaving a connector's end at an angle, along no connector, is a barb (it lies within
        # the tolerance too).
        barbs: dict[tuple[int, int], list[tuple[int, float]]] = {}
        for k in range(n_traced):
            if used[k]:
                continue
            q = pieces[k]
            sample = q[:: max(1, len(q) // 12)]
            hit = _seg_dist(sample, link_a, link_b) <= link_tol[:, None]
            if hit.any(axis=0).mean() < 0.8:
                continue
            used[k] = True
            # A piece running along some connector is a piece of it (tracing switched lines near a shape).
            if lens[k] > cfg.head_zone * L + 2 * w or any(min(_angle(q[-1] - q[0], eb - ea), _angle(q[0] - q[-1], eb - ea)) <= 20
                                         for (ea, eb, _), h in zip(links, hit) if h.mean() >= 0.5):
                continue
            for li, (ea, eb, _) in enumerate(links):
                for side, end, back in ((0, ea, eb), (1, eb, ea)):
                    near, far = (q[0], q[-1]) if math.dist(q[0], end) <= math.dist(q[-1], end) else (q[-1], q[0])
                    u = back - end
                    if math.dist(near, end) <= 2 * w + 0.5 * lens[k] + 2 and 10 <= _angle(far - near, u) <= 75:
                        lat = float(np.cross(u, far - near))
                        barbs.setdefault((li, side), []).append((k, lat))
        for found in barbs.values():
            for k, _ in found:
                used[k] = False
    for ea, eb, _ in links:
        seg = ea + np.linspace(0, 1, 12)[:, None] * (eb - ea)
        pieces.append(seg)
        lens.append(_plen(seg))
        used.append(False)
    # Barbs: short pieces hanging back from a longer piece's end.
    cand = [k for k in range(len(pieces)) if not used[k] and max(w + 1, 4.0) <= lens[k] <= barb_max]
    heads: dict[tuple[int, int], int] = {}
    axis_ends = []
    if axes is not None:
        axis_ends = [(a, b) for a, b in axis_segs] + [(b, a) for a, b in axis_segs]
    for k in sorted(cand, key=lambda k: lens[k]):
        q = pieces[k]
        best = None
        for m, p in ([] if plot else enumerate(pieces)):
            if m == k or used[m] or lens[m] <= lens[k] * 1.2 or lens[m] < 2 * w:
                continue
            for side, end, back in ((0, p[0], p), (1, p[-1], p[::-1])):
                u = _direction(back, max(3 * w + 3, 0.2 * lens[m]))    # from the end back along the shaft
                for qs, qe in ((q[0], q[-1]), (q[-1], q[0])):
                    d = float(np.hypot(*(qs - end)))
                    if d > 2 * w + 0.5 * lens[k] + 2:
                        continue
                    # A barb spreads away from the shaft's line; a piece half the shaft's length or more that
                    # starts off to its side and runs beside it is another arrow's shaft (two short arrows both
                    # ways between two states).
                    lat_near = abs(float(np.cross(u, qs - end)))
                    lat_far = abs(float(np.cross(u, qe - end)))
                    if lat_near > w + 2 and lat_far <= lat_near and lens[k] >= 0.5 * lens[m]:
                        continue
                    ang = _angle(qe - qs, u)
                    if 10 <= ang <= 75 and (best is None or d < best[0]):
                        best = (d, m, side)
        for a, b in axis_ends:   # an axis drawn with an arrowhead at its far end
            for qs, qe in ((q[0], q[-1]), (q[-1], q[0])):
                d = float(np.hypot(*(qs - b)))
                if d <= 2 * w + 0.35 * lens[k] + 2 and 10 <= _angle(qe - qs, a - b) <= 75:
                    if best is None or d < best[0]:
                        best = (d, -1, 0)
        if best is not None:
            used[k] = True
            if best[1] >= 0:
                heads[(best[1], best[2])] = heads.get((best[1], best[2]), 0) + 1
    if not plot:
        # A path turning a corner away from the shapes (a feedback arrow routed below a row of boxes) is cut
        # there by tracing or at the sharp turn: its two pieces meeting end to end, with nothing else there, are
        # one connector.
        _join_corners(pieces, lens, used, heads, prims[:n_shapes], w, min_len, cfg.attach * L + 2 * w)
    if plot:
        # Curves cut where they cross each other or an axis are joined again where one continues the other;
        # arrowheads in a plot are the axes' only.
        free = [k for k in range(len(pieces)) if not used[k]]
        for k in free:
            used[k] = True
        cross = _crossing(axes[0], axes[1]) if axes is not None else None
        for c in _join_curves([pieces[k] for k in free], body, w, 2 * grow + 2 * w + 4, 0.12 * L,
                              cross=cross, cross_reach=2 * grow + 2 * w):
            pieces.append(c)
            lens.append(_plen(c))
            used.append(False)
    # Heads whose barbs melted into a wedge (thick pen, short barbs) or were cut by a shape's ring: the ink
    # at the end spreads sideways well beyond the stroke width.
    long_ = [] if plot else [m for m in range(len(pieces)) if not used[m] and (lens[m] >= min_len or
                                                                _joins_two(pieces[m], prims[:n_shapes], cfg.attach * L + 2 * w))]
    longer = [m for m in long_ if lens[m] > barb_max]
    through = np.zeros_like(rest)
    for k in range(n_traced):
        if lens[k] > cfg.head_zone * L + 2 * w:
            # Traced strokes are chains of neighbouring skeleton pixels: their points are the line.
            q = np.round(pieces[k]).astype(int)
            ok = (q[:, 1] >= 0) & (q[:, 1] < through.shape[0]) & (q[:, 0] >= 0) & (q[:, 0] < through.shape[1])
            through[q[ok, 1], q[ok, 0]] = True
    through = ndimage.binary_dilation(through, iterations=int(math.ceil(0.6 * w)) + 2)
    # Which verified connectors each long traced stroke runs along: the others' ink is not this end's head.
    traced_long = [k for k in range(n_traced) if lens[k] > cfg.head_zone * L + 2 * w]
    along_frac = {k: (_seg_dist(pieces[k][:: max(1, len(pieces[k]) // 12)], link_a, link_b)
                      <= link_tol[:, None]).mean(axis=1) for k in traced_long} if links else {}
    spread_of: dict[int, list[float]] = {}
    for m in long_:
        if (m, 0) in heads or (m, 1) in heads:
            continue
        near_tol = grow + 2 * w
        at_shape = [any(prims[s].bbox[0] - near_tol <= q[0] <= prims[s].bbox[2] + near_tol and
                        prims[s].bbox[1] - near_tol <= q[1] <= prims[s].bbox[3] + near_tol and
                        abs(_dist_to_outline(tuple(q), prims[s])) <= near_tol for s in range(n_shapes))
                    for q in (pieces[m][0], pieces[m][-1])]
        reach = 0.6 * w + 2 + cfg.link_bow * lens[m] if m >= n_traced else 0.0
        own = [j for j in range(len(links)) if j != m - n_traced]
        bands = (link_a[own], link_b[own], link_tol[own]) if links else None
        if m >= n_traced and links:
            others = longer + [k for k in traced_long if along_frac[k][m - n_traced] < 0.5]
        else:
            others = longer
        # A short arrow's ends each look at their own half: the head zone reaching past the middle would see the
        # far end's head too (a double head between two boxes close together).
        zone = min(cfg.head_zone * L, max(0.5 * lens[m], 2 * w + 2))
        sp = [(_head_spread(pieces, m, side, others, rest, w, zone, at_shape[side], reach,
                            through, bands) - 2) / w for side in (0, 1)]
        spread_of[m] = sp
        for side in (0, 1):
            # Clearly wider than a stroke, or (thick pens, small heads) somewhat wider and much wider than the
            # other end.
            if sp[side] >= cfg.head_spread or (sp[side] >= cfg.head_spread_rel and
                                               sp[side] >= sp[1 - side] + cfg.head_spread_gap):
                heads[(m, side)] = 1
    head_ends = [pieces[m][0 if side == 0 else -1] for (m, side) in heads]
    open_circles: list[Primitive] = []
    open_rings: list[np.ndarray] = []
    dist_body: np.ndarray | None = None
    shape_rings = [np.asarray(outline, float) for kind, _, outline in shapes if kind == "circle"]
    for m, p in enumerate(pieces):
        if used[m] or (lens[m] < min_len and not _joins_two(p, prims[:n_shapes], cfg.attach * L + 2 * w)):
            continue
        h0, h1 = heads.get((m, 0), 0), heads.get((m, 1), 0)
        spread = list(spread_of.get(m, [0.0, 0.0]))
        if h0 and not h1:
            p, spread = p[::-1], spread[::-1]
        kind, pts = _stroke_kind(p, w, cfg)
        if plot and kind == "line" and len(pts) > 2:
            # On axes a bent stroke is the graph of a function (a bump's sharp peak), not a polyline.
            kind, pts = "freehand", [tuple(q) for q in _douglas_peucker(p, max(1.0, 0.6 * w))]
        nh = int(h0 > 0) + int(h1 > 0)
        if nh:
            kind = "arrow"
            pts = [tuple(q) for q in _douglas_peucker(p, max(1.0, 0.6 * w))]
        elif (kind == "freehand" or (kind == "line" and len(pts) > 2)) and not plot:
            ring = _open_circle(p, w, max(cfg.min_node * L, 3 * w))
            if ring is None and n_shapes:
                # A circle open where it crosses another, whose inner arc went with the lens between the two.
                if dist_body is None:
                    dist_body = ndimage.distance_transform_edt(~body)
                ring = _circle_across_ink(p, w, max(cfg.min_node * L, 3 * w), dist_body)
            if ring is not None:
                # A circle left open too wide to bridge (where another circle crosses it, in a Venn diagram);
                # another arc of a circle already found is part of it.
                if not any(_same_circle(ring, q, w) for q in open_rings + shape_rings):
                    open_circles.append(_shape_primitive("circle", ring, w))
                    open_rings.append(ring)
                continue
        prims.append(Primitive(kind, (float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()),
                                      float(p[:, 1].max())), pts, tail=tuple(p[0]), head=tuple(p[-1]), heads=nh,
                               extra={"link": n_traced <= m < n_traced + len(links), "spread": spread,
                                      "spread_head": bool(nh) and m in spread_of}))
    if open_rings:
        # A closed "circle" made of arcs of two circles, one of them found open, is their overlap (a lens).
        fits: list[tuple[np.ndarray, float, bool]] = []
        for kind, _, outline in shapes:
            c = outline.mean(axis=0)
            fits.append((c, float(np.hypot(outline[:, 0] - c[0], outline[:, 1] - c[1]).mean()) if kind == "circle"
                         else 0.0, False))
        for ring in open_rings:
            c = ring.mean(axis=0)
            fits.append((c, float(np.hypot(*(ring[0] - c))), True))
        lens_ = {i for i, (kind, _, outline) in enumerate(shapes) if kind == "circle" and
                 _is_lens(np.asarray(outline, float), i, fits, w)}
        if lens_:
            prims = [q for i, q in enumerate(prims) if i not in lens_]
            n_shapes -= len(lens_)
    # Shapes come first in the list (connections refer to them by index).
    prims[n_shapes:n_shapes] = open_circles
    n_shapes += len(open_circles)
    for b in text_boxes:
        x0, y0, x1, y1 = (float(v) for v in b)
        prims.append(Primitive("text_mark", (x0, y0, x1, y1), [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]))
    conns = _attach(prims, n_shapes, w, L, cfg)
    # A traced piece joining the same two shapes as a verified straight connector is a piece of it.
    linked = {frozenset((c.a, c.b)): c.via for c in conns if prims[c.via].extra.get("link")}

    def along_link(i: int, j: int) -> bool:
        a, b = np.asarray(prims[j].tail, float), np.asarray(prims[j].head, float)
        tol = 0.6 * w + 2 + cfg.link_bow * float(np.hypot(*(b - a)))
        return np.mean([_near_segment(np.asarray(q, float), a, b) <= tol for q in prims[i].points]) >= 0.6
    drop = set()
    # Two traced strokes side by side between one pair (an arrow each way, bowing apart) are the two
    # connectors, and the straight check only saw ink between them; one whose head was not seen goes back.
    traced_of: dict[frozenset[int], list[Connection]] = {}
    for c in conns:
        if not prims[c.via].extra.get("link"):
            traced_of.setdefault(frozenset((c.a, c.b)), []).append(c)
    both_ways = set()
    for key, cs in traced_of.items():
        if key not in linked or len(cs) != 2 or _apart(prims[cs[0].via], prims[cs[1].via]) < 2 * w + 2:
            continue
        both_ways.add(key)
        drop.add(linked[key])
        p1, p2 = prims[cs[0].via], prims[cs[1].via]
        if (p1.heads == 1) != (p2.heads == 1):
            h, o = (p1, p2) if p1.heads == 1 else (p2, p1)
            if math.dist(o.head, h.head) < math.dist(o.tail, h.head):
                o.tail, o.head, o.points = o.head, o.tail, o.points[::-1]
            o.kind, o.heads = "arrow", 1
    for c in conns:
        j = linked.get(frozenset((c.a, c.b)))
        if j is None or prims[c.via].extra.get("link") or frozenset((c.a, c.b)) in both_ways:
            continue
        t = prims[c.via]
        lk = prims[j]
        if t.heads == 1 and lk.heads == 1 and math.dist(t.head, lk.head) > math.dist(t.head, lk.tail) and \
                (not along_link(c.via, j) or _side_by_side(rest, np.asarray(lk.tail, float),
                                                           np.asarray(lk.head, float), t.points, w)):
            continue     # two arrows between one pair, one each way
        if not (along_link(c.via, j) or t.kind == "line" or (t.kind == "arrow" and _stroke_kind(
                np.asarray(t.points, float), w, cfg)[0] == "line")):
            continue     # a curved connector next to a straight one (both ways between two states)
        drop.add(c.via)
        lk = prims[j]
        if t.heads and not lk.heads:
            # The traced piece saw the head the straight check did not: it points the same way.
            lk.kind, lk.heads = "arrow", t.heads
            if math.dist(t.head, lk.tail) < math.dist(t.head, lk.head):
                lk.tail, lk.head, lk.points = lk.head, lk.tail, lk.points[::-1]
    # A short stroke joining no two shapes, with an end at an arrow's tip, is a barb of that head left over (its
    # other barb or the ink's spread made the head), not an arrow or a line of its own.
    tips = [np.asarray(prims[c.via].head, float) for c in conns if prims[c.via].kind == "arrow"]
    vias = {c.via for c in conns}
    for i in range(n_shapes, len(prims)):
        p = prims[i]
        if p.kind not in ("line", "arrow") or i in vias or not tips:
            continue
        length = _plen(np.asarray(p.points, float))
        if length <= barb_max and any(min(math.dist(p.tail, t), math.dist(p.head, t)) <= 2 * w + 0.5 * length + 2
                                      for t in tips):
            drop.add(i)
    if drop:
        keep = [i for i in range(len(prims)) if i not in drop]
        prims = [prims[i] for i in keep]
        conns = _attach(prims, n_shapes, w, L, cfg)
    _piled_heads(prims, conns, n_shapes, rest, w, cfg.head_zone * L, grow)
    _consistent_heads(prims, conns)
    for p in prims:
        p.extra.pop("dense", None)
        p.extra.pop("spread", None)
        p.extra.pop("spread_head", None)
    inside = _containment(prims)
    return Diagram(prims, conns, w, inside)


def _piled_heads(prims: list[Primitive], conns: list[Connection], n_shapes: int, rest: np.ndarray, w: float,
                 zone: float, grow: int) -> None:
    """Heads piled up where many arrows meet a node are seen as ink, not as heads: when the ink just outside the
    shapes, per connector, is heavy on the sides facing one way (where the connectors arrive) and light on the
    other (where they leave), every plain line between two shapes is an arrow pointing that way."""
    from skimage.measure import points_in_poly
    plain = [c for c in conns if not c.directed and prims[c.via].kind == "line"]
    if len(conns) < 4 or not plain:
        return
    vec = np.array([np.subtract(prims[c.b].center, prims[c.a].center) for c in conns])
    axis = int(np.abs(vec).mean(axis=0).argmax())
    size = float(np.median([max(prims[s].size) for s in range(n_shapes)]))
    if np.any(np.abs(vec[:, axis]) < 0.5 * size):
        return
    count: dict[tuple[int, int], int] = {}
    for c, v in zip(conns, vec):
        lo, hi = (c.a, c.b) if v[axis] > 0 else (c.b, c.a)
        count[(hi, 0)] = count.get((hi, 0), 0) + 1        # hi's side facing lower coordinates
        count[(lo, 1)] = count.get((lo, 1), 0) + 1
    ratio: dict[int, list[float]] = {0: [], 1: []}
    for (s, side), n in count.items():
        P = prims[s]
        poly = np.asarray(P.points + P.points[:1], float)
        m = int(grow + zone + 3)
        x0, y0 = max(int(P.bbox[0]) - m, 0), max(int(P.bbox[1]) - m, 0)
        x1, y1 = min(int(P.bbox[2]) + m + 1, rest.shape[1]), min(int(P.bbox[3]) + m + 1, rest.shape[0])
        if x1 <= x0 or y1 <= y0:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        pts = np.stack([xx.ravel(), yy.ravel()], axis=1).astype(float)
        d = _seg_dist(pts, poly[:-1], poly[1:]).min(axis=0)
        c0 = P.center[axis]
        band = (d > grow) & (d <= grow + zone) & ((pts[:, axis] < c0) if side == 0 else (pts[:, axis] > c0))
        band &= ~points_in_poly(pts, poly)
        ratio[side].append(float((rest[y0:y1, x0:x1].ravel() & band).sum()) / (n * w * zone))
    if not ratio[0] or not ratio[1]:
        return
    arrive, leave = float(np.mean(ratio[0])), float(np.mean(ratio[1]))
    if arrive >= 1.35 and arrive >= 1.5 * leave:
        way = 1.0
    elif leave >= 1.35 and leave >= 1.5 * arrive:
        way = -1.0
    else:
        return
    for c in plain:
        d = prims[c.b].center[axis] - prims[c.a].center[axis]
        if np.sign(d) != way:
            c.a, c.b = c.b, c.a
        p = prims[c.via]
        if math.dist(p.head, prims[c.a].center) < math.dist(p.tail, prims[c.a].center):
            p.tail, p.head, p.points = p.head, p.tail, p.points[::-1]
        p.kind, p.heads, c.directed = "arrow", 1, True
        p.extra["head_inferred"] = True


def _consistent_heads(prims: list[Primitive], conns: list[Connection]) -> None:
    """In a diagram of arrows that (nearly) all point one way, a connector whose head was not seen (heads pile
    up where many arrows meet one shape) is taken to be an arrow pointing the same way; in one of many plain
    lines, the odd arrow is a line."""
    arrows = [c for c in conns if c.directed]
    plain = [c for c in conns if not c.directed and prims[c.via].kind == "line"]
    headed = [c for c in conns if prims[c.via].kind == "arrow"]
    lone_wedge = len(headed) == 1 and len(plain) >= 2 and prims[headed[0].via].extra.get("spread_head")
    if (len(plain) >= 8 and 0 < len(headed) <= len(plain) / 8) or lone_wedge:
        # A head or two among many plain lines (a network's crossing lines) is ink of a crossing near an end;
        # among a few, a lone head seen only as ink widening at an end (no barbs) is lines meeting there (a
        # tree's lines leaving a parent from one spot) or a shape's corner next to the end.
        for c in headed:
            p = prims[c.via]
            p.kind, p.heads, c.directed = "line", 0, False
        return
    if len(arrows) < 3 or not plain or len(arrows) < 0.5 * len(plain):
        return
    # With fewer arrows than plain lines, a line needs some sign of a head: its end that would be the tip
    # spreads wider than its other end.
    need_sign = len(arrows) < len(plain)
    vec = np.array([np.subtract(prims[c.b].center, prims[c.a].center) for c in arrows])
    axis = int(np.abs(vec).mean(axis=0).argmax())
    sign = np.sign(vec[:, axis])
    if abs(sign.sum()) < 0.9 * len(arrows):
        return
    way = float(np.sign(sign.sum()))
    for c in plain:
        d = np.subtract(prims[c.b].center, prims[c.a].center)[axis]
        if d == 0:
            continue
        if np.sign(d) != way:
            c.a, c.b = c.b, c.a
        p = prims[c.via]
        flip = math.dist(p.head, prims[c.a].center) < math.dist(p.tail, prims[c.a].center)
        sp_tail, sp_head = p.extra.get("spread", [0.0, 0.0])[::-1 if flip else 1]
        if need_sign and sp_head < sp_tail + 0.3:
            if np.sign(d) != way:
                c.a, c.b = c.b, c.a
            continue
        if flip:
            p.tail, p.head, p.points = p.head, p.tail, p.points[::-1]
        p.kind, p.heads, c.directed = "arrow", 1, True
        p.extra["head_inferred"] = True


def _exit_point(poly: np.ndarray, c: np.ndarray, toward: np.ndarray) -> np.ndarray:
    """Where the ray from a shape's centre toward a point leaves the shape's outline."""
    d = toward - c
    n = float(np.hypot(*d))
    if n < 1e-9:
        return c
    u = d / n
    rel = poly - c
    along = rel @ u
    perp = np.abs(rel @ np.array([-u[1], u[0]]))
    ok = along > 0
    if not ok.any():
        return c
    k = int(np.argmin(np.where(ok, perp - 0.01 * along, np.inf)))
    return c + u * float(along[k])


def _straight_links(shapes: list[Primitive], body: np.ndarray, rest: np.ndarray, w: float,
                    cfg: DiagramConfig) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    """Pairs of shapes joined by a (nearly) straight stroke: (a, b, ink end at a, ink end at b)."""
    if len(shapes) < 2 or len(shapes) > cfg.max_link_shapes:
        return []
    from skimage.measure import points_in_poly
    dist = ndimage.distance_transform_edt(~body)
    dist_rest = ndimage.distance_transform_edt(~rest)
    polys = [np.asarray(sh.points, float) for sh in shapes]
    cents = [np.asarray(sh.center, float) for sh in shapes]
    H, W = body.shape
    out = []
    for a in range(len(shapes)):
        for b in range(a + 1, len(shapes)):
            pa = _exit_point(polys[a], cents[a], cents[b])
            pb = _exit_point(polys[b], cents[b], cents[a])
            seg = float(np.hypot(*(pb - pa)))
            if seg < 3 * w or np.dot(pb - pa, cents[b] - cents[a]) <= 0:
                continue
            t = np.linspace(0, 1, max(int(seg), 12))
            pts = pa + t[:, None] * (pb - pa)
            tol = 0.6 * w + 1 + cfg.link_bow * seg
            xi = np.clip(np.round(pts[:, 0]).astype(int), 0, W - 1)
            yi = np.clip(np.round(pts[:, 1]).astype(int), 0, H - 1)
            cov = dist[yi, xi] <= tol
            n = len(cov)
            mid = cov[int(0.2 * n):int(np.ceil(0.8 * n))]
            if not len(mid) or mid.mean() < cfg.link_cover or cov.mean() < 0.7:
                continue
            if any(points_in_poly(pts[int(0.1 * n):int(0.9 * n)], polys[c]).any()
                   for c in range(len(shapes)) if c not in (a, b)):
                continue
            # The connector's own ends along the segment, outside the shapes' rings (it may stop short of an
            # outline or run into it).
            cr = dist_rest[yi, xi] <= tol
            if not cr.any():
                continue
            i0 = int(np.argmax(cr))
            i1 = n - 1 - int(np.argmax(cr[::-1]))
            out.append((a, b, pts[i0], pts[i1]))
    return out


def _along_outline(p: np.ndarray, shapes: list[Primitive], tol: float, min_chord: float = 4.0) -> bool:
    """True when most of a stroke lies on some shape's outline and runs along it (or is too short to tell)."""
    if not shapes or len(p) < 2:
        return False
    q = p[:: max(1, len(p) // 16)]
    lo, hi = q.min(axis=0) - tol, q.max(axis=0) + tol
    for s in shapes:
        x0, y0, x1, y1 = s.bbox
        if x0 > hi[0] or y0 > hi[1] or x1 < lo[0] or y1 < lo[1]:
            continue
        o = s.extra.get("dense")
        if o is None:      # the outline sampled every 2 px, kept for the next stroke
            o = np.asarray(s.points + s.points[:1], float)
            o = np.concatenate([np.linspace(o[k], o[k + 1], max(2, int(np.hypot(*(o[k + 1] - o[k])) / 2)))
                                for k in range(len(o) - 1)])
            s.extra["dense"] = o
        dd = np.hypot(q[:, None, 0] - o[None, :, 0], q[:, None, 1] - o[None, :, 1])
        if (dd.min(axis=1) <= tol).mean() >= 0.7:
            # It must also run along the outline: a barb ending on a shape's edge lies within the tolerance but
            # crosses the edge steeply, so its ends project onto nearby points of the outline.
            chord = float(np.hypot(*(q[-1] - q[0])))
            span = float(np.hypot(*(o[int(dd[-1].argmin())] - o[int(dd[0].argmin())])))
            if chord < min_chord or span >= 0.75 * chord:
                return True
    return False


def _overshoot(p: np.ndarray, shapes: list[Primitive], tol: float, max_deg: float = 25.0) -> bool:
    """True when one end of a stroke lies on a shape's outline and the stroke leaves along the outline."""
    if len(p) < 2:
        return False
    chord = p[-1] - p[0]
    if float(np.hypot(*chord)) < 1.0:
        return False
    for s in shapes:
        o = np.asarray(s.points, float)
        if len(o) < 3:
            continue
        a_all, b_all = o, np.roll(o, -1, axis=0)
        for q in (p[0], p[-1]):
            d = _seg_dist(q[None], a_all, b_all)[:, 0]
            # The outline's edge nearest to this end (at a box's corner, both sides), and its direction.
            near = np.nonzero(d <= tol)[0] if s.kind == "rectangle" else [int(d.argmin())] if d.min() <= tol else []
            for k in near:
                if min(_angle(chord, b_all[k] - a_all[k]), _angle(-chord, b_all[k] - a_all[k])) <= max_deg:
                    return True
    return False


def _joins_two(p: np.ndarray, shapes: list[Primitive], tol: float) -> bool:
    """True when a stroke's two ends lie at two different shapes (a short connector, not a speck)."""
    if len(p) < 2 or not shapes:
        return False
    near = []
    for q in (p[0], p[-1]):
        d = [(_dist_to_outline(tuple(q), s), k) for k, s in enumerate(shapes)]
        dmin, k = min(d)
        near.append(k if dmin <= tol else None)
    return near[0] is not None and near[1] is not None and near[0] != near[1]


def _dist_to_outline(q: Pt, p: Primitive) -> float:
    """Distance from a point to a shape's outline (negative inside)."""
    pts = np.asarray(p.points + p.points[:1], float)
    qa = np.asarray(q, float)
    a, b = pts[:-1], pts[1:]
    ab = b - a
    t = np.clip(((qa - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-9), 0, 1)
    d = float(np.hypot(*(a + t[:, None] * ab - qa).T).min())
    from skimage.measure import points_in_poly
    return -d if points_in_poly(qa[None], pts)[0] else d


def _attach(prims: list[Primitive], n_shapes: int, w: float, L: float, cfg: DiagramConfig) -> list[Connection]:
    """Tie each connector end to the shape it touches or points at; list shape-to-shape connections."""
    tol = cfg.attach * L + 2 * w
    conns = []
    for i, p in enumerate(prims):
        if p.kind not in ("line", "arrow", "freehand") or p.tail is None:
            continue
        for side, q in enumerate((p.tail, p.head)):
            best = None
            for s in range(n_shapes):
                d = _dist_to_outline(q, prims[s])
                if d <= tol and (best is None or d < best[0]):
                    best = (d, s)
            p.ends[side] = None if best is None else best[1]
        a, b = p.ends
        if a is not None and b is not None and a != b and p.kind in ("line", "arrow"):
            conns.append(Connection(a, b, i, p.kind == "arrow" and p.heads == 1))
    return conns


def _containment(prims: list[Primitive]) -> list[tuple[int, int]]:
    """(inner, outer) pairs: text or a shape whose box lies inside a shape's outline."""
    from skimage.measure import points_in_poly
    out = []
    for i, p in enumerate(prims):
        if p.kind not in ("circle", "rectangle", "text_mark"):
            continue
        best = None
        for j, s in enumerate(prims):
            if j == i or s.kind not in ("circle", "rectangle"):
                continue
            sw, sh = s.size
            if sw * sh <= p.size[0] * p.size[1]:
                continue
            if points_in_poly(np.asarray([p.center]), np.asarray(s.points))[0]:
                if best is None or sw * sh < best[0]:
                    best = (sw * sh, j)
        if best is not None:
            out.append((i, best[1]))
    return out


# Structure -------------------------------------------------------------------------------------------------------

def _clusters(values: list[float], tol: float) -> list[list[int]]:
    """1-D clustering: sorted values split where consecutive gaps exceed tol (indices per cluster, in order)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out: list[list[int]] = []
    for i in order:
        if out and values[i] - values[out[-1][-1]] <= tol:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _direction_word(dx: float, dy: float) -> str:
    if abs(dx) >= abs(dy):
        return "right" if dx > 0 else "left"
    return "down" if dy > 0 else "up"


def structure(dg: Diagram) -> dict[str, Any]:
    """What the diagram is: a chart on axes, a layered network, a tree, a chain, overlapping circles, or a graph."""
    P = dg.primitives
    shapes = dg.shapes
    out: dict[str, Any] = {"shapes": len(shapes)}
    axes = [i for i, p in enumerate(P) if p.kind == "axes"]
    if axes:
        ax = P[axes[0]]
        (hx0, hy0), (hx1, hy1) = ax.extra["x_axis"]
        (vx0, vy0), (vx1, vy1) = ax.extra["y_axis"]
        axis_y = (hy0 + hy1) / 2
        top = min(vy0, vy1)
        tol = 3 * dg.width + 0.03 * max(abs(hx1 - hx0), 1.0)
        bars = [s for s in shapes if P[s].kind == "rectangle" and abs(P[s].bbox[3] - axis_y) <= tol
                and min(hx0, hx1) - tol <= P[s].center[0] <= max(hx0, hx1) + tol]
        bars.sort(key=lambda s: P[s].center[0])
        span = max(axis_y - top, 1.0)
        out["axes"] = True
        out["bars"] = len(bars)
        out["bar_heights"] = [round((axis_y - P[s].bbox[1]) / span, 2) for s in bars]
        out["bar_ids"] = bars
        out["curves"] = sum(1 for p in P if p.kind == "freehand")
        out["axes_origin"] = ((vx0 + vx1) / 2, axis_y)
        return out
    if not shapes:
        return out
    size = float(np.median([max(P[s].size) for s in shapes]))
    cols = _clusters([P[s].center[0] for s in shapes], 0.5 * size)
    rows = _clusters([P[s].center[1] for s in shapes], 0.5 * size)
    out["columns"] = [[shapes[i] for i in sorted(c, key=lambda i: P[shapes[i]].center[1])] for c in cols]
    out["rows"] = [[shapes[i] for i in sorted(r, key=lambda i: P[shapes[i]].center[0])] for r in rows]
    col_of = {shapes[i]: k for k, c in enumerate(cols) for i in c}
    row_of = {shapes[i]: k for k, r in enumerate(rows) for i in r}
    edges = [(c.a, c.b, c.directed) for c in dg.connections]
    pairs = {frozenset((a, b)) for a, b, _ in edges}
    n = len(shapes)
    if not edges:
        circles = [s for s in shapes if P[s].kind == "circle"]
        overl = 0
        for x in range(len(circles)):
            for y in range(x + 1, len(circles)):
                a, b = P[circles[x]], P[circles[y]]
                d = math.dist(a.center, b.center)
                if d < 0.5 * (max(a.size) + max(b.size)) * 0.95 and d > 0.1 * max(a.size):
                    overl += 1
        if len(circles) >= 2 and overl >= len(circles) - 1:
            out["venn"] = len(circles)
        return out
    # Layered network: every connection joins neighbouring columns, and there are at least two columns.
    if len(cols) >= 2 and all(abs(col_of[a] - col_of[b]) == 1 for a, b, _ in edges):
        full = all(frozenset((a, b)) in pairs for k in range(len(cols) - 1)
                   for a in out["columns"][k] for b in out["columns"][k + 1])
        used_cols = sorted({col_of[a] for a, _, _ in edges} | {col_of[b] for _, b, _ in edges})
        if used_cols == list(range(len(cols))) and max(len(c) for c in cols) >= 2:
            out["layers"] = [len(c) for c in out["columns"]]
            out["fully_connected"] = full
    deg: dict[int, int] = {s: 0 for s in shapes}
    adj: dict[int, set[int]] = {s: set() for s in shapes}
    for a, b, _ in edges:
        deg[a] += 1
        deg[b] += 1
        adj[a].add(b)
        adj[b].add(a)
    seen = {shapes[0]}
    stack = [shapes[0]]
    while stack:
        x = stack.pop()
        for y in adj[x] - seen:
            seen.add(y)
            stack.append(y)
    connected = len(seen) == n
    simple = len(pairs) == len(edges)
    if connected and simple and len(edges) == n - 1:
        if max(deg.values()) <= 2 and (len(rows) == 1 or len(cols) == 1) and n >= 2:
            out["chain"] = _chain(P, shapes, edges, adj, deg)
        elif "layers" not in out or not out.get("fully_connected"):
            out.pop("layers", None)
            out.pop("fully_connected", None)
            root = min(shapes, key=lambda s: P[s].center[1])
            depth = {root: 0}
            queue = [root]
            while queue:
                x = queue.pop(0)
                for y in adj[x]:
                    if y not in depth:
                        depth[y] = depth[x] + 1
                        queue.append(y)
            levels = [sum(1 for v in depth.values() if v == d) for d in range(max(depth.values()) + 1)]
            out["tree"] = {"nodes": n, "levels": levels, "root": root}
    elif connected and simple and len(edges) == n and n >= 3 and max(deg.values()) <= 2:
        # A chain closed by one return connection (a feedback path): drop the longest connection.
        longest = max(dg.connections, key=lambda c: _plen(np.asarray(P[c.via].points, float)))
        rest = [(c.a, c.b, c.directed) for c in dg.connections if c is not longest]
        adj2 = {s: set() for s in shapes}
        deg2 = {s: 0 for s in shapes}
        for a, b, _ in rest:
            adj2[a].add(b)
            adj2[b].add(a)
            deg2[a] += 1
            deg2[b] += 1
        if len(rows) == 1 or len(cols) == 1:
            ch = _chain(P, shapes, rest, adj2, deg2)
            ch["feedback"] = (longest.a, longest.b)
            out["chain"] = ch
    return out


def _chain(P: list[Primitive], shapes: list[int], edges: list[tuple[int, int, bool]], adj: dict[int, set[int]],
           deg: dict[int, int]) -> dict[str, Any]:
    """Order and direction of shapes joined one after another."""
    ends = [s for s in shapes if deg[s] == 1]
    directed = {(a, b) for a, b, d in edges if d}
    start = ends[0] if ends else shapes[0]
    # Start where the arrows start.
    for e in ends:
        if any(a == e for a, b in directed):
            start = e
            break
    order = [start]
    while len(order) < len(shapes):
        nxt = [y for y in adj[order[-1]] if y not in order]
        if not nxt:
            break
        order.append(nxt[0])
    forward = sum((order[k], order[k + 1]) in directed for k in range(len(order) - 1))
    backward = sum((order[k + 1], order[k]) in directed for k in range(len(order) - 1))
    if backward > forward:
        order = order[::-1]
    a, b = P[order[0]].center, P[order[-1]].center
    return {"order": order, "direction": _direction_word(b[0] - a[0], b[1] - a[1]),
            "arrows": "forward" if max(forward, backward) == len(order) - 1 else "mixed" if directed else "none"}
