"""Speed of synthesis and validation, side by side with the render pool alone (one run, one table).

    python -m dataset.bench --synth 10000 --validate 600
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import time

__all__ = ["main"]


def _timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Print rows/s of `make_rows`, of `validate_rows` and of `render_many` on the same programs."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--synth", type=int, default=10000, help="rows to synthesise")
    ap.add_argument("--validate", type=int, default=600, help="rows to validate (rendered)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from .synth import make_rows
    from .validate import ValidateConfig, validate_rows

    rows, t_synth = _timed(make_rows, args.synth, args.seed)
    sample = make_rows(args.validate, args.seed + 1)
    codes = list(dict.fromkeys([r["code"] for r in sample] + [r["code_before"] for r in sample if r["code_before"]]))
    from render import get_pool, render_many

    render_many(codes[:8])  # start the browser pool outside the timings
    _, t_render = _timed(render_many, codes)
    (kept, report), t_val = _timed(validate_rows, sample, ValidateConfig())
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, pool pages: {get_pool().config.pages}")
    print(f"{'step':42s} {'items':>7s} {'seconds':>8s} {'per s':>8s}")
    print(f"{'make_rows (no rendering)':42s} {len(rows):7d} {t_synth:8.2f} {len(rows) / t_synth:8.0f}")
    print(f"{'render_many (distinct programs of the rows)':42s} {len(codes):7d} {t_render:8.2f} "
          f"{len(codes) / t_render:8.1f}")
    print(f"{'validate_rows (render + checks + dedup)':42s} {len(sample):7d} {t_val:8.2f} {len(sample) / t_val:8.1f}")
    print(f"validation rows/s ÷ render programs/s: {(len(sample) / t_val) / (len(codes) / t_render):.2f}")
    print(f"validation counts: {report.counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
