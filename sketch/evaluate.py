"""Measure sketch analysis on synthetic annotated sketches drawn over real renders.

    python -m sketch.evaluate --n 300 --seed 0 --json runs/sketch_eval.json --failures runs/sketch_failures
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .analysis import SketchAnalysis, analyze
from .synth import (DIAGRAM_FAMILIES, DiagramSketch, DiagramSynthConfig, SynthConfig, SynthSketch, TruthGroup,
                    make_diagram, make_sketch)
from .types import KINDS, StrokeGroup

__all__ = ["match_groups", "SketchScore", "Evaluation", "render_figures", "score_diagram", "evaluate_diagrams",
           "diagram_overlay", "main"]

log = logging.getLogger("sketch.evaluate")


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def match_groups(truth: Sequence[TruthGroup], pred: Sequence[StrokeGroup], min_iou: float = 0.3
                 ) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of truth and predicted groups by bounding-box IoU."""
    pairs = sorted(((_iou(t.bbox, p.bbox), i, j) for i, t in enumerate(truth) for j, p in enumerate(pred)),
                   reverse=True)
    used_t, used_p, out = set(), set(), []
    for v, i, j in pairs:
        if v < min_iou or i in used_t or j in used_p:
            continue
        used_t.add(i)
        used_p.add(j)
        out.append((i, j))
    return out


@dataclass
class SketchScore:
    """Counts from one sketch."""

    pairs: list[tuple[str, str]]        # (true kind, predicted kind or "missed")
    spurious: int
    tp: int                              # grounded (group, line) pairs
    fp: int
    fn: int
    sketch_tp: int                       # union of lines per sketch
    sketch_fp: int
    sketch_fn: int


def score(s: SynthSketch, a: SketchAnalysis) -> SketchScore:
    """Compare one analysis with its ground truth."""
    m = match_groups(s.groups, a.groups)
    mt = {i: j for i, j in m}
    pairs, tp, fp, fn = [], 0, 0, 0
    for i, t in enumerate(s.groups):
        if i in mt:
            p = a.groups[mt[i]]
            pairs.append((t.kind, p.kind))
            tl, pl = set(t.lines), set(p.lines)
            tp, fp, fn = tp + len(tl & pl), fp + len(pl - tl), fn + len(tl - pl)
        else:
            pairs.append((t.kind, "missed"))
            fn += len(t.lines)
    matched_p = {j for _, j in m}
    spurious = [p for j, p in enumerate(a.groups) if j not in matched_p]
    fp += sum(len(p.lines) for p in spurious)
    ts, ps = set(s.lines), set(a.lines)
    return SketchScore(pairs, len(spurious), tp, fp, fn, len(ts & ps), len(ps - ts), len(ts - ps))


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4)}


@dataclass
class Evaluation:
    """Accumulates scores and timings; `compute()` gives the report."""

    scores: list[SketchScore] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    ms_800: list[float] = field(default_factory=list)
    cpu_800: list[float] = field(default_factory=list)
    sources: Counter = field(default_factory=Counter)

    def update(self, s: SynthSketch, a: SketchAnalysis, ms: float, cpu_ms: float | None = None) -> SketchScore:
        """Score one analysis; ms is wall time, cpu_ms the process CPU time (robust to a busy machine)."""
        sc = score(s, a)
        self.scores.append(sc)
        self.ms.append(ms)
        if max(s.pad_size) >= 760:
            self.ms_800.append(ms)
            if cpu_ms is not None:
                self.cpu_800.append(cpu_ms)
        self.sources[a.source] += 1
        return sc

    def compute(self) -> dict[str, Any]:
        pairs = [p for s in self.scores for p in s.pairs]
        correct = sum(t == p for t, p in pairs)
        conf = {k: dict(Counter(p for t, p in pairs if t == k)) for k in KINDS}
        per_kind = {k: round(conf[k].get(k, 0) / max(1, sum(conf[k].values())), 4) for k in KINDS}
        g = _prf(sum(s.tp for s in self.scores), sum(s.fp for s in self.scores), sum(s.fn for s in self.scores))
        sk = _prf(sum(s.sketch_tp for s in self.scores), sum(s.sketch_fp for s in self.scores),
                  sum(s.sketch_fn for s in self.scores))

        def stats(v: list[float]) -> dict[str, float]:
            if not v:
                return {}
            return {"n": len(v), "mean": round(statistics.fmean(v), 1), "median": round(statistics.median(v), 1),
                    "p95": round(float(np.percentile(v, 95)), 1), "max": round(max(v), 1)}

        return {"sketches": len(self.scores), "groups": len(pairs),
                "classification_accuracy": round(correct / max(1, len(pairs)), 4),
                "missed_groups": sum(p == "missed" for _, p in pairs),
                "spurious_groups": sum(s.spurious for s in self.scores),
                "per_kind_accuracy": per_kind, "confusion": conf,
                "grounding_group_level": g, "grounding_sketch_level": sk,
                "ms_all": stats(self.ms), "ms_800px": stats(self.ms_800), "cpu_ms_800px": stats(self.cpu_800),
                "sources": dict(self.sources)}


def render_figures(names: Sequence[str] | None = None) -> list[tuple[str, Any, list[Any]]]:
    """Render the evaluation figures: (name, image, trace) for each that renders with a usable trace."""
    from render import render_many   # imported here: the browser is only needed for evaluation

    from .figures import FIGURES
    keys = list(names or FIGURES)
    out = []
    for k, r in zip(keys, render_many([FIGURES[k] for k in keys], progress=True)):
        lined = [c for c in r.trace if getattr(c, "line", None) is not None]
        if not r.ok or not lined:
            log.warning("figure %s: status %s, %d traced calls with lines (%s)", k, r.status, len(lined), r.error)
            continue
        out.append((k, r.image, r.trace))
    return out


def time_pad_sizes(figs: Sequence[tuple[str, Any, list[Any]]], n: int, seed: int,
                   scales: Sequence[float] = (1.0, 2.0, 3.0)) -> list[dict[str, float]]:
    """Analysis time of the same marks drawn on pads of growing size (median wall and CPU ms per sketch)."""
    out = []
    for sc in scales:
        rng = np.random.default_rng(seed)   # same marks at every scale
        cfg = SynthConfig(pad_scales=(sc,), composite_only_prob=0.0)
        wall, cpu, side = [], [], []
        for i in range(n):
            name, image, trace = figs[i % len(figs)]
            s = make_sketch(image, trace, rng, cfg, kinds=[KINDS[i % len(KINDS)], KINDS[(3 * i + 1) % len(KINDS)]])
            if not s.groups:
                continue
            t0, c0 = time.perf_counter(), time.process_time()
            analyze(s.value, figure_size=s.figure_size, trace=trace)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            side.append(max(s.pad_size))
        out.append({"scale": sc, "pad_side_median": float(np.median(side)), "wall_ms_median": float(np.median(wall)),
                    "cpu_ms_median": float(np.median(cpu)), "n": len(wall)})
    return out


def _confusion_table(conf: dict[str, dict[str, int]]) -> str:
    cols = list(KINDS) + ["missed"]
    head = "| true \\ predicted | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 1) + "\n"
    rows = [f"| {k} | " + " | ".join(str(conf[k].get(c, 0)) for c in cols) + " |" for k in KINDS]
    return head + "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(prog="python -m sketch.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="number of synthetic sketches")
    ap.add_argument("--seed", type=int, default=0, help="random seed")
    ap.add_argument("--json", type=Path, default=None, help="write the full report here")
    ap.add_argument("--failures", type=Path, default=None, help="save overlays of misclassified sketches here")
    ap.add_argument("--max-failures", type=int, default=40)
    ap.add_argument("--timing", type=int, default=0, metavar="N",
                    help="also time N sketches at pad scales 1×, 2×, 3× of the figure and print the ratios")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--diagrams", type=int, default=0, metavar="N",
                    help="evaluate N connected diagrams on a blank pad instead of marks over figures")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s")
    log.info("config: %s", vars(args))
    from tqdm import tqdm

    if args.diagrams:
        rep = evaluate_diagrams(args.diagrams, args.seed, args.failures, args.max_failures)
        print(f"diagrams: {rep['sketches']}  exact primitive counts: {rep['counts_exact']:.3f}  "
              f"connections: {rep['connections']}  structure: {rep['structure']:.3f}")
        print("exact count per kind: " + ", ".join(f"{k} {v:.3f}" for k, v in rep["counts_exact_per_kind"].items()))
        for f, r in rep["per_family"].items():
            print(f"  {f:14s} n={r['n']:3d} counts {r['counts_exact']:.3f}  conn F1 {r['connections_f1']:.3f}  "
                  f"structure {r['structure']:.3f}")
        print(f"CPU ms at 800 px: {rep['cpu_ms_800px']}  wall ms: {rep['wall_ms']}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(rep, indent=1, default=str))
        return 0

    # Figures
    figs = render_figures()
    if not figs:
        log.error("no figure rendered with a draw trace; is render/ working?")
        return 1
    # Evaluation
    rng = np.random.default_rng(args.seed)
    cfg = SynthConfig()
    ev = Evaluation()
    fails: list[dict[str, Any]] = []
    kinds_cycle = list(KINDS)
    for i in tqdm(range(args.n), desc="sketches", unit="sketch"):
        name, image, trace = figs[i % len(figs)]
        # Every sketch has a forced first kind (cycled) so all classes are equally represented.
        n_more = int(rng.integers(cfg.n_groups[0] - 1, cfg.n_groups[1]))
        kinds = [kinds_cycle[i % len(KINDS)]] + [KINDS[int(rng.integers(len(KINDS)))] for _ in range(n_more)]
        s = make_sketch(image, trace, rng, cfg, kinds=kinds)
        if not s.groups:
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        a = analyze(s.value, figure_size=s.figure_size, trace=trace)
        ms, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        sc = ev.update(s, a, ms, cpu)
        bad = [(t, p) for t, p in sc.pairs if t != p]
        if bad or sc.spurious or sc.fp or sc.fn:
            fails.append({"i": i, "figure": name, "errors": bad, "spurious": sc.spurious, "fp": sc.fp, "fn": sc.fn,
                          "truth": [(g.kind, g.lines) for g in s.groups],
                          "pred": [(g.kind, g.lines) for g in a.groups], "source": a.source})
            if args.failures and len(fails) <= args.max_failures:
                args.failures.mkdir(parents=True, exist_ok=True)
                a.overlay_image.save(args.failures / f"{i:04d}_{name}.png")
    rep = ev.compute()
    rep["figures"] = [f[0] for f in figs]
    if args.timing:
        rep["pad_sizes"] = time_pad_sizes(figs, args.timing, args.seed)
    rep["failures"] = fails
    # Report
    print(f"sketches: {rep['sketches']}  groups: {rep['groups']}  sources: {rep['sources']}")
    print(f"classification accuracy: {rep['classification_accuracy']:.3f}  (missed {rep['missed_groups']}, "
          f"spurious {rep['spurious_groups']})")
    print("per kind: " + ", ".join(f"{k} {v:.2f}" for k, v in rep["per_kind_accuracy"].items()))
    print(_confusion_table(rep["confusion"]))
    print(f"grounding (group, line) P/R/F1: {rep['grounding_group_level']}")
    print(f"grounding per sketch P/R/F1: {rep['grounding_sketch_level']}")
    print(f"analysis ms, all: {rep['ms_all']}")
    print(f"analysis ms, 800 px pads: {rep['ms_800px']}")
    print(f"analysis CPU ms, 800 px pads: {rep['cpu_ms_800px']}")
    for row in rep.get("pad_sizes", []):
        base = rep["pad_sizes"][0]
        print(f"pad ×{row['scale']:.0f} (~{row['pad_side_median']:.0f} px): wall {row['wall_ms_median']:.1f} ms "
              f"({row['wall_ms_median'] / base['wall_ms_median']:.2f}×), CPU {row['cpu_ms_median']:.1f} ms "
              f"({row['cpu_ms_median'] / base['cpu_ms_median']:.2f}×)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rep, indent=1, default=str))
    return 0



# Connected diagrams on a blank pad ---------------------------------------------------------------------------------

def _structure_ok(d: DiagramSketch, st: dict[str, Any], conn_exact: bool) -> bool:
    """Whether the analysis recovered the family's structure (layer sizes, node count, bar count, …)."""
    t = d.structure
    if d.family == "network":
        return st.get("layers") == t["layers"]
    if d.family == "tree":
        return st.get("tree", {}).get("nodes") == t["nodes"] or (t["nodes"] >= 2 and st.get("chain") is not None
                                                                  and len(st["chain"]["order"]) == t["nodes"]
                                                                  and t["levels"] == [1] * len(t["levels"]))
    if d.family in ("flowchart", "block_diagram"):
        ch = st.get("chain")
        if not ch or len(ch["order"]) != t["chain"] or ch["direction"] != t["direction"] or ch["arrows"] != "forward":
            return False
        return d.family == "flowchart" or ("feedback" in ch) == t["feedback"]
    if d.family == "state_machine":
        return st.get("shapes") == t["nodes"] and conn_exact
    if d.family == "bar_chart":
        return bool(st.get("axes")) and st.get("bars") == t["bars"]
    if d.family == "function_plot":
        return bool(st.get("axes")) and st.get("curves") == t["curves"]
    if d.family == "venn":
        return st.get("venn") == t["circles"]
    raise ValueError(f"unknown family {d.family}")


@dataclass
class DiagramScore:
    """Counts from one diagram sketch."""

    family: str
    counts_exact: bool
    kind_exact: dict[str, bool]
    tp: int
    fp: int
    fn: int
    structure_ok: bool


def score_diagram(d: DiagramSketch, a: SketchAnalysis) -> DiagramScore:
    """Compare a blank-pad analysis with the diagram's ground truth."""
    from .diagram import DIAGRAM_KINDS
    dg = a.diagram
    assert dg is not None, "a blank-pad analysis carries its diagram"
    got = dg.counts()
    kind_exact = {k: got.get(k, 0) == d.counts.get(k, 0) for k in DIAGRAM_KINDS}
    # Shapes matched to truth by centre distance (pad pixels), nearest first.
    truth_c = [s["center"] for s in d.shapes]
    truth_r = [0.5 * max(s["bbox"][2] - s["bbox"][0], s["bbox"][3] - s["bbox"][1]) for s in d.shapes]
    pred = dg.shapes
    pc = {i: dg.to_pad(dg.primitives[i].center) for i in pred}
    cand = sorted((math.dist(pc[i], truth_c[t]), i, t) for i in pred for t in range(len(truth_c))
                  if math.dist(pc[i], truth_c[t]) <= 0.6 * truth_r[t] + 6)
    m: dict[int, int] = {}
    used: set[int] = set()
    for _, i, t in cand:
        if i in m or t in used:
            continue
        m[i] = t
        used.add(t)

    def norm(a_: int, b_: int, directed: bool) -> tuple[int, int, bool]:
        return (a_, b_, True) if directed else (min(a_, b_), max(a_, b_), False)
    truth = Counter(norm(a_, b_, dd) for a_, b_, dd in d.connections)
    predc = Counter(norm(m[c.a], m[c.b], c.directed) if c.a in m and c.b in m else (-1, -1, c.directed)
                    for c in dg.connections)
    tp = sum((truth & predc).values())
    fp = sum(predc.values()) - tp
    fn = sum(truth.values()) - tp
    return DiagramScore(d.family, all(kind_exact.values()), kind_exact, tp, fp, fn,
                        _structure_ok(d, a.structure, fp == 0 and fn == 0))


_KIND_COLOURS = {"circle": (0, 150, 0), "rectangle": (0, 110, 210), "line": (210, 0, 0), "arrow": (200, 0, 200),
                 "axes": (0, 0, 0), "text_mark": (160, 110, 0), "freehand": (255, 130, 0)}


def diagram_overlay(a: SketchAnalysis) -> Any:
    """The normalised sketch (grey) with what was read drawn over it, coloured by kind (arrow tips circled)."""
    from PIL import ImageDraw
    im = a.overlay_image.convert("L").point(lambda v: 255 - (255 - v) // 3).convert("RGB")
    d = ImageDraw.Draw(im)
    for i, g in enumerate(a.groups):
        col = _KIND_COLOURS.get(g.kind, (90, 90, 90))
        pts = [tuple(p) for p in g.points]
        if g.kind in ("circle", "rectangle"):
            d.line(pts + pts[:1], fill=col, width=2)
        elif g.kind == "text_mark":
            d.rectangle([g.bbox[0], g.bbox[1], g.bbox[2], g.bbox[3]], outline=col)
        elif g.kind == "axes" and len(pts) == 4:
            d.line(pts[:2], fill=col, width=2)
            d.line(pts[2:], fill=col, width=2)
        elif len(pts) >= 2:
            d.line(pts, fill=col, width=2)
        if g.kind == "arrow" and g.head is not None:
            x, y = g.head
            d.ellipse([x - 4, y - 4, x + 4, y + 4], outline=col, width=2)
    return im


def evaluate_diagrams(n: int, seed: int, failures: Path | None = None, max_failures: int = 24,
                      cfg: DiagramSynthConfig = DiagramSynthConfig()) -> dict[str, Any]:
    """Analyse n synthetic diagrams (families cycled) and report counts, connections, structure and CPU time."""
    from tqdm import tqdm
    rng = np.random.default_rng(seed)
    scores: list[DiagramScore] = []
    cpu_800: list[float] = []
    wall: list[float] = []
    fails: list[dict[str, Any]] = []
    for i in tqdm(range(n), desc="diagrams", unit="sketch"):
        fam = DIAGRAM_FAMILIES[i % len(DIAGRAM_FAMILIES)]
        d = make_diagram(rng, fam, cfg)
        t0, c0 = time.perf_counter(), time.process_time()
        a = analyze(d.value, figure_size=(400, 400), blank_pad=True)
        ms, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        wall.append(ms)
        if max(d.pad_size) >= 760:
            cpu_800.append(cpu)
        sc = score_diagram(d, a)
        scores.append(sc)
        if not (sc.counts_exact and sc.fp == 0 and sc.fn == 0 and sc.structure_ok):
            got = a.diagram.counts() if a.diagram else {}
            fails.append({"i": i, "family": fam, "truth": {k: v for k, v in d.counts.items() if v},
                          "pred": {k: v for k, v in got.items() if v}, "fp": sc.fp, "fn": sc.fn,
                          "structure": d.structure, "structure_ok": sc.structure_ok})
            if failures is not None and len(fails) <= max_failures:
                failures.mkdir(parents=True, exist_ok=True)
                diagram_overlay(a).save(failures / f"diagram_{i:04d}_{fam}.png")
    fams = sorted({s.family for s in scores})

    def rate(xs: list[bool]) -> float:
        return round(sum(xs) / max(1, len(xs)), 4)
    from .diagram import DIAGRAM_KINDS
    rep: dict[str, Any] = {
        "sketches": len(scores),
        "counts_exact": rate([s.counts_exact for s in scores]),
        "counts_exact_per_kind": {k: rate([s.kind_exact[k] for s in scores]) for k in DIAGRAM_KINDS},
        "connections": _prf(sum(s.tp for s in scores), sum(s.fp for s in scores), sum(s.fn for s in scores)),
        "structure": rate([s.structure_ok for s in scores]),
        "per_family": {f: {"n": sum(s.family == f for s in scores),
                           "counts_exact": rate([s.counts_exact for s in scores if s.family == f]),
                           "connections_f1": _prf(sum(s.tp for s in scores if s.family == f),
                                                  sum(s.fp for s in scores if s.family == f),
                                                  sum(s.fn for s in scores if s.family == f))["f1"],
                           "structure": rate([s.structure_ok for s in scores if s.family == f])} for f in fams},
        "cpu_ms_800px": {"n": len(cpu_800), "median": round(statistics.median(cpu_800), 1) if cpu_800 else None,
                         "p95": round(float(np.percentile(cpu_800, 95)), 1) if cpu_800 else None,
                         "max": round(max(cpu_800), 1) if cpu_800 else None},
        "wall_ms": {"median": round(statistics.median(wall), 1), "p95": round(float(np.percentile(wall, 95)), 1)},
        "failures": fails,
    }
    return rep


if __name__ == "__main__":
    raise SystemExit(main())
