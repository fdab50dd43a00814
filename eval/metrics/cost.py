"""Cost to success: samples and tokens spent until the first program that renders."""
from __future__ import annotations

from typing import Any

from .base import MetricResult, Sample, mean

__all__ = ["CostToSuccess", "row_cost"]


def row_cost(candidates: list[dict[str, Any]]) -> tuple[int | None, int | None, int, int]:
    """(samples to success, tokens to success, samples spent, tokens spent) for one row's candidates in order.

    The first two are None when no candidate rendered. Candidates are counted in the order they were drawn,
    repairs included, so the number compares with AutomaTikZ's compile-sampling rate.
    """
    tokens = 0
    for i, c in enumerate(candidates, 1):
        tokens += int(c.get("tokens") or 0)
        if c.get("status") == "ok":
            return i, tokens, i, tokens
    return None, None, len(candidates), tokens


class CostToSuccess:
    """Mean samples and tokens to the first rendering program, and samples/tokens spent per success."""

    name = "cost_to_success"

    def __init__(self) -> None:
        self._rows: list[tuple[int | None, int | None, int, int]] = []

    def update(self, sample: Sample) -> None:
        cands = list(sample.row.get("candidates") or [])
        if not cands and sample.status != "empty":
            # A prediction from elsewhere with only its final program: one sample.
            cands = [{"tokens": sample.row.get("tokens"), "status": sample.status}]
        self._rows.append(row_cost(cands))

    def compute(self) -> MetricResult:
        n = len(self._rows)
        solved = [r for r in self._rows if r[0] is not None]
        spent_samples = sum(r[2] for r in self._rows)
        spent_tokens = sum(r[3] for r in self._rows)
        summary = {
            "n": n,
            "solved": len(solved),
            "solved_rate": len(solved) / n if n else None,
            "first_sample_success_rate": sum(1 for r in solved if r[0] == 1) / n if n else None,
            "mean_samples": mean([r[0] for r in solved]),
            "mean_tokens": mean([r[1] for r in solved]),
            # Unsolved rows still cost what they spent: the sampling rate of AutomaTikZ.
            "samples_per_success": spent_samples / len(solved) if solved else None,
            "tokens_per_success": spent_tokens / len(solved) if solved else None,
            "samples_spent": spent_samples,
            "tokens_spent": spent_tokens,
        }
        per_row = [{"samples_to_success": r[0], "tokens_to_success": r[1], "samples_spent": r[2],
                    "tokens_spent": r[3]} for r in self._rows]
        return MetricResult(summary={"cost_to_success": summary}, per_row=per_row)
