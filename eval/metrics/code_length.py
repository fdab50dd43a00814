"""Code length in tokens and the share of programs cut off by the token budget."""
from __future__ import annotations

import numpy as np

from .base import MetricResult, Sample

__all__ = ["CodeLength", "approx_tokens"]


def approx_tokens(code: str) -> int:
    """A tokenizer-free estimate (≈ 3.5 characters per token for code) for rows that carry no count."""
    return int(round(len(code) / 3.5))


class CodeLength:
    """Distribution of the chosen programs' token counts and the truncation rate."""

    name = "code_length"

    def __init__(self) -> None:
        self._tokens: list[int] = []
        self._approx: list[bool] = []
        self._truncated: list[bool] = []

    def update(self, sample: Sample) -> None:
        t = sample.row.get("tokens")
        self._approx.append(t is None)
        self._tokens.append(int(t) if t is not None else approx_tokens(str(sample.row.get("code") or "")))
        self._truncated.append(bool(sample.row.get("truncated")))

    def compute(self) -> MetricResult:
        n = len(self._tokens)
        arr = np.asarray(self._tokens, dtype=float)
        stats = {
            "mean": float(arr.mean()) if n else None,
            "median": float(np.median(arr)) if n else None,
            "p90": float(np.percentile(arr, 90)) if n else None,
            "max": int(arr.max()) if n else None,
            "approximate": sum(self._approx),  # rows whose count is estimated from characters
        }
        return MetricResult(
            summary={"code_tokens": stats, "truncation_rate": sum(self._truncated) / n if n else None},
            per_row=[{"code_tokens": t, "truncated": tr} for t, tr in zip(self._tokens, self._truncated)],
        )
