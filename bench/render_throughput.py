"""Render throughput: a new browser per render vs the warm pool, on the same 200 p5.js figure programs.

    .venv/bin/python bench/render_throughput.py            # full run (the naive side takes minutes)
    .venv/bin/python bench/render_throughput.py --n 40     # quick look

Prints renders/s for each way and the ratio, and checks in the same run that every pooled PNG equals the PNG of a
fresh document (the naive side renders each program in a brand-new browser, so it is that reference).
"""
from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _programs import figure_programs  # noqa: E402

from render.pool import HARNESS_HOST, PoolConfig, RenderPool, _launch_args  # noqa: E402
from render.server import StaticServer  # noqa: E402

log = logging.getLogger("bench.render")
_RUN_JS = "([code, id, opts]) => window.__h.run(code, id, opts)"


def naive_render(pw, server: StaticServer, code: str, sid: int, chromium: str) -> tuple[str, bytes | None]:
    """Launch a browser, open the harness in a new page, render once, close everything."""
    browser = pw.chromium.launch(executable_path=chromium, headless=True, args=_launch_args(server.port))
    try:
        page = browser.new_page(viewport={"width": 800, "height": 800}, device_scale_factor=1)
        page.goto(f"http://{HARNESS_HOST}:{server.port}/harness.html", wait_until="load")
        page.wait_for_function("window.__h !== undefined")
        out = json.loads(page.evaluate(_RUN_JS, [code, sid, {"trace": True}]))
    finally:
        browser.close()
    png = base64.b64decode(out["png"].split(",", 1)[1]) if out.get("png") else None
    return out["status"], png


def main() -> int:
    """Run both ways and print the comparison."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="number of programs (default 200)")
    ap.add_argument("--pages", type=int, default=2, help="pages in the warm pool (default 2)")
    ap.add_argument("--callers", type=int, default=4, help="concurrent callers on the warm pool (default 4)")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log.info("config: %s", vars(args))
    programs = figure_programs(args.n)
    load_before = os.getloadavg()

    # (a) new browser per render
    from playwright.sync_api import sync_playwright

    server = StaticServer()
    naive: list[tuple[str, bytes | None]] = []
    with sync_playwright() as pw:
        t0 = time.perf_counter()
        for i, code in enumerate(tqdm(programs, desc="new browser per render", unit="prog")):
            naive.append(naive_render(pw, server, code, i + 1, args.chromium))
        naive_s = time.perf_counter() - t0
    server.close()

    # (b) warm pool
    pool = RenderPool(PoolConfig(pages=args.pages, chromium=args.chromium))
    t0 = time.perf_counter()
    pool.start()
    start_s = time.perf_counter() - t0
    pool.render(programs[0])  # one warm-up render: first use of fonts and code paths
    bar = tqdm(total=len(programs), desc="warm pool", unit="prog")

    def one(code: str):
        r = pool.render(code)
        bar.update(1)
        return r

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.callers) as ex:
        warm = list(ex.map(one, programs))
    warm_s = time.perf_counter() - t0
    bar.close()
    t0 = time.perf_counter()
    for code in programs[: min(60, len(programs))]:
        pool.render(code)
    seq_rate = min(60, len(programs)) / (time.perf_counter() - t0)
    pool.close()
    load_after = os.getloadavg()

    same = sum(1 for (s, png), r in zip(naive, warm) if s == r.status and png == r.png)
    diffs = [i for i, ((s, png), r) in enumerate(zip(naive, warm)) if not (s == r.status and png == r.png)]
    statuses = {k: sum(r.status == k for r in warm) for k in ("ok", "error", "blank", "timeout")}
    naive_rate, warm_rate = len(programs) / naive_s, len(programs) / warm_s
    res = {
        "programs": len(programs), "machine": f"{os.cpu_count()} cores, {platform.machine()}, no GPU",
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
        "naive_renders_per_s": round(naive_rate, 2), "warm_renders_per_s": round(warm_rate, 1),
        "warm_sequential_renders_per_s": round(seq_rate, 1), "ratio": round(warm_rate / naive_rate, 1),
        "pool_start_s": round(start_s, 2), "warm_median_ms": round(statistics.median(r.ms for r in warm), 1),
        "identical_png": same, "mismatches": diffs, "statuses": statuses, "pages": args.pages,
        "callers": args.callers,
    }
    print(f"\n{'way':<28}{'renders':>8}{'seconds':>10}{'renders/s':>11}")
    print(f"{'new browser per render':<28}{len(programs):>8}{naive_s:>10.1f}{naive_rate:>11.2f}")
    print(f"{f'warm pool ({args.pages} pages, {args.callers} callers)':<28}{len(programs):>8}{warm_s:>10.1f}"
          f"{warm_rate:>11.1f}")
    print(f"{'warm pool, 1 caller':<28}{min(60, len(programs)):>8}{'':>10}{seq_rate:>11.1f}")
    print(f"ratio warm / new browser: {warm_rate / naive_rate:.0f}x")
    print(f"pooled PNG == fresh-document PNG: {same}/{len(programs)}" + (f" (differ: {diffs})" if diffs else ""))
    print(f"statuses: {statuses}; load average before {load_before[0]:.1f}, after {load_after[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return 0 if same == len(programs) else 1


if __name__ == "__main__":
    sys.exit(main())
