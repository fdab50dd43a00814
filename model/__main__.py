"""Command line: generate figure code from a prompt.

    python -m model generate "a 3-layer MLP with 4, 5 and 1 units" [--code FILE] [--image PNG] [--lang p5|svg]
        [--model NAME] [--backend transformers|llamacpp] [--adapter PATH] [-n N] [--examples K] [--repair R]
        [--request-checks | --no-request-checks] [--max-new-tokens K] [--all]
    python -m model presets
    python -m model warm [--model NAME] [--adapter PATH | --no-adapter] [--languages en,ja]

Every setting left out comes from model/defaults.py, as in the app and `python -m eval`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from model.defaults import DEFAULTS, EXAMPLE_MODES
from model.errors import ModelError
from model.loader import load
from model.presets import PRESETS
from model.prompts import Request
from model.request_checks import derive_checks
from model.types import Candidate

log = logging.getLogger("model")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m model", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="print the code of the best candidate for a prompt")
    g.add_argument("prompt", help="what to draw or change (English or Japanese)")
    g.add_argument("--code", type=Path, help="file with the current code to revise")
    g.add_argument("--image", type=Path, action="append", default=[], help="sketch image (PNG) for vision models")
    g.add_argument("--lang", choices=["p5", "svg"], default="p5", help="target language (default p5)")
    g.add_argument("--model", default=DEFAULTS.preset,
                   help="preset, hub id, local dir, .gguf file or http(s)://…/v1 endpoint "
                        f"(default {DEFAULTS.preset})")
    g.add_argument("--backend", choices=["transformers", "llamacpp"], default=None,
                   help="local backend (default: llama.cpp for .gguf files and the embedded presets when "
                        "llama-cpp-python is installed, else transformers)")
    g.add_argument("--threads", type=int, default=None, help="CPU threads for a local model")
    g.add_argument("--seed", type=int, default=None, help="random seed for sampling")
    g.add_argument("--adapter", action="append", help="PEFT adapter directory (repeatable; the first is active)")
    g.add_argument("--no-adapter", action="store_true", help="ignore the preset's trained adapter")
    g.add_argument("-n", type=int, default=DEFAULTS.samples,
                   help=f"number of candidates, sampled in one batch (default {DEFAULTS.samples})")
    g.add_argument("--examples", type=int, default=None, metavar="K",
                   help="worked examples retrieved from model/examples and put before a new figure's request "
                        f"(default: the preset's setting, {DEFAULTS.examples} unless a preset says otherwise)")
    g.add_argument("--example-mode", choices=EXAMPLE_MODES, default=None,
                   help="shot: the worked examples show good answers to other requests; adapt: the request asks "
                        "for the retrieved example's program changed to fit it (default: the preset's setting, "
                        f"{DEFAULTS.example_mode} unless a preset says otherwise)")
    g.add_argument("--repair", type=int, default=DEFAULTS.repair_rounds, metavar="R",
                   help="repair rounds when the best candidate fails to render (or, with --request-checks, misses "
                        f"the request) (default {DEFAULTS.repair_rounds}; 0 or --no-render: none)")
    g.add_argument("--request-checks", action=argparse.BooleanOptionalAction, default=DEFAULTS.request_checks,
                   help="rank candidates by checks derived from the prompt text and repair figures that fail them "
                        f"(default {'on' if DEFAULTS.request_checks else 'off'})")
    g.add_argument("--max-new-tokens", type=int, default=DEFAULTS.max_new_tokens,
                   help=f"token limit per candidate (default {DEFAULTS.max_new_tokens})")
    g.add_argument("--temperature", type=float, default=None, help="sampling temperature (0 = greedy)")
    g.add_argument("--canvas", default="400x400", help="canvas size WxH (default 400x400)")
    g.add_argument("--all", action="store_true", help="print every candidate as a JSON line")
    g.add_argument("--no-render", action="store_true",
                   help="rank candidates by log-probability only, without test-rendering them")
    g.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub.add_parser("presets", help="list the named presets")
    w = sub.add_parser("warm", help="compute and save the prompt states of the worked examples (llama.cpp), so that "
                                    "first figures skip their prefill")
    w.add_argument("--model", default=DEFAULTS.preset, help=f"preset, .gguf file (default {DEFAULTS.preset})")
    w.add_argument("--adapter", default=None, help="PEFT adapter directory (default: as model/defaults.py says)")
    w.add_argument("--no-adapter", action="store_true", help="the base model alone")
    w.add_argument("--languages", default="en,ja", help="caption languages to warm (default en,ja)")
    return p


# What a repair request says when the renderer gave no error message (the app's wording).
_NO_ERROR_TEXT = {"blank": "The program ran but drew nothing (blank canvas).",
                  "timeout": "The program did not finish in time (an endless loop?)."}


def _render_all(cands: list[Candidate], lang: str, checks: list[dict]) -> tuple[list[dict], list[int]]:
    """Render candidates in one batch: their outcomes (as dicts) and how many request checks each passes."""
    from render import render_many

    results = render_many([c.code or " " for c in cands], lang=lang)
    dicts = [r.to_dict() for r in results]
    passed = [0] * len(cands)
    if checks:
        from model.request_checks import run_request_checks

        for i, r in enumerate(results):
            outcomes = run_request_checks(checks, r)
            passed[i] = sum(o.passed for o in outcomes)
            dicts[i]["check_failures"] = [o.reason for o in outcomes if not o.passed]
    return dicts, passed


def _rank(cands: list[Candidate], lang: str, use_render: bool, checks: list[dict] | None = None,
          always_render: bool = False) -> list[tuple[Candidate, dict | None]]:
    """Order candidates best first: renders cleanly (when rendering is needed), passes more of the checks derived
    from the request text (when they are on), complete, likelier."""
    renders: list[dict | None] = [None] * len(cands)
    passed = [0] * len(cands)
    # Rendering only matters when there is a choice to make, or a repair round may follow.
    if use_render and (len(cands) > 1 or always_render) and any(c.code for c in cands):
        try:
            renders, passed = _render_all(cands, lang, checks or [])  # type: ignore[assignment]
        except Exception as exc:  # the renderer is optional here; fall back to log-probabilities
            log.warning("Could not render candidates to rank them (%s); ranking by log-probability", exc)

    def key(i: int) -> tuple:
        c, r = cands[i], renders[i]
        return (r is not None and r.get("status") == "ok", passed[i], bool(c.code), not c.truncated,
                c.logprob if c.logprob is not None else float("-inf"))

    order = sorted(range(len(cands)), key=key, reverse=True)
    return [(cands[i], renders[i]) for i in order]


def _repair(gen: Any, request: Request, ranked: list[tuple[Candidate, dict | None]], rounds: int,
            checks: list[dict], max_new_tokens: int,
            temperature: float | None) -> list[tuple[Candidate, dict | None]]:
    """Repair rounds, as in the app: fix a best candidate that fails to render (or misses the request's checks),
    keep a fix that ranks higher, stop when the best one is fine."""
    for n in range(1, rounds + 1):
        best, rendered = ranked[0]
        if not best.code or rendered is None:
            break  # nothing to repair, or no renderer
        if rendered.get("status") == "ok":
            reasons = rendered.get("check_failures") or []
            if not reasons:
                break
            log.info("repair %d: the figure misses the request: %s", n, "; ".join(reasons))
            fixes = gen.repair_mismatch(best.code, reasons, lang=request.lang, request=request,
                                        max_new_tokens=max_new_tokens, temperature=temperature)
        else:
            status = rendered.get("status")
            error = rendered.get("error") or _NO_ERROR_TEXT.get(status, f"render {status}")
            log.info("repair %d: %s", n, error)
            fixes = gen.repair(best.code, error, rendered.get("line"), lang=request.lang, request=request,
                               max_new_tokens=max_new_tokens, temperature=temperature)
        ranked = _rank([c for c, _ in ranked] + list(fixes), request.lang, use_render=True, checks=checks,
                       always_render=True)
    return ranked


def load_options(args: argparse.Namespace) -> tuple[str, object, dict]:
    """(model, adapter, load keywords) that `generate` passes to model.load: the defaults table fills the gaps."""
    adapter: object = args.adapter[0] if args.adapter and len(args.adapter) == 1 else args.adapter
    if args.no_adapter:
        adapter = False
    elif not args.adapter:
        adapter = DEFAULTS.adapter_arg()
    opts: dict = {}
    if args.threads:
        opts["num_threads"] = args.threads
    if args.examples is not None:
        opts["examples"] = args.examples
    if args.example_mode is not None:
        opts["example_mode"] = args.example_mode
    return args.model, adapter, opts


def _generate(args: argparse.Namespace) -> int:
    code = None
    if args.code:
        if not args.code.is_file():
            raise ModelError(f"--code: no file at {args.code}")
        code = args.code.read_text(encoding="utf-8")
    for img in args.image:
        if not img.is_file():
            raise ModelError(f"--image: no file at {img}")
    if args.repair < 0:
        raise ModelError(f"--repair must be >= 0, not {args.repair}")
    try:
        w, h = (int(v) for v in args.canvas.lower().split("x"))
        request = Request(instruction=args.prompt, code=code, lang=args.lang, images=[str(i) for i in args.image],
                          canvas=(w, h))
    except ValueError as exc:
        raise ModelError(f"Bad request: {exc}") from exc
    name, adapter, opts = load_options(args)
    gen = load(name, adapter=adapter, backend=args.backend, **opts)
    if args.seed is not None:
        if hasattr(gen, "reseed"):  # llama.cpp draws from its own random stream
            gen.reseed(args.seed)
        else:
            import torch

            torch.manual_seed(args.seed)
    if args.image and not gen.is_vision:
        log.warning("%s is a text model: the image is ignored", gen.name)
    cands = gen.generate(request, n=args.n, max_new_tokens=args.max_new_tokens, temperature=args.temperature)
    checks = derive_checks(args.prompt) if args.request_checks and args.lang == "p5" else []
    rounds = 0 if args.no_render else args.repair
    ranked = _rank(cands, args.lang, use_render=not args.no_render, checks=checks, always_render=rounds > 0)
    if rounds:
        ranked = _repair(gen, request, ranked, rounds, checks, args.max_new_tokens, args.temperature)
    if args.all:
        for cand, rendered in ranked:
            print(json.dumps(dict(cand.to_dict(), render=rendered), ensure_ascii=False))
        return 0 if any(c.code for c, _ in ranked) else 1
    best, rendered = ranked[0]
    if not best.code:
        print(f"error: the model's reply contained no {args.lang} code:\n{best.text[:500]}", file=sys.stderr)
        return 1
    print(best.code)
    if best.truncated:
        print(f"warning: the code was cut off at {args.max_new_tokens} new tokens; raise --max-new-tokens",
              file=sys.stderr)
    log.info("model %s, adapter %s, logprob %s, render %s", best.model, best.adapter or "none", best.logprob,
             (rendered or {}).get("status", "not rendered"))
    return 0


def _warm(args: argparse.Namespace) -> int:
    """Save the worked examples' prompt states for the model the app would load with these flags."""
    adapter: Any = False if args.no_adapter else (args.adapter or DEFAULTS.adapter_arg())
    gen = load(args.model, adapter=adapter, examples=1)
    if not hasattr(gen, "warm_examples"):
        raise ModelError(f"{gen.name} is not run by llama.cpp here; only that backend saves prompt states.")
    languages = tuple(x.strip() for x in args.languages.split(",") if x.strip())
    if not set(languages) <= {"en", "ja"}:
        raise ModelError(f"--languages takes en and/or ja, not {args.languages!r}")
    saved = gen.warm_examples(languages, progress=True)
    print(json.dumps({"model": gen.name, "adapter": gen.adapter, "saved": saved}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.command == "presets":
        for p in PRESETS.values():
            print(f"{p.name:22s} {p.model:36s} adapter={p.adapter or '-'} {p.note}")
        return 0
    try:
        return _warm(args) if args.command == "warm" else _generate(args)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
