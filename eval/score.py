"""Score prediction rows: render them (and their references), run every metric, build the report."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .metrics.base import MetricResult, Sample

__all__ = ["ScoreConfig", "score_rows", "REPORT_VERSION"]

log = logging.getLogger(__name__)

REPORT_VERSION = 1


@dataclass
class ScoreConfig:
    """What to compute and how."""

    lang: str = "p5"  # for rows that do not say
    clip: bool = True
    clip_model: str = "openai/clip-vit-base-patch32"
    clip_batch_size: int = 32
    ssim_size: int = 256
    redacted: bool = True  # also score text-redacted renders
    render_timeout_s: float = 10.0
    judge: Any = None  # a metrics.judge.JudgeConfig to enable the judge
    progress: bool = True

    def __post_init__(self) -> None:
        if self.lang not in ("p5", "svg"):
            raise ValueError(f"lang must be 'p5' or 'svg', got {self.lang!r}")
        if self.ssim_size < 16:
            raise ValueError("ssim_size must be at least 16 pixels")


def _default_render_many() -> Callable[..., list[Any]]:
    from render import render_many

    return render_many


def _render_grouped(render_many: Callable[..., list[Any]], items: list[tuple[str, str]], timeout_s: float,
                    progress: bool, what: str) -> list[Any]:
    """Render (code, lang) pairs, one batch per language, identical programs once; results in input order."""
    out: list[Any] = [None] * len(items)
    for lang in sorted({lang for _, lang in items}):
        idx = [i for i, (_, l) in enumerate(items) if l == lang]
        unique: dict[str, int] = {}
        for i in idx:
            unique.setdefault(items[i][0], len(unique))
        if not unique:
            continue
        log.info("rendering %d %s program(s) (%s)", len(unique), lang, what)
        results = render_many(list(unique), lang=lang, timeout_s=timeout_s, progress=progress)
        for i in idx:
            out[i] = results[unique[items[i][0]]]
    return out


def _build_metrics(cfg: ScoreConfig, any_reference: bool, encoder: Any = None) -> tuple[list[Any], dict[str, str]]:
    """The metric objects to run, and the ones skipped with why."""
    from .metrics import ClipImageScore, ClipScore, CodeLength, CostToSuccess, RenderSuccess, SSIM

    metrics: list[Any] = [RenderSuccess(), CostToSuccess(), CodeLength()]
    skipped: dict[str, str] = {}
    if cfg.clip:
        from .clip import ClipUnavailable, get_encoder

        enc = encoder or get_encoder(cfg.clip_model, cfg.clip_batch_size)
        try:
            enc.load()
        except ClipUnavailable as e:
            log.error("%s", e)
            skipped["clip"] = str(e)
        else:
            metrics.append(ClipScore(enc))
            if any_reference:
                metrics.append(ClipImageScore(enc))
                if cfg.redacted:
                    metrics.append(ClipImageScore(enc, redacted=True))
    else:
        skipped["clip"] = "disabled (--no-clip)"
    if any_reference:
        metrics.append(SSIM(cfg.ssim_size))
        if cfg.redacted:
            metrics.append(SSIM(cfg.ssim_size, redacted=True))
    else:
        skipped["reference_metrics"] = "no row has reference_code or reference_image"
    if cfg.judge is not None:
        from .metrics.judge import Judge

        metrics.append(Judge(cfg.judge))
    return metrics, skipped


def _load_image(path: str) -> Any:
    from PIL import Image

    with Image.open(path) as im:
        return im.convert("RGB")


def score_rows(rows: list[dict[str, Any]], cfg: ScoreConfig, render_many: Callable[..., list[Any]] | None = None,
               clip_encoder: Any = None) -> dict[str, Any]:
    """The report for prediction rows (see docs/benchmark.md for every key).

    `render_many` and `clip_encoder` replace render.render_many and the CLIP named in `cfg` (for benchmarks).
    """
    from .redact import plan_redaction

    render_many = render_many or _default_render_many()
    t0 = time.perf_counter()
    langs = [str(r.get("lang") or cfg.lang) for r in rows]

    # Render: chosen programs, references, and candidates whose outcome generate did not record.
    preds = _render_grouped(render_many, [(str(r.get("code") or ""), l) for r, l in zip(rows, langs)
                                          if r.get("code")], cfg.render_timeout_s, cfg.progress, "predictions")
    pred_iter = iter(preds)
    pred_results = [next(pred_iter) if r.get("code") else None for r in rows]
    ref_items = [(str(r["reference_code"]), l) for r, l in zip(rows, langs) if r.get("reference_code")]
    ref_iter = iter(_render_grouped(render_many, ref_items, cfg.render_timeout_s, cfg.progress, "references"))
    ref_results = [next(ref_iter) if r.get("reference_code") else None for r in rows]
    _fill_candidate_status(rows, langs, render_many, cfg)
    t_render = time.perf_counter() - t0

    # Images and their text-redacted versions.
    ref_images: list[Any] = []
    bad_refs = 0
    for r, res in zip(rows, ref_results):
        if r.get("reference_image"):
            ref_images.append(_load_image(r["reference_image"]))
        elif res is not None and res.status == "ok":
            ref_images.append(res.image)
        else:
            bad_refs += res is not None
            ref_images.append(None)
    if bad_refs:
        log.warning("%d reference program(s) did not render; those rows get no reference metrics", bad_refs)
    red_pred: list[Any] = [None] * len(rows)
    red_ref: list[Any] = [None] * len(rows)
    redaction_methods: dict[str, int] = {}
    if cfg.redacted:
        plans = []
        for i, (r, l) in enumerate(zip(rows, langs)):
            if ref_images[i] is None:
                continue
            plans.append((red_pred, i, plan_redaction(str(r.get("code") or ""), l, pred_results[i])))
            if not r.get("reference_image"):
                plans.append((red_ref, i, plan_redaction(str(r["reference_code"]), l, ref_results[i])))
            else:
                red_ref[i] = ref_images[i]  # a reference given as an image has no program to redact
        rerender = [(p.code, p.lang) for _, _, p in plans if p.code is not None]
        rr = iter(_render_grouped(render_many, rerender, cfg.render_timeout_s, cfg.progress, "text-free renders"))
        for target, i, p in plans:
            img = p.image
            if p.code is not None:
                res = next(rr)
                img = res.image if res is not None and res.status == "ok" else None
            target[i] = img
            redaction_methods[p.method] = redaction_methods.get(p.method, 0) + 1

    samples = []
    for i, r in enumerate(rows):
        res = pred_results[i]
        status = res.status if res is not None else "empty"
        samples.append(Sample(
            row=r, status=status, image=res.image if res is not None and status == "ok" else None,
            reference_image=ref_images[i], image_redacted=red_pred[i], reference_image_redacted=red_ref[i],
            error=getattr(res, "error", None)))
    t1 = time.perf_counter()

    metrics, skipped = _build_metrics(cfg, any(im is not None for im in ref_images), clip_encoder)
    report: dict[str, Any] = {"report_version": REPORT_VERSION, "n": len(rows)}
    per_row: list[dict[str, Any]] = [{"id": s.id} for s in samples]
    by_metric: dict[str, float] = {}
    for m in metrics:
        tm = time.perf_counter()
        for s in samples:
            m.update(s)
        res: MetricResult = m.compute()
        by_metric[m.name] = round(time.perf_counter() - tm, 3)
        report.update(res.summary)
        for row_out, vals in zip(per_row, res.per_row):
            row_out.update(vals)
    for i, res in enumerate(pred_results):
        if res is not None and res.status != "ok":
            per_row[i]["error"] = res.error
            per_row[i]["line"] = res.line
    report["redaction"] = redaction_methods
    report["skipped"] = skipped
    report["config"] = {"clip_model": (clip_encoder.name if clip_encoder else cfg.clip_model) if cfg.clip else None, "ssim_size": cfg.ssim_size,
                        "render_timeout_s": cfg.render_timeout_s, "lang": cfg.lang,
                        "judge_model": getattr(cfg.judge, "model", None)}
    report["timing_s"] = {"render": round(t_render, 3), "images": round(t1 - t0 - t_render, 3),
                          "metrics": round(time.perf_counter() - t1, 3), "by_metric": by_metric,
                          "total": round(time.perf_counter() - t0, 3)}
    report["rows"] = per_row
    return report


def _fill_candidate_status(rows: list[dict[str, Any]], langs: list[str], render_many: Callable[..., list[Any]],
                           cfg: ScoreConfig) -> None:
    """Render candidates that carry no `status` so cost to success can be counted (in place)."""
    todo = [(c, l) for r, l in zip(rows, langs) for c in (r.get("candidates") or [])
            if isinstance(c, dict) and "status" not in c]
    with_code = [(c, l) for c, l in todo if c.get("code")]
    for c, _ in todo:
        if not c.get("code"):
            c["status"] = "empty"
    if not with_code:
        return
    results = _render_grouped(render_many, [(c["code"], l) for c, l in with_code], cfg.render_timeout_s,
                              cfg.progress, "candidates without a recorded outcome")
    for (c, _), res in zip(with_code, results):
        c["status"] = res.status
