"""Prompt lookup on the edit turn: what a verification batch costs on llama.cpp, and how drafting settings fare.

    .venv/bin/python bench/prompt_lookup.py --model qwen2.5-coder-1.5b [--rounds 2] [--json lookup.json]
    .venv/bin/python bench/prompt_lookup.py --from-json lookup.json   # replay again, no model

1. Batch cost: after the edit turn's prompt (bench/generation.py's 60-line program, "make the output node red"),
   one llama_decode call of k tokens (the program's own tokens), dropped from the cache again, for each k in
   --sizes; interleaved rounds; milliseconds per call (wall and this process's CPU time: on one thread the CPU
   time hardly depends on how many other processes share the cores) and the ratio to a single-token step.
2. The reply: the greedy answer to the edit turn (with the default prompt lookup: the same tokens as without
   up to near-ties), its tokens and its decoding time.
3. Replay: for every drafting setting, the decoding steps that reply takes with model.lookup's drafter
   (model.lookup.replay: which drafted tokens the model would accept is known from the reply) and the decoding
   CPU time that predicts from the batch costs, as a ratio to decoding without lookup. The prediction leaves out
   the Python work per step and sampling; bench/generation.py --backends --edits times the real thing.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from model.lookup import replay

log = logging.getLogger("bench.prompt_lookup")

SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
# (label, PromptLookup settings); "fixed" rows imitate a fixed draft length (first == longest).
SETTINGS: list[tuple[str, dict[str, int]]] = [
    ("fixed 4", dict(first=4, longest=4)),
    ("fixed 10", dict(first=10, longest=10)),
    ("grow 4..64", dict(first=4, longest=64)),
    ("grow 8..64", dict(first=8, longest=64)),
    ("grow 4..256", dict(first=4, longest=256)),
    ("grow 8..256", dict(first=8, longest=256)),
    ("grow 16..256", dict(first=16, longest=256)),
    ("grow 8..256, match 3", dict(first=8, longest=256, min_match=3)),
    ("grow 8..256, match 1", dict(first=8, longest=256, min_match=1)),
]


def measure(preset: str, sizes: list[int], rounds: int, threads: int | None, reply: bool = True) -> dict:
    """Batch costs and the plain greedy reply of the edit turn on one llama.cpp model."""
    from bench.generation import EDIT_REQUEST
    from model import load

    gen = load(preset, adapter=False, backend="llamacpp", **({"num_threads": threads} if threads else {}))
    prompt = gen.tokenize(gen.prompt_text(EDIT_REQUEST))
    program = gen.tokenize(EDIT_REQUEST.code, special=False)
    stops = gen._code_ends(prompt)
    with gen._lock:
        gen._forget_cache()
        t0 = time.perf_counter()
        gen._prefill(prompt)
        prefill_s = time.perf_counter() - t0
        base = len(gen._kv)
        wall: dict[int, list[float]] = {k: [] for k in sizes}
        cpu: dict[int, list[float]] = {k: [] for k in sizes}
        for r in range(rounds):
            for k in (sizes if r % 2 == 0 else sizes[::-1]):
                tokens = (program * (k // len(program) + 1))[:k]
                t0, c0 = time.perf_counter(), time.process_time()
                gen._decode(tokens, "all" if k > 1 else "last")
                wall[k].append((time.perf_counter() - t0) * 1000)
                cpu[k].append((time.process_time() - c0) * 1000)
                gen._truncate_cache(base)
                log.warning("batch of %d: %.1f ms wall, %.1f ms CPU", k, wall[k][-1], cpu[k][-1])
        gen._forget_cache()
        if not reply:
            return {"model": preset, "threads": gen.n_threads, "prefill_s": prefill_s,
                    "batch_ms": {str(k): float(np.median(v)) for k, v in wall.items()},
                    "batch_cpu_ms": {str(k): float(np.median(v)) for k, v in cpu.items()},
                    "batch_cpu_ms_all": {str(k): v for k, v in cpu.items()}}
        c0 = time.process_time()
        res = gen._run(prompt, max_new_tokens=2048, sampling=gen._sampling(0.0), stop_events=[], lookup=True)
        reply_cpu_ms = (time.process_time() - c0) * 1000
    log.warning("reply: %d tokens, prompt %.0f ms, decode %.0f ms (wall), %d steps, CPU %.0f ms in all",
                len(res.tokens), res.prompt_ms, res.decode_ms, res.batches, reply_cpu_ms)
    return {"model": preset, "threads": gen.n_threads, "prompt": prompt, "stops": stops, "reply": res.tokens,
            "prefill_s": prefill_s, "reply_prompt_ms": res.prompt_ms, "reply_decode_ms": res.decode_ms,
            "reply_cpu_ms": reply_cpu_ms, "reply_steps": res.batches,
            "batch_ms": {str(k): float(np.median(v)) for k, v in wall.items()},
            "batch_cpu_ms": {str(k): float(np.median(v)) for k, v in cpu.items()},
            "batch_ms_all": {str(k): v for k, v in wall.items()},
            "batch_cpu_ms_all": {str(k): v for k, v in cpu.items()}}


def predict(data: dict) -> list[dict]:
    """Replay every setting on the recorded reply; predicted decode time from the batch costs."""
    sizes = sorted(int(k) for k in data["batch_cpu_ms"])
    ms = [data["batch_cpu_ms"][str(k)] for k in sizes]

    def cost(k: int) -> float:
        """Linear between the measured sizes; beyond the largest, its cost per token."""
        return float(np.interp(k, sizes, ms)) if k <= sizes[-1] else ms[-1] * k / sizes[-1]

    plain = cost(1) * (len(data["reply"]) - 1)
    rows = []
    for label, settings in SETTINGS:
        steps = replay(data["prompt"], data["reply"], stops=data["stops"], **settings)
        t = sum(cost(1 + d) for d, _ in steps)
        rows.append({"setting": label, "steps": len(steps), "drafted": sum(d for d, _ in steps),
                     "accepted": sum(a for _, a in steps), "predicted_ms": t, "ratio": t / plain})
    rows.append({"setting": "no lookup", "steps": len(data["reply"]) - 1, "drafted": 0, "accepted": 0,
                 "predicted_ms": plain, "ratio": 1.0})
    return rows


def report(data: dict, rows: list[dict]) -> str:
    """Markdown: the batch costs, then the replayed settings."""
    one = data["batch_cpu_ms"]["1"]
    lines = [f"{data['model']}, {data['threads']} thread(s); prompt {len(data['prompt'])} tokens (prefill "
             f"{data['prefill_s']:.1f} s wall), greedy reply with prompt lookup {len(data['reply'])} tokens decoded "
             f"in {data['reply_decode_ms'] / 1000:.1f} s wall, {data['reply_steps']} steps; prefill and reply "
             f"{data['reply_cpu_ms'] / 1000:.1f} s CPU", "",
             "| batch tokens | wall ms (median) | CPU ms (median) | CPU × one token | CPU ms per token |",
             "|---|---|---|---|---|"]
    for k, v in sorted(data["batch_cpu_ms"].items(), key=lambda kv: int(kv[0])):
        lines.append(f"| {k} | {data['batch_ms'][k]:.0f} | {v:.0f} | {v / one:.2f} | {v / int(k):.1f} |")
    lines += ["", "| drafting | steps | drafted | accepted | predicted decode CPU s | × no lookup |",
              "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['setting']} | {r['steps']} | {r['drafted']} | {r['accepted']} | "
                     f"{r['predicted_ms'] / 1000:.1f} | {r['ratio']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="qwen2.5-coder-1.5b", help="embedded preset run on llama.cpp")
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds of batch timings (default 2)")
    p.add_argument("--sizes", default=",".join(map(str, SIZES)), help="batch sizes to time")
    p.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: the loader's)")
    p.add_argument("--json", type=Path, help="write the measurements (tokens included) here")
    p.add_argument("--from-json", type=Path, help="replay the settings on measurements written before")
    p.add_argument("--costs-only", action="store_true", help="time the batches only (no reply, no replay)")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.from_json:
        data = json.loads(args.from_json.read_text())
    else:
        sizes = sorted({1, *(int(x) for x in args.sizes.split(",") if x.strip())})
        data = measure(args.model, sizes, args.rounds, args.threads, reply=not args.costs_only)
        if args.json:
            args.json.write_text(json.dumps(data))
        if args.costs_only:
            print(json.dumps(data, indent=1))
            return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    print(report(data, predict(data)))


if __name__ == "__main__":
    main()
