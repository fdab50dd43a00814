"""Classifying one stroke group (a boolean mask crop) into a primitive, with its outline or path."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from skimage.draw import line as draw_line
from skimage.measure import find_contours
from skimage.morphology import skeletonize

__all__ = ["ClassifyConfig", "Shape", "classify_mask"]

_NEIGH = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


@dataclass(frozen=True)
class ClassifyConfig:
    """Thresholds of the primitive classifier (crop pixels unless said otherwise)."""

    hole_frac: float = 0.3        # a closed shape's interior is at least this share of its ink
    close_gap_frac: float = 0.35  # open ends closer than this × size make a nearly closed loop
    rect_fill: float = 0.84       # interior / minimum-area rectangle, above: rectangle
    ellipse_iou: float = 0.93     # interior IoU with its moment ellipse, above: circle/ellipse
    convex: float = 0.945         # outline area / hull area, below: a free lasso (selection)
    line_dev: float = 0.07        # max deviation from the chord / chord length, below: straight line
    scribble_ink: float = 3.2     # skeleton length / bbox diagonal, above: a scribble
    letter_aspect: float = 1.6    # text marks are at least this wide for their height


@dataclass
class Shape:
    """Result of classifying one mask (coordinates are (x, y) in crop pixels)."""

    kind: str
    points: list[tuple[float, float]] = field(default_factory=list)
    tail: tuple[float, float] | None = None
    head: tuple[float, float] | None = None
    skeleton_len: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


def _skeleton_graph(skel: np.ndarray) -> tuple[np.ndarray, csr_matrix, np.ndarray]:
    """Pixel coordinates, weighted 8-neighbour adjacency and degree of a skeleton."""
    ys, xs = np.nonzero(skel)
    n = len(ys)
    index = np.full(skel.shape, -1, np.int64)
    index[ys, xs] = np.arange(n)
    rows, cols, w = [], [], []
    h, wd = skel.shape
    for dy, dx in _NEIGH:
        ny, nx = ys + dy, xs + dx
        ok = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < wd)
        j = np.full(n, -1, np.int64)
        j[ok] = index[ny[ok], nx[ok]]
        m = j >= 0
        rows.append(np.nonzero(m)[0])
        cols.append(j[m])
        w.append(np.full(int(m.sum()), math.sqrt(2) if dy and dx else 1.0))
    r, c, wt = np.concatenate(rows), np.concatenate(cols), np.concatenate(w)
    g = csr_matrix((wt, (r, c)), shape=(n, n))
    deg = np.bincount(r, minlength=n)
    return np.stack([xs, ys], axis=1).astype(np.float64), g, deg


def _longest_path(g: csr_matrix, deg: np.ndarray) -> tuple[list[int], float]:
    """Approximate geodesic diameter of the skeleton: node indices along it and its length."""
    ends = np.nonzero(deg == 1)[0]
    start = int(ends[0]) if len(ends) else 0
    d0 = dijkstra(g, indices=start)
    d0[~np.isfinite(d0)] = -1
    u = int(d0.argmax())
    d1, pred = dijkstra(g, indices=u, return_predecessors=True)
    d1[~np.isfinite(d1)] = -1
    v = int(d1.argmax())
    path = [v]
    while path[-1] != u and pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    return path[::-1], float(d1[v])


def _douglas_peucker(pts: np.ndarray, tol: float) -> np.ndarray:
    """Douglas–Peucker polyline simplification (iterative, vectorised per segment)."""
    n = len(pts)
    if n < 3:
        return pts
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        a, b = pts[i], pts[j]
        seg = pts[i + 1:j] - a
        d = b - a
        L = math.hypot(d[0], d[1])
        dist = np.abs(seg[:, 0] * d[1] - seg[:, 1] * d[0]) / L if L > 1e-9 else np.hypot(seg[:, 0], seg[:, 1])
        k = int(dist.argmax())
        if dist[k] > tol:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return pts[keep]


def _simplify(pts: np.ndarray, tol: float, max_pts: int = 48) -> list[tuple[float, float]]:
    """Douglas–Peucker simplification, loosened until few points remain."""
    while True:
        out = _douglas_peucker(pts, tol)
        if len(out) <= max_pts:
            break
        tol *= 1.6
    return [(float(x), float(y)) for x, y in out]


def _sharp_turns(pts: np.ndarray, tol: float) -> int:
    """Direction reversals (turns sharper than 115°) along a simplified path: the zigzag of a scribble."""
    if len(pts) < 3:
        return 0
    p = _douglas_peucker(pts, tol)
    if len(p) < 3:
        return 0
    a, b = p[1:-1] - p[:-2], p[2:] - p[1:-1]
    cos = (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-9)
    return int((cos < math.cos(math.radians(115))).sum())


def _min_rect_fill(region: np.ndarray, outline: np.ndarray) -> float:
    """Area of a region over the area of its minimum-area bounding rectangle (rotating calipers on its outline)."""
    if len(outline) < 3:
        return 0.0
    pts = outline
    try:
        from scipy.spatial import ConvexHull
        hull = pts[ConvexHull(pts).vertices]
    except Exception:   # degenerate (collinear) input: scipy raises QhullError
        return 0.0
    best = math.inf
    for i in range(len(hull)):
        e = hull[(i + 1) % len(hull)] - hull[i]
        ang = math.atan2(e[1], e[0])
        c, s = math.cos(ang), math.sin(ang)
        rx = hull[:, 0] * c + hull[:, 1] * s
        ry = -hull[:, 0] * s + hull[:, 1] * c
        best = min(best, (rx.max() - rx.min()) * (ry.max() - ry.min()))
    return float(region.sum()) / best if best > 0 else 0.0


def _ellipse_iou(region: np.ndarray) -> float:
    """IoU between a region and the uniform ellipse with the same mean and covariance."""
    ys, xs = np.nonzero(region)
    if len(xs) < 6:
        return 0.0
    mu = np.array([xs.mean(), ys.mean()])
    cov = np.cov(np.stack([xs, ys]).astype(np.float64))
    if np.linalg.det(cov) <= 1e-6:
        return 0.0
    inv = np.linalg.inv(cov)
    gy, gx = np.mgrid[0:region.shape[0], 0:region.shape[1]]
    dx, dy = gx - mu[0], gy - mu[1]
    # A filled ellipse with semi-axes a, b has variances a²/4, b²/4: inside ⇔ Mahalanobis² ≤ 4.
    ell = (inv[0, 0] * dx * dx + 2 * inv[0, 1] * dx * dy + inv[1, 1] * dy * dy) <= 4.0
    inter = np.logical_and(ell, region).sum()
    union = np.logical_or(ell, region).sum()
    return float(inter / union) if union else 0.0


def _solidity(outline: np.ndarray) -> float:
    """Polygon area over convex-hull area of an outline (bulging lassos are concave)."""
    if len(outline) < 4:
        return 1.0
    x, y = outline[:, 0], outline[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    try:
        from scipy.spatial import ConvexHull
        hull = ConvexHull(outline).volume
    except Exception:   # degenerate outline
        return 1.0
    return float(area / hull) if hull > 0 else 1.0


def _interior(mask: np.ndarray) -> np.ndarray | None:
    """The largest enclosed hole of a mask, or None."""
    filled = ndimage.binary_fill_holes(mask)
    holes = filled & ~mask
    lab, n = ndimage.label(holes)
    if n == 0:
        return None
    sizes = ndimage.sum_labels(holes, lab, index=np.arange(1, n + 1))
    return lab == (int(np.argmax(sizes)) + 1)


def _closed_kind(mask: np.ndarray, interior: np.ndarray, cfg: ClassifyConfig, width: float) -> Shape:
    """Rectangle, ellipse or free selection from the enclosed interior."""
    # The shape through the stroke's centre line: interior grown by half the stroke width.
    r = max(1, int(round(width / 2)))
    region = ndimage.binary_dilation(interior, iterations=r) & (interior | mask)
    padded = np.pad(region, 1)
    contours = find_contours(padded.astype(np.float32), 0.5)
    outline = max(contours, key=len)[:, ::-1] - 1.0   # (row, col) → (x, y), undo the pad
    pts = _simplify(outline, tol=0.8)
    rect = _min_rect_fill(region, outline)
    ell = _ellipse_iou(region)
    sol = _solidity(outline)
    # Lassos bulge (concave outline); ellipses fit their moment ellipse; boxes fill their tightest rectangle.
    if ell >= cfg.ellipse_iou and sol >= cfg.convex:
        kind = "circle"
    elif rect >= cfg.rect_fill and sol >= cfg.convex:
        kind = "rectangle"
    else:
        kind = "selection"
    return Shape(kind, pts, features={"rect": rect, "ell": ell, "sol": sol})


def classify_mask(mask: np.ndarray, components: int, letter_side: float,
                  cfg: ClassifyConfig = ClassifyConfig()) -> Shape:
    """Classify a stroke-group mask (bool crop) into one primitive kind."""
    mask = np.pad(mask, 2)
    h, w = mask.shape[0] - 4, mask.shape[1] - 4
    ink = float(mask.sum())
    skel = skeletonize(mask)
    coords, g, deg = _skeleton_graph(skel)
    coords -= 2.0
    sk_len = float(g.sum()) / 2.0 if len(coords) > 1 else 1.0
    width = ink / max(sk_len, 1.0)
    diag = math.hypot(w, h)
    if len(coords) < 2:
        return Shape("freehand", [(w / 2, h / 2)], skeleton_len=sk_len)
    path, plen = _longest_path(g, deg)
    pts = coords[path]
    chord = float(np.hypot(*(pts[-1] - pts[0])))
    # Features kept on the result for inspection and for tuning the thresholds (see sketch.evaluate).
    feats = {"turns": _sharp_turns(pts, max(2.0, width)), "plen": plen, "cover": plen / max(sk_len, 1),
             "tort": plen / max(chord, 1), "w": w, "h": h, "letter": letter_side, "sk": sk_len, "width": width,
             "ends": float((deg == 1).sum()), "junctions": float((deg >= 3).sum()),
             "density": ink / max(w * h, 1), "comps": components}
    shape = _classify(mask, w, h, ink, coords, g, deg, sk_len, width, diag, components, letter_side, cfg,
                      path, plen)
    shape.features = {**feats, **shape.features}
    return shape


def _classify(mask: np.ndarray, w: int, h: int, ink: float, coords: np.ndarray, g: csr_matrix, deg: np.ndarray,
              sk_len: float, width: float, diag: float, components: int, letter_side: float, cfg: ClassifyConfig,
              path: list[int], plen: float) -> Shape:
    """The decision list (see classify_mask)."""

    # Handwriting: several small pieces on one line, or one wide, busy, low piece.
    if components >= 2 and max(w, h) <= 6 * letter_side and w >= cfg.letter_aspect * h * 0.8:
        box = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
        return Shape("text_mark", box, skeleton_len=sk_len)

    interior = _interior(mask)
    if interior is not None and interior.sum() >= max(cfg.hole_frac * ink, 10):
        s = _closed_kind(mask, interior, cfg, width)
        s.points = [(x - 2, y - 2) for x, y in s.points]
        s.skeleton_len = sk_len
        if sk_len / diag < cfg.scribble_ink * 1.4:
            return s

    pts = coords[path]
    p0, p1 = pts[0], pts[-1]
    # A loop drawn with a small gap (hand-drawn circles rarely close) is still a closed shape.
    gap = float(np.hypot(*(p1 - p0)))
    if interior is None or interior.sum() < max(cfg.hole_frac * ink, 10):
        if plen >= 2.2 * max(w, h) and gap <= cfg.close_gap_frac * max(w, h) and sk_len / diag < cfg.scribble_ink:
            closed = mask.copy()
            rr, cc = draw_line(int(p0[1]) + 2, int(p0[0]) + 2, int(p1[1]) + 2, int(p1[0]) + 2)
            closed[rr, cc] = True
            closed = ndimage.binary_dilation(closed, iterations=max(1, int(width / 2))) if gap > 2 else closed
            inter2 = _interior(closed)
            if inter2 is not None and inter2.sum() >= max(cfg.hole_frac * ink, 10):
                s = _closed_kind(closed, inter2, cfg, width)
                s.points = [(x - 2, y - 2) for x, y in s.points]
                s.skeleton_len = sk_len
                return s

    turns = _sharp_turns(pts, max(2.0, width))
    box = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    # One low, wide piece with many stroke ends that its longest path leaves out: joined-up handwriting.
    if (h <= 0.7 * letter_side and w >= 1.8 * h and plen / max(sk_len, 1) < 0.8
            and (deg == 1).sum() >= 5 and turns < 4):
        return Shape("text_mark", box, skeleton_len=sk_len)
    # Scribbles: a lot of ink for their size, in many short back-and-forth pieces (many stroke ends).
    if sk_len / diag >= cfg.scribble_ink or turns >= 3 or (sk_len / diag >= 1.7 and (deg == 1).sum() >= 6):
        if components >= 2:
            return Shape("text_mark", box, skeleton_len=sk_len)
        return Shape("cross_out", _simplify(pts, 1.0), skeleton_len=sk_len)

    if components >= 3:
        box = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
        return Shape("text_mark", box, skeleton_len=sk_len)

    return _open_kind(coords, path, pts, plen, sk_len, width, cfg)


def _open_kind(coords: np.ndarray, path: list[int], pts: np.ndarray, plen: float, sk_len: float,
               width: float, cfg: ClassifyConfig) -> Shape:
    """Line, arrow, X-shaped cross-out or freehand curve from the skeleton's main path and its branches."""
    on_path = np.zeros(len(coords), bool)
    on_path[path] = True
    # Arc length along the main path, to place where side branches attach.
    seg = np.hypot(*np.diff(pts, axis=0).T) if len(pts) > 1 else np.zeros(0)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    off = coords[~on_path]
    branches: list[tuple[float, float]] = []   # (attach arc position, length)
    if len(off):
        grid = np.zeros((int(coords[:, 1].max()) + 3, int(coords[:, 0].max()) + 3), bool)
        oy, ox = off[:, 1].astype(int) + 1, off[:, 0].astype(int) + 1
        grid[oy, ox] = True
        lab, n = ndimage.label(grid, structure=np.ones((3, 3), int))
        for k in range(1, n + 1):
            m = lab[oy, ox] == k
            bl = float(m.sum())
            if bl < max(3.0, 0.8 * width):
                continue   # skeleton spur from a thick stroke end, not a drawn branch
            bp = off[m]
            dd = ((bp[:, None, :] - pts[None, :, :]) ** 2).sum(-1)
            att = int(np.unravel_index(dd.argmin(), dd.shape)[1])
            branches.append((float(arc[att]), bl))
    chord = float(np.hypot(*(pts[-1] - pts[0])))
    path_pts = _simplify(pts, 1.0)
    if not branches or plen <= 0:
        if chord > 0:
            d = pts - pts[0]
            u = (pts[-1] - pts[0]) / chord
            dev = float(np.abs(d[:, 0] * u[1] - d[:, 1] * u[0]).max()) / chord
        else:
            dev = 1.0
        kind = "line" if dev <= cfg.line_dev else "freehand"
        return Shape(kind, path_pts if kind == "freehand" else [tuple(pts[0]), tuple(pts[-1])],
                     tail=tuple(pts[0]), head=tuple(pts[-1]), skeleton_len=sk_len)
    # Cluster branch mass around the biggest branch's attachment point.
    a_star = max(branches, key=lambda b: b[1])[0]
    b_len = sum(l for a, l in branches if abs(a - a_star) <= 0.15 * plen + 2 * width)
    frac = a_star / plen
    post = min(a_star, plen - a_star)      # path beyond the junction: one barb of an arrow
    shaft = max(a_star, plen - a_star)
    if post <= 0.5 * shaft and 0.3 * post <= b_len <= 3.0 * post + 2 * width and b_len <= 0.8 * shaft:
        at = int(np.searchsorted(arc, a_star))
        at = min(at, len(pts) - 1)
        tail = pts[-1] if frac < 0.5 else pts[0]
        # Thick barbs meet below the apex: the tip is the skeleton point reaching furthest along the shaft.
        u = pts[at] - tail
        u = u / max(float(np.hypot(*u)), 1e-9)
        near = coords[np.hypot(*(coords - pts[at]).T) <= post + b_len + 2 * width]
        tip = near[int(((near - tail) @ u).argmax())] if len(near) else pts[at]
        shaft_pts = pts[at:] if frac < 0.5 else pts[:at + 1]
        shaft_pts = shaft_pts[::-1] if frac < 0.5 else shaft_pts
        return Shape("arrow", _simplify(shaft_pts, 1.0), tail=tuple(tail), head=tuple(tip), skeleton_len=sk_len)
    if 0.2 <= frac <= 0.8 and b_len >= 0.3 * plen:
        return Shape("cross_out", path_pts, skeleton_len=sk_len)
    return Shape("freehand", path_pts, tail=tuple(pts[0]), head=tuple(pts[-1]), skeleton_len=sk_len)
