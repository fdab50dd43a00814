"""How closely int8 variants of the embedded model follow fp32: next-token agreement and KL on p5 programs.

    .venv/bin/python bench/int8_agreement.py [--programs 4] [--tokens 600]

Teacher-forced on the programs of synthetic figures (dataset.synth, one per family, seed 0): for every
position, does the quantised model's most likely next token equal fp32's, and how far apart are the two
distributions (KL(fp32 || int8), nats per token)? It compares the int8 scheme model.load(quantize="int8") uses
(per-channel weights, MLP down projections kept in fp32) with torch's default per-tensor scheme on every layer,
and times one forward pass of each for scale.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import platform
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tqdm import tqdm

log = logging.getLogger("bench.int8_agreement")


def _programs(n: int) -> list[str]:
    """Programs of n synthetic figures from different families."""
    from dataset import make_rows

    seen, out = set(), []
    for row in make_rows(400, seed=0):
        if row["kind"] == "figure" and row["family"] not in seen:
            seen.add(row["family"])
            out.append(row["code"])
        if len(out) == n:
            break
    return out


def _variants(model):
    """(name, quantised copy) for each int8 scheme compared, all through model.hf.quantize_int8."""
    from model.hf import INT8_KEEP_FP32, quantize_int8

    yield "per-tensor, every Linear (torch default)", quantize_int8(copy.deepcopy(model), per_channel=False,
                                                                     keep_fp32=())
    yield "per-channel, every Linear", quantize_int8(copy.deepcopy(model), keep_fp32=())
    yield (f"per-channel, {'/'.join(INT8_KEEP_FP32)} in fp32 (model.load quantize='int8')",
           quantize_int8(copy.deepcopy(model)))


def run(n_programs: int, max_tokens: int) -> list[tuple[str, float, float, float]]:
    """Rows (variant, top-1 agreement, KL, seconds per forward pass)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from model.embedded import ensure_embedded_model

    path = ensure_embedded_model()
    tok = AutoTokenizer.from_pretrained(path)
    fp32 = AutoModelForCausalLM.from_pretrained(path).eval()
    inputs = [tok(p, return_tensors="pt").input_ids[:, :max_tokens] for p in _programs(n_programs)]

    def forward(model) -> tuple[list, float]:
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = [torch.log_softmax(model(ids).logits[0].float(), dim=-1) for ids in inputs]
        return out, (time.perf_counter() - t0) / len(inputs)

    ref, ref_s = forward(fp32)
    rows = [("fp32 (reference)", 1.0, 0.0, ref_s)]
    for name, model in tqdm(list(_variants(fp32)), desc="int8 variants"):
        lp, secs = forward(model)
        n = sum(a.shape[0] for a in ref)
        agree = sum((a.argmax(-1) == b.argmax(-1)).sum().item() for a, b in zip(ref, lp)) / n
        kl = sum((a.exp() * (a - b)).sum(-1).sum().item() for a, b in zip(ref, lp)) / n
        rows.append((name, agree, kl, secs))
        del model
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--programs", type=int, default=4, help="reference programs, one per family (default 4)")
    p.add_argument("--tokens", type=int, default=600, help="tokens per program (default 600)")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.filterwarnings("ignore", module="torch.ao")
    import torch

    rows = run(args.programs, args.tokens)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; "
          f"{args.programs} programs × ≤ {args.tokens} tokens, teacher-forced")
    print("| variant | next-token agreement with fp32 | KL(fp32 ‖ variant), nats/token | s per forward |")
    print("|---|---|---|---|")
    for name, agree, kl, secs in rows:
        print(f"| {name} | {agree:.3f} | {kl:.4f} | {secs:.2f} |")


if __name__ == "__main__":
    main()
