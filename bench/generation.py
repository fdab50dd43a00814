"""Generation speed of the embedded default on the CPU: plain fp32 vs faster settings, LoRA, best-of-4, batches.

    .venv/bin/python bench/generation.py [--max-new-tokens 32] [--rounds 2] [--only bf16,int8,...] [--json out.json]

Every variant answers the same prompt with the same token budget in one run, interleaved round by round (the
order reversed every other round) so that drifting machine load hits all variants alike; the table gives each
variant's end-to-end tokens/s (prompt processing included) and its ratio to the plain fp32 baseline. The LoRA rows
use a randomly initialised adapter (rank 16 on every linear layer, the training recipe's shape) because only its
cost is measured.

The baseline is plain transformers in fp32; small_batch is the loader's CPU default (model/cpu_decode.py), which
runs matmuls over a few rows as W @ x^T. best_of_4 compares one sampled answer (T=0.7) with n=4 in one call as the
project runs it (the prompt prefilled once and its cache copied to 4 rows, small-batch matmuls, sampling within the
top-k tokens), the same call with each of those switched off in turn, plain transformers (num_return_sequences=4)
and 4 separate calls. batch_4_prompts compares 4 different figure prompts in one left-padded generate_many() call
with the same prompts in 4 generate() calls (greedy).

    .venv/bin/python bench/generation.py --backends [--pairs 0.5b/fp32,0.5b/llamacpp,...] [--rounds 2]

compares the backends instead: each (model, backend) pair runs in its own worker process, so that its peak RSS is
its own, and the workers are driven round by round (order reversed every other round). Per pair: first-token
latency (prefill + one token), prompt tokens/s, decode tokens/s (the time between the first and the last of
--max-new-tokens greedy tokens) and peak RSS; for llama.cpp also the wall time of an edit turn (a 60-line
program, "make the output node red", greedy, to the end of the reply) with and without prompt lookup. llama.cpp's
prompt cache is emptied before every measurement so that each one prefills the whole prompt. The edit rows give
prompt processing and decoding apart (as the backend measures them); --edits-only times nothing else. The edit
turn is timed twice more as the app runs it after the model wrote the program: the thread's exchange (a first
request answered with that program) is put in the cache first (untimed), and the edit continues it, so only the
instruction is prefilled (LlamaCppGenerator's continue_threads) — again with and without prompt lookup.
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

from tqdm import tqdm

from model import Request, load
from model.embedded import ensure_embedded_model

log = logging.getLogger("bench.generation")

PROMPT = Request("Draw a 3-layer neural network: 4 input units, 5 hidden units and 1 output unit, "
                 "fully connected, with labels under each layer.")
PROMPTS = [PROMPT,
           Request("Draw a bar chart of monthly sales (Jan to Jun) with labelled axes and a title."),
           Request("Draw a flowchart: Start, Load data, Train model, Evaluate, End, joined by arrows."),
           Request("Draw a right triangle with sides labelled a, b and c and the right angle marked.")]


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


def _time_many(gen, max_new_tokens: int, batched: bool) -> tuple[float, int]:
    """Seconds and generated tokens of the 4 PROMPTS, greedy: one generate_many call or one generate each."""
    t0 = time.perf_counter()
    if batched:
        cands = [c for cs in gen.generate_many(PROMPTS, max_new_tokens=max_new_tokens, temperature=0.0) for c in cs]
    else:
        cands = [gen.generate(r, max_new_tokens=max_new_tokens, temperature=0.0)[0] for r in PROMPTS]
    return time.perf_counter() - t0, sum(c.tokens for c in cands)


def _without(gen, n: int, max_new_tokens: int, temperature: float, *, shared_prefill: bool = True,
             fast_sampling: bool = True, small_batch: bool = True) -> tuple[float, int]:
    """A timed call with some of the project's decoding speed-ups switched off (all back on afterwards)."""
    from model.cpu_decode import use_small_batch_linears

    gen.shared_prefill, gen.fast_sampling = shared_prefill, fast_sampling
    if not small_batch:
        use_small_batch_linears(gen.model, on=False)
    try:
        return _measure(gen, n, max_new_tokens, temperature)
    finally:
        gen.shared_prefill = gen.fast_sampling = True
        use_small_batch_linears(gen.model, on=True)


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


def _measure(gen, n: int, max_new_tokens: int, temperature: float, generate_kwargs: dict | None = None,
             threads: int | None = None) -> tuple[float, int]:
    """One timed call with optional per-call generate options and thread count."""
    import torch

    saved_kw, saved_threads = dict(gen.generate_kwargs), torch.get_num_threads()
    if generate_kwargs is not None:
        gen.generate_kwargs = dict(generate_kwargs)
    if threads:
        torch.set_num_threads(threads)
    try:
        return _time_generate(gen, n, max_new_tokens, temperature)
    finally:
        gen.generate_kwargs = saved_kw
        torch.set_num_threads(saved_threads)


def _interleaved(plan: list[tuple[str, object]], rounds: int, bar) -> dict[str, tuple[float, int]]:
    """Run each (name, thunk) once per round, reversing the order every other round; mean seconds per name.

    The machine is shared, so load drifts during a run; alternating the order cancels a linear drift.
    """
    acc: dict[str, list[tuple[float, int]]] = {name: [] for name, _ in plan}
    for r in range(rounds):
        for name, thunk in (plan if r % 2 == 0 else plan[::-1]):
            bar.set_postfix_str(name)
            acc[name].append(thunk())
            bar.update(1)
            # Logged as it goes so a run cut short still leaves its measurements.
            log.warning("measured %s: %.1f s, %d tokens", name, *acc[name][-1])
    return {k: (sum(s for s, _ in v) / len(v), round(sum(t for _, t in v) / len(v))) for k, v in acc.items()}


def run(max_new_tokens: int, only: set[str] | None, rounds: int = 2) -> list[Row]:
    """Measure every variant; returns rows in table order."""
    model_dir = ensure_embedded_model()
    want = (lambda k: only is None or k in only)
    mnt = max_new_tokens
    base = load(str(model_dir))
    _time_generate(base, 1, 2, 0.0)  # warm-up: the first call pays one-off allocation costs
    plan: list[tuple[str, object]] = [("baseline", lambda: _without(base, 1, mnt, 0.0, small_batch=False))]
    notes = {"baseline": "plain fp32 transformers, default threads, dynamic cache"}
    if want("small_batch"):
        plan.append(("small_batch", lambda: _measure(base, 1, mnt, 0.0)))
        notes["small_batch"] = "fp32 with W @ x^T matmuls for few rows (the loader's CPU default)"
    extra = {}
    if want("bf16"):
        extra["bf16"] = load(str(model_dir), dtype="bfloat16")
        notes["bf16"] = "bfloat16 weights"
    if want("int8"):
        extra["int8"] = load(str(model_dir), quantize="int8")
        notes["int8"] = "dynamic int8, per-channel weights, MLP down projections in fp32"
    for key, g in extra.items():
        _time_generate(g, 1, 2, 0.0)
        plan.append((key, lambda g=g: _measure(g, 1, mnt, 0.0)))
    if want("static_cache"):
        plan.append(("static_cache", lambda: _measure(base, 1, mnt, 0.0, {"cache_implementation": "static"})))
        notes["static_cache"] = "fp32 + static KV cache"
    if want("threads_1"):
        plan.append(("threads_1", lambda: _measure(base, 1, mnt, 0.0, threads=1)))
        notes["threads_1"] = "fp32, 1 thread"
    if want("best_of_4"):
        plan += [("sample_1", lambda: _measure(base, 1, mnt, 0.7)),
                 ("best_of_4_batched", lambda: _measure(base, 4, mnt, 0.7)),
                 ("best_of_4_unshared", lambda: _without(base, 4, mnt, 0.7, shared_prefill=False)),
                 ("best_of_4_plain_matmul", lambda: _without(base, 4, mnt, 0.7, small_batch=False)),
                 ("best_of_4_hf_sampling", lambda: _without(base, 4, mnt, 0.7, fast_sampling=False)),
                 ("best_of_4_transformers", lambda: _without(base, 4, mnt, 0.7, shared_prefill=False,
                                                             fast_sampling=False, small_batch=False)),
                 ("best_of_4_sequential", lambda: tuple(map(sum, zip(*[_measure(base, 1, mnt, 0.7)
                                                                       for _ in range(4)]))))]
        notes.update(sample_1="one sampled candidate (T=0.7)",
                     best_of_4_batched="n=4 in one call: shared prefill, small-batch matmul, top-k sampler",
                     best_of_4_unshared="the same without the shared prefill (prompt duplicated before prefill)",
                     best_of_4_plain_matmul="the same with plain F.linear",
                     best_of_4_hf_sampling="the same with transformers' top-k/top-p warpers and sampler",
                     best_of_4_transformers="plain transformers: num_return_sequences=4, F.linear, its sampler",
                     best_of_4_sequential="4 separate calls")
    if want("batch_4_prompts"):
        plan += [("batch_4_prompts_one_call", lambda: _time_many(base, mnt, batched=True)),
                 ("batch_4_prompts_4_calls", lambda: _time_many(base, mnt, batched=False))]
        notes.update(batch_4_prompts_one_call="4 different prompts in one generate_many call (greedy)",
                     batch_4_prompts_4_calls="the same 4 prompts, one generate call each (greedy)")
    lora = None
    total = len(plan) * rounds
    if want("lora"):
        lora = load(str(model_dir))
        lora.load_adapter(str(_make_lora(model_dir, Path(tempfile.mkdtemp(prefix="bench-lora-")) / "r16")), "r16")
        _time_generate(lora, 1, 2, 0.0)
        total += 2 * 2 * rounds
    bar = tqdm(total=total, desc="generations", unit="call")
    results = _interleaved(plan, rounds, bar)
    plan.clear()  # the thunks hold the bf16/int8 models; free them before the LoRA rows
    extra.clear()
    gc.collect()
    if lora is not None:
        # Base vs unmerged, then base vs merged, each interleaved against the same fp32 base model.
        r1 = _interleaved([("lora_base", lambda: _measure(base, 1, mnt, 0.0)),
                           ("lora_unmerged", lambda: _measure(lora, 1, mnt, 0.0))], rounds, bar)
        lora.merge()
        r2 = _interleaved([("lora_base2", lambda: _measure(base, 1, mnt, 0.0)),
                           ("lora_merged", lambda: _measure(lora, 1, mnt, 0.0))], rounds, bar)
        results.update(r1)
        results.update(r2)
        notes.update(lora_base="fp32 base, measured alongside the unmerged LoRA",
                     lora_unmerged="rank-16 LoRA on all linear layers, unmerged",
                     lora_base2="fp32 base, measured alongside the merged LoRA",
                     lora_merged="same LoRA merged into the weights")
    bar.close()
    return [Row(k, s, t, notes.get(k, "")) for k, (s, t) in results.items()]


def report(rows: list[Row]) -> str:
    """Markdown table with ratios, plus the headline ratios the goals refer to."""
    by = {r.name: r for r in rows}
    base = by.get("baseline")
    lines = ["| variant | s | tokens | tok/s | × baseline tok/s | note |", "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r.tok_s / base.tok_s:.2f}" if base else "-"
        lines.append(f"| {r.name} | {r.seconds:.1f} | {r.tokens} | {r.tok_s:.2f} | {ratio} | {r.note} |")
    notes = []
    if "lora_merged" in by:
        notes.append(f"merged LoRA time / base time: {by['lora_merged'].seconds / by['lora_base2'].seconds:.2f}; "
                     f"unmerged LoRA time / base time: {by['lora_unmerged'].seconds / by['lora_base'].seconds:.2f}")
    if "best_of_4_batched" in by:
        b4, s1, sq = by["best_of_4_batched"], by["sample_1"], by["best_of_4_sequential"]
        notes.append(f"best-of-4 batched (shared prefill) time / one sample: {b4.seconds / s1.seconds:.2f}; "
                     f"4 sequential / batched: {sq.seconds / b4.seconds:.2f}")
        for key, what in [("best_of_4_unshared", "without the shared prefill"),
                          ("best_of_4_plain_matmul", "with plain F.linear"),
                          ("best_of_4_hf_sampling", "with transformers' sampling"),
                          ("best_of_4_transformers", "as plain transformers does it")]:
            if key in by:
                notes.append(f"best-of-4 {what} / one sample: {by[key].seconds / s1.seconds:.2f}")
    if "batch_4_prompts_one_call" in by:
        one, four = by["batch_4_prompts_one_call"], by["batch_4_prompts_4_calls"]
        notes.append(f"4 prompts: one generate_many call {one.seconds:.1f} s, 4 generate calls {four.seconds:.1f} s, "
                     f"4 calls / one call: {four.seconds / one.seconds:.2f}")
    if base:
        fastest = max(rows, key=lambda r: r.tok_s if not r.name.startswith(("best_of", "sample", "batch_", "lora"))
                      else 0)
        notes.append(f"fastest single-answer setting: {fastest.name} ({fastest.tok_s / base.tok_s:.2f}× baseline)")
    return "\n".join(lines + [""] + [f"- {n}" for n in notes])


# -- backends: {0.5B, 1.5B} × {transformers fp32, transformers int8, llama.cpp Q4_K_M} --------------------------
EDIT_PROGRAM = """// A 3-layer network: 4 inputs, 5 hidden units, 1 output.
const W = 480, H = 360;
const inputs = [[80, 60], [80, 140], [80, 220], [80, 300]];
const hidden = [[240, 40], [240, 110], [240, 180], [240, 250], [240, 320]];
const output = [400, 180];

function setup() {
  createCanvas(W, H);
  noLoop();
}

function drawNode(x, y, c) {
  stroke(40);
  strokeWeight(1.5);
  fill(c);
  circle(x, y, 34);
}

function drawEdge(a, b) {
  stroke(150);
  strokeWeight(1);
  line(a[0], a[1], b[0], b[1]);
}

function draw() {
  background(255);
  // edges first so the nodes sit on top
  for (const a of inputs) {
    for (const b of hidden) {
      drawEdge(a, b);
    }
  }
  for (const b of hidden) {
    drawEdge(b, output);
  }
  // input layer
  for (const p of inputs) {
    drawNode(p[0], p[1], color(120, 170, 230));
  }
  // hidden layer
  for (const p of hidden) {
    drawNode(p[0], p[1], color(140, 210, 140));
  }
  // output layer
  drawNode(output[0], output[1], color(200, 200, 200));
  // labels
  noStroke();
  fill(0);
  textAlign(CENTER, CENTER);
  textSize(14);
  text("Input", 80, 340);
  text("Hidden", 240, 350);
  text("Output", 400, 230);
  textSize(11);
  for (let i = 0; i < inputs.length; i++) {
    text("x" + (i + 1), inputs[i][0] - 32, inputs[i][1]);
  }
  text("y", output[0] + 30, output[1]);
}
"""
EDIT_REQUEST = Request("make the output node red", code=EDIT_PROGRAM, render_status="ok")
# The same edit as the app asks it after the model wrote the program (llama.cpp continues the thread's cached
# exchange: FIRST_REQUEST answered with EDIT_PROGRAM, then the instruction alone).
FIRST_REQUEST = Request("Draw a neural network with 3 inputs x1..x3, a hidden layer of 4 units and one output y, "
                        "fully connected, with the layers labelled.", thread="bench-edit")
CONTINUED_EDIT = Request("make the output node red", code=EDIT_PROGRAM, render_status="ok", thread="bench-edit")
EDIT_COMMANDS = ("edit_plain", "edit_lookup", "edit_continued_plain", "edit_continued_lookup")
_KINDS = {"fp32": ("transformers", {}), "int8": ("transformers", {"quantize": "int8"}), "llamacpp": ("llamacpp", {}),
          "llamacpp1": ("llamacpp", {"num_threads": 1}), "llamacpp2": ("llamacpp", {"num_threads": 2})}
_MODELS = {"0.5b": "qwen2.5-coder-0.5b", "1.5b": "qwen2.5-coder-1.5b"}


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(preset: str, kind: str, max_new_tokens: int, threads: int | None, warm_up: bool = True) -> None:
    """Load one (model, backend) pair, then answer measurement commands read from stdin, one JSON line each."""
    logging.basicConfig(level=logging.WARNING)
    backend, opts = _KINDS[kind]
    if threads:
        opts = dict(opts, num_threads=threads)
    t0 = time.perf_counter()
    gen = load(preset, adapter=False, backend=backend, **opts)
    load_s = time.perf_counter() - t0
    fresh = getattr(gen, "_forget_cache", lambda: None)  # llama.cpp: empty the prompt cache

    cpu = {"s": 0.0}  # process CPU time of the last timed call (the untimed cache priming left out)

    def timed(req: Request, mnt: int, continued: bool = False, **attrs) -> tuple[float, int]:
        saved = {k: getattr(gen, k) for k in attrs}
        for k, v in attrs.items():
            setattr(gen, k, v)
        try:
            fresh()
            if continued:  # the cache holds the exchange that wrote the program, as after the app's first turn
                from model.prompts import format_answer

                gen.remember(FIRST_REQUEST, format_answer(EDIT_PROGRAM))
            c0 = time.process_time()  # one decode thread: CPU time hardly depends on other processes' load
            t = time.perf_counter()
            cand = gen.generate(req, max_new_tokens=mnt, temperature=0.0)[0]
            cpu["s"] = time.process_time() - c0
            return time.perf_counter() - t, cand.tokens
        finally:
            for k, v in saved.items():
                setattr(gen, k, v)

    if warm_up:  # the first call pays one-off allocation costs (edit turns alone are long enough not to care)
        timed(PROMPT, 2)
    text = gen.prompt_text(PROMPT)
    # The prompt as generation tokenises it: chat-template markers count as one control token each.
    prompt_tokens = len(gen.tokenize(text)) if hasattr(gen, "tokenize") else gen.count_tokens(text)
    print(json.dumps({"ready": True, "load_s": load_s, "prompt_tokens": prompt_tokens}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        if cmd == "speed":
            first_s, _ = timed(PROMPT, 1)
            total_s, tokens = timed(PROMPT, max_new_tokens)
            out = {"first_s": first_s, "total_s": total_s, "tokens": tokens}
        elif cmd in EDIT_COMMANDS:
            continued = cmd.startswith("edit_continued")
            total_s, tokens = timed(CONTINUED_EDIT if continued else EDIT_REQUEST, 2048, continued=continued,
                                    prompt_lookup=cmd.endswith("_lookup"))
            out = {"total_s": total_s, "cpu_s": cpu["s"], "tokens": tokens,
                   **getattr(gen, "last_stats", {})}
        else:
            out = {"error": f"unknown command {cmd!r}"}
        out["rss_mb"] = _peak_rss_mb()
        print(json.dumps(out), flush=True)


def run_backends(pairs: list[str], max_new_tokens: int, rounds: int, threads: int | None,
                 edits: tuple[str, ...] = ("0.5b", "1.5b"), speed: bool = True) -> dict[str, dict]:
    """Measure every "model/kind" pair in its own worker process, interleaved; returns per-pair means.

    speed=False times the edit turns only.
    """
    import statistics
    import subprocess

    workers: dict[str, subprocess.Popen] = {}
    info: dict[str, dict] = {}
    for key in pairs:
        m, k = key.split("/")
        cmd = [sys.executable, __file__, "--worker", _MODELS[m], k, "--max-new-tokens", str(max_new_tokens)]
        if not speed:
            cmd.append("--edits-only")
        if threads:
            cmd += ["--threads", str(threads)]
        # Loaded one at a time: conversions and loads are heavy, and load times are measured too.
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = proc.stdout.readline()
        if not ready:
            log.warning("%s did not start (exit %s); left out", key, proc.wait())
            continue
        workers[key] = proc
        info[key] = json.loads(ready)
        log.warning("loaded %s: %s", key, info[key])

    def ask(key: str, cmd: str) -> dict:
        proc = workers[key]
        proc.stdin.write(cmd + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    plan = [(key, "speed") for key in workers] if speed else []
    # Edit turns are long (the whole program again): measured on llama.cpp at its default threads only.
    plan += [(key, c) for key in workers if key.endswith("/llamacpp") and key.split("/")[0] in edits
             for c in EDIT_COMMANDS]
    acc: dict[tuple[str, str], list[dict]] = {p: [] for p in plan}
    bar = tqdm(total=len(plan) * rounds, desc="measurements", unit="run")
    for r in range(rounds):
        for key, cmd in (plan if r % 2 == 0 else plan[::-1]):
            bar.set_postfix_str(f"{key} {cmd}")
            acc[(key, cmd)].append(ask(key, cmd))
            log.warning("measured %s %s: %s", key, cmd, acc[(key, cmd)][-1])
            bar.update(1)
    bar.close()
    for key, proc in workers.items():
        proc.stdin.write("quit\n")
        proc.stdin.flush()
    for key in workers:
        runs = acc.get((key, "speed"), [])
        edit_runs = sum((acc.get((key, c), []) for c in EDIT_COMMANDS), [])
        info[key]["rss_mb"] = max(x["rss_mb"] for x in runs + edit_runs) if runs + edit_runs else None
        if runs:
            first = statistics.mean(x["first_s"] for x in runs)
            dec = statistics.mean((x["tokens"] - 1) / (x["total_s"] - x["first_s"]) for x in runs)
            info[key].update(first_s=first, decode_tok_s=dec, prompt_tok_s=info[key]["prompt_tokens"] / first)
        for c in EDIT_COMMANDS:
            if acc.get((key, c)):
                info[key][c] = {f: statistics.mean(x[f] for x in acc[(key, c)])
                                for f in ("total_s", "cpu_s", "tokens", "drafted", "accepted", "prompt_ms",
                                          "decode_ms", "batches") if all(f in x for x in acc[(key, c)])}
                info[key][c]["rounds_s"] = [x["total_s"] for x in acc[(key, c)]]
    for proc in workers.values():
        proc.wait(timeout=60)
    return info


def _split(edit: dict) -> str:
    """Prompt processing and decoding seconds of an edit turn, where the backend reported them."""
    if "prompt_ms" not in edit:
        return "prompt and decoding not reported apart"
    return f"prompt {edit['prompt_ms'] / 1000:.1f} s + decoding {edit['decode_ms'] / 1000:.1f} s"


def report_backends(info: dict[str, dict]) -> str:
    """Markdown table of the backend run and the goal ratios."""
    lines = ["| model / backend | load s | prompt tokens | first token s | prompt tok/s | decode tok/s | "
             "× fp32 0.5B decode | peak RSS MB |", "|---|---|---|---|---|---|---|---|"]
    base = info.get("0.5b/fp32")
    for key, r in info.items():
        if "decode_tok_s" not in r:
            continue  # edit turns only
        ratio = f"{r['decode_tok_s'] / base['decode_tok_s']:.2f}" if base and "decode_tok_s" in base else "-"
        lines.append(f"| {key} | {r['load_s']:.1f} | {r['prompt_tokens']} | {r['first_s']:.2f} | "
                     f"{r['prompt_tok_s']:.0f} | {r['decode_tok_s']:.2f} | {ratio} | {r['rss_mb']:.0f} |")
    notes = []
    for key, r in info.items():
        if r.get("edit_plain") and r.get("edit_lookup"):
            p, q = r["edit_plain"], r["edit_lookup"]
            notes.append(f"{key} edit turn: {p['total_s']:.1f} s without prompt lookup ({p['tokens']:.0f} tokens, "
                         f"{_split(p)}), {q['total_s']:.1f} s with ({q['tokens']:.0f} tokens, {_split(q)}, "
                         f"{q['accepted']:.0f} of {q['drafted']:.0f} drafted tokens accepted in "
                         f"{q.get('batches', 0):.0f} steps): ratio {q['total_s'] / p['total_s']:.2f} (CPU time "
                         f"{p['cpu_s']:.1f} s and {q['cpu_s']:.1f} s: {q['cpu_s'] / p['cpu_s']:.2f}); rounds "
                         f"{', '.join(f'{a:.1f}' for a in p['rounds_s'])} s without, "
                         f"{', '.join(f'{a:.1f}' for a in q['rounds_s'])} s with")
        if r.get("edit_plain") and r.get("edit_continued_plain") and r.get("edit_continued_lookup"):
            p, c, q = r["edit_plain"], r["edit_continued_plain"], r["edit_continued_lookup"]
            notes.append(f"{key} edit turn continuing the thread (the program's exchange cached): "
                         f"{c['total_s']:.1f} s without prompt lookup ({c['tokens']:.0f} tokens, {_split(c)}), "
                         f"{q['total_s']:.1f} s with ({q['tokens']:.0f} tokens, {_split(q)}, {q['accepted']:.0f} of "
                         f"{q['drafted']:.0f} drafted tokens accepted in {q.get('batches', 0):.0f} steps): ratio "
                         f"{q['total_s'] / c['total_s']:.2f} (CPU {q['cpu_s'] / c['cpu_s']:.2f}); against the "
                         f"restated edit turn without lookup: {q['total_s'] / p['total_s']:.2f} "
                         f"(CPU {q['cpu_s'] / p['cpu_s']:.2f})")
    return "\n".join(lines + [""] + [f"- {n}" for n in notes])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--max-new-tokens", type=int, default=32, help="tokens per answer (default 32)")
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds per variant (default 2)")
    p.add_argument("--only", default="", help="comma-separated subset: baseline,small_batch,bf16,int8,"
                                               "static_cache,threads_1,lora,best_of_4,batch_4_prompts")
    p.add_argument("--json", type=Path, help="also write the rows as JSON here")
    p.add_argument("--backends", action="store_true", help="compare backends and models (see above)")
    p.add_argument("--pairs", default="0.5b/fp32,0.5b/int8,0.5b/llamacpp,0.5b/llamacpp2,1.5b/fp32,1.5b/int8,"
                                       "1.5b/llamacpp,1.5b/llamacpp2",
                   help="--backends: model/kind pairs; models 0.5b, 1.5b; kinds fp32, int8, llamacpp (the loader's "
                        "threads), llamacpp1, llamacpp2 (llama.cpp on one or two threads)")
    p.add_argument("--threads", type=int, default=None, help="--backends: threads per worker (default: the loader's)")
    p.add_argument("--edits", default="0.5b,1.5b", help="--backends: models whose edit turn is timed (llama.cpp)")
    p.add_argument("--edits-only", action="store_true", help="--backends: time the edit turns only (no speed rows)")
    p.add_argument("--worker", nargs=2, metavar=("PRESET", "KIND"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        _worker(args.worker[0], args.worker[1], args.max_new_tokens, args.threads, warm_up=not args.edits_only)
        return
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.backends:
        log.warning("config: %s", vars(args))
        info = run_backends([x.strip() for x in args.pairs.split(",") if x.strip()], args.max_new_tokens,
                            args.rounds, args.threads, tuple(x.strip() for x in args.edits.split(",")),
                            speed=not args.edits_only)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, max_new_tokens {args.max_new_tokens}, "
              f"rounds {args.rounds}, greedy; means over interleaved rounds")
        print(report_backends(info))
        if args.json:
            args.json.write_text(json.dumps(info, indent=1))
        return
    import torch

    only = {s.strip() for s in args.only.split(",") if s.strip()} or None
    log.warning("config: %s", vars(args))
    rows = run(args.max_new_tokens, only, args.rounds)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, max_new_tokens {args.max_new_tokens}, rounds {args.rounds}, "
          "greedy unless noted; seconds are means over interleaved rounds")
    print(report(rows))
    if args.json:
        args.json.write_text(json.dumps([dict(asdict(r), tok_s=r.tok_s) for r in rows], indent=1))


if __name__ == "__main__":
    main()
