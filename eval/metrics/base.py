"""What every metric sees for one prediction, and the `update`/`compute` shape they share."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Sample", "MetricResult", "Metric", "mean"]


@dataclass
class Sample:
    """One prediction with its renders: the row, the prediction's render and the reference's, if any."""

    row: dict[str, Any]
    status: str  # "ok" | "error" | "blank" | "timeout" | "empty" (no code at all)
    image: Any = None  # PIL image of the prediction when it rendered
    reference_image: Any = None  # PIL image of the reference when there is one
    image_redacted: Any = None  # prediction with its text regions removed
    reference_image_redacted: Any = None
    error: str | None = None

    @property
    def id(self) -> str:
        return str(self.row.get("id"))

    @property
    def has_reference(self) -> bool:
        return self.reference_image is not None

    @property
    def text(self) -> str:
        """The text CLIP compares the figure with: the caption when the row has one, else the prompt."""
        return str(self.row.get("caption") or self.row.get("prompt") or "")


@dataclass
class MetricResult:
    """Headline numbers for the report and one dict of values per sample (same order as `update`)."""

    summary: dict[str, Any]
    per_row: list[dict[str, Any]] = field(default_factory=list)


class Metric(Protocol):
    """A metric collects samples with `update` and does its (batched) work in `compute`."""

    name: str

    def update(self, sample: Sample) -> None: ...

    def compute(self) -> MetricResult: ...


def mean(values: list[float]) -> float | None:
    """Arithmetic mean, None for no values (a report shows 'n/a' rather than a made-up 0)."""
    return float(sum(values) / len(values)) if values else None
