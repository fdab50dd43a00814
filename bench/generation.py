"""Generation speed of the embedded default on the CPU: plain fp32 vs faster settings, LoRA, best-of-4.

    .venv/bin/python bench/generation.py [--max-new-tokens 64] [--only baseline,int8,...] [--json out.json]

Every variant answers the same prompt with the same token budget in one run, and the table gives each
variant's tokens/s and its ratio to the plain fp32 baseline. The LoRA rows use a randomly initialised adapter
(rank 16 on every linear layer, the training recipe's shape) because only its cost is measured.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tqdm import tqdm  # noqa: E402

from model import Request, load  # noqa: E402
from model.embedded import ensure_embedded_model  # noqa: E402

log = logging.getLogger("bench.generation")

PROMPT = Request("Draw a 3-layer neural network: 4 input units, 5 hidden units and 1 output unit, "
                 "fully connected, with labels under each layer.")


@dataclass
class Row:
    """One measured variant."""

    name: str
    seconds: float
    tokens: int
    note: str = ""

    @property
    def tok_s(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


def _time_generate(gen, n: int, max_new_tokens: int, temperature: float) -> tuple[float, int]:
    """Seconds and generated tokens (all candidates) of one generate call."""
    t0 = time.perf_counter()
    cands = gen.generate(PROMPT, n=n, max_new_tokens=max_new_tokens, temperature=temperature)
    return time.perf_counter() - t0, sum(c.tokens for c in cands)


def _make_lora(model_dir: Path, out: Path) -> Path:
    """A random rank-16 LoRA on every linear layer of the embedded model (cost only, not quality)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(model_dir)
    peft_model = get_peft_model(base, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear"))
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 1e-3)
    peft_model.save_pretrained(out)
    del base, peft_model
    gc.collect()
    return out


def run(max_new_tokens: int, only: set[str] | None) -> list[Row]:
    """Measure every variant; returns rows in table order."""
    model_dir = ensure_embedded_model()
    rows: list[Row] = []
    want = (lambda k: only is None or k in only)
    tmp = Path(tempfile.mkdtemp(prefix="bench-lora-"))
    # (key, load kwargs, generate n, temperature, note)
    plain = [
        ("baseline", dict(), "fp32, default threads, dynamic cache"),
        ("bf16", dict(dtype="bfloat16"), "bfloat16 weights"),
        ("int8", dict(quantize="int8"), "dynamic int8 quantisation of Linear layers"),
        ("static_cache", dict(cache_implementation="static"), "fp32 + static KV cache"),
        ("threads_1", dict(num_threads=1), "fp32, 1 thread"),
    ]
    steps = [k for k, _, _ in plain if want(k)] + [k for k in ("lora", "best_of_4") if want(k)]
    bar = tqdm(steps, desc="variants", unit="variant")
    threads = __import__("torch").get_num_threads()
    for key, kw, note in plain:
        if not want(key):
            continue
        bar.set_postfix_str(key)
        gen = load(str(model_dir), **kw)
        _time_generate(gen, 1, 4, 0.0)  # warm-up: first call pays one-off allocation costs
        s, t = _time_generate(gen, 1, max_new_tokens, 0.0)
        rows.append(Row(key, s, t, note))
        del gen
        gc.collect()
        if "num_threads" in kw:
            __import__("torch").set_num_threads(threads)
        bar.update(1)
    if want("lora"):
        bar.set_postfix_str("lora")
        adapter = _make_lora(model_dir, tmp / "lora-r16")
        gen = load(str(model_dir))
        _time_generate(gen, 1, 4, 0.0)
        s, t = _time_generate(gen, 1, max_new_tokens, 0.0)
        rows.append(Row("lora_base", s, t, "fp32 base model (same process as the LoRA rows)"))
        gen.load_adapter(str(adapter), "r16")
        _time_generate(gen, 1, 4, 0.0)
        s, t = _time_generate(gen, 1, max_new_tokens, 0.0)
        rows.append(Row("lora_unmerged", s, t, "rank-16 LoRA on all linear layers, unmerged"))
        gen.merge()
        s, t = _time_generate(gen, 1, max_new_tokens, 0.0)
        rows.append(Row("lora_merged", s, t, "same LoRA merged into the weights"))
        del gen
        gc.collect()
        bar.update(1)
    if want("best_of_4"):
        bar.set_postfix_str("best_of_4")
        gen = load(str(model_dir))
        _time_generate(gen, 1, 4, 0.7)
        s1, t1 = _time_generate(gen, 1, max_new_tokens, 0.7)
        rows.append(Row("sample_1", s1, t1, "one sampled candidate (T=0.7)"))
        s4, t4 = _time_generate(gen, 4, max_new_tokens, 0.7)
        rows.append(Row("best_of_4_batched", s4, t4, "n=4 in one batched call"))
        seq_s, seq_t = 0.0, 0
        for _ in range(4):
            s, t = _time_generate(gen, 1, max_new_tokens, 0.7)
            seq_s, seq_t = seq_s + s, seq_t + t
        rows.append(Row("best_of_4_sequential", seq_s, seq_t, "4 separate calls"))
        del gen
        gc.collect()
        bar.update(1)
    bar.close()
    return rows


def report(rows: list[Row]) -> str:
    """Markdown table with ratios, plus the headline ratios the goals refer to."""
    by = {r.name: r for r in rows}
    base = by.get("baseline")
    lines = ["| variant | s | tokens | tok/s | × baseline tok/s | note |", "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r.tok_s / base.tok_s:.2f}" if base else "-"
        lines.append(f"| {r.name} | {r.seconds:.1f} | {r.tokens} | {r.tok_s:.2f} | {ratio} | {r.note} |")
    notes = []
    if "lora_merged" in by and "lora_base" in by:
        notes.append(f"merged LoRA time / base time: {by['lora_merged'].seconds / by['lora_base'].seconds:.2f} "
                     f"(unmerged: {by['lora_unmerged'].seconds / by['lora_base'].seconds:.2f})")
    if "best_of_4_batched" in by:
        b4, s1, sq = by["best_of_4_batched"], by["sample_1"], by["best_of_4_sequential"]
        notes.append(f"best-of-4 batched time / one sample: {b4.seconds / s1.seconds:.2f}; "
                     f"4 sequential / batched: {sq.seconds / b4.seconds:.2f}")
    if base:
        fastest = max(rows, key=lambda r: r.tok_s if not r.name.startswith(("best_of", "sample")) else 0)
        notes.append(f"fastest single-answer setting: {fastest.name} ({fastest.tok_s / base.tok_s:.2f}× baseline)")
    return "\n".join(lines + [""] + [f"- {n}" for n in notes])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--max-new-tokens", type=int, default=64, help="tokens per answer (default 64)")
    p.add_argument("--only", default="", help="comma-separated subset: baseline,bf16,int8,static_cache,"
                                               "threads_1,lora,best_of_4")
    p.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    import torch

    only = {s.strip() for s in args.only.split(",") if s.strip()} or None
    log.warning("config: %s", vars(args))
    rows = run(args.max_new_tokens, only)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, max_new_tokens {args.max_new_tokens}, greedy unless noted")
    print(report(rows))
    if args.json:
        args.json.write_text(json.dumps([dict(asdict(r), tok_s=r.tok_s) for r in rows], indent=1))


if __name__ == "__main__":
    main()
