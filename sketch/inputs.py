"""Reading a sketch value (Gradio ImageEditor dict or a single pad image) into a stroke layer and a background."""
from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from .types import SketchError

__all__ = ["Strokes", "InputLimits", "load_image", "read_strokes"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InputLimits:
    """Sizes beyond which a sketch is refused rather than analysed."""

    max_side: int = 4096            # pixels on the longest side
    max_pixels: int = 4096 * 3072   # width × height
    max_file_bytes: int = 40 << 20  # encoded image size


@dataclass
class Strokes:
    """The user's strokes alone, in pad pixels, plus the picture they were drawn on (if any)."""

    rgb: np.ndarray                  # H×W×3 uint8 colour of the strokes
    alpha: np.ndarray                # H×W float32 in [0, 1]: how much of each pixel is stroke
    layer: np.ndarray | None         # H×W int8: index of the topmost layer painting the pixel (-1: none)
    background: np.ndarray | None    # H×W×3 uint8 picture under the strokes, None for a blank pad
    source: str                      # "layers" | "composite" | "pad"

    @property
    def size(self) -> tuple[int, int]:
        """Pad size as (width, height)."""
        return (self.alpha.shape[1], self.alpha.shape[0])


def _check_size(w: int, h: int, limits: InputLimits, what: str) -> None:
    """Refuse absurd image sizes before any pixel is decoded."""
    if w <= 0 or h <= 0:
        raise SketchError(f"The {what} image is empty (size {w}×{h}).")
    if max(w, h) > limits.max_side or w * h > limits.max_pixels:
        raise SketchError(f"The {what} image is too large ({w}×{h} pixels); the limit is "
                          f"{limits.max_side} pixels per side. Please draw on a smaller canvas.")


def _from_array(a: np.ndarray, what: str, limits: InputLimits) -> np.ndarray:
    """Any reasonable numpy image → H×W×4 uint8 RGBA."""
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise SketchError(f"The {what} image has an unsupported shape {tuple(a.shape)}; expected H×W, H×W×3 or H×W×4.")
    _check_size(a.shape[1], a.shape[0], limits, what)
    if a.dtype == bool:
        a = a.astype(np.uint8) * 255
    elif np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all():
            raise SketchError(f"The {what} image contains invalid values (NaN or infinity).")
        # Float images come either in [0, 1] or in [0, 255]; decide by range.
        scale = 255.0 if a.size and float(a.max()) <= 1.0 else 1.0
        a = np.clip(a * scale, 0, 255).astype(np.uint8)
    elif np.issubdtype(a.dtype, np.integer):
        if a.dtype != np.uint8:
            hi = int(a.max()) if a.size else 0
            a = (a >> 8 if hi > 255 and a.dtype == np.uint16 else np.clip(a, 0, 255)).astype(np.uint8)
    else:
        raise SketchError(f"The {what} image has an unsupported pixel type ({a.dtype}).")
    if a.ndim == 2:
        a = np.stack([a, a, a], axis=2)
    if a.shape[2] == 3:
        a = np.concatenate([a, np.full(a.shape[:2] + (1,), 255, np.uint8)], axis=2)
    return np.ascontiguousarray(a)


def _open_pil(src: Any, what: str, limits: InputLimits) -> Image.Image:
    """Open a path or bytes lazily and check its size before decoding."""
    try:
        if isinstance(src, (bytes, bytearray)):
            if len(src) > limits.max_file_bytes:
                raise SketchError(f"The {what} image file is too large ({len(src) >> 20} MB).")
            im = Image.open(io.BytesIO(bytes(src)))
        else:
            p = Path(src)
            if not p.is_file():
                raise SketchError(f"The {what} image file was not found: {p.name}")
            if p.stat().st_size > limits.max_file_bytes:
                raise SketchError(f"The {what} image file is too large ({p.stat().st_size >> 20} MB).")
            im = Image.open(p)
        _check_size(im.width, im.height, limits, what)
        im.load()
        return im
    except SketchError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise SketchError(f"The {what} image could not be read ({type(e).__name__}); please draw it again.") from e


def load_image(src: Any, what: str = "sketch", limits: InputLimits = InputLimits()) -> np.ndarray | None:
    """Numpy array, PIL image, path, bytes or Gradio file dict → H×W×4 uint8 RGBA (None stays None)."""
    if src is None:
        return None
    if isinstance(src, dict):   # Gradio FileData-like {"path": ...}
        src = src.get("path") or src.get("name")
        if src is None:
            raise SketchError(f"The {what} image is missing its file path.")
    if isinstance(src, np.ndarray):
        return _from_array(src, what, limits)
    if isinstance(src, Image.Image):
        _check_size(src.width, src.height, limits, what)
        try:
            return np.asarray(src.convert("RGBA"), dtype=np.uint8).copy()
        except (OSError, ValueError) as e:
            raise SketchError(f"The {what} image could not be read ({type(e).__name__}).") from e
    if isinstance(src, (str, os.PathLike, bytes, bytearray)):
        im = _open_pil(src, what, limits)
        return np.asarray(im.convert("RGBA"), dtype=np.uint8).copy()
    raise SketchError(f"The {what} must be an image (array, PIL image or file), not {type(src).__name__}.")


def _resize(a: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an RGBA uint8 image to (width, height) when it differs."""
    if (a.shape[1], a.shape[0]) == size:
        return a
    return np.asarray(Image.fromarray(a).resize(size, Image.BILINEAR))


def _paper_colour(rgb: np.ndarray) -> np.ndarray:
    """The paper colour of a pad: the most common coarse colour on the image border."""
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.int32)
    keys = (border[:, 0] >> 4) * 256 + (border[:, 1] >> 4) * 16 + (border[:, 2] >> 4)
    best = np.bincount(keys).argmax()
    return border[keys == best].mean(axis=0)


def _diff_alpha(rgb: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Stroke coverage from the colour distance to a reference (background picture or paper colour)."""
    ref = np.broadcast_to(np.asarray(ref).astype(np.uint8), rgb.shape)
    # max - min in uint8 avoids widening three full-size channels.
    d = (np.maximum(rgb, ref) - np.minimum(rgb, ref)).max(axis=-1).astype(np.float32)
    # Below 24 levels is JPEG/antialiasing noise; above 72 is surely ink.
    return np.clip((d - 24.0) / 48.0, 0.0, 1.0)


def _from_layers(layers: list[np.ndarray], size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack stroke layers bottom to top into one colour, coverage and layer-index image."""
    h, w = size[1], size[0]
    rgb = np.zeros((h, w, 3), np.uint8)
    alpha = np.zeros((h, w), np.float32)
    idx = np.full((h, w), -1, np.int8)
    if len(layers) == 1:   # the usual case: one stroke layer
        lay = _resize(layers[0], size)
        alpha = lay[:, :, 3].astype(np.float32) * (1.0 / 255.0)
        idx = np.where(lay[:, :, 3] > 89, 0, -1).astype(np.int8)
        return np.ascontiguousarray(lay[:, :, :3]), alpha, idx
    for i, lay in enumerate(layers):
        lay = _resize(lay, size)
        a = lay[:, :, 3].astype(np.float32) / 255.0
        on = a > 0.05
        rgb[on] = lay[:, :, :3][on]
        idx[a > 0.35] = min(i, 127)
        alpha = 1.0 - (1.0 - alpha) * (1.0 - a)
    return rgb, alpha, idx


def read_strokes(value: Any, limits: InputLimits = InputLimits()) -> Strokes:
    """Isolate the user's strokes: from the layers, else composite minus background, else ink on a pad."""
    if isinstance(value, dict) and ("background" in value or "layers" in value or "composite" in value):
        bg = load_image(value.get("background"), "background", limits)
        raw_layers = value.get("layers") or []
        if not isinstance(raw_layers, (list, tuple)):
            raw_layers = [raw_layers]
        layers = [x for x in (load_image(l, "layer", limits) for l in raw_layers) if x is not None]
        comp = load_image(value.get("composite"), "composite", limits)
        ref = layers[0] if layers else comp if comp is not None else bg
        if ref is None:
            raise SketchError("The sketch is empty: no background, layer or composite image was received.")
        size = (ref.shape[1], ref.shape[0])
        bg_rgb = _resize(bg, size)[:, :, :3] if bg is not None else None
        if layers and any((l[:, :, 3] > 0).any() for l in layers):
            rgb, alpha, idx = _from_layers(layers, size)
            return Strokes(rgb, alpha, idx, bg_rgb, "layers")
        if comp is not None:
            comp = _resize(comp, size)
            if bg_rgb is not None:
                # Layers came back empty (seen with some editor versions): the strokes are what the composite adds.
                return Strokes(comp[:, :, :3].copy(), _diff_alpha(comp[:, :, :3], bg_rgb), None, bg_rgb, "composite")
            return _pad(comp)
        if layers:
            raise SketchError("The sketch layer is empty: nothing was drawn.")
        raise SketchError("Nothing was drawn on the figure.")
    img = load_image(value, "sketch", limits)
    if img is None:
        raise SketchError("The sketch is empty: no image was received.")
    return _pad(img)


def _pad(img: np.ndarray) -> Strokes:
    """Strokes of a single pad image: transparent pads use alpha, opaque ones the distance to the paper colour."""
    a = img[:, :, 3]
    if (a < 250).any() and (a > 0).any() and (a == 0).mean() > 0.2:
        return Strokes(img[:, :, :3].copy(), a.astype(np.float32) / 255.0, None, None, "pad")
    rgb = img[:, :, :3]
    return Strokes(rgb.copy(), _diff_alpha(rgb, _paper_colour(rgb)[None, None, :]) * (a.astype(np.float32) / 255.0),
                   None, None, "pad")
