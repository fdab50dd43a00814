"""Edit turns restated vs continued: does continuing the cached exchange draw the edit as well, and how much faster?

    .venv/bin/python bench/edit_threads.py --model qwen2.5-coder-0.5b [--limit 8] [--seed 3] [--json out.json]

The app sends a revision of the program the model just wrote as a continuation of that exchange (llama.cpp's
`continue_threads`): the first request, the program as the model's answer, then the instruction alone. Before, the
code was restated in a fresh prompt. This runs both on the figure benchmark's edit rows whose code before the edit is
the reference answer of a first-figure row — so that row's prompt is the natural first request — one row per
category first, greedy, one after the other on the same model:

- restated: the cache emptied, the edit row as `python -m eval` sends it (the code in the prompt);
- continued: the cache brought to (first request, program) untimed — as after the app's first turn — then the edit.

Each answer is rendered and scored with the row's checks (eval.checks). Printed: per row and in total, renders,
checks passed, all checks, prompt/decode seconds. Quality is judged by the checks, time by the same run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tqdm import tqdm

log = logging.getLogger("bench.edit_threads")

BENCHMARK = Path(__file__).resolve().parent.parent / "eval" / "benchmarks" / "figures-v1.jsonl"


def edit_rows_with_first_request(rows: list[dict], limit: int, seed: int) -> list[tuple[dict, dict]]:
    """(edit row, first-figure row whose reference is the edit's code before), one per category first."""
    firsts = {r["reference_code"].strip(): r for r in rows if not r.get("code_before")}
    pairs = [(r, firsts[r["code_before"].strip()]) for r in rows
             if r.get("code_before") and r["code_before"].strip() in firsts]
    random.Random(seed).shuffle(pairs)
    picked, seen = [], set()
    for pair in pairs + pairs:  # one per category, then the rest in the shuffled order
        if len(picked) >= limit:
            break
        if pair in picked or (pair[0]["category"] in seen and len(seen) < len({p[0]["category"] for p in pairs})):
            continue
        picked.append(pair)
        seen.add(pair[0]["category"])
    return picked


def run(model: str, adapter: str | bool | None, limit: int, seed: int, max_new_tokens: int) -> list[dict]:
    """Both ways of sending each edit, scored; one dict per (row, way)."""
    from eval.checks import run_checks, summarize
    from model import Request, load
    from model.prompts import format_answer
    from render import render

    rows = [json.loads(line) for line in BENCHMARK.read_text(encoding="utf-8").splitlines() if line.strip()]
    gen = load(model, adapter=adapter, backend="llamacpp")
    out = []
    for edit, first in tqdm(edit_rows_with_first_request(rows, limit, seed), desc="edit rows", unit="row"):
        for way in ("restated", "continued"):
            gen._forget_cache()
            thread = None
            if way == "continued":
                thread = f"bench-{edit['id']}"
                gen.remember(Request(first["prompt"], thread=thread), format_answer(edit["code_before"]))
            req = Request(edit["prompt"], code=edit["code_before"], render_status="ok", thread=thread)
            t = time.perf_counter()
            cand = gen.generate(req, max_new_tokens=max_new_tokens, temperature=0.0)[0]
            wall = time.perf_counter() - t
            res = render(cand.code, "p5")
            checks = json.loads(edit["checks"]) if isinstance(edit["checks"], str) else edit["checks"]
            outcomes = run_checks(checks, res) if res.status == "ok" else []
            all_ok, frac = summarize(outcomes) if outcomes else (False, 0.0)
            out.append({"id": edit["id"], "first": first["id"], "way": way, "status": res.status, "all": all_ok,
                        "checks": frac, "tokens": cand.tokens, "wall_s": wall,
                        "prompt_tokens": gen.last_stats.get("prompt_tokens"),
                        "prefilled": gen.last_stats.get("prefilled"),
                        "prompt_s": (cand.prompt_ms or 0) / 1000, "decode_s": (cand.decode_ms or 0) / 1000})
            log.warning("%s", out[-1])
    return out


def report(results: list[dict]) -> str:
    """Markdown: one line per row and way, then totals per way."""
    lines = ["| row | way | renders | all checks | checks passed | prefilled / prompt tokens | tokens | "
             "prompt s | decode s | wall s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['id']} | {r['way']} | {r['status']} | {'yes' if r['all'] else 'no'} | "
                     f"{r['checks']:.0%} | {r['prefilled']} / {r['prompt_tokens']} | {r['tokens']} | "
                     f"{r['prompt_s']:.1f} | {r['decode_s']:.1f} | {r['wall_s']:.1f} |")
    lines.append("")
    for way in ("restated", "continued"):
        rs = [r for r in results if r["way"] == way]
        if not rs:
            continue
        lines.append(f"- {way}: renders {sum(r['status'] == 'ok' for r in rs)}/{len(rs)}, all checks "
                     f"{sum(r['all'] for r in rs)}/{len(rs)}, checks passed {statistics.mean(r['checks'] for r in rs):.0%}"
                     f", wall median {statistics.median(r['wall_s'] for r in rs):.1f} s (prompt "
                     f"{statistics.median(r['prompt_s'] for r in rs):.1f} s, decoding "
                     f"{statistics.median(r['decode_s'] for r in rs):.1f} s)")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="qwen2.5-coder-0.5b", help="a GGUF preset or path (default the 0.5B)")
    p.add_argument("--adapter", default=None, help="a PEFT adapter directory (default: the preset's adapter)")
    p.add_argument("--no-adapter", action="store_true", help="the base model")
    p.add_argument("--limit", type=int, default=8, help="edit rows (default 8)")
    p.add_argument("--seed", type=int, default=3, help="row order (default 3)")
    p.add_argument("--max-new-tokens", type=int, default=768)
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    results = run(args.model, False if args.no_adapter else args.adapter, args.limit, args.seed, args.max_new_tokens)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; model {args.model}"
          f"{' (no adapter)' if args.no_adapter else f' (adapter {args.adapter})' if args.adapter else ''}; greedy, {args.max_new_tokens} new tokens at most")
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
