"""Image↔image CLIP similarity between the prediction's render and the reference's (100 · max(cos, 0))."""
from __future__ import annotations

from ..clip import ClipEncoder, clip_score
from .base import MetricResult, Sample, mean

__all__ = ["ClipImageScore"]


class ClipImageScore:
    """CLIP image similarity to the reference; with `redacted=True` on renders whose text was removed.

    Only rows with a reference count; a prediction that did not render scores 0.
    """

    def __init__(self, encoder: ClipEncoder, redacted: bool = False):
        self.encoder = encoder
        self.redacted = redacted
        self.name = "clip_image_score_redacted" if redacted else "clip_image_score"
        self._pairs: list[tuple | None] = []  # (pred image or None, ref image) or None without a reference

    def update(self, sample: Sample) -> None:
        ref = sample.reference_image_redacted if self.redacted else sample.reference_image
        pred = sample.image_redacted if self.redacted else sample.image
        if ref is None:
            self._pairs.append(None)
        else:
            self._pairs.append((pred if sample.status == "ok" else None, ref))

    def compute(self) -> MetricResult:
        both = [i for i, p in enumerate(self._pairs) if p is not None and p[0] is not None]
        scores: list[float | None] = [None] * len(self._pairs)
        if both:
            emb = self.encoder.embed_images([self._pairs[i][0] for i in both] + [self._pairs[i][1] for i in both])
            a, b = emb[:len(both)], emb[len(both):]
            for i, c in zip(both, (a * b).sum(-1).tolist()):
                scores[i] = clip_score(c)
        with_ref = [i for i, p in enumerate(self._pairs) if p is not None]
        for i in with_ref:
            if scores[i] is None:
                scores[i] = 0.0  # the reference exists but the prediction did not render
        return MetricResult(
            summary={self.name: mean([scores[i] for i in with_ref]), f"{self.name}_n": len(with_ref)},
            per_row=[{self.name: s} for s in scores],
        )
