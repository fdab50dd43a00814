"""Cheap sketch-style augmentation of a render: jitter, elastic distortion, line width, grayscale, JPEG."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter, ImageOps
from scipy.ndimage import gaussian_filter, map_coordinates

__all__ = ["SketchifyConfig", "sketchify", "sketchify_png"]


@dataclass
class SketchifyConfig:
    """Strength of each augmentation; every step draws its own random amount from these ranges."""

    max_rotate_deg: float = 2.5  # whole-page jitter, like a photo or scan taken at a slight angle
    max_shift_frac: float = 0.02
    elastic_alpha: tuple[float, float] = (2.0, 6.0)  # displacement in pixels: wobbly hand-drawn lines
    elastic_sigma: tuple[float, float] = (6.0, 12.0)  # smoothness of the displacement field
    p_thicken: float = 0.5  # thicker strokes (pen) vs. lighter ones (pencil)
    p_grayscale: float = 0.7
    jpeg_quality: tuple[int, int] = (30, 85)
    paper_noise: float = 6.0  # std of grey noise on the paper


def _elastic(a: np.ndarray, rng: np.random.Generator, alpha: float, sigma: float) -> np.ndarray:
    """Displace every pixel by a smooth random field (each channel alike)."""
    h, w = a.shape[:2]
    dx = gaussian_filter(rng.uniform(-1, 1, (h, w)), sigma) * alpha * sigma
    dy = gaussian_filter(rng.uniform(-1, 1, (h, w)), sigma) * alpha * sigma
    # Normalise so `alpha` is close to the largest displacement in pixels.
    scale = alpha / max(1e-6, float(np.abs(np.concatenate([dx, dy])).max()))
    dx, dy = dx * scale, dy * scale
    yy, xx = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    coords = [yy + dy, xx + dx]
    out = np.empty_like(a)
    for c in range(a.shape[2]):
        out[..., c] = map_coordinates(a[..., c], coords, order=1, mode="nearest")
    return out


def sketchify(img: Image.Image, seed: int, cfg: SketchifyConfig | None = None) -> Image.Image:
    """A sketch-like version of a rendered figure (deterministic for a seed)."""
    cfg = cfg or SketchifyConfig()
    rnd = random.Random(seed)
    nrng = np.random.default_rng(seed)
    img = img.convert("RGB")
    w, h = img.size
    # Jitter: small rotation and shift of the whole page.
    img = img.rotate(rnd.uniform(-cfg.max_rotate_deg, cfg.max_rotate_deg), resample=Image.BILINEAR,
                     translate=(rnd.uniform(-1, 1) * cfg.max_shift_frac * w,
                                rnd.uniform(-1, 1) * cfg.max_shift_frac * h), fillcolor=(255, 255, 255))
    # Line width: a min filter spreads dark strokes (pen); otherwise lighten them (pencil). A max filter would
    # thin them, but it erases the 1–2 px lines most figures have.
    if rnd.random() < cfg.p_thicken:
        img = img.filter(ImageFilter.MinFilter(3))
    else:
        img = Image.blend(img, Image.new("RGB", img.size, (255, 255, 255)), rnd.uniform(0.1, 0.35))
    a = np.asarray(img, dtype=np.float32)
    a = _elastic(a, nrng, rnd.uniform(*cfg.elastic_alpha), rnd.uniform(*cfg.elastic_sigma))
    a = a + nrng.normal(0, cfg.paper_noise, a.shape[:2])[..., None]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if rnd.random() < cfg.p_grayscale:
        img = ImageOps.grayscale(img).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=rnd.randint(*cfg.jpeg_quality))
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def sketchify_png(png: bytes, seed: int, cfg: SketchifyConfig | None = None) -> bytes:
    """PNG bytes in, sketch-style PNG bytes out."""
    out = sketchify(Image.open(io.BytesIO(png)), seed, cfg)
    buf = io.BytesIO()
    out.save(buf, format="PNG")
    return buf.getvalue()
