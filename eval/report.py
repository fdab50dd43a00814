"""Reports as Markdown and matplotlib plots, for one report or several side by side."""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["HEADLINE", "headline", "to_markdown", "compare_markdown", "write_plots", "write_compare_plots"]

log = logging.getLogger(__name__)

# (label, path into the report, is a 0–1 rate shown as a percentage)
HEADLINE: list[tuple[str, tuple[str, ...], bool]] = [
    ("all checks pass", ("all_pass_rate",), True),  # figure-benchmark runs (eval.figrun)
    ("checks passed (mean)", ("mean_fraction",), True),
    ("render success, first try", ("render_first_try_rate",), True),
    ("render success", ("render_success_rate",), True),
    ("error", ("render", "error_rate"), True),
    ("blank", ("render", "blank_rate"), True),
    ("timeout", ("render", "timeout_rate"), True),
    ("no code", ("render", "empty_rate"), True),
    ("solved (any sample)", ("cost_to_success", "solved_rate"), True),
    ("samples to success", ("cost_to_success", "mean_samples"), False),
    ("tokens to success", ("cost_to_success", "mean_tokens"), False),
    ("samples per success", ("cost_to_success", "samples_per_success"), False),
    ("tokens per success", ("cost_to_success", "tokens_per_success"), False),
    ("CLIP score", ("clip_score",), False),
    ("CLIP score (rendered)", ("clip_score_rendered",), False),
    ("CLIP image", ("clip_image_score",), False),
    ("CLIP image, text removed", ("clip_image_score_redacted",), False),
    ("SSIM", ("ssim",), False),
    ("SSIM, text removed", ("ssim_redacted",), False),
    ("code tokens (mean)", ("code_tokens", "mean"), False),
    ("code tokens (p90)", ("code_tokens", "p90"), False),
    ("truncation", ("truncation_rate",), True),
    ("judge (1–10)", ("judge_score",), False),
    ("time per prompt p50 (s)", ("time_s", "p50"), False),
    ("time per prompt p95 (s)", ("time_s", "p95"), False),
    ("prompt processing p50 (s)", ("prompt_s", "p50"), False),  # where the backend reports it
    ("prompt processing p95 (s)", ("prompt_s", "p95"), False),
    ("decoding p50 (s)", ("decode_s", "p50"), False),
    ("decoding p95 (s)", ("decode_s", "p95"), False),
    ("tokens per prompt (mean)", ("tokens", "mean"), False),
]


def _get(report: dict[str, Any], path: tuple[str, ...]) -> Any:
    cur: Any = report
    for k in path:
        if not isinstance(cur, dict) or k not in cur:
            return None
        cur = cur[k]
    return cur


def _fmt(v: Any, rate: bool) -> str:
    if v is None:
        return "n/a"
    if rate:
        return f"{100 * v:.1f}%"
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def headline(report: dict[str, Any]) -> list[tuple[str, Any, bool]]:
    """(label, value, is_rate) for every headline metric present in the report."""
    return [(label, _get(report, path), rate) for label, path, rate in HEADLINE if _get(report, path) is not None]


def to_markdown(report: dict[str, Any], title: str = "Evaluation report") -> str:
    """A readable summary: headline table, what was skipped, the most common render errors."""
    lines = [f"# {title}", "", f"{report.get('n', 0)} predictions"
             + (f", scored from `{report['predictions']}`" if report.get("predictions") else "") + ".", "",
             "| metric | value |", "|---|---|"]
    lines += [f"| {label} | {_fmt(v, rate)} |" for label, v, rate in headline(report)]
    if report.get("clip", {}).get("model"):
        lines += ["", f"CLIP model: `{report['clip']['model']}` (score = 100·max(cos, 0))."]
    for what, why in (report.get("skipped") or {}).items():
        lines += ["", f"**Not computed: {what}.** {why}"]
    errors = Counter((r.get("error") or "").splitlines()[0][:120] for r in report.get("rows", [])
                     if r.get("status") in ("error", "timeout") and r.get("error"))
    if errors:
        lines += ["", "## Most common render errors", "", "| count | error |", "|---|---|"]
        lines += [f"| {n} | `{e.replace('|', '/')}` |" for e, n in errors.most_common(10)]
    return "\n".join(lines) + "\n"


def compare_markdown(reports: list[dict[str, Any]], names: list[str]) -> str:
    """One table with a column per report."""
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, path, rate in HEADLINE:
        vals = [_get(r, path) for r in reports]
        if all(v is None for v in vals):
            continue
        lines.append(f"| {label} | " + " | ".join(_fmt(v, rate) for v in vals) + " |")
    for key, what in (("per_category", "category"), ("per_lang", "language")):
        groups = sorted({g for r in reports for g in (r.get(key) or {})})
        if not groups:
            continue
        lines += ["", f"All checks pass by {what} (n in brackets):", "",
                  f"| {what} | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for g in groups:
            cells = []
            for r in reports:
                d = (r.get(key) or {}).get(g)
                cells.append(f"{_fmt(d['all_pass_rate'], True)} ({d['n']})" if d else "–")
            lines.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on a server
    import matplotlib.pyplot as plt

    return plt


def write_plots(report: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Outcome bars and histograms of per-row scores; returns the files written."""
    plt = _plt()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = report.get("rows", [])
    written = []
    fig, ax = plt.subplots(figsize=(5, 3))
    counts = Counter(r.get("status") for r in rows)
    labels = ["ok", "error", "blank", "timeout", "empty"]
    ax.bar(labels, [counts.get(s, 0) for s in labels], color=["#4c9", "#e55", "#bbb", "#fa3", "#888"])
    ax.set_ylabel("predictions")
    ax.set_title("render outcome")
    fig.tight_layout()
    written.append(out / "render_outcome.png")
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)
    for key, title in (("clip_score", "CLIP score"), ("ssim", "SSIM"), ("code_tokens", "code tokens"),
                       ("samples_to_success", "samples to success"), ("judge_score", "judge score")):
        vals = [r[key] for r in rows if r.get(key) is not None]
        if not vals:
            continue
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.hist(vals, bins=min(30, max(5, len(set(vals)))), color="#47a")
        ax.set_title(title)
        ax.set_ylabel("predictions")
        fig.tight_layout()
        written.append(out / f"{key}.png")
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    return written


def write_compare_plots(reports: list[dict[str, Any]], names: list[str], out_dir: str | Path) -> list[Path]:
    """Grouped bars of rates and of scores, one bar per report; returns the files written."""
    import numpy as np

    plt = _plt()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fname, want_rate, ylabel in (("compare_rates.png", True, "%"), ("compare_scores.png", False, "score")):
        items = [(label, path) for label, path, rate in HEADLINE if rate == want_rate
                 and not label.startswith(("code tokens", "tokens", "samples"))
                 and any(_get(r, path) is not None for r in reports)]
        if not items:
            continue
        x = np.arange(len(items))
        width = 0.8 / len(reports)
        fig, ax = plt.subplots(figsize=(max(5, 1.1 * len(items) + 2), 3.5))
        for k, (rep, name) in enumerate(zip(reports, names)):
            vals = [(_get(rep, p) or 0) * (100 if want_rate else 1) for _, p in items]
            ax.bar(x + k * width - 0.4 + width / 2, vals, width, label=name)
        ax.set_xticks(x, [label for label, _ in items], rotation=30, ha="right")
        ax.set_ylabel(ylabel)
        ax.legend()
        fig.tight_layout()
        written.append(out / fname)
        fig.savefig(written[-1], dpi=120)
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 3))
    for rep, name in zip(reports, names):
        vals = [r["code_tokens"] for r in rep.get("rows", []) if r.get("code_tokens") is not None]
        if vals:
            ax.hist(vals, bins=30, alpha=0.5, label=name)
    ax.set_title("code tokens")
    ax.legend()
    fig.tight_layout()
    written.append(out / "compare_code_tokens.png")
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)
    return written
