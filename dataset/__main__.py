"""Command line: build, translate and validate the figure-code dataset.

    python -m dataset synth --n 10000 --seed 0 --out out/synth
    python -m dataset synth --n 2000 --seed 1 --out out/synth-small --no-render
    python -m dataset validate out/synth --out out/synth-valid
    python -m dataset library --out out/library --max-code-lines 70
    python -m dataset translate --source nllg/datikz-v2 --split train --teacher http://host:8000/v1=Qwen/Qwen2.5-72B-Instruct --out out/datikz
    python -m dataset families
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

log = logging.getLogger("dataset")


def _add_output_flags(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--push-to-hub", default=None, metavar="REPO_ID", help="also push the DatasetDict to this hub repo")


def _add_validation_flags(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--token-budget", type=int, default=2048, help="tokens allowed for a row's code (default 2048)")
    ap.add_argument("--over-budget", choices=["drop", "flag"], default="drop",
                    help="drop rows over the budget, or keep them and list them in stats.json")
    ap.add_argument("--tokenizer", default=None,
                    help="local tokenizer dir for counting tokens (default: approximate count, see docs/dataset.md)")
    ap.add_argument("--near-dup-threshold", type=float, default=0.95,
                    help="drop a row whose code is at least this similar to a kept row's (same instruction)")
    ap.add_argument("--timeout", type=float, default=10.0, help="render time limit per program, seconds")
    ap.add_argument("--no-trace-check", action="store_true",
                    help="keep procedural rows whose draw trace disagrees with their parameters")


def build_parser() -> argparse.ArgumentParser:
    """The `python -m dataset` parser with one sub-command per job."""
    ap = argparse.ArgumentParser(prog="python -m dataset", description=__doc__.split("\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = ap.add_subparsers(dest="command", required=True)

    s = sub.add_parser("synth", help="procedural figures and edit turns with known parameters")
    s.add_argument("--n", type=int, required=True, help="number of rows (figures + edits) before validation")
    s.add_argument("--seed", type=int, default=0, help="random seed (same seed, same rows)")
    s.add_argument("--out", required=True, help="output directory")
    s.add_argument("--families", default="", help="comma-separated family names (default: all)")
    s.add_argument("--edit-fraction", type=float, default=0.4, help="share of edit turns")
    s.add_argument("--ja-fraction", type=float, default=0.4, help="share of rows trained on a Japanese instruction")
    s.add_argument("--test-fraction", type=float, default=0.05, help="share of figure groups put in the test split")
    s.add_argument("--no-render", action="store_true", help="skip rendering and validation (image stays empty)")
    s.add_argument("--sketch-fraction", type=float, default=0.15,
                   help="add a sketch→code row for this share of rendered figures")
    s.add_argument("--annotation-fraction", type=float, default=0.1,
                   help="add an annotation edit (strokes on the render) for this share of rendered edits")
    _add_validation_flags(s)
    _add_output_flags(s)

    v = sub.add_parser("validate", help="render every row, drop failures, duplicates and over-long code")
    v.add_argument("src", help="a saved dataset dir, parquet file/dir or jsonl")
    v.add_argument("--out", default=None, help="output directory (default: SRC-valid)")
    v.add_argument("--test-fraction", type=float, default=0.05, help="test share when SRC has no split")
    _add_validation_flags(v)
    _add_output_flags(v)

    lb = sub.add_parser("library", help="rows from the worked-examples library (model/examples): first figures in "
                                         "both languages and edit turns verified by rendering")
    lb.add_argument("--out", required=True, help="output directory")
    lb.add_argument("--max-edits", type=int, default=2, help="edit turns per example (default 2)")
    lb.add_argument("--no-verify", action="store_true",
                    help="keep every candidate edit, unrendered and unverified (for inspection; training verifies)")
    lb.add_argument("--max-code-lines", type=int, default=None, help="drop rows whose program is longer")
    lb.add_argument("--test-fraction", type=float, default=0.0, help="share of examples put in the test split")
    lb.add_argument("--timeout", type=float, default=10.0, help="render time limit per program, seconds")
    _add_output_flags(lb)

    f = sub.add_parser("families", help="list the synth families with an example caption")
    f.add_argument("--seed", type=int, default=0)

    from .translate import add_translate_parser

    add_translate_parser(sub)
    return ap


def _validate_config(args: argparse.Namespace):
    """ValidateConfig from the shared validation flags."""
    from .validate import ValidateConfig

    return ValidateConfig(token_budget=args.token_budget, over_budget=args.over_budget, tokenizer=args.tokenizer,
                          near_dup_threshold=args.near_dup_threshold, timeout_s=args.timeout,
                          check_traces=not args.no_trace_check)


def cmd_families(args: argparse.Namespace) -> int:
    """Print each family and one example caption."""
    import random

    from .families import FAMILIES

    rng = random.Random(args.seed)
    for name, fam in sorted(FAMILIES.items()):
        en, ja = fam.caption(fam.sample(rng))
        print(f"{name:18s} {en}\n{'':18s} {ja}")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    """Generate rows, render and validate them (unless --no-render), split and save."""
    from .io import save_dataset
    from .synth import make_rows, split_rows

    families = [f.strip() for f in args.families.split(",") if f.strip()]
    t0 = time.perf_counter()
    rows = make_rows(args.n, seed=args.seed, families=families, edit_fraction=args.edit_fraction,
                     ja_fraction=args.ja_fraction)
    t_gen = time.perf_counter() - t0
    log.info("made %d rows in %.2f s", len(rows), t_gen)
    extra: dict = {"synth_seconds": round(t_gen, 3)}
    how = (f"`python -m dataset synth --n {args.n} --seed {args.seed}`: procedural generators with known "
           f"parameters write the p5.js code, captions (English and Japanese) and instructions; edit turns come "
           f"from parameter changes.")
    if not args.no_render:
        from .augment import add_derived_rows
        from .validate import validate_rows

        rows, report = validate_rows(rows, _validate_config(args))
        extra["validation"] = report.counts
        extra["over_budget_ids"] = report.flagged
        rows += add_derived_rows(rows, seed=args.seed, sketch_fraction=args.sketch_fraction,
                                 annotation_fraction=args.annotation_fraction, ja_fraction=args.ja_fraction)
        how += " Every program was rendered in headless Chromium (p5.js 1.11.13); failures, blank canvases, " \
               "duplicates and over-long programs were removed. Sketch rows are augmented renders."
    splits = split_rows(rows, test_fraction=args.test_fraction, seed=args.seed)
    save_dataset(splits, args.out, how_made=how, push_to_hub=args.push_to_hub, extra_stats=extra)
    print(json.dumps({"out": str(Path(args.out)), "rows": {k: len(v) for k, v in splits.items()},
                      "synth_seconds": round(t_gen, 2), **({"validation": extra["validation"]}
                                                            if "validation" in extra else {})}, ensure_ascii=False))
    return 0


def cmd_library(args: argparse.Namespace) -> int:
    """Build the library's rows (verified by rendering unless --no-verify), split by example and save them."""
    from .io import save_dataset
    from .library import library_rows, within_lines
    from .synth import split_rows

    if args.max_edits < 0:
        raise ValueError(f"--max-edits must be >= 0, got {args.max_edits}")
    t0 = time.perf_counter()
    rows = library_rows(edits=args.max_edits > 0, verify=not args.no_verify, max_edits=args.max_edits,
                        timeout_s=args.timeout)
    dropped = 0
    if args.max_code_lines is not None:
        rows, dropped = within_lines(rows, args.max_code_lines)
    splits = {k: v for k, v in split_rows(rows, test_fraction=args.test_fraction).items() if v}
    how = ("`python -m dataset library`: every worked example of model/examples as a first figure (its English and "
           "its Japanese caption as the request) and " + ("every candidate edit turn" if args.no_verify else
                                                           f"up to {args.max_edits} edit turns per example") +
           " made by deterministic changes of the program (a layer's units, a bar's value, a colour, a title)"
           + (", not rendered." if args.no_verify else
              ", each kept only when both programs render and checks written for the change hold on the new "
              "program and fail on the old one."))
    save_dataset(splits, args.out, how_made=how, push_to_hub=args.push_to_hub,
                 extra_stats={"library_seconds": round(time.perf_counter() - t0, 2), "over_max_lines": dropped})
    print(json.dumps({"out": str(Path(args.out)), "rows": {k: len(v) for k, v in splits.items()},
                      "figures": sum(r["kind"] == "figure" for r in rows),
                      "edits": sum(r["kind"] == "edit" for r in rows), "over_max_lines": dropped}))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate an existing dataset and save the kept rows."""
    from .io import save_dataset
    from .synth import split_rows
    from .validate import validate_rows

    src = Path(args.src)
    out = Path(args.out) if args.out else src.with_name(src.name + "-valid")
    cfg = _validate_config(args)
    splits = _load_splits(src)
    kept: dict[str, list[dict]] = {}
    counts: dict[str, int] = {}
    flagged: list[str] = []
    for name, rows in splits.items():
        kept[name], report = validate_rows(rows, cfg)
        for k, v in report.counts.items():
            counts[k] = counts.get(k, 0) + v
        flagged += report.flagged
    if list(kept) == ["all"]:
        kept = split_rows(kept["all"], test_fraction=args.test_fraction)
    save_dataset(kept, out, how_made=f"Validated copy of `{src}` (`python -m dataset validate`).",
                 push_to_hub=args.push_to_hub, extra_stats={"validation": counts, "over_budget_ids": flagged})
    print(json.dumps({"out": str(out), "rows": {k: len(v) for k, v in kept.items()}, "validation": counts}))
    return 0


def _load_splits(src: Path) -> dict[str, list[dict]]:
    """Splits of a saved dataset, or everything under "all" for a flat file."""
    from .io import load_rows

    hf = src / "hf" if (src / "hf").is_dir() else src
    if (hf / "dataset_dict.json").exists():
        names = json.loads((hf / "dataset_dict.json").read_text())["splits"]
        return {n: load_rows(hf, split=n) for n in names}
    return {"all": load_rows(src)}


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m dataset`."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log.info("command %s: %s", args.command, {k: v for k, v in vars(args).items() if k != "command"})
    from .translate import cmd_translate

    handlers = {"synth": cmd_synth, "validate": cmd_validate, "families": cmd_families, "translate": cmd_translate,
                "library": cmd_library}
    try:
        return handlers[args.command](args)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        log.error("%s", e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
