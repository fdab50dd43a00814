"""A simple image similarity for choosing between translations: SSIM of small grayscale thumbnails."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

__all__ = ["thumbnail", "image_similarity"]

SIZE = 96


def thumbnail(img: bytes | Image.Image, size: int = SIZE) -> np.ndarray:
    """Grayscale float array of the image fitted into a white `size`×`size` square (transparency on white)."""
    if isinstance(img, (bytes, bytearray)):
        img = Image.open(io.BytesIO(img))
    img = img.convert("RGBA")
    bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
    img = Image.alpha_composite(bg, img).convert("L")
    # Crop to the drawn content first: TikZ images are tight, p5 canvases have margins. A median filter keeps
    # paper noise and JPEG speckle from counting as content.
    arr = np.asarray(img.filter(ImageFilter.MedianFilter(3)))
    ys, xs = np.nonzero(arr < 200)
    if len(xs):
        img = img.crop((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    img.thumbnail((size, size), Image.LANCZOS)
    canvas = Image.new("L", (size, size), 255)
    canvas.paste(img, ((size - img.width) // 2, (size - img.height) // 2))
    # A slight blur makes thin lines a pixel apart still count as the same line.
    canvas = canvas.filter(ImageFilter.GaussianBlur(1.0))
    return np.asarray(canvas, dtype=np.float64) / 255.0


def image_similarity(a: bytes | Image.Image, b: bytes | Image.Image) -> float:
    """SSIM in [-1, 1] (1: same picture) between two figures after cropping and downscaling."""
    from skimage.metrics import structural_similarity

    return float(structural_similarity(thumbnail(a), thumbnail(b), data_range=1.0))
