"""Time eval scoring of 442 predictions (render + every metric but the judge) against the 2-minute budget.

    .venv/bin/python bench/eval_scoring.py                       # random-weight ViT-B/32 CLIP (timing only)
    .venv/bin/python bench/eval_scoring.py --clip-model DIR      # a real CLIP saved on disk
    .venv/bin/python bench/eval_scoring.py --n 60 --threads 1    # a quick profile on a busy machine
    .venv/bin/python bench/eval_scoring.py --cache-dir /tmp/c    # also time a second run against the same references

Predictions are made from the synthetic generator: most are a changed copy of the reference program (so the two
renders differ), some are identical, some fail (syntax error, blank canvas, endless loop), as real outputs do.
Models are loaded and the browser started before the clock runs.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUDGET_S = 120.0


def make_predictions(n: int, seed: int = 1, nudge: int = 7) -> list[dict]:
    """`n` prediction rows with references, a realistic mix of outcomes (`nudge` changes the changed copies)."""
    from dataset.synth import make_rows

    rows = [r for r in make_rows(3 * n, seed=seed, edit_fraction=0.0)][:n]
    preds = []
    for i, r in enumerate(rows):
        ref = r["code"]
        k = i % 20
        if k < 13:  # a different but similar program: first number in the body nudged
            code = re.sub(r"(\d+)", lambda m: str(int(m.group(1)) + nudge), ref, count=3)
        elif k < 16:
            code = ref
        elif k < 18:
            code = ref.replace("function setup", "let broken = ;\nfunction setup", 1)
        elif k < 19:
            code = "function setup() {\n  createCanvas(400, 400);\n  background(255);\n}\n"
        else:
            code = ref
        if i in (n // 3, 2 * n // 3):  # two programs that never finish: timeouts cost what they cost
            code = "function setup() {\n  createCanvas(400, 400);\n  while (true) {}\n}\n"
        preds.append({"id": r["id"], "prompt": r["instruction"], "caption": r["caption_en"], "code": code,
                      "reference_code": ref, "tokens": len(code) // 3, "truncated": False,
                      "candidates": [{"code": code, "tokens": len(code) // 3}]})
    return preds


def random_vit_b32(texts: list[str]):
    """A randomly initialised CLIP with ViT-B/32's architecture: the same compute as the real one, no hub."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import CLIPConfig, CLIPModel, PreTrainedTokenizerFast
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    from eval.clip import ClipEncoder

    words = sorted({w.lower() for t in texts for w in re.findall(r"\w+|[^\w\s]", t)})[:49000]
    vocab = {w: i for i, w in enumerate(["<pad>", "<unk>", "<bos>", "<eos>"] + words)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="<bos> $A <eos>", special_tokens=[("<bos>", 2), ("<eos>", 3)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", unk_token="<unk>", bos_token="<bos>",
                                   eos_token="<eos>", model_max_length=77)
    torch.manual_seed(0)
    cfg = CLIPConfig(text_config=dict(vocab_size=49408, pad_token_id=0, bos_token_id=2, eos_token_id=3))
    model = CLIPModel(cfg)
    return ClipEncoder.from_components("random ViT-B/32 (timing only)", model, fast, CLIPImageProcessorPil())


def cpu_seconds() -> float:
    """User+system CPU seconds of this process and every process it started (the browser included), from /proc.

    On a shared machine wall time stretches with other people's load; CPU time much less so. CPU seconds / cores
    bounds what the same work takes on an idle machine.
    """
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            raw = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        stats[int(d)] = fields
        children.setdefault(int(fields[1]), []).append(int(d))
    total, todo = 0.0, [os.getpid()]
    while todo:
        pid = todo.pop()
        f = stats.get(pid)
        if f:
            total += (int(f[11]) + int(f[12])) / tick  # utime, stime
        todo += children.get(pid, [])
    return total


def say(msg: str) -> None:
    """A line of results, flushed at once (the run is long and the machine may be shared)."""
    print(msg, flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=442)
    ap.add_argument("--clip-model", default=None, help="a saved CLIP directory (default: random ViT-B/32)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--batching-images", type=int, default=32, help="images for the batch-vs-single comparison")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch threads (default: torch's, one per core); 1 gives CPU times that a busy machine "
                         "does not inflate with OpenMP spin-waiting")
    ap.add_argument("--cache-dir", default=None,
                    help="CLIP embedding cache: after the timed run, score a second prediction set against the "
                         "same references with a fresh encoder and report what the cache saved")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from eval.clip import ClipEncoder
    from eval.score import ScoreConfig, score_rows
    from render import render, render_many

    say(f"machine: {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, CPU only; "
        f"load average at start {os.getloadavg()[0]:.1f}")
    preds = make_predictions(args.n)
    t = time.perf_counter()
    enc = (ClipEncoder(args.clip_model, batch_size=args.batch_size) if args.clip_model
           else random_vit_b32([p["caption"] for p in preds]))
    enc.batch_size = args.batch_size
    enc.cache_dir = args.cache_dir
    enc.load()
    render("function setup(){createCanvas(10,10);background(0);}")  # start the browser pool
    say(f"CLIP: {enc.name}; setup (CLIP load + browser start, outside the budget): {time.perf_counter() - t:.1f} s")

    cpu0 = cpu_seconds()
    cfg = ScoreConfig(progress=False, clip_batch_size=args.batch_size, clip_cache_dir=args.cache_dir)
    rep = score_rows(preds, cfg, clip_encoder=enc)
    cpu = cpu_seconds() - cpu0
    tm = rep["timing_s"]
    say(f"scored {rep['n']} predictions: render success {rep['render_success_rate']:.1%}, "
        f"errors {rep['render']['error']}, blank {rep['render']['blank']}, timeouts {rep['render']['timeout']}, "
        f"redaction {rep['redaction']}")
    tc = tm["cpu"]
    say(f"{'stage':28s} {'wall s':>8s} {'CPU s (scorer; browser not in it)':>34s}")
    say(f"{'render (preds+refs)':28s} {tm['render']:8.1f} {tc['render']:34.1f}")
    say(f"{'text-free images':28s} {tm['images']:8.1f} {tc['images']:34.1f}")
    for name, sec in tm["by_metric"].items():
        say(f"  {name:26s} {sec:8.1f} {tc['by_metric'][name]:34.1f}")
    say(f"{'metrics':28s} {tm['metrics']:8.1f} {tc['metrics']:34.1f}")
    say(f"{'total':28s} {tm['total']:8.1f} {tc['total']:34.1f}   wall budget {BUDGET_S:.0f} s -> "
        f"{tm['total'] / BUDGET_S:.2f} of budget")
    say(f"CLIP work: {rep.get('clip_encodings')}")
    cores = os.cpu_count() or 1
    say(f"CPU time (this process + browser): {cpu:.1f} s -> on {cores} idle cores at least {cpu / cores:.1f} s wall, "
        f"{cpu / cores / BUDGET_S:.2f} of budget")

    if args.cache_dir:  # a second run (another model's predictions) against the same references
        from eval.clip import ClipEncoder as _CE

        enc2 = _CE.from_components(enc.name, enc._model, enc._tokenizer, enc._processor, batch_size=args.batch_size,
                                   cache_dir=args.cache_dir)
        preds2 = make_predictions(args.n, nudge=5)
        cpu0 = cpu_seconds()
        rep2 = score_rows(preds2, cfg, clip_encoder=enc2)
        say(f"second run, same references, embedding cache {args.cache_dir}: wall {rep2['timing_s']['total']:.1f} s, "
            f"CPU (scorer + browser) {cpu_seconds() - cpu0:.1f} s; CLIP work {rep2.get('clip_encodings')}")

    # Batching: one image at a time vs a batch, on the same renders of distinct programs.
    imgs = [r.image for r in render_many([p["reference_code"] for p in preds[:args.batching_images]])
            if r.image is not None]
    enc.cache_dir = None  # time the model, not the disk cache
    enc.clear_cache()
    t = time.perf_counter()
    for im in imgs:
        enc.embed_images([im])
    one_s = time.perf_counter() - t
    enc.clear_cache()
    t = time.perf_counter()
    enc.embed_images(imgs)
    batch_s = time.perf_counter() - t
    say(f"CLIP image embedding, {len(imgs)} images: one at a time {one_s:.2f} s vs one batch {batch_s:.2f} s "
        f"-> batching {one_s / batch_s:.2f}x faster")
    say(f"load average at end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
