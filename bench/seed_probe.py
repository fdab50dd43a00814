"""The three Japanese requests of the research on one model setting: code, render, request-derived checks, time.

    .venv/bin/python bench/seed_probe.py --model qwen2.5-coder-1.5b --examples 1 [--example-mode adapt]
        [--no-adapter] --out runs/seed-probe [--repair 1]

Greedy decoding, so a setting always gives the same programs. Each request's program goes to OUT/<key>.js (and
.png when it renders); one JSON line per request (the retrieved examples, status, error, failed request checks,
tokens, seconds) is printed and appended to OUT/results.jsonl. With --repair R, a program that fails to render
or misses a request-derived check gets up to R repair rounds (render errors first, as in the app).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

log = logging.getLogger("bench.seed_probe")

# The research's example prompt and the two concepts it found hard (docs: /work/shared/seed-notes.md).
REQUESTS = {
    "mlp": "3層のニューラルネットワークを図示せよ。入力層は4ユニット、中間層は5ユニット、出力層は1ユニットとせよ。",
    "cnn": "簡単なCNNを図示せよ。",
    "skip": "スキップ接続を図示せよ。",
}


def probe(gen, key: str, text: str, out: Path, repair: int, max_new_tokens: int) -> dict:
    """Generate, render and check one request (with repair rounds); write its program and render."""
    from model import Request, derive_checks
    from model.request_checks import failed_reasons
    from render import render

    req = Request(text)
    checks = derive_checks(text)
    t0 = time.perf_counter()
    cand = gen.generate(req, n=1, max_new_tokens=max_new_tokens, temperature=0.0)[0]
    result = render(cand.code) if cand.code.strip() else None
    tokens, rounds = cand.tokens, 0
    for _ in range(repair):
        if result is None:
            break
        reasons = failed_reasons(checks, result) if result.ok else []
        if result.ok and not reasons:
            break
        fixed = (gen.repair_mismatch(cand.code, reasons, request=req, max_new_tokens=max_new_tokens,
                                     temperature=0.0) if result.ok else
                 gen.repair(cand.code, result.error or result.status, result.line, request=req,
                            max_new_tokens=max_new_tokens, temperature=0.0))
        cand, rounds = fixed[0], rounds + 1
        tokens += cand.tokens
        result = render(cand.code) if cand.code.strip() else None
    seconds = time.perf_counter() - t0
    (out / f"{key}.js").write_text(cand.code, encoding="utf-8")
    if result is not None and result.png:
        (out / f"{key}.png").write_bytes(result.png)
    return {"key": key, "model": gen.name, "examples": [e.id for e in gen.examples_for(req)],
            "status": result.status if result else "empty", "error": result.error if result else "no code",
            "failed_request_checks": failed_reasons(checks, result) if result and checks else [],
            "repairs": rounds, "tokens": tokens, "seconds": round(seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    """Run the probe; exit 0 when every program renders."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="qwen2.5-coder-1.5b", help="preset or model path (as model.load)")
    ap.add_argument("--examples", type=int, default=1, help="worked examples before each request")
    ap.add_argument("--example-mode", choices=["shot", "adapt"], default="shot",
                    help="how the examples are used (model/defaults.py, EXAMPLE_MODES)")
    ap.add_argument("--no-adapter", action="store_true", help="the base model without the preset's adapter")
    ap.add_argument("--repair", type=int, default=0, help="repair rounds per request")
    ap.add_argument("--max-new-tokens", type=int, default=1024)
    ap.add_argument("--only", choices=sorted(REQUESTS), action="append", help="run only these requests")
    ap.add_argument("--out", type=Path, default=Path("runs/seed-probe"))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from model import load

    log.info("probe: %s", vars(args))
    args.out.mkdir(parents=True, exist_ok=True)
    gen = load(args.model, adapter=False if args.no_adapter else None, examples=args.examples,
               example_mode=args.example_mode, temperature=0.0)
    rows = []
    for key in args.only or list(REQUESTS):
        row = probe(gen, key, REQUESTS[key], args.out, args.repair, args.max_new_tokens)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
        with open(args.out / "results.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
