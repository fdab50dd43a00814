"""Render success rate with the error / blank / timeout breakdown."""
from __future__ import annotations

from collections import Counter

from .base import MetricResult, Sample

__all__ = ["RenderSuccess", "STATUSES"]

# "empty": the model produced no code block at all, so nothing was rendered.
STATUSES = ("ok", "error", "blank", "timeout", "empty")


class RenderSuccess:
    """Share of predictions whose chosen program rendered a non-blank figure."""

    name = "render_success"

    def __init__(self) -> None:
        self._statuses: list[str] = []

    def update(self, sample: Sample) -> None:
        self._statuses.append(sample.status)

    def compute(self) -> MetricResult:
        n = len(self._statuses)
        counts = Counter(self._statuses)
        breakdown = {s: counts.get(s, 0) for s in STATUSES}
        rates = {f"{s}_rate": (counts.get(s, 0) / n if n else None) for s in STATUSES}
        return MetricResult(
            summary={"render_success_rate": rates["ok_rate"], "render": {"n": n, **breakdown, **rates}},
            per_row=[{"status": s} for s in self._statuses],
        )
