"""What a drafted token costs on this CPU: the floor under prompt lookup's speed-up.

    .venv/bin/python bench/draft_cost.py [--models 0.5b,1.5b] [--sizes 1,2,4,8,16,32,64] [--rounds 3]

Prompt lookup replaces k single-token decoding steps by one batch of k tokens (the pending token and its draft).
When every drafted token is accepted, an edit turn with lookup takes (time of a k-token batch) / (k × time of one
step) of its time without, so that ratio, measured here for each batch size over a cache of a 60-line program, is
the lowest ratio lookup can reach on this machine (rejected drafts only add to it). Each size is timed `--rounds`
times, interleaved, after the same cached context (the program's prompt), and the batch is dropped from the cache
after each timing. llama.cpp, the embedded Q4_K_M models, the loader's threads.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model import Request, load

PRESETS = {"0.5b": "qwen2.5-coder-0.5b", "1.5b": "qwen2.5-coder-1.5b"}


def _program() -> str:
    """The 60-line edit-turn program of bench/generation.py."""
    from bench.generation import EDIT_PROGRAM

    return EDIT_PROGRAM


def measure(preset: str, sizes: list[int], rounds: int) -> dict[int, float]:
    """Median seconds per batch of each size, appended after the cached prompt of an edit turn."""
    gen = load(preset, adapter=False)
    prompt = gen.tokenize(gen.prompt_text(Request("make the output node red", code=_program(), render_status="ok")))
    filler = gen.tokenize(_program(), special=False)  # tokens to feed: what an edit copies
    times: dict[int, list[float]] = {k: [] for k in sizes}
    with gen._lock:
        gen._prefill(prompt)
        base = len(gen._kv)
        for r in range(rounds):
            for k in (sizes if r % 2 == 0 else sizes[::-1]):
                t0 = time.perf_counter()
                gen._decode(filler[:k], "all" if k > 1 else "last")
                times[k].append(time.perf_counter() - t0)
                gen._truncate_cache(base)
    gen.close()
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="0.5b,1.5b", help="0.5b, 1.5b (the embedded models) or GGUF paths")
    p.add_argument("--sizes", default="1,2,4,8,16,32,64")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {1})
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    for name in args.models.split(","):
        med = measure(PRESETS.get(name, name), sizes, args.rounds)
        step = med[1]
        print(f"\n{name}: one decoding step {step * 1000:.0f} ms ({1 / step:.1f} tok/s)")
        print("| batch of k tokens | ms | tokens/s | floor of the lookup ratio (batch / k steps) |")
        print("|---|---|---|---|")
        for k in sizes:
            print(f"| {k} | {med[k] * 1000:.0f} | {k / med[k]:.1f} | {med[k] / (k * step):.2f} |")


if __name__ == "__main__":
    main()
