"""QLoRA training throughput of the research recipe on Qwen2.5-Coder-3B's architecture (random weights), on CUDA.

    pip install bitsandbytes          # the wheel is ≈ 41 MiB
    python bench/train_throughput.py --steps 6 --out bench/train_throughput.json

The model is built from Qwen2.5-Coder-3B's public config (hidden 2048, intermediate 11008, 36 layers, 16 heads,
2 KV heads, vocab 151,936, tied embeddings) with random weights — the cost per token is the same as the real
weights'. It is saved once, reloaded in 4 bits (nf4, double quantisation, bf16 compute) and trained with the
research LoRA (r 64, alpha 128, dropout 0.05, all attention and MLP projections), AdamW, lr 2e-4, seq 2048,
micro-batch 2 × accumulation 4. Sequence lengths follow the synthetic dataset's (≈ p50 1,040, p95 1,950 tokens
with the Qwen tokenizer) unless --lengths fixed; tokens/s counts real (non-padding) tokens. Variants run in the same
process one after another and print side by side as ratios to the research setting: attention kernel, activation
checkpointing off, a larger micro-batch, and packing. Needs a CUDA GPU; stops with a message otherwise.
"""
from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import platform
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger("bench.train_throughput")

QWEN25_CODER_3B = dict(
    vocab_size=151936, hidden_size=2048, intermediate_size=11008, num_hidden_layers=36, num_attention_heads=16,
    num_key_value_heads=2, max_position_embeddings=32768, tie_word_embeddings=True, rms_norm_eps=1e-6,
    rope_theta=1_000_000.0, hidden_act="silu",
)
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
RESEARCH_ROWS, RESEARCH_EPOCHS, RESEARCH_HOURS = 52_390, 3, 48.0  # one RTX 3060 12 GB


@dataclass
class Variant:
    """One training setting to time."""

    name: str
    attn: str = "sdpa"
    checkpointing: bool = True
    micro_batch: int = 2
    accumulation: int = 4
    packing: bool = False


@dataclass
class Result:
    """What one variant measured."""

    variant: dict
    tokens_per_s: float = 0.0
    padded_tokens_per_s: float = 0.0
    step_s: float = 0.0
    peak_gib: float = 0.0
    projected_h: float = 0.0
    error: str | None = None
    losses: list[float] = field(default_factory=list)


def sample_lengths(n: int, seq: int, mode: str, rng: random.Random) -> list[int]:
    """Example lengths: fixed (= seq) or drawn like the synthetic dataset's (lognormal, clipped to [300, seq])."""
    if mode == "fixed":
        return [seq] * n
    # Fitted to the synthetic rows tokenised with the Qwen tokenizer: median ≈ 1,040, p95 ≈ 1,950.
    return [int(min(seq, max(300, rng.lognormvariate(math.log(1040), 0.38)))) for _ in range(n)]


def make_batches(v: Variant, lengths: list[int], seq: int, vocab: int, rng: random.Random) -> list[dict]:
    """Micro-batches of random tokens: padded to the longest example, or packed into full rows of `seq`."""
    import torch

    batches = []
    if v.packing:
        # Concatenate the examples into full rows of `seq` tokens (TRL's "wrapped" packing): no padding at all.
        n_rows = sum(lengths) // seq
        for _ in range(n_rows // v.micro_batch):
            ids = torch.randint(0, vocab, (v.micro_batch, seq))
            batches.append({"input_ids": ids, "labels": ids.clone(), "attention_mask": torch.ones_like(ids),
                            "real_tokens": v.micro_batch * seq})
        return batches
    for i in range(0, len(lengths) - v.micro_batch + 1, v.micro_batch):
        chunk = lengths[i:i + v.micro_batch]
        width = max(chunk)
        ids = torch.randint(0, vocab, (len(chunk), width))
        mask = torch.zeros_like(ids)
        for j, n in enumerate(chunk):
            mask[j, :n] = 1
        labels = ids.masked_fill(mask == 0, -100)
        batches.append({"input_ids": ids, "labels": labels, "attention_mask": mask, "real_tokens": sum(chunk)})
    return batches


def build_checkpoint(path: Path, layers: int | None) -> None:
    """Save a random-weight model with Qwen2.5-Coder-3B's architecture (bf16) for 4-bit loading."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    cfg = dict(QWEN25_CODER_3B)
    if layers:
        cfg["num_hidden_layers"] = layers
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(Qwen2Config(**cfg)).to(torch.bfloat16)
    model.save_pretrained(path)
    del model
    gc.collect()


def load_qlora(path: Path, v: Variant):
    """The checkpoint in 4 bits with the research LoRA attached, ready to train."""
    import torch
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                               bnb_4bit_compute_dtype=torch.bfloat16)
    model = AutoModelForCausalLM.from_pretrained(path, quantization_config=quant, dtype=torch.bfloat16,
                                                 device_map={"": 0}, attn_implementation=v.attn)
    model.config.use_cache = False
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=v.checkpointing,
                                            gradient_checkpointing_kwargs={"use_reentrant": False})
    lora = LoraConfig(r=64, lora_alpha=128, lora_dropout=0.05, target_modules=TARGETS, task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def run_variant(path: Path, v: Variant, args: argparse.Namespace, mean_tokens: float) -> Result:
    """Time `args.steps` optimizer steps (after `args.warmup`) of one variant."""
    import torch

    res = Result(variant=asdict(v))
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    try:
        model = load_qlora(path, v)
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4, weight_decay=0.01)
        rng = random.Random(0)
        n_micro = (args.warmup + args.steps) * v.accumulation
        lengths = sample_lengths(n_micro * v.micro_batch * 2, args.seq, args.lengths, rng)
        batches = make_batches(v, lengths, args.seq, QWEN25_CODER_3B["vocab_size"], rng)
        if len(batches) < n_micro:
            raise RuntimeError(f"only {len(batches)} micro-batches for {n_micro} needed")
        model.train()
        it = iter(batches)
        real = padded = 0
        t0 = None
        for step in range(args.warmup + args.steps):
            if step == args.warmup:
                torch.cuda.synchronize()
                t0, real, padded = time.perf_counter(), 0, 0
            for _ in range(v.accumulation):
                b = next(it)
                real += b.pop("real_tokens")
                padded += b["input_ids"].numel()
                b = {k: t.cuda(non_blocking=True) for k, t in b.items()}
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    loss = model(**b).loss / v.accumulation
                loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            res.losses.append(round(float(loss) * v.accumulation, 4))
        torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        res.tokens_per_s = real / dt
        res.padded_tokens_per_s = padded / dt
        res.step_s = dt / args.steps
        res.peak_gib = torch.cuda.max_memory_allocated() / 2**30
        res.projected_h = RESEARCH_ROWS * RESEARCH_EPOCHS * mean_tokens / res.tokens_per_s / 3600
    except torch.cuda.OutOfMemoryError as e:
        res.error = f"out of memory: {str(e).splitlines()[0]}"
    except (ImportError, ValueError, RuntimeError) as e:  # e.g. flash-attn not installed
        res.error = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
    finally:
        model = opt = None  # noqa: F841
        gc.collect()
        torch.cuda.empty_cache()
    return res


def variants(names: list[str] | None) -> list[Variant]:
    """The research setting first, then one change at a time."""
    all_v = [
        Variant("research (sdpa, ckpt, 2×4)"),
        Variant("eager attention", attn="eager"),
        Variant("flash_attention_2", attn="flash_attention_2"),
        Variant("no activation checkpointing", checkpointing=False),
        Variant("micro-batch 8 × 1", micro_batch=8, accumulation=1),
        Variant("packing", packing=True),
        Variant("packing + micro-batch 8 × 1", packing=True, micro_batch=8, accumulation=1),
    ]
    return [v for v in all_v if not names or v.name in names]


def main(argv: list[str] | None = None) -> int:
    """Run every variant and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=6, help="timed optimizer steps per variant")
    ap.add_argument("--warmup", type=int, default=2, help="untimed optimizer steps first")
    ap.add_argument("--seq", type=int, default=2048, help="max_seq_length")
    ap.add_argument("--lengths", choices=["dataset", "fixed"], default="dataset",
                    help="example lengths like the synthetic dataset's, or all equal to --seq")
    ap.add_argument("--layers", type=int, default=None, help="fewer layers for a quick try (default: all 36)")
    ap.add_argument("--only", nargs="*", default=None, help="variant names to run (default: all)")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    import torch

    if not torch.cuda.is_available():
        print("bench/train_throughput.py needs a CUDA GPU (QLoRA runs on bitsandbytes' CUDA kernels); none is "
              "visible here. Run it on a GPU machine.", file=sys.stderr)
        return 2
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        print("bitsandbytes is not installed: pip install bitsandbytes", file=sys.stderr)
        return 2

    rng = random.Random(1)
    sample = sample_lengths(10_000, args.seq, args.lengths, rng)
    mean_tokens = sum(sample) / len(sample)
    gpu = torch.cuda.get_device_name(0)
    results = []
    with tempfile.TemporaryDirectory(prefix="qwen3b-random-") as tmp:
        path = Path(tmp)
        log.info("building the random-weight 3B checkpoint in %s", path)
        build_checkpoint(path, args.layers)
        for v in variants(args.only):
            log.info("variant: %s", v.name)
            r = run_variant(path, v, args, mean_tokens)
            log.info("%s", {k: r.__dict__[k] for k in ("tokens_per_s", "peak_gib", "projected_h", "error")})
            results.append(r)

    ref = results[0].tokens_per_s or float("nan")
    print(f"\nGPU: {gpu}; seq {args.seq}; lengths {args.lengths} (mean {mean_tokens:.0f} tokens); "
          f"{args.steps} timed steps after {args.warmup}; layers {args.layers or 36}")
    print(f"projection: {RESEARCH_ROWS:,} rows × {RESEARCH_EPOCHS} epochs × {mean_tokens:.0f} tokens "
          f"(research: {RESEARCH_HOURS:.0f} h on one RTX 3060 12 GB)\n")
    print("| variant | tokens/s | × research | step s | peak GiB | projected h | note |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        if r.error:
            print(f"| {r.variant['name']} | — | — | — | — | — | {r.error} |")
            continue
        print(f"| {r.variant['name']} | {r.tokens_per_s:,.0f} | {r.tokens_per_s / ref:.2f} | {r.step_s:.2f} | "
              f"{r.peak_gib:.1f} | {r.projected_h:.1f} | |")
    if args.out:
        Path(args.out).write_text(json.dumps({
            "gpu": gpu, "torch": torch.__version__, "python": platform.python_version(), "args": vars(args),
            "mean_tokens": mean_tokens, "results": [r.__dict__ for r in results]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
