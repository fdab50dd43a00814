"""One metric per module, each with `update(sample)` and `compute() -> MetricResult`."""
from .base import Metric, MetricResult, Sample
from .clip_image import ClipImageScore
from .clip_score import ClipScore
from .code_length import CodeLength
from .cost import CostToSuccess
from .render_success import RenderSuccess
from .ssim import SSIM

__all__ = ["Metric", "MetricResult", "Sample", "RenderSuccess", "CostToSuccess", "CodeLength", "ClipScore",
           "ClipImageScore", "SSIM"]
