"""Splitting the stroke layer into groups: colour palette, downsampling, connected pieces, merged letters."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .inputs import Strokes
from .types import SketchError

__all__ = ["ExtractConfig", "Blob", "segment", "split_attached"]


@dataclass(frozen=True)
class ExtractConfig:
    """Knobs of stroke segmentation."""

    analysis_side: int = 512          # analyse at most this many pixels on the long side (block max keeps thin strokes)
    ink_alpha: float = 0.35           # coverage above which a pixel counts as ink
    min_ink_px: int = 30              # fewer ink pixels (full resolution) is "nothing drawn"
    min_component_px: int = 4         # pieces smaller than this (analysis pixels) are specks
    colour_merge: float = 70.0        # palette colours closer than this (RGB distance) are one colour
    letter_side_frac: float = 0.085   # pieces whose long side is below this share of the pad may be letters
    letter_gap: float = 1.3           # letters closer than this × their height join one word
    max_groups: int = 60              # more separate marks than this is noise or a photo, not a sketch
    max_ink_frac: float = 0.5         # ink over more of the pad than this is a picture, not strokes


@dataclass
class Blob:
    """One stroke group at analysis scale: its mask crop and where it sits."""

    mask: np.ndarray          # bool crop
    y0: int                   # crop origin (analysis pixels)
    x0: int
    colour: tuple[int, int, int]
    components: int
    layer: int                # topmost layer index painting it (-1: unknown)
    ink_full: int             # ink pixels at full resolution (for the stroke width)


def _palette(rgb: np.ndarray, cfg: ExtractConfig) -> np.ndarray:
    """The few distinct stroke colours (k×3 float)."""
    px = rgb.reshape(-1, 3).astype(np.int32)
    if len(px) > 20000:   # a sample is plenty for finding a handful of brush colours
        px = px[np.linspace(0, len(px) - 1, 20000).astype(np.int64)]
    keys = (px[:, 0] >> 5) * 64 + (px[:, 1] >> 5) * 8 + (px[:, 2] >> 5)
    counts = np.bincount(keys, minlength=512)
    cols: list[np.ndarray] = []
    for k in np.argsort(-counts):
        if counts[k] < max(8, 0.04 * len(px)):
            break
        c = px[keys == k].mean(axis=0)
        if all(np.linalg.norm(c - o) > cfg.colour_merge for o in cols):
            cols.append(c)
    if not cols:
        cols.append(px.mean(axis=0))
    return np.array(cols, np.float32)


def _block_any(mask: np.ndarray, f: int) -> np.ndarray:
    """Downsample a boolean mask by an integer factor, keeping a pixel if any source pixel is set."""
    if f == 1:
        return mask
    h, w = mask.shape
    H, W = -(-h // f) * f, -(-w // f) * f
    m = np.zeros((H, W), bool)
    m[:h, :w] = mask
    return m.reshape(H // f, f, W // f, f).any(axis=(1, 3))


@dataclass
class _Piece:
    """A connected piece of one colour at analysis scale."""

    mask: np.ndarray
    y0: int
    x0: int
    colour: int
    full_px: int

    @property
    def slices(self) -> tuple[slice, slice]:
        return (slice(self.y0, self.y0 + self.mask.shape[0]), slice(self.x0, self.x0 + self.mask.shape[1]))


def _label(mask: np.ndarray, min_px: int) -> list[tuple[np.ndarray, int, int]]:
    """Closed, 8-connected pieces of a mask as (crop, y0, x0)."""
    # Close 1-pixel gaps left by fast strokes and antialiasing before labelling.
    m = ndimage.binary_closing(mask, structure=np.ones((3, 3), bool), border_value=0) | mask
    lab, n = ndimage.label(m, structure=np.ones((3, 3), int))
    out = []
    for i, sl in enumerate(ndimage.find_objects(lab)):
        crop = lab[sl] == i + 1
        if crop.sum() >= min_px:
            out.append((crop, sl[0].start, sl[1].start))
    return out


def segment(strokes: Strokes, cfg: ExtractConfig = ExtractConfig()) -> tuple[list[Blob], int]:
    """Stroke groups at analysis scale and the downsampling factor used."""
    ink = strokes.alpha > cfg.ink_alpha
    n_ink = int(ink.sum())
    if n_ink < cfg.min_ink_px:
        raise SketchError("The sketch is empty or nearly empty: draw a mark on the figure (a circle, an arrow, "
                          "a cross …) and send it again." if n_ink == 0 else
                          f"The sketch is nearly empty ({n_ink} pixels of ink): draw a clearer mark.")
    h, w = ink.shape
    if n_ink > cfg.max_ink_frac * h * w:
        raise SketchError(f"Strokes cover {100 * n_ink / (h * w):.0f}% of the canvas; that looks like a picture, "
                          "not marks drawn on it. Draw a few marks on the figure instead.")
    f = max(1, math.ceil(max(h, w) / cfg.analysis_side))
    # Work only inside the ink's bounding box (aligned to the block size): strokes cover little of a pad.
    rows, cols = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    by0, bx0 = (rows[0] // f) * f, (cols[0] // f) * f
    by1, bx1 = rows[-1] + 1, cols[-1] + 1
    oy, ox = by0 // f, bx0 // f
    ink = ink[by0:by1, bx0:bx1]
    rgb = strokes.rgb[by0:by1, bx0:bx1]
    layer_map = strokes.layer[by0:by1, bx0:bx1] if strokes.layer is not None else None
    ys, xs = np.nonzero(ink)
    # Stroke edges blend with what lies under them; the palette comes from stroke cores where possible.
    core = np.zeros_like(ink)
    core[1:-1, 1:-1] = ink[1:-1, 1:-1] & ink[:-2, 1:-1] & ink[2:, 1:-1] & ink[1:-1, :-2] & ink[1:-1, 2:]
    use_core = core.sum() >= 0.15 * n_ink
    pal = _palette(rgb[core] if use_core else rgb[ys, xs], cfg)
    d = ((rgb[ys, xs].astype(np.float32)[:, None, :] - pal[None, :, :]) ** 2).sum(-1)
    which = np.full(ink.shape, -1, np.int16)
    which[ys, xs] = d.argmin(axis=1)
    weight = core if use_core else ink
    pieces: list[_Piece] = []
    # Pieces of the whole ink first; a piece is split by colour only where two colours each hold real mass
    # (crossing marks of different colours), so blended edges never become marks of their own.
    for crop, y0, x0 in _label(_block_any(ink, f), cfg.min_component_px):
        fy, fx = slice(y0 * f, (y0 + crop.shape[0]) * f), slice(x0 * f, (x0 + crop.shape[1]) * f)
        inside = np.repeat(np.repeat(crop, f, axis=0), f, axis=1)[: ink[fy, fx].shape[0], : ink[fy, fx].shape[1]]
        wh = which[fy, fx]
        counts = np.bincount(wh[inside & weight[fy, fx]].ravel(), minlength=len(pal)) if (inside & weight[fy, fx]).any() \
            else np.bincount(wh[inside & ink[fy, fx]].ravel(), minlength=len(pal))
        total = counts.sum()
        present = [c for c in range(len(pal)) if counts[c] >= max(20, 0.12 * total)] or [int(counts.argmax())]
        region_ink = ink[fy, fx] & inside
        if len(present) == 1:
            pieces.append(_Piece(crop, y0, x0, present[0], int(region_ink.sum())))
            continue
        dd = d_present = ((rgb[fy, fx].astype(np.float32)[:, :, None, :] - pal[present][None, None]) ** 2).sum(-1)
        nearest = np.array(present)[dd.argmin(axis=-1)]
        del d_present
        for c in present:
            sub = region_ink & (nearest == c)
            for scrop, sy, sx in _label(_block_any(sub, f), cfg.min_component_px):
                pieces.append(_Piece(scrop, y0 + sy, x0 + sx, c, int(sub.sum())))
    long_side = max(h, w) / f
    letter_side = cfg.letter_side_frac * long_side
    blobs: list[Blob] = []
    for ci in range(len(pal)):
        mine = [p for p in pieces if p.colour == ci]
        for members in _merge_letters([p.slices for p in mine], letter_side, cfg.letter_gap):
            ps = [mine[m] for m in members]
            y0, x0 = min(p.y0 for p in ps), min(p.x0 for p in ps)
            y1 = max(p.y0 + p.mask.shape[0] for p in ps)
            x1 = max(p.x0 + p.mask.shape[1] for p in ps)
            crop = np.zeros((y1 - y0, x1 - x0), bool)
            for p in ps:
                crop[p.y0 - y0:p.y0 - y0 + p.mask.shape[0], p.x0 - x0:p.x0 - x0 + p.mask.shape[1]] |= p.mask
            fy, fx = slice(y0 * f, y1 * f), slice(x0 * f, x1 * f)
            region = ink[fy, fx] & (which[fy, fx] == ci)
            layer = -1
            if layer_map is not None:
                li = layer_map[fy, fx][region]
                layer = int(li.max()) if li.size else -1
            col = tuple(int(v) for v in pal[ci])
            blobs.append(Blob(crop, y0 + oy, x0 + ox, col, len(ps), layer, int(sum(p.full_px for p in ps))))
    if not blobs:
        raise SketchError("The sketch is nearly empty: only specks were found. Draw a clearer mark.")
    if len(blobs) > cfg.max_groups:
        raise SketchError(f"The sketch has {len(blobs)} separate marks; that looks like noise or a photo rather "
                          f"than annotations. Draw a few marks (at most {cfg.max_groups}) and send it again.")
    # Images carry no timing, so "stroke order" is layer first, then reading order in bands of the pad.
    band = max(1.0, max(h, w) / f / 10)
    blobs.sort(key=lambda b: (b.layer, int(b.y0 / band), b.x0))
    return blobs, f


def _merge_letters(slices: list[tuple[slice, slice]], letter_side: float, gap: float) -> list[list[int]]:
    """Union small neighbouring pieces on a common text line (handwriting); other pieces stay alone."""
    n = len(slices)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    box = [(s[1].start, s[0].start, s[1].stop, s[0].stop) for s in slices]
    small = [max(b[2] - b[0], b[3] - b[1]) <= letter_side for b in box]
    idx = [i for i in range(n) if small[i]]
    for a_i, i in enumerate(idx):
        for j in idx[a_i + 1:]:
            bi, bj = box[i], box[j]
            hmax = max(bi[3] - bi[1], bj[3] - bj[1], 3)
            dx = max(0, max(bi[0], bj[0]) - min(bi[2], bj[2]))
            dy = max(0, max(bi[1], bj[1]) - min(bi[3], bj[3]))
            overlap_y = min(bi[3], bj[3]) - max(bi[1], bj[1])
            if dx <= gap * hmax and (dy == 0 and overlap_y >= 0.25 * min(bi[3] - bi[1], bj[3] - bj[1])):
                parent[find(i)] = find(j)
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(find(i), []).append(i)
    return list(out.values())


def _largest_hole(mask: np.ndarray) -> np.ndarray | None:
    """The largest enclosed hole of a mask, or None."""
    holes = ndimage.binary_fill_holes(mask) & ~mask
    lab, n = ndimage.label(holes)
    if n == 0:
        return None
    sizes = ndimage.sum_labels(holes, lab, index=np.arange(1, n + 1))
    return lab == (int(np.argmax(sizes)) + 1)


def split_attached(blob: Blob, depth: int = 0) -> list[Blob]:
    """Separate strokes attached to a closed loop (a box with its arrows) into their own groups."""
    m = blob.mask
    ink = float(m.sum())
    hole = _largest_hole(m)
    if hole is None or hole.sum() < max(0.3 * ink, 10) or depth > 3:
        return [blob]
    # Stroke width from area over centre-line length of the loop: ring area ≈ perimeter × width.
    per = max(float((hole ^ ndimage.binary_erosion(hole)).sum()), 1.0)
    width = max(1.0, min(ink / per, 12.0))
    ring = m & ndimage.binary_dilation(hole, iterations=int(math.ceil(width)) + 1)
    rest = m & ~ring
    lab, n = ndimage.label(rest, structure=np.ones((3, 3), int))
    if n == 0:
        return [blob]
    span = max(m.shape)
    pieces: list[Blob] = []
    keep_ring = ring.copy()
    for i, sl in enumerate(ndimage.find_objects(lab)):
        part = lab[sl] == i + 1
        ext = max(part.shape)
        if ext < max(6 * width, 0.2 * span) or part.sum() < 4 * width * width:
            keep_ring[sl] |= part   # an overshoot or a wobble of the loop itself
            continue
        share = part.sum() / ink
        pieces.append(Blob(part, blob.y0 + sl[0].start, blob.x0 + sl[1].start, blob.colour, 1, blob.layer,
                           int(round(blob.ink_full * share))))
    if not pieces:
        return [blob]
    ys, xs = np.nonzero(keep_ring)
    y0, x0 = int(ys.min()), int(xs.min())
    loop = Blob(keep_ring[y0:ys.max() + 1, x0:xs.max() + 1], blob.y0 + y0, blob.x0 + x0, blob.colour, 1, blob.layer,
                int(round(blob.ink_full * keep_ring.sum() / ink)))
    out = [loop]
    for p in pieces:
        out += split_attached(p, depth + 1)
    return out
