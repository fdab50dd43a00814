"""SSIM between the prediction's render and the reference's, on grey images of one size."""
from __future__ import annotations

import numpy as np

from .base import MetricResult, Sample, mean

__all__ = ["SSIM", "ssim"]


def _grey(img, size: int) -> np.ndarray:
    """Luma at `size`×`size` as float64; both images get the same resize so differing canvases compare."""
    from PIL import Image

    return np.asarray(img.convert("L").resize((size, size), Image.BILINEAR), dtype=np.float64)


def ssim(a, b, size: int = 256) -> float:
    """SSIM of Wang et al. (Gaussian window σ=1.5, K1=0.01, K2=0.03, data range 255)."""
    from skimage.metrics import structural_similarity

    return float(structural_similarity(_grey(a, size), _grey(b, size), data_range=255.0, gaussian_weights=True,
                                       sigma=1.5, use_sample_covariance=False))


class SSIM:
    """Mean SSIM to the reference over rows with one; a prediction that did not render scores 0."""

    def __init__(self, size: int = 256, redacted: bool = False):
        self.size = size
        self.redacted = redacted
        self.name = "ssim_redacted" if redacted else "ssim"
        self._scores: list[float | None] = []

    def update(self, sample: Sample) -> None:
        ref = sample.reference_image_redacted if self.redacted else sample.reference_image
        pred = sample.image_redacted if self.redacted else sample.image
        if ref is None:
            self._scores.append(None)
        elif sample.status != "ok" or pred is None:
            self._scores.append(0.0)
        else:
            self._scores.append(ssim(pred, ref, self.size))

    def compute(self) -> MetricResult:
        scored = [s for s in self._scores if s is not None]
        return MetricResult(summary={self.name: mean(scored), f"{self.name}_n": len(scored)},
                            per_row=[{self.name: s} for s in self._scores])
