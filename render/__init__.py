"""Headless rendering of figure programs: p5.js (Chromium warm pool) and SVG (cairosvg, safe mode)."""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Sequence

from .p5 import export_svg, standalone_html
from .pool import PoolConfig, RenderPool, get_pool
from .result import DrawCall, RenderResult
from .server import P5_MIN_JS, P5_SVG_JS

log = logging.getLogger(__name__)

__all__ = [
    "render", "render_many", "RenderResult", "DrawCall", "get_pool", "RenderPool", "PoolConfig",
    "P5_MIN_JS", "P5_SVG_JS", "standalone_html", "export_svg", "LANGS",
]

LANGS = ("p5", "svg")


def render(code: str, lang: str = "p5", timeout_s: float = 10.0, trace: bool = True) -> RenderResult:
    """Render a p5.js or SVG program; never raises for bad programs (see RenderResult.status).

    trace=False skips recording the p5 draw trace (a little faster for batch metrics that never read it).
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")
    if not isinstance(code, str):
        raise TypeError(f"code must be a str, not {type(code).__name__}")
    if lang == "svg":
        from .svg import render_svg

        return render_svg(code, timeout_s=timeout_s)
    t0 = time.perf_counter()
    if not code.strip():
        return RenderResult("error", error="The program is empty.", ms=(time.perf_counter() - t0) * 1000)
    return get_pool().render(code, timeout_s=timeout_s, trace=trace)


def render_many(codes: Iterable[str], lang: str = "p5", timeout_s: float = 10.0,
                progress: bool = False, trace: bool = True) -> list[RenderResult]:
    """Render many programs concurrently on the pool; results in input order."""
    items: Sequence[str] = list(codes)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(items), desc=f"render {lang}", unit="prog")
    workers = get_pool().config.pages * 2 if lang == "p5" else 2

    def one(code: str) -> RenderResult:
        try:
            return render(code, lang=lang, timeout_s=timeout_s, trace=trace)
        finally:
            if bar is not None:
                bar.update(1)

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="render-many") as ex:
            return list(ex.map(one, items))
    finally:
        if bar is not None:
            bar.close()
