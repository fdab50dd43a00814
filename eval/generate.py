"""Generate predictions for a prompts file: best-of-N by render outcome, request checks, then log-probability.

Repair rounds fire when no sample renders and, with `request_checks`, when the best rendering sample fails a check
derived from the request text (model.request_checks: units per layer, bar values, counts, labels, colours).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from model.defaults import DEFAULTS

from .jsonl import JsonlAppender, read_jsonl, repair_tail

__all__ = ["GenerateConfig", "validate_prompts", "predict_row", "predict_rows", "generate_file", "pick_best",
           "request_checks_for"]

log = logging.getLogger(__name__)

# Preference among outcomes when choosing the program to keep: a figure beats nothing drawn beats a crash.
STATUS_RANK = {"ok": 0, "blank": 1, "error": 2, "timeout": 3, "empty": 4}


@dataclass
class GenerateConfig:
    """Sampling and selection settings for `generate`."""

    n: int = DEFAULTS.samples  # samples per prompt (best-of-N)
    repair: int = DEFAULTS.repair_rounds  # repair rounds when no sample renders
    lang: str = "p5"  # for prompt rows that do not say
    max_new_tokens: int = DEFAULTS.max_new_tokens
    temperature: float = DEFAULTS.temperature
    render_timeout_s: float = 10.0
    # Prompts sent together through gen.generate_many (when the backend has it); None: 4 when n == 1, else 1
    # (best-of-N already batches the n samples of one prompt).
    batch_size: int | None = None
    # Checks derived from the request text rank the samples and, when the best one fails them, use repair rounds.
    request_checks: bool = DEFAULTS.request_checks

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"-n must be >= 1, got {self.n}")
        if self.repair < 0:
            raise ValueError(f"--repair must be >= 0, got {self.repair}")
        if self.lang not in ("p5", "svg"):
            raise ValueError(f"--lang must be p5 or svg, got {self.lang!r}")
        if self.max_new_tokens < 1:
            raise ValueError("--max-new-tokens must be >= 1")
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"--batch-size must be >= 1, got {self.batch_size}")

    @property
    def prompts_per_batch(self) -> int:
        """How many prompts go to the model at once."""
        return self.batch_size if self.batch_size is not None else (4 if self.n == 1 else 1)


def validate_prompts(rows: list[dict[str, Any]], source: str = "prompts") -> None:
    """Raise ValueError naming the row when an id or prompt is missing or an id repeats."""
    seen: dict[str, int] = {}
    for i, r in enumerate(rows, 1):
        if "id" not in r or r["id"] in (None, ""):
            raise ValueError(f"{source}: row {i} has no 'id'")
        if not isinstance(r.get("prompt"), str) or not r["prompt"].strip():
            raise ValueError(f"{source}: row {i} (id {r['id']!r}) has no 'prompt' text")
        key = str(r["id"])
        if key in seen:
            raise ValueError(f"{source}: id {key!r} appears in rows {seen[key]} and {i}; ids must be unique")
        seen[key] = i
        if r.get("lang") not in (None, "p5", "svg"):
            raise ValueError(f"{source}: row {i} (id {key!r}) has lang {r['lang']!r}; use 'p5' or 'svg'")
        if r.get("image") and not Path(r["image"]).is_file():
            raise ValueError(f"{source}: row {i} (id {key!r}) names image {r['image']!r}, which does not exist")


def _candidate_dict(c: Any, source: str) -> dict[str, Any]:
    """The JSON-able part of a model Candidate."""
    return {"code": c.code or "", "tokens": int(c.tokens or 0), "logprob": c.logprob, "truncated": bool(c.truncated),
            "finish_reason": getattr(c, "finish_reason", None), "source": source,
            "fixes": dict(getattr(c, "fixes", None) or {})}


def _attach_render(cands: list[dict[str, Any]], lang: str, render_many: Callable[..., list[Any]],
                   timeout_s: float, checks: list[dict[str, Any]] | None = None) -> None:
    """Render candidates (in one batch) and record status, error and line (and request-check results) on each."""
    _attach_render_groups([(cands, lang, checks)], render_many, timeout_s)


def _attach_render_groups(groups: list[tuple[list[dict[str, Any]], str, list[dict[str, Any]] | None]],
                          render_many: Callable[..., list[Any]], timeout_s: float) -> None:
    """Render the candidates of several rows, one render_many call per language, and record the outcomes.

    A group's checks (derived from its request) are run on each rendering candidate: `checks_passed` counts the
    ones that hold and `check_failures` lists the reasons of the others.
    """
    by_lang: dict[str, list[tuple[dict[str, Any], list[dict[str, Any]] | None]]] = {}
    for cands, lang, checks in groups:
        for c in cands:
            if c["code"].strip():
                by_lang.setdefault(lang, []).append((c, checks))
            else:
                c.update(status="empty", error="no code in the reply", line=None)
    for lang, with_code in by_lang.items():
        results = render_many([c["code"] for c, _ in with_code], lang=lang, timeout_s=timeout_s)
        for (c, checks), r in zip(with_code, results):
            c.update(status=r.status, error=r.error, line=r.line)
            if checks:
                from model.request_checks import run_request_checks

                outcomes = run_request_checks(checks, r)
                c.update(checks_passed=sum(o.passed for o in outcomes),
                         check_failures=[o.reason for o in outcomes if not o.passed])


def pick_best(cands: list[dict[str, Any]]) -> int:
    """Index of the candidate to keep: best render outcome, then most request checks passed, then log-probability."""
    def key(i: int) -> tuple[int, int, float, int]:
        c = cands[i]
        lp = c.get("logprob")
        return (STATUS_RANK.get(c.get("status"), 9), -int(c.get("checks_passed") or 0),
                -(lp if lp is not None else float("-inf")), i)
    return min(range(len(cands)), key=key)


def _request(row: dict[str, Any], lang: str, gen: Any) -> Any:
    """The model Request for one prompt row (sketch image and code being edited included)."""
    from model import Request

    images: list[Any] = []
    sketch_text = row.get("sketch_text") or None
    if row.get("image") and not sketch_text:
        from PIL import Image

        with Image.open(row["image"]) as im:
            img = im.convert("RGB")
        try:
            from sketch import analyze

            # A sketch with no program before it is a figure drawn from scratch (a blank pad): its connected
            # ink is taken apart as a diagram, as the app does for a pad or an attached image.
            sketch_text = analyze(img, blank_pad=not row.get("code_before")).describe()
        except Exception as e:  # a text-only model still gets the prompt; say why the sketch was not described
            log.warning("sketch for %s not described (%s); the prompt goes alone", row.get("id"), e)
    if row.get("image") and getattr(gen, "is_vision", False):
        from PIL import Image

        with Image.open(row["image"]) as im:
            images = [im.convert("RGB")]
    return Request(instruction=row["prompt"], code=row.get("code_before") or None, lang=lang,
                   sketch_text=sketch_text, images=images)


def _sample_many(gen: Any, reqs: list[Any], cfg: GenerateConfig) -> list[list[Any]]:
    """cfg.n candidates per request: one gen.generate_many call when the backend has it, else one call per row."""
    kw = dict(n=cfg.n, max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature)
    many = getattr(gen, "generate_many", None)
    if many is not None and callable(many):
        out = list(many(reqs, **kw))
        if len(out) != len(reqs):
            raise RuntimeError(f"{type(gen).__name__}.generate_many answered {len(out)} lists for {len(reqs)} requests")
        return out
    return [gen.generate(r, **kw) for r in reqs]


def request_checks_for(row: dict[str, Any], cfg: GenerateConfig) -> list[dict[str, Any]]:
    """Checks derived from the row's prompt text (never from the row's stored checks); [] when turned off."""
    if not cfg.request_checks:
        return []
    from model.request_checks import derive_checks

    return derive_checks(row["prompt"])


def _finish_row(row: dict[str, Any], req: Any, lang: str, cands: list[dict[str, Any]], gen: Any,
                cfg: GenerateConfig, render_many: Callable[..., list[Any]],
                checks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Repair rounds while nothing renders or the best render misses the request, then the best candidate kept."""
    for _ in range(cfg.repair):
        if any(c["status"] == "ok" for c in cands):
            best = cands[pick_best(cands)]
            if not (checks and best.get("check_failures")):
                break
            fixed = [_candidate_dict(c, "check-repair") for c in gen.repair_mismatch(
                best["code"], best["check_failures"], lang=lang, request=req, max_new_tokens=cfg.max_new_tokens,
                temperature=cfg.temperature)]
            _attach_render(fixed, lang, render_many, cfg.render_timeout_s, checks)
            cands.extend(fixed)
            continue
        failing = [c for c in cands if c["status"] in ("error", "timeout", "blank") and c["code"].strip()]
        if not failing:
            break  # nothing to repair: no sample produced code
        base = failing[pick_best(failing)]
        error = base.get("error") or ("the sketch drew nothing visible" if base["status"] == "blank"
                                      else f"render {base['status']}")
        fixed = [_candidate_dict(c, "repair") for c in gen.repair(
            base["code"], error, base.get("line"), lang=lang, request=req, max_new_tokens=cfg.max_new_tokens,
            temperature=cfg.temperature)]
        _attach_render(fixed, lang, render_many, cfg.render_timeout_s, checks)
        cands.extend(fixed)
    best = cands[pick_best(cands)] if cands else {"code": "", "tokens": 0, "truncated": False}
    out = dict(row)
    out.update(code=best["code"], candidates=cands, tokens=best["tokens"], truncated=best["truncated"],
               attempts=len(cands), lang=lang, model=getattr(gen, "name", None), adapter=getattr(gen, "adapter", None))
    if checks:
        out["request_checks"] = checks
    return out


def predict_rows(rows: list[dict[str, Any]], gen: Any, cfg: GenerateConfig,
                 render_many: Callable[..., list[Any]]) -> Iterator[dict[str, Any]]:
    """Prediction rows for a chunk of prompts, in order: sampled together, rendered together, repaired per row.

    Yields each row as soon as its repairs are done, so a caller can append it at once.
    """
    langs = [row.get("lang") or cfg.lang for row in rows]
    reqs = [_request(row, lang, gen) for row, lang in zip(rows, langs)]
    checks = [request_checks_for(row, cfg) for row in rows]
    sampled = _sample_many(gen, reqs, cfg)
    cands = [[_candidate_dict(c, "sample") for c in got] for got in sampled]
    _attach_render_groups(list(zip(cands, langs, checks)), render_many, cfg.render_timeout_s)
    for row, req, lang, cs, ck in zip(rows, reqs, langs, cands, checks):
        yield _finish_row(row, req, lang, cs, gen, cfg, render_many, ck)


def predict_row(row: dict[str, Any], gen: Any, cfg: GenerateConfig,
                render_many: Callable[..., list[Any]]) -> dict[str, Any]:
    """One prediction row: N samples, repairs while nothing renders, the best candidate kept."""
    lang = row.get("lang") or cfg.lang
    req = _request(row, lang, gen)
    checks = request_checks_for(row, cfg)
    cands = [_candidate_dict(c, "sample") for c in gen.generate(
        req, n=cfg.n, max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature)]
    _attach_render(cands, lang, render_many, cfg.render_timeout_s, checks)
    return _finish_row(row, req, lang, cands, gen, cfg, render_many, checks)


def generate_file(prompts: str | Path, out: str | Path, gen: Any, cfg: GenerateConfig,
                  render_many: Callable[..., list[Any]] | None = None, progress: bool = True) -> dict[str, int]:
    """Append a prediction for every prompt not yet in `out`; returns counts of done, skipped and written rows."""
    from tqdm import tqdm

    if render_many is None:
        from render import render_many
    rows = read_jsonl(prompts)
    validate_prompts(rows, str(prompts))
    kept = repair_tail(out)
    done = {str(r.get("id")) for r in read_jsonl(out)} if Path(out).exists() and kept else set()
    todo = [r for r in rows if str(r["id"]) not in done]
    if done:
        log.info("%s already holds %d of %d prompts; generating the other %d", out, len(rows) - len(todo),
                 len(rows), len(todo))
    written = 0
    step = cfg.prompts_per_batch
    with JsonlAppender(out) as sink, tqdm(total=len(todo), desc="generate", unit="prompt",
                                          disable=not progress) as bar:
        for i in range(0, len(todo), step):
            for pred in predict_rows(todo[i:i + step], gen, cfg, render_many):
                sink.write(pred)  # appended (and synced) as soon as the row is done
                written += 1
                bar.update(1)
    return {"prompts": len(rows), "skipped": len(rows) - len(todo), "written": written}
