"""Command line: render one program (JSON on stdout) or a directory of programs (PNGs + results.jsonl).

    python -m render FILE [--lang p5|svg] [--out PNG] [--timeout S]
    python -m render --batch DIR --out-dir D [--lang p5|svg] [--timeout S]
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path

log = logging.getLogger("render.cli")

EXTENSIONS = {".js": "p5", ".svg": "svg"}
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits with EXIT_USAGE (2) on bad usage (its default too, made explicit here)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's flags."""
    p = _Parser(prog="python -m render", description="Render p5.js (.js) or SVG (.svg) programs headlessly.")
    p.add_argument("file", nargs="?", help="program to render (.js = p5.js, .svg = SVG)")
    p.add_argument("--lang", choices=["p5", "svg"], help="language (default: from the file extension)")
    p.add_argument("--out", help="write the PNG here (single file mode)")
    p.add_argument("--timeout", type=float, default=10.0, help="time limit per program in seconds (default 10)")
    p.add_argument("--batch", metavar="DIR", help="render every .js/.svg file in DIR")
    p.add_argument("--out-dir", metavar="D", help="batch mode: where PNGs and results.jsonl go")
    p.add_argument("--trace", action="store_true", help="single file mode: add the p5 draw trace to the JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details on stderr")
    return p


def _lang_for(path: Path, lang: str | None) -> str | None:
    return lang or EXTENSIONS.get(path.suffix.lower())


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def run_single(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Render one file; print its JSON; exit 0 iff ok."""
    from . import render

    path = Path(args.file)
    lang = _lang_for(path, args.lang)
    if lang is None:
        parser.error(f"cannot infer the language of {path.name!r}: use --lang p5|svg")
    if not path.is_file():
        parser.error(f"no such file: {path}")
    try:
        code = _read(path)
    except (OSError, UnicodeDecodeError) as e:
        parser.error(f"cannot read {path}: {e}")
    result = render(code, lang=lang, timeout_s=args.timeout)
    if args.out and result.png:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_bytes(result.png)
    out = result.to_dict()
    if args.trace:
        out["trace"] = [c.to_dict() for c in result.trace]
    print(json.dumps(out, ensure_ascii=False))
    return EXIT_OK if result.ok else EXIT_FAILED


def run_batch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Render every .js/.svg in a directory; write PNGs and results.jsonl; print a summary."""
    from tqdm import tqdm

    from . import render
    from .pool import get_pool

    src = Path(args.batch)
    if not src.is_dir():
        parser.error(f"not a directory: {src}")
    if not args.out_dir:
        parser.error("--batch needs --out-dir")
    files = sorted(p for p in src.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)
    if not files:
        parser.error(f"no .js or .svg files in {src}")
    dest = Path(args.out_dir)
    dest.mkdir(parents=True, exist_ok=True)

    def one(path: Path) -> dict:
        try:
            code = _read(path)
        except (OSError, UnicodeDecodeError) as e:
            return {"file": path.name, "status": "error", "error": f"cannot read the file: {e}", "line": None,
                    "width": 0, "height": 0, "ms": 0.0}
        r = render(code, lang=_lang_for(path, args.lang) or "p5", timeout_s=args.timeout)
        if r.png:
            (dest / (path.stem + ".png")).write_bytes(r.png)
        return {"file": path.name, **r.to_dict()}

    from concurrent.futures import ThreadPoolExecutor

    workers = get_pool().config.pages * 2
    counts: Counter[str] = Counter()
    with open(dest / "results.jsonl", "w", encoding="utf-8") as fh, \
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="render-batch") as ex, \
            tqdm(total=len(files), desc="render", unit="file", file=sys.stderr) as bar:
        for row in ex.map(one, files):  # map keeps the input order in results.jsonl
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            counts[row["status"]] += 1
            bar.update(1)
    summary = {"files": len(files), **{k: counts.get(k, 0) for k in ("ok", "error", "blank", "timeout")},
               "results": str(dest / "results.jsonl")}
    print(json.dumps(summary, ensure_ascii=False))
    return EXIT_OK if counts.get("ok", 0) == len(files) else EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m render`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    if args.batch and args.file:
        parser.error("give either FILE or --batch DIR, not both")
    if args.batch:
        return run_batch(args, parser)
    if not args.file:
        parser.error("give a FILE to render, or --batch DIR --out-dir D")
    if args.out_dir:
        parser.error("--out-dir is for --batch; use --out for a single file")
    return run_single(args, parser)
