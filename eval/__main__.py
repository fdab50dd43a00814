"""Command line: generate predictions, score them, compare reports, build benchmark prompt files.

    python -m eval build-benchmark synth --out bench/synth_test.jsonl
    python -m eval generate --prompts bench/synth_test.jsonl --out preds.jsonl --model qwen2.5-coder-0.5b -n 4 --repair 1
    python -m eval score --predictions preds.jsonl --out report.json --markdown report.md --plots plots/
    python -m eval compare base.json adapter.json --names base adapter --plots plots/compare
    python -m eval verify-benchmark figures-v1
    python -m eval run --benchmark figures-v1 --limit 16 -n 1 --repair 1 --out runs/base

Model, adapter, worked examples, -n, --repair and --request-checks left out come from model/defaults.py, as in the
app and `python -m model generate`.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from model.defaults import DEFAULTS, EXAMPLE_MODES

log = logging.getLogger("eval")


def build_parser() -> argparse.ArgumentParser:
    """The `python -m eval` parser with one sub-command per job."""
    ap = argparse.ArgumentParser(prog="python -m eval", description=__doc__.split("\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = ap.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="predictions for a prompts file (resumable)")
    g.add_argument("--prompts", required=True, help='JSONL rows {"id", "prompt", "image"?, "reference_code"?}')
    g.add_argument("--out", required=True, help="predictions JSONL; ids already in it are skipped")
    _model_flags(g)
    g.add_argument("--lang", choices=["p5", "svg"], default="p5", help="language for rows that do not say")
    g.add_argument("--batch-size", type=int, default=None,
                   help="prompts generated together (backends with generate_many batch them); default 4 when "
                        "-n is 1, else 1")

    r = sub.add_parser("run", help="generate, render and check a figure benchmark (resumable), with a report")
    r.add_argument("--benchmark", default="figures-v1", help="a name (figures-v1) or a JSONL path")
    r.add_argument("--out", required=True, help="run directory: predictions.jsonl (resumable), report.json, "
                                                "report.md, plots/")
    _model_flags(r)
    r.add_argument("--limit", type=int, default=None,
                   help="run a representative subset of this many prompts (round-robin over categories, both "
                        "languages, chosen by --seed)")
    r.add_argument("--categories", default=None, help="comma-separated categories to keep")
    r.add_argument("--lang", choices=["en", "ja"], default=None, help="only prompts in this language")
    r.add_argument("--backend", default=None,
                   help="local backend for model.load (transformers or llamacpp); default: the loader's choice, "
                        "as in the app")
    r.add_argument("--batch-size", type=int, default=1,
                   help="prompts per model call (1 keeps time per prompt measurable)")
    r.add_argument("--report-only", action="store_true",
                   help="load no model: rebuild the report from the prompts already in OUT/predictions.jsonl")

    s = sub.add_parser("score", help="render and score predictions into a report")
    s.add_argument("--predictions", required=True, help="predictions JSONL written by generate (or any tool)")
    s.add_argument("--out", required=True, help="report JSON")
    s.add_argument("--markdown", default=None, help="also write a Markdown summary here")
    s.add_argument("--plots", default=None, help="also write plots into this directory")
    s.add_argument("--lang", choices=["p5", "svg"], default="p5", help="language for rows that do not say")
    s.add_argument("--clip-model", default="openai/clip-vit-base-patch32",
                   help="CLIP model id or local dir; openai/clip-vit-large-patch14-336 matches AutomaTikZ")
    s.add_argument("--clip-batch-size", type=int, default=32, help="images/texts per CLIP forward pass")
    s.add_argument("--cache-dir", default=None, metavar="DIR",
                   help="keep CLIP embeddings in DIR (e.g. ~/.cache/figure-assistant/eval), keyed by a hash of the "
                        "CLIP weights and of each image/text, so scoring several runs against the same references "
                        "encodes them once; scores are the same with or without it (default: off)")
    s.add_argument("--no-clip", action="store_true", help="skip the CLIP metrics")
    s.add_argument("--no-redacted", action="store_true", help="skip the text-redacted image metrics")
    s.add_argument("--ssim-size", type=int, default=256, help="side of the grey images SSIM compares")
    s.add_argument("--render-timeout", type=float, default=10.0, help="seconds per render")
    s.add_argument("--judge-url", default=None, help="OpenAI-compatible base URL (…/v1) to enable the LLM judge")
    s.add_argument("--judge-model", default="judge", help="model name sent to the judge endpoint")
    s.add_argument("--judge-key-env", default="OPENAI_API_KEY", help="environment variable holding the API key")
    s.add_argument("--judge-concurrency", type=int, default=4)

    c = sub.add_parser("compare", help="side-by-side table (and plots) of several reports")
    c.add_argument("reports", nargs="+", help="report JSON files")
    c.add_argument("--names", nargs="*", default=None, help="column names (default: file stems)")
    c.add_argument("--plots", default=None, help="write comparison plots into this directory")
    c.add_argument("--markdown", default=None, help="also write the table here")

    v = sub.add_parser("verify-benchmark", help="render every reference of a figure benchmark and run its checks")
    v.add_argument("benchmark", help="a name (figures-v1 → eval/benchmarks/figures-v1.jsonl) or a JSONL path")
    v.add_argument("--render-timeout", type=float, default=10.0, help="seconds per render")

    b = sub.add_parser("build-benchmark", help="write a benchmark prompts file")
    bsub = b.add_subparsers(dest="which", required=True)
    bs = bsub.add_parser("synth", help="the project's synthetic test split")
    bs.add_argument("--out", required=True)
    bs.add_argument("--n", type=int, default=10000, help="rows generated before the split (as dataset synth)")
    bs.add_argument("--seed", type=int, default=0)
    bs.add_argument("--test-fraction", type=float, default=0.05)
    bs.add_argument("--kinds", default="figure,edit", help="row kinds to keep (figure, edit)")
    bd = bsub.add_parser("dataset", help="the test split of a dataset built by `python -m dataset`")
    bd.add_argument("src", help="saved dataset dir, parquet or jsonl")
    bd.add_argument("--out", required=True)
    bd.add_argument("--split", default="test")
    bt = bsub.add_parser("datikz", help="DaTikZ's 442 test rows translated to p5.js (needs hub + teacher)")
    bt.add_argument("--out", required=True)
    bt.add_argument("--work-dir", default="out/datikz-test", help="where the translated dataset is saved")
    bt.add_argument("--teacher", action="append", default=[], help="URL=MODEL of an OpenAI-compatible teacher")
    bt.add_argument("--source", default="nllg/datikz-v2")
    return ap


def _model_flags(g: argparse.ArgumentParser) -> None:
    """Model, adapter and sampling flags shared by `generate` and `run`."""
    g.add_argument("--model", default=None,
                   help="preset name, HF id, local dir, .gguf or http(s)://…/v1 endpoint (default: "
                        f"{DEFAULTS.preset}, the default of model/defaults.py)")
    ad = g.add_mutually_exclusive_group()
    ad.add_argument("--adapter", default=None, help="PEFT adapter directory")
    ad.add_argument("--no-adapter", action="store_true",
                    help="the base model alone (otherwise a preset loads the project's adapter when it exists"
                         + ("" if DEFAULTS.adapter else ", when model/defaults.py asks for it") + ")")
    g.add_argument("-n", type=int, default=DEFAULTS.samples,
                   help=f"samples per prompt; the best is kept (render first, then log-probability) "
                        f"(default {DEFAULTS.samples})")
    g.add_argument("--repair", type=int, default=DEFAULTS.repair_rounds,
                   help="repair rounds when no sample renders (or, with --request-checks, the best one misses the "
                        f"request) (default {DEFAULTS.repair_rounds})")
    g.add_argument("--examples", type=int, default=None, metavar="K",
                   help="worked examples retrieved from model/examples and put before each first-figure prompt "
                        f"(default: the preset's setting, {DEFAULTS.examples} unless a preset says otherwise)")
    g.add_argument("--example-mode", choices=EXAMPLE_MODES, default=None,
                   help="shot: the worked examples show good answers to other requests; adapt: the request asks "
                        "for the retrieved example's program changed to fit it (default: the preset's setting, "
                        f"{DEFAULTS.example_mode} unless a preset says otherwise)")
    g.add_argument("--request-checks", action=argparse.BooleanOptionalAction, default=DEFAULTS.request_checks,
                   help="rank samples by checks derived from the prompt text (units per layer, bar values, counts, "
                        "labels, colours) and spend repair rounds on figures that fail them "
                        f"(default {'on' if DEFAULTS.request_checks else 'off'})")
    g.add_argument("--max-new-tokens", type=int, default=DEFAULTS.max_new_tokens)
    g.add_argument("--temperature", type=float, default=DEFAULTS.temperature)
    g.add_argument("--render-timeout", type=float, default=10.0, help="seconds per render")
    g.add_argument("--seed", type=int, default=None,
                   help="seed torch's sampler once before generating (run: also picks the --limit subset; default 0)")
    g.add_argument("--repetition-penalty", type=float, default=None,
                   help="override the preset's repetition penalty (1.0 turns it off)")
    g.add_argument("--merge", action="store_true", help="merge the adapter into the weights (faster, same answers)")
    g.add_argument("--quantize", choices=["int8"], default=None,
                   help="int8 dynamic quantisation of the linear layers (CPU speed-up; merges any adapter first)")


def load_options(args: argparse.Namespace) -> tuple[str, bool | str | None, dict]:
    """(model, adapter, load keywords) the model flags ask for; the defaults table fills the gaps."""
    # adapter=None lets a preset pick the project's trained adapter; False asks for the base model.
    adapter = False if args.no_adapter else (args.adapter or DEFAULTS.adapter_arg())
    opts: dict = {"merge": bool(args.merge or args.quantize)}  # int8 quantises merged weights
    if args.quantize:
        opts["quantize"] = args.quantize
    if args.model and args.model.startswith(("http://", "https://")):
        opts = {}  # an endpoint serves its own weights
    if getattr(args, "backend", None):
        opts["backend"] = args.backend
    if args.repetition_penalty is not None:
        opts["repetition_penalty"] = args.repetition_penalty
    if args.examples is not None:
        opts["examples"] = args.examples  # a prompt setting: it applies to endpoints too
    if args.example_mode is not None:
        opts["example_mode"] = args.example_mode
    return args.model or DEFAULTS.preset, adapter, opts


def _load_generator(args: argparse.Namespace):
    """The generator the model flags ask for (shared by generate and run)."""
    from model import load

    name, adapter, opts = load_options(args)
    gen = load(name, adapter=adapter, **opts)
    log.info("model %s, adapter %s, %s", gen.name, gen.adapter, opts or "as served")
    if args.seed is not None:
        import torch

        torch.manual_seed(args.seed)  # sampled runs repeat exactly on the same machine and batch size
    return gen


def generate_config(args: argparse.Namespace):
    """The eval.generate settings of `generate`'s flags."""
    from .generate import GenerateConfig

    return GenerateConfig(n=args.n, repair=args.repair, lang=args.lang, max_new_tokens=args.max_new_tokens,
                          temperature=args.temperature, render_timeout_s=args.render_timeout,
                          batch_size=args.batch_size, request_checks=args.request_checks)


def run_config(args: argparse.Namespace):
    """The benchmark-run settings of `run`'s flags."""
    from .figrun import RunConfig

    cats = [c.strip() for c in (args.categories or "").split(",") if c.strip()]
    return RunConfig(benchmark=args.benchmark, out=args.out, n=args.n, repair=args.repair, limit=args.limit,
                     categories=cats, lang=args.lang, seed=args.seed if args.seed is not None else 0,
                     max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                     render_timeout_s=args.render_timeout, batch_size=args.batch_size,
                     request_checks=args.request_checks)


def cmd_generate(args: argparse.Namespace) -> int:
    """Generate predictions with a model from model/."""
    from .generate import generate_file

    cfg = generate_config(args)
    log.info("generate: %s", cfg)
    gen = _load_generator(args)
    counts = generate_file(args.prompts, args.out, gen, cfg, progress=not args.quiet)
    print(json.dumps(counts))
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    """Score predictions and write the report (and Markdown, plots)."""
    from .jsonl import read_jsonl
    from .metrics.judge import JudgeConfig
    from .report import to_markdown, write_plots
    from .score import ScoreConfig, score_rows

    judge = (JudgeConfig(url=args.judge_url, model=args.judge_model, api_key_env=args.judge_key_env,
                         concurrency=args.judge_concurrency) if args.judge_url else None)
    cfg = ScoreConfig(lang=args.lang, clip=not args.no_clip, clip_model=args.clip_model,
                      clip_batch_size=args.clip_batch_size, clip_cache_dir=args.cache_dir, ssim_size=args.ssim_size, redacted=not args.no_redacted,
                      render_timeout_s=args.render_timeout, judge=judge, progress=not args.quiet)
    log.info("score: %s", cfg)
    rows = read_jsonl(args.predictions)
    if not rows:
        raise ValueError(f"{args.predictions}: no predictions")
    report = score_rows(rows, cfg)
    report["predictions"] = str(args.predictions)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text(to_markdown(report), encoding="utf-8")
    if args.plots:
        write_plots(report, args.plots)
    print(to_markdown(report))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Print (and write) a table comparing reports; plots on request."""
    from .report import compare_markdown, write_compare_plots

    names = args.names or [Path(p).stem for p in args.reports]
    if len(names) != len(args.reports):
        raise ValueError(f"--names gives {len(names)} names for {len(args.reports)} reports")
    reports = []
    for p in args.reports:
        try:
            reports.append(json.loads(Path(p).read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as e:
            raise ValueError(f"{p}: not a readable report ({e})") from None
    table = compare_markdown(reports, names)
    if args.markdown:
        Path(args.markdown).write_text(table, encoding="utf-8")
    if args.plots:
        write_compare_plots(reports, names, args.plots)
    print(table)
    return 0


def cmd_build_benchmark(args: argparse.Namespace) -> int:
    """Write a benchmark prompts file."""
    from . import benchmark

    if args.which == "synth":
        kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
        n = benchmark.synth_prompts(args.out, n=args.n, seed=args.seed, test_fraction=args.test_fraction,
                                    kinds=kinds)
    elif args.which == "dataset":
        n = benchmark.dataset_prompts(args.src, args.out, split=args.split)
    else:
        work = benchmark.translate_datikz(args.work_dir, args.teacher, source=args.source)
        n = benchmark.dataset_prompts(work, args.out, split="test")
        if n != benchmark.DATIKZ_TEST_ROWS:
            log.warning("the DaTikZ test split gave %d prompts, not %d: some rows failed translation",
                        n, benchmark.DATIKZ_TEST_ROWS)
    print(json.dumps({"prompts": n, "out": args.out}))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Generate, render and check a figure benchmark; write the run's report."""
    from .figrun import run_benchmark, write_run_report

    cfg = run_config(args)
    log.info("run: %s", cfg)
    if args.report_only:
        report = write_run_report(cfg)
    else:
        gen = _load_generator(args)
        settings = getattr(gen, "settings", None)  # recorded in the report
        cfg.examples = int(getattr(settings, "examples", 0) or 0)
        cfg.example_mode = getattr(settings, "example_mode", None)
        report = run_benchmark(cfg, gen, progress=not args.quiet)
    print(json.dumps({k: report[k] for k in ("n", "all_pass_rate", "mean_fraction", "render_first_try_rate",
                                             "render_success_rate")} | {"out": args.out}))
    return 0


def cmd_verify_benchmark(args: argparse.Namespace) -> int:
    """Print one JSON object about the benchmark; exit 0 iff every reference passes its own checks."""
    from .figbench import load_benchmark, verify_benchmark

    rows = load_benchmark(args.benchmark, validate=False)  # malformed rows are reported, not fatal
    summary = verify_benchmark(rows, timeout_s=args.render_timeout, progress=not args.quiet)
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if not summary["failing"] else 1


COMMANDS = {"generate": cmd_generate, "score": cmd_score, "compare": cmd_compare,
            "build-benchmark": cmd_build_benchmark, "verify-benchmark": cmd_verify_benchmark, "run": cmd_run}


def main(argv: list[str] | None = None) -> int:
    """Parse flags and run one sub-command; bad input ends with a one-line message and exit code 2."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FileNotFoundError) as e:
        log.error("%s", e)
        return 2
    except Exception as e:
        # model.ModelError and render failures carry user-facing messages; show them without a traceback.
        if type(e).__name__ in ("ModelError", "ClipUnavailable", "JudgeError"):
            log.error("%s", e)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
