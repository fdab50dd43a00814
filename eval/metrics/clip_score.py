"""CLIPScore between the prompt (or caption) and the rendered figure: 100 · max(cos, 0), as in AutomaTikZ."""
from __future__ import annotations

from ..clip import ClipEncoder, clip_score
from .base import MetricResult, Sample, mean

__all__ = ["ClipScore"]


class ClipScore:
    """Text↔image CLIPScore; a prediction that did not render scores 0 in `clip_score`.

    `clip_score_rendered` averages over rendered predictions only, so a system that renders less often is not
    hidden behind its successes; both are reported.
    """

    name = "clip_score"

    def __init__(self, encoder: ClipEncoder):
        self.encoder = encoder
        self._texts: list[str] = []
        self._images: list = []

    def update(self, sample: Sample) -> None:
        self._texts.append(sample.text)
        self._images.append(sample.image if sample.status == "ok" else None)

    def compute(self) -> MetricResult:
        idx = [i for i, im in enumerate(self._images) if im is not None]
        scores: list[float | None] = [None] * len(self._images)
        if idx:
            t = self.encoder.embed_texts([self._texts[i] for i in idx])
            v = self.encoder.embed_images([self._images[i] for i in idx])
            cos = (t * v).sum(-1).tolist()
            for i, c in zip(idx, cos):
                scores[i] = clip_score(c)
        rendered = [s for s in scores if s is not None]
        return MetricResult(
            summary={
                "clip_score": mean([s if s is not None else 0.0 for s in scores]),
                "clip_score_rendered": mean(rendered),
                "clip": {"model": self.encoder.name, "n_scored": len(rendered)},
            },
            per_row=[{"clip_score": s} for s in scores],
        )
