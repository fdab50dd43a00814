"""Run a model on the figure benchmark: generate (best-of-N, repair), render, check, report.

    python -m eval run --benchmark figures-v1 --limit 16 -n 1 --repair 1 --out runs/base

Generation is eval.generate's (the same best-of-N and repair rounds as `eval generate`); this module adds the
benchmark's subset selection, per-prompt timing, the checks, and a report by category and language.
"""
from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from model.defaults import DEFAULTS

from .checks import CheckOutcome, run_checks, summarize
from .figbench import load_benchmark, resolve_benchmark, select_subset
from .generate import GenerateConfig, predict_rows
from .jsonl import JsonlAppender, read_jsonl, repair_tail

__all__ = ["RunConfig", "run_benchmark", "write_run_report", "build_report", "report_markdown", "write_report_plots", "TimedGen"]

log = logging.getLogger(__name__)

PREDICTIONS = "predictions.jsonl"


@dataclass
class RunConfig:
    """What to run and how (the `python -m eval run` flags)."""

    benchmark: str = "figures-v1"
    out: str = "runs/figures"
    n: int = DEFAULTS.samples
    repair: int = DEFAULTS.repair_rounds
    limit: int | None = None
    categories: list[str] = field(default_factory=list)
    lang: str | None = None  # "en" | "ja": only prompts in this language
    seed: int = 0  # picks the --limit subset (and seeds sampling when the caller asks)
    max_new_tokens: int = DEFAULTS.max_new_tokens
    temperature: float = DEFAULTS.temperature
    render_timeout_s: float = 10.0
    batch_size: int = 1  # prompts per generate_many call; 1 keeps time per prompt measurable
    # checks derived from each prompt's text rank samples and start repair rounds
    request_checks: bool = DEFAULTS.request_checks
    examples: int | None = None  # worked examples per first-figure prompt: recorded from the model's settings
    example_mode: str | None = None  # how they are used ("shot" or "adapt"): recorded from the model's settings

    def __post_init__(self) -> None:
        if self.lang not in (None, "en", "ja"):
            raise ValueError(f"--lang must be en or ja, got {self.lang!r}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"--limit must be >= 1, got {self.limit}")
        if self.batch_size < 1:
            raise ValueError(f"--batch-size must be >= 1, got {self.batch_size}")
        # the generation settings are checked where they are used
        self.generate_config()

    def generate_config(self) -> GenerateConfig:
        """The eval.generate settings for this run (code language p5: the benchmark's checks read p5 traces)."""
        return GenerateConfig(n=self.n, repair=self.repair, lang="p5", max_new_tokens=self.max_new_tokens,
                              temperature=self.temperature, render_timeout_s=self.render_timeout_s,
                              batch_size=self.batch_size, request_checks=self.request_checks)


class TimedGen:
    """Wraps a generator and adds up the seconds spent in generate/generate_many/repair (and any timings the
    backend attaches to its candidates as `prompt_ms` / `decode_ms`)."""

    def __init__(self, gen: Any) -> None:
        self._gen = gen
        self.seconds = 0.0
        self.prompt_ms = 0.0
        self.decode_ms = 0.0
        self.timed = False  # True once a candidate carried backend timings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gen, name)

    def _timed(self, fn: Callable[..., Any], *a: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            out = fn(*a, **kw)
        finally:
            self.seconds += time.perf_counter() - t0
        for c in _flatten(out):
            p, d = getattr(c, "prompt_ms", None), getattr(c, "decode_ms", None)
            if p is not None or d is not None:
                self.timed = True
                self.prompt_ms += float(p or 0)
                self.decode_ms += float(d or 0)
        return out

    def generate(self, *a: Any, **kw: Any) -> Any:
        return self._timed(self._gen.generate, *a, **kw)

    def repair(self, *a: Any, **kw: Any) -> Any:
        return self._timed(self._gen.repair, *a, **kw)

    def repair_mismatch(self, *a: Any, **kw: Any) -> Any:
        return self._timed(self._gen.repair_mismatch, *a, **kw)

    @property
    def generate_many(self) -> Any:
        many = getattr(self._gen, "generate_many", None)
        if many is None or not callable(many):
            return None  # eval.generate then calls generate() per prompt
        return lambda *a, **kw: self._timed(many, *a, **kw)

    def take(self) -> dict[str, float | None]:
        """Seconds (and backend timings) since the last take, then reset."""
        out = {"gen_s": self.seconds, "prompt_ms": self.prompt_ms if self.timed else None,
               "decode_ms": self.decode_ms if self.timed else None}
        self.seconds = self.prompt_ms = self.decode_ms = 0.0
        self.timed = False
        return out


def _flatten(x: Any) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return [c for item in x for c in _flatten(item)]
    return [x] if x is not None else []


class CachingRender:
    """render_many that keeps every result by program, so the checks reuse the traces generation rendered."""

    def __init__(self, render_many: Callable[..., list[Any]]) -> None:
        self._render_many = render_many
        self.cache: dict[str, Any] = {}
        self.seconds = 0.0

    def __call__(self, codes: list[str], lang: str = "p5", timeout_s: float = 10.0, **kw: Any) -> list[Any]:
        todo = [c for c in dict.fromkeys(codes) if c not in self.cache]
        if todo:
            t0 = time.perf_counter()
            for c, r in zip(todo, self._render_many(todo, lang=lang, timeout_s=timeout_s)):
                self.cache[c] = r
            self.seconds += time.perf_counter() - t0
        return [self.cache[c] for c in codes]

    def one(self, code: str, timeout_s: float) -> Any:
        return self([code], timeout_s=timeout_s)[0]

    def take(self) -> float:
        s, self.seconds = self.seconds, 0.0
        return s

    def forget(self) -> None:
        """Drop the cached results (PNG bytes and traces add up over a long run)."""
        self.cache.clear()


def _pick_rows(cfg: RunConfig) -> list[dict[str, Any]]:
    rows = load_benchmark(cfg.benchmark)
    if cfg.categories:
        known = {str(r["category"]) for r in rows}
        unknown = [c for c in cfg.categories if c not in known]
        if unknown:
            raise ValueError(f"unknown categories {unknown}; the benchmark has: {', '.join(sorted(known))}")
        rows = [r for r in rows if r["category"] in cfg.categories]
    if cfg.lang:
        rows = [r for r in rows if r["lang"] == cfg.lang]
    if not rows:
        raise ValueError("no benchmark rows match --categories/--lang")
    return select_subset(rows, cfg.limit, seed=cfg.seed)


def _result_row(bench: dict[str, Any], pred: dict[str, Any], final: Any, times: dict[str, Any]) -> dict[str, Any]:
    """One line of predictions.jsonl: the benchmark row's identity, the kept program, its checks and costs."""
    cands = pred.get("candidates") or []
    samples = [c for c in cands if c.get("source") == "sample"]
    outcomes = run_checks(bench["checks"], final) if final is not None else \
        [CheckOutcome(False, "no code in the reply", c) for c in bench["checks"]]
    all_pass, frac = summarize(outcomes)
    return {
        "id": bench["id"], "prompt": bench["prompt"], "lang": bench["lang"], "category": bench["category"],
        "edit": bool(bench.get("code_before")), "code": pred.get("code") or "",
        "status": final.status if final is not None else "empty",
        "error": final.error if final is not None else "no code in the reply",
        "first_try_ok": any(c.get("status") == "ok" for c in samples),
        "ok": final is not None and final.ok,
        "attempts": len(cands), "repairs": sum(c.get("source") in ("repair", "check-repair") for c in cands),
        "check_repairs": sum(c.get("source") == "check-repair" for c in cands),
        # what was mended in each candidate before it ran (names copied back, items recoloured)
        "fixes": [c["fixes"] for c in cands if c.get("fixes")],
        "tokens": sum(int(c.get("tokens") or 0) for c in cands), "code_tokens": int(pred.get("tokens") or 0),
        "truncated": bool(pred.get("truncated")),
        "checks": [{"type": o.check.get("type"), "passed": bool(o.passed), "reason": o.reason} for o in outcomes],
        "all_pass": all_pass, "fraction": frac,
        **times,
        "model": pred.get("model"), "adapter": pred.get("adapter"),
    }


def run_benchmark(cfg: RunConfig, gen: Any, render_many: Callable[..., list[Any]] | None = None,
                  progress: bool = True) -> dict[str, Any]:
    """Generate, render and check every selected row not yet in OUT/predictions.jsonl; returns the report."""
    from tqdm import tqdm

    if render_many is None:
        from render import render_many
    rows = _pick_rows(cfg)
    out_dir = Path(cfg.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    preds_path = out_dir / PREDICTIONS
    kept = repair_tail(preds_path)
    done = {str(r.get("id")) for r in read_jsonl(preds_path)} if preds_path.exists() and kept else set()
    todo = [r for r in rows if str(r["id"]) not in done]
    if done:
        log.info("%s already holds %d of the %d selected prompts; running the other %d", preds_path,
                 len(rows) - len(todo), len(rows), len(todo))
    gcfg = cfg.generate_config()
    timed = TimedGen(gen)
    cache = CachingRender(render_many)
    step = gcfg.prompts_per_batch
    with JsonlAppender(preds_path) as sink, tqdm(total=len(todo), desc="figures", unit="prompt",
                                                 disable=not progress) as bar:
        for i in range(0, len(todo), step):
            chunk = todo[i:i + step]
            # eval.generate reads `lang` as the code language (p5/svg); the benchmark's `lang` is en/ja.
            gen_rows = [{"id": r["id"], "prompt": r["prompt"], **({"code_before": r["code_before"]}
                                                                  if r.get("code_before") else {})} for r in chunk]
            t0 = time.perf_counter()
            for bench, pred in zip(chunk, predict_rows(gen_rows, timed, gcfg, cache)):
                code = pred.get("code") or ""
                final = cache.one(code, cfg.render_timeout_s) if code.strip() else None
                wall = time.perf_counter() - t0
                t = timed.take()
                times = {"time_s": wall, "gen_s": t["gen_s"], "render_s": cache.take(),
                         "prompt_ms": t["prompt_ms"], "decode_ms": t["decode_ms"]}
                if len(chunk) > 1:  # a batch shares its generation time; say so rather than split it silently
                    times["batch"] = len(chunk)
                sink.write(_result_row(bench, pred, final, times))
                bar.update(1)
                t0 = time.perf_counter()
            cache.forget()
    return write_run_report(cfg, getattr(gen, "name", None), getattr(gen, "adapter", None), rows)


def write_run_report(cfg: RunConfig, model: str | None = None, adapter: str | None = None,
                     rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Build OUT/report.json, report.md and plots/ from the selected rows already in OUT/predictions.jsonl.

    Also what `run --report-only` does: the report of a run that was stopped part way covers the prompts done.
    """
    rows = rows if rows is not None else _pick_rows(cfg)
    out_dir = Path(cfg.out)
    preds_path = out_dir / PREDICTIONS
    if not preds_path.exists():
        raise FileNotFoundError(f"{preds_path}: no predictions yet (run without --report-only first)")
    repair_tail(preds_path)
    selected = {str(r["id"]) for r in rows}
    results = [r for r in read_jsonl(preds_path) if str(r.get("id")) in selected]
    if len(results) < len(rows):
        log.warning("the report covers %d of the %d selected prompts (the run is not finished)", len(results),
                    len(rows))
    report = build_report(results, cfg, model, adapter)
    report["selected"] = len(rows)
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "report.md").write_text(report_markdown(report), encoding="utf-8")
    write_report_plots(report, out_dir / "plots")
    return report


# ---------------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------------
def _pct(vals: list[float], q: float) -> float | None:
    return float(np.percentile(vals, q)) if vals else None


def _group(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    return {
        "n": n,
        "all_pass_rate": sum(r["all_pass"] for r in rows) / n if n else None,
        "mean_fraction": sum(r["fraction"] for r in rows) / n if n else None,
        "render_success_rate": sum(r["ok"] for r in rows) / n if n else None,
        "render_first_try_rate": sum(r["first_try_ok"] for r in rows) / n if n else None,
    }


def _dist(vals: list[float]) -> dict[str, float | None]:
    return {"mean": float(np.mean(vals)) if vals else None, "p50": _pct(vals, 50), "p95": _pct(vals, 95)}


def build_report(results: list[dict[str, Any]], cfg: RunConfig, model: str | None = None,
                 adapter: str | None = None) -> dict[str, Any]:
    """Rates overall, per category and per language; time and token distributions; the rows."""
    if not results:
        raise ValueError("no results to report")
    by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_cat[r["category"]].append(r)
        by_lang[r["lang"]].append(r)
        by_kind["edit" if r.get("edit") else "new figure"].append(r)
    prompt_ms = [r["prompt_ms"] / 1000 for r in results if r.get("prompt_ms") is not None]
    decode_ms = [r["decode_ms"] / 1000 for r in results if r.get("decode_ms") is not None]
    gen_s = [r["gen_s"] for r in results]
    toks = [r["tokens"] for r in results]
    failed_checks: dict[str, int] = defaultdict(int)
    for r in results:
        for c in r["checks"]:
            if not c["passed"]:
                failed_checks[c["type"]] += 1
    try:
        bench_path = str(resolve_benchmark(cfg.benchmark))
    except FileNotFoundError:
        bench_path = cfg.benchmark
    return {
        "kind": "figures",
        "benchmark": cfg.benchmark, "benchmark_path": bench_path,
        "model": model or (results[0].get("model")), "adapter": adapter if adapter is not None else results[0].get("adapter"),
        "config": asdict(cfg),
        "n": len(results),
        **_group(results),
        "per_category": {k: _group(v) for k, v in sorted(by_cat.items())},
        "per_lang": {k: _group(v) for k, v in sorted(by_lang.items())},
        "per_kind": {k: _group(v) for k, v in sorted(by_kind.items())},
        "time_s": _dist([r["time_s"] for r in results]),
        "gen_s": _dist(gen_s),
        "render_s": _dist([r["render_s"] for r in results]),
        "prompt_s": _dist(prompt_ms) if prompt_ms else None,
        "decode_s": _dist(decode_ms) if decode_ms else None,
        "tokens": _dist([float(t) for t in toks]),
        "tokens_per_s": (sum(toks) / sum(gen_s)) if sum(gen_s) > 0 else None,
        "code_tokens": _dist([float(r["code_tokens"]) for r in results]),
        "truncation_rate": sum(r["truncated"] for r in results) / len(results),
        "batched": any(r.get("batch") for r in results),
        "failed_checks_by_type": dict(sorted(failed_checks.items(), key=lambda kv: -kv[1])),
        "rows": results,
    }


def _p(v: float | None) -> str:
    return "n/a" if v is None else f"{100 * v:.1f}%"


def _s(v: float | None, unit: str = "s") -> str:
    return "n/a" if v is None else f"{v:.1f} {unit}"


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{1000 * seconds:.0f} ms"


def report_markdown(report: dict[str, Any], title: str = "Figure benchmark run") -> str:
    """The report as Markdown: headline, per category and language, time and tokens, failing checks."""
    cfg = report["config"]
    subset = []
    if cfg.get("limit"):
        subset.append(f"--limit {cfg['limit']} (seed {cfg['seed']}: round-robin over categories, both languages)")
    if cfg.get("categories"):
        subset.append("--categories " + ",".join(cfg["categories"]))
    if cfg.get("lang"):
        subset.append(f"--lang {cfg['lang']}")
    done = "" if report.get("selected", report["n"]) == report["n"] else \
        f" — **{report['n']} of the {report['selected']} selected prompts done; the run was stopped early**"
    lines = [f"# {title}", "",
             f"Benchmark `{report['benchmark']}`, {report['n']} prompts"
             + (f" ({'; '.join(subset)})" if subset else " (all)") + done + ".",
             f"Model `{report['model']}`, adapter `{report['adapter']}`; -n {cfg['n']}, --repair {cfg['repair']}, "
             f"temperature {cfg['temperature']}, max {cfg['max_new_tokens']} new tokens"
             + (f", {cfg['examples']} worked example(s)" if cfg.get("examples") is not None else "")
             + (f" ({cfg['example_mode']})" if cfg.get("examples") and cfg.get("example_mode") else "")
             + (", request-derived checks on" if cfg.get("request_checks") else "") + ".", "",
             "| metric | value |", "|---|---|",
             f"| all checks pass | {_p(report['all_pass_rate'])} |",
             f"| checks passed (mean fraction) | {_p(report['mean_fraction'])} |",
             f"| render success, first try | {_p(report['render_first_try_rate'])} |",
             f"| render success, after repair | {_p(report['render_success_rate'])} |",
             f"| time per prompt p50 / p95 | {_s(report['time_s']['p50'])} / {_s(report['time_s']['p95'])} |",
             f"| generation time p50 / p95 | {_s(report['gen_s']['p50'])} / {_s(report['gen_s']['p95'])} |"]
    for key, what in (("prompt_s", "prompt processing"), ("decode_s", "decoding")):
        dist = report.get(key)
        value = f"{_ms(dist['p50'])} / {_ms(dist['p95'])}" if dist else "not reported by the backend"
        lines.append(f"| {what} per prompt p50 / p95 | {value} |")
    tps = report.get("tokens_per_s")
    lines += [f"| generated tokens per prompt (mean / p95) | {report['tokens']['mean']:.0f} / {report['tokens']['p95']:.0f} |",
              f"| tokens per second of generation | {'n/a' if tps is None else f'{tps:.1f}'} |",
              f"| truncated programs | {_p(report['truncation_rate'])} |", ""]
    if report.get("prompt_s"):
        lines += ["Prompt processing and decoding add up the model calls of a prompt (repairs included), as the "
                  "backend measured them; samples decoded together share their call's time.", ""]
    else:
        lines += ["The backend does not report prompt processing and decoding time separately; generation time "
                  "is both together (model calls, repairs included).", ""]
    if report.get("batched"):
        lines += ["Prompts were generated in batches: a batch's generation time is counted on each of its "
                  "prompts.", ""]
    for key, name in (("per_category", "category"), ("per_lang", "language"), ("per_kind", "kind")):
        lines += [f"## By {name}", "", f"| {name} | n | all checks pass | checks passed | renders (first try) | renders (after repair) |",
                  "|---|---|---|---|---|---|"]
        for k, g in report[key].items():
            lines.append(f"| {k} | {g['n']} | {_p(g['all_pass_rate'])} | {_p(g['mean_fraction'])} | "
                         f"{_p(g['render_first_try_rate'])} | {_p(g['render_success_rate'])} |")
        lines.append("")
    if report.get("failed_checks_by_type"):
        lines += ["## Failed checks by type", "", "| check | failures |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in report["failed_checks_by_type"].items()]
        lines.append("")
    lines += ["## Prompts", "", "| id | lang | category | status | checks | time | first failing check |",
              "|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        first = next((f"{c['type']}: {c['reason']}" for c in r["checks"] if not c["passed"]), "")
        n_ok = sum(c["passed"] for c in r["checks"])
        lines.append(f"| {r['id']} | {r['lang']} | {r['category']} | {r['status']} | {n_ok}/{len(r['checks'])} | "
                     f"{r['time_s']:.1f} s | {first.replace('|', '/')[:110]} |")
    return "\n".join(lines) + "\n"


def write_report_plots(report: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """all_checks_pass_by_category.png and time_per_prompt.png; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")  # files only
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cats = list(report["per_category"])
    fig, ax = plt.subplots(figsize=(max(5.0, 0.45 * len(cats) + 2), 3.5))
    ax.bar(cats, [100 * (report["per_category"][c]["all_pass_rate"] or 0) for c in cats], color="#47a", label="all checks pass")
    ax.plot(cats, [100 * (report["per_category"][c]["mean_fraction"] or 0) for c in cats], "o", color="#e83",
            label="checks passed (mean)")
    ax.set_ylim(0, 100)
    ax.set_ylabel("%")
    ax.set_title(f"{report['benchmark']}: by category (n={report['n']})")
    ax.tick_params(axis="x", rotation=60)
    for lab in ax.get_xticklabels():
        lab.set_ha("right")
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths = [out / "all_checks_pass_by_category.png"]
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 3))
    vals = [r["time_s"] for r in report["rows"]]
    ax.hist(vals, bins=min(20, max(5, len(vals))), color="#4a7")
    ax.set_xlabel("seconds per prompt")
    ax.set_ylabel("prompts")
    ax.set_title("time per prompt")
    fig.tight_layout()
    paths.append(out / "time_per_prompt.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths
