"""Score prediction rows: render them (and their references), run every metric, build the report."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

from .metrics.base import MetricResult, Sample

__all__ = ["ScoreConfig", "score_rows", "validate_predictions", "REPORT_VERSION"]

log = logging.getLogger(__name__)

REPORT_VERSION = 1


@dataclass
class ScoreConfig:
    """What to compute and how."""

    lang: str = "p5"  # for rows that do not say
    clip: bool = True
    clip_model: str = "openai/clip-vit-base-patch32"
    clip_batch_size: int = 32
    clip_cache_dir: str | None = None  # persist CLIP embeddings here (keyed by weights and content); None: off
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


def _render_all(render_many: Callable[..., list[Any]], items: list[tuple[str, str]], timeout_s: float,
                progress: bool, what: str) -> dict[tuple[str, str], Any]:
    """Render (code, lang) pairs, one batch per language, each distinct program once: {(code, lang): result}."""
    out: dict[tuple[str, str], Any] = {}
    for lang in sorted({lang for _, lang in items}):
        unique = list(dict.fromkeys(code for code, l in items if l == lang))
        if not unique:
            continue
        log.info("rendering %d distinct %s program(s) (%s)", len(unique), lang, what)
        for code, res in zip(unique, render_many(unique, lang=lang, timeout_s=timeout_s, progress=progress)):
            out[(code, lang)] = res
    return out


def _build_metrics(cfg: ScoreConfig, any_reference: bool, encoder: Any = None) -> tuple[list[Any], dict[str, str]]:
    """The metric objects to run, and the ones skipped with why."""
    from .metrics import ClipImageScore, ClipScore, CodeLength, CostToSuccess, RenderSuccess, SSIM

    metrics: list[Any] = [RenderSuccess(), CostToSuccess(), CodeLength()]
    skipped: dict[str, str] = {}
    if cfg.clip:
        from .clip import ClipUnavailable, get_encoder

        enc = encoder or get_encoder(cfg.clip_model, cfg.clip_batch_size, cache_dir=cfg.clip_cache_dir)
        if encoder is not None and cfg.clip_cache_dir is not None:
            enc.cache_dir = cfg.clip_cache_dir
        enc.progress = cfg.progress
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

        metrics.append(Judge(cfg.judge, progress=cfg.progress))
    return metrics, skipped


def _load_image(path: str, row_id: Any) -> Any:
    """A reference picture as RGB, or a ValueError naming the row."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except (OSError, UnidentifiedImageError) as e:
        raise ValueError(f"row {row_id!r}: reference_image {path!r} cannot be read ({e})") from None


def validate_predictions(rows: list[dict[str, Any]], source: str = "predictions") -> None:
    """Raise ValueError naming the row when an id is missing or repeated or code is not text."""
    seen: dict[str, int] = {}
    for i, r in enumerate(rows, 1):
        if r.get("id") in (None, ""):
            raise ValueError(f"{source}: row {i} has no 'id'")
        key = str(r["id"])
        if key in seen:
            raise ValueError(f"{source}: id {key!r} appears in rows {seen[key]} and {i}")
        seen[key] = i
        for k in ("code", "reference_code", "prompt"):
            if r.get(k) is not None and not isinstance(r[k], str):
                raise ValueError(f"{source}: row {i} (id {key!r}): {k!r} must be a string")
        if r.get("lang") not in (None, "p5", "svg"):
            raise ValueError(f"{source}: row {i} (id {key!r}) has lang {r['lang']!r}; use 'p5' or 'svg'")
        if r.get("candidates") is not None and not isinstance(r["candidates"], list):
            raise ValueError(f"{source}: row {i} (id {key!r}): 'candidates' must be a list")


def score_rows(rows: list[dict[str, Any]], cfg: ScoreConfig, render_many: Callable[..., list[Any]] | None = None,
               clip_encoder: Any = None) -> dict[str, Any]:
    """The report for prediction rows (see docs/benchmark.md for every key).

    `render_many` and `clip_encoder` replace render.render_many and the CLIP named in `cfg` (for benchmarks).
    """
    from .redact import plan_redaction

    validate_predictions(rows)
    render_many = render_many or _default_render_many()
    t0 = time.perf_counter()
    c0 = time.process_time()  # CPU of this process (the browser's is not in it): wall time lies on a busy machine
    langs = [str(r.get("lang") or cfg.lang) for r in rows]

    # Render in one batch: kept programs, references, and candidates whose outcome generate did not record.
    # Predictions identical to their reference (or to each other) are rendered once.
    pred_items = [(str(r.get("code") or ""), l) for r, l in zip(rows, langs)]
    ref_items = [(str(r.get("reference_code") or ""), l) for r, l in zip(rows, langs)]
    cand_todo = [(c, l) for r, l in zip(rows, langs) for c in (r.get("candidates") or [])
                 if isinstance(c, dict) and "status" not in c]
    wanted = [it for it in pred_items + ref_items if it[0].strip()]
    wanted += [(str(c.get("code") or ""), l) for c, l in cand_todo if str(c.get("code") or "").strip()]
    results = _render_all(render_many, wanted, cfg.render_timeout_s, cfg.progress, "predictions and references")
    pred_results = [results.get(it) if it[0].strip() else None for it in pred_items]
    ref_results = [results.get(it) if it[0].strip() else None for it in ref_items]
    for c, l in cand_todo:  # in place: cost to success reads these
        res = results.get((str(c.get("code") or ""), l))
        c["status"] = res.status if res is not None else "empty"
    t_render = time.perf_counter() - t0
    c_render = time.process_time() - c0

    # Images and their text-redacted versions.
    ref_images: list[Any] = []
    bad_refs = 0
    for r, res in zip(rows, ref_results):
        if r.get("reference_image"):
            ref_images.append(_load_image(r["reference_image"], r.get("id")))
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
        rr = _render_all(render_many, rerender, cfg.render_timeout_s, cfg.progress, "text-free renders")
        for target, i, p in plans:
            img = p.image
            if p.code is not None:
                res = rr.get((p.code, p.lang))
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
    c1 = time.process_time()

    metrics, skipped = _build_metrics(cfg, any(im is not None for im in ref_images), clip_encoder)
    enc = next((m.encoder for m in metrics if hasattr(getattr(m, "encoder", None), "stats")), None)
    stats0 = dict(enc.stats) if enc is not None else {}
    report: dict[str, Any] = {"report_version": REPORT_VERSION, "n": len(rows)}
    per_row: list[dict[str, Any]] = [{"id": s.id} for s in samples]
    by_metric: dict[str, float] = {}
    cpu_by_metric: dict[str, float] = {}
    for m in metrics:
        tm, cm = time.perf_counter(), time.process_time()
        for s in samples:
            m.update(s)
        res: MetricResult = m.compute()
        by_metric[m.name] = round(time.perf_counter() - tm, 3)
        cpu_by_metric[m.name] = round(time.process_time() - cm, 3)
        report.update(res.summary)
        for row_out, vals in zip(per_row, res.per_row):
            row_out.update(vals)
    for i, res in enumerate(pred_results):
        if res is not None and res.status != "ok":
            per_row[i]["error"] = res.error
            per_row[i]["line"] = res.line
    report["redaction"] = redaction_methods
    report["skipped"] = skipped
    report["config"] = {"clip_model": (clip_encoder.name if clip_encoder else cfg.clip_model) if cfg.clip else None,
                        "clip_cache_dir": cfg.clip_cache_dir, "ssim_size": cfg.ssim_size,
                        "render_timeout_s": cfg.render_timeout_s, "lang": cfg.lang,
                        "judge_model": getattr(cfg.judge, "model", None)}
    report["timing_s"] = {"render": round(t_render, 3), "images": round(t1 - t0 - t_render, 3),
                          "metrics": round(time.perf_counter() - t1, 3), "by_metric": by_metric,
                          "total": round(time.perf_counter() - t0, 3),
                          "cpu": {"render": round(c_render, 3), "images": round(c1 - c0 - c_render, 3),
                                  "metrics": round(time.process_time() - c1, 3), "by_metric": cpu_by_metric,
                                  "total": round(time.process_time() - c0, 3)}}
    if enc is not None:  # what this report asked of CLIP and how much of it was actually encoded
        report["clip_encodings"] = {k: v - stats0.get(k, 0) for k, v in enc.stats.items()}
    report["rows"] = per_row
    return report
