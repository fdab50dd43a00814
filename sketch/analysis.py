"""`analyze`: from an editor value or pad image to grounded, described stroke groups."""
from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageDraw

from .classify import ClassifyConfig, classify_mask
from .describe import describe_annotations, describe_diagram, describe_layout
from .diagram import Diagram, DiagramConfig, decompose, structure
from .extract import ExtractConfig, segment, split_attached
from .ground import GroundConfig, ground
from .inputs import InputLimits, Strokes, read_strokes
from .types import SketchError, StrokeGroup

__all__ = ["AnalyzeConfig", "SketchAnalysis", "analyze"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalyzeConfig:
    """All knobs of the analysis."""

    limits: InputLimits = InputLimits()
    extract: ExtractConfig = ExtractConfig()
    classify: ClassifyConfig = ClassifyConfig()
    ground: GroundConfig = GroundConfig()
    diagram: DiagramConfig = DiagramConfig()
    pad_margin: float = 0.08          # blank pads: margin around the content after normalising, share of the canvas


@dataclass
class _Mapping:
    """Affine map from pad pixels to figure pixels: figure = (pad - origin) * scale + offset."""

    sx: float
    sy: float
    ox: float = 0.0
    oy: float = 0.0
    origin: tuple[float, float] = (0.0, 0.0)

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return (float((x - self.origin[0]) * self.sx + self.ox), float((y - self.origin[1]) * self.sy + self.oy))


@dataclass
class SketchAnalysis:
    """Stroke groups of one sketch in figure coordinates, with the text and image handed to the model."""

    groups: list[StrokeGroup]
    figure_size: tuple[int, int]
    pad_size: tuple[int, int]
    blank_pad: bool
    source: str                                   # "layers" | "composite" | "pad"
    has_trace: bool
    ms: float                                     # analysis time
    _strokes: Strokes | None = field(default=None, repr=False)
    _mapping: _Mapping | None = field(default=None, repr=False)
    _overlay: bytes | None = field(default=None, repr=False)
    diagram: Diagram | None = field(default=None, repr=False)   # blank pads: primitives, connections (analysis px)
    structure: dict[str, Any] = field(default_factory=dict)    # blank pads: layers, tree, chain, bars, …

    def describe(self) -> str:
        """The precise text put into the model request."""
        if self.blank_pad and self.diagram is not None:
            return describe_diagram(self.groups, self.structure, self.diagram.connections, self.diagram.inside,
                                    self.figure_size)
        if self.blank_pad:
            return describe_layout(self.groups, self.figure_size)
        return describe_annotations(self.groups, self.figure_size, self.has_trace)

    @property
    def lines(self) -> list[int]:
        """All grounded program lines."""
        return sorted({l for g in self.groups for l in g.lines})

    @property
    def overlay_image(self) -> Image.Image:
        """The strokes over the figure (or the normalised pad) at figure size, groups numbered as in describe()."""
        w, h = self.figure_size
        st, mp = self._strokes, self._mapping
        assert st is not None and mp is not None
        rgba = np.dstack([st.rgb, (np.clip(st.alpha, 0, 1) * 255).astype(np.uint8)])
        layer = Image.fromarray(rgba, "RGBA")
        if self.blank_pad:
            base = Image.new("RGBA", (w, h), (255, 255, 255, 255))
        elif st.background is not None:
            base = Image.fromarray(st.background).convert("RGBA").resize((w, h), Image.BILINEAR)
        else:
            base = Image.new("RGBA", (w, h), (255, 255, 255, 255))
        # Pad → figure is an axis-aligned scale and shift: PIL's affine wants the inverse map.
        inv = (1 / mp.sx, 0, mp.origin[0] - mp.ox / mp.sx, 0, 1 / mp.sy, mp.origin[1] - mp.oy / mp.sy)
        warped = layer.transform((w, h), Image.AFFINE, inv, resample=Image.BILINEAR)
        out = Image.alpha_composite(base, warped)
        draw = ImageDraw.Draw(out)
        for i, g in enumerate(self.groups):
            x, y = max(0, g.bbox[0] - 4), max(0, g.bbox[1] - 14)
            draw.rectangle([x, y, x + 12, y + 12], fill=(255, 255, 255, 230), outline=(0, 0, 0, 255))
            draw.text((x + 3, y + 1), str(i + 1), fill=(0, 0, 0, 255))
        return out.convert("RGB")

    @property
    def overlay_png(self) -> bytes:
        """PNG bytes of `overlay_image` (cached)."""
        if self._overlay is None:
            buf = io.BytesIO()
            self.overlay_image.save(buf, format="PNG")
            self._overlay = buf.getvalue()
        return self._overlay

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {"figure_size": list(self.figure_size), "pad_size": list(self.pad_size), "blank_pad": self.blank_pad,
                "source": self.source, "groups": [g.to_dict() for g in self.groups], "ms": round(self.ms, 1)}


def _hex(c: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % c


def _mapping(strokes: Strokes, figure_size: tuple[int, int], blank_pad: bool, content: tuple[float, ...],
             margin: float) -> _Mapping:
    """Pad → figure map: plain per-axis scale over a figure, crop-pad-rescale for a blank pad."""
    pw, ph = strokes.size
    fw, fh = figure_size
    if not blank_pad:
        return _Mapping(fw / pw, fh / ph)
    x0, y0, x1, y1 = content
    cw, ch = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    s = min(fw * (1 - 2 * margin) / cw, fh * (1 - 2 * margin) / ch)
    # Never blow a small doodle up beyond 4× (it would exaggerate jitter); centre it on the canvas.
    s = min(s, 4.0 * max(fw / pw, fh / ph))
    return _Mapping(s, s, (fw - cw * s) / 2, (fh - ch * s) / 2, (x0, y0))


def analyze(value: Any, figure_size: tuple[int, int] | None = None, trace: Sequence[Any] | None = None,
            blank_pad: bool = False, config: AnalyzeConfig = AnalyzeConfig()) -> SketchAnalysis:
    """Extract, classify, ground and describe the strokes of a sketch (raises SketchError on bad input)."""
    t0 = time.perf_counter()
    strokes = read_strokes(value, config.limits)
    if figure_size is None:
        figure_size = strokes.size
    fw, fh = int(figure_size[0]), int(figure_size[1])
    if fw <= 0 or fh <= 0 or fw > config.limits.max_side or fh > config.limits.max_side:
        raise SketchError(f"Invalid figure size {fw}×{fh}.")
    blobs, f = segment(strokes, config.extract)
    if blank_pad:
        return _analyze_diagram(strokes, blobs, f, (fw, fh), config, t0)
    long_side = max(strokes.alpha.shape) / f
    letter_side = config.extract.letter_side_frac * long_side
    # Text marks are letters, never split; anything else may be a loop with strokes attached to it.
    blobs = [p for b in blobs for p in (split_attached(b) if b.components == 1 else [b])]
    raw = []
    for b in blobs:
        shape = classify_mask(b.mask, b.components, letter_side, config.classify)
        raw.append((b, shape))
    # Pad pixels of an analysis-pixel coordinate: centre of the f×f block it came from.
    def to_pad(b, x, y):
        return ((x + b.x0) * f + (f - 1) / 2, (y + b.y0) * f + (f - 1) / 2)
    boxes = [(b.x0 * f, b.y0 * f, (b.x0 + b.mask.shape[1]) * f, (b.y0 + b.mask.shape[0]) * f) for b, _ in raw]
    content = (min(x[0] for x in boxes), min(x[1] for x in boxes), max(x[2] for x in boxes), max(x[3] for x in boxes))
    mp = _mapping(strokes, (fw, fh), blank_pad, content, config.pad_margin)
    scale = float(np.sqrt(mp.sx * mp.sy))
    groups: list[StrokeGroup] = []
    for i, ((b, shape), box) in enumerate(zip(raw, boxes)):
        pts = [mp(*to_pad(b, x, y)) for x, y in shape.points]
        x0, y0 = mp(box[0], box[1])
        x1, y1 = mp(box[2], box[3])
        width = b.ink_full / max(shape.skeleton_len * f, 1.0) * scale
        g = StrokeGroup(kind=shape.kind, bbox=(x0, y0, x1, y1), points=pts, color=_hex(b.colour),
                        stroke_width=float(width), order=i, components=b.components,
                        tail=None if shape.tail is None else mp(*to_pad(b, *shape.tail)),
                        head=None if shape.head is None else mp(*to_pad(b, *shape.head)))
        groups.append(g)
    if not blank_pad:
        ground(groups, trace, (fw, fh), config.ground)
    ms = (time.perf_counter() - t0) * 1000
    log.debug("sketch: %d groups in %.1f ms (%s)", len(groups), ms, strokes.source)
    return SketchAnalysis(groups, (fw, fh), strokes.size, blank_pad, strokes.source, bool(trace), ms,
                          _strokes=strokes, _mapping=mp)


def _analyze_diagram(strokes: Strokes, blobs: list[Any], f: int, figure_size: tuple[int, int], config: AnalyzeConfig,
                     t0: float) -> SketchAnalysis:
    """A blank pad: all ink taken apart as one connected diagram (shapes, connectors, axes, text, curves)."""
    oy, ox = min(b.y0 for b in blobs), min(b.x0 for b in blobs)
    H = max(b.y0 + b.mask.shape[0] for b in blobs) - oy
    W = max(b.x0 + b.mask.shape[1] for b in blobs) - ox
    ink = np.zeros((H, W), bool)
    owner = np.full((H, W), -1, np.int32)
    for k, b in enumerate(blobs):
        sl = (slice(b.y0 - oy, b.y0 - oy + b.mask.shape[0]), slice(b.x0 - ox, b.x0 - ox + b.mask.shape[1]))
        ink[sl] |= b.mask
        owner[sl][b.mask] = k
    dg = decompose(ink, config.diagram, canvas_side=max(strokes.alpha.shape) / f)
    dg.origin, dg.factor = (float(ox), float(oy)), f
    content = (ox * f, oy * f, (ox + W) * f, (oy + H) * f)
    mp = _mapping(strokes, figure_size, True, content, config.pad_margin)
    scale = float(np.sqrt(mp.sx * mp.sy))

    def fig(p: tuple[float, float]) -> tuple[float, float]:
        return mp((p[0] + ox) * f + (f - 1) / 2, (p[1] + oy) * f + (f - 1) / 2)
    groups: list[StrokeGroup] = []
    for i, p in enumerate(dg.primitives):
        x0, y0 = fig((p.bbox[0], p.bbox[1]))
        x1, y1 = fig((p.bbox[2], p.bbox[3]))
        # Colour: the stroke group most of the primitive's points fall on.
        votes = [owner[min(max(int(y), 0), H - 1), min(max(int(x), 0), W - 1)] for x, y in p.points]
        votes = [v for v in votes if v >= 0]
        colour = blobs[max(set(votes), key=votes.count)].colour if votes else blobs[0].colour
        groups.append(StrokeGroup(kind=p.kind, bbox=(x0, y0, x1, y1), points=[fig(q) for q in p.points],
                                  color=_hex(colour), stroke_width=float(dg.width * f * scale), order=i,
                                  tail=None if p.tail is None else fig(p.tail),
                                  head=None if p.head is None else fig(p.head)))
    st = structure(dg)
    st["n_connections"] = len(dg.connections)
    if "axes_origin" in st:
        st["axes_origin_fig"] = fig(st["axes_origin"])
    ms = (time.perf_counter() - t0) * 1000
    log.debug("sketch: diagram of %d primitives, %d connections in %.1f ms", len(groups), len(dg.connections), ms)
    return SketchAnalysis(groups, figure_size, strokes.size, True, strokes.source, False, ms,
                          _strokes=strokes, _mapping=mp, diagram=dg, structure=st)
