"""Faster CPU decoding for small batches: weight-streaming matmuls and sampling within the top-k tokens."""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import nn
from transformers import LogitsProcessor

__all__ = ["SMALL_BATCH_ROWS", "SmallBatchLinear", "TopKTopPSampler", "use_small_batch_linears"]

log = logging.getLogger(__name__)

# Up to this many rows (tokens × sequences) a Linear runs as W @ x^T. Measured on a 2-core AVX2 machine with MKL
# (docs/benchmarks.md, "## model"): at 4 rows the 151,936 × 896 output layer takes 53 ms that way and 189 ms
# through F.linear, whose small-M GEMM path re-reads the whole weight; from 1 to 64 rows W @ x^T is never slower.
# Prompt prefill (hundreds of rows) keeps F.linear.
SMALL_BATCH_ROWS = 64


class SmallBatchLinear(nn.Linear):
    """An nn.Linear whose inference on a few CPU float32 rows streams the weight once (same result to ~1e-5)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.numel() // self.in_features if self.in_features else 0
        if (torch.is_grad_enabled() or x.device.type != "cpu" or x.dtype != torch.float32
                or self.weight.dtype != torch.float32 or not 0 < rows <= SMALL_BATCH_ROWS):
            return super().forward(x)
        x2 = x.reshape(rows, self.in_features)
        if self.bias is None:
            out = torch.mm(self.weight, x2.T)
        else:
            out = torch.addmm(self.bias.unsqueeze(1), self.weight, x2.T)
        return out.T.reshape(*x.shape[:-1], self.out_features)


def use_small_batch_linears(model: nn.Module, on: bool = True) -> int:
    """Switch every plain nn.Linear of a CPU float32 model to SmallBatchLinear (or back); returns how many."""
    # The class is swapped in place, so weights, hooks, PEFT wrappers and state dicts are untouched, and exact
    # type checks (dynamic int8 quantisation maps type(module) is nn.Linear) see plain Linears again after
    # switching back.
    src, dst = (nn.Linear, SmallBatchLinear) if on else (SmallBatchLinear, nn.Linear)
    count = 0
    for module in model.modules():
        if type(module) is src and module.weight.device.type == "cpu" and module.weight.dtype == torch.float32:
            module.__class__ = dst
            count += 1
    log.debug("%s %d Linear layers", "small-batch" if on else "plain", count)
    return count


class TopKTopPSampler(LogitsProcessor):
    """Temperature, top-k, then top-p, and the draw itself, all within the k best tokens.

    Returns scores that are 0 for the drawn token and -inf elsewhere, so greedy decoding (argmax) takes it.
    transformers' top-p warper sorts the whole 151,936-word vocabulary and its sampler draws from all of it;
    at 4 rows those cost 43 ms and 17 ms a step on 2 cores, while this costs about 2 ms. The distribution is
    the same as TemperatureLogitsWarper → TopKLogitsWarper → TopPLogitsWarper → multinomial.
    """

    def __init__(self, temperature: float, top_k: int, top_p: float | None = None,
                 generator: torch.Generator | None = None) -> None:
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, not {temperature}")
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, not {top_k}")
        self.temperature = float(temperature)
        self.top_k = int(top_k)
        self.top_p = float(top_p) if top_p is not None and top_p < 1.0 else None
        self.generator = generator

    def distribution(self, scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(token ids [rows, k], their sampling probabilities [rows, k]) for raw scores [rows, vocab]."""
        k = min(self.top_k, scores.shape[-1])
        values, index = torch.topk(scores.float(), k, dim=-1)  # sorted, best first
        probs = torch.softmax(values / self.temperature, dim=-1)
        if self.top_p is not None:
            # Keep the smallest head whose mass reaches top_p: a token goes when the mass before it already does.
            drop = (probs.cumsum(dim=-1) - probs) >= self.top_p
            drop[:, 0] = False
            probs = probs.masked_fill(drop, 0.0)
            probs = probs / probs.sum(dim=-1, keepdim=True)
        return index, probs

    def __call__(self, input_ids: Any, scores: torch.Tensor) -> torch.Tensor:
        index, probs = self.distribution(scores)
        token = index.gather(1, torch.multinomial(probs, 1, generator=self.generator))
        out = torch.full_like(scores, float("-inf"))
        return out.scatter_(1, token, 0.0)
