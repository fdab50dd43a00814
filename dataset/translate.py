"""TikZ → p5.js translation with teacher LLMs: ask, render, keep the closest rendering candidate, resumably.

    python -m dataset translate --source nllg/datikz-v2 --split train \
        --teacher http://gpu1:8000/v1=Qwen/Qwen2.5-72B-Instruct --teacher http://gpu2:8000/v1=meta-llama/Llama-3.1-70B-Instruct \
        --out out/datikz-p5
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import itertools
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from .datikz import SourceError, TikzRow, load_tikz_rows
from .schema import empty_row
from .teachers import ClientConfig, Teacher, TeacherClient, parse_teacher

__all__ = ["TranslateConfig", "translate", "build_messages_for", "extract_p5", "finalize", "add_translate_parser",
           "cmd_translate", "SYSTEM_PROMPT"]

log = logging.getLogger(__name__)

SYSTEM_PROMPT = """You translate TikZ figures into p5.js programs.
Write a p5.js 1.x program in global mode that draws the same figure:
- `function setup() { createCanvas(W, H); noLoop(); }` and a `function draw()` that starts with `background(255)`;
- named constants at the top (`const W = 500;` …), loops for repeated elements, a short comment where it helps;
- canvas at most 800 x 800 pixels; keep the layout, shapes, colours, arrows and text labels of the original;
- only p5.js: no external files, images, fonts, network, DOM or other libraries; write maths as plain text
  (no LaTeX), e.g. "x^2" or "α".
Reply with exactly one ```javascript code block, then one line `Japanese caption: ...` with the caption
translated into natural Japanese."""

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)(?:```|\Z)", re.S)
_JA = re.compile(r"Japanese caption\s*[:：]\s*(.+)", re.I)


@dataclass
class TranslateConfig:
    """Where rows come from, who translates them and how hard to try."""

    source: str
    teachers: list[Teacher]
    out: Path
    split: str = "train"
    samples_per_teacher: int = 1
    limit: int | None = None
    max_tikz_chars: int = 12000  # longer programs rarely translate and cost the most
    batch_size: int = 64  # rows asked for together; the next batch is asked while this one renders
    render_timeout_s: float = 10.0
    client: ClientConfig = field(default_factory=ClientConfig)

    def __post_init__(self) -> None:
        if not self.teachers:
            raise ValueError("give at least one --teacher URL=MODEL")
        if self.samples_per_teacher < 1:
            raise ValueError("--samples must be >= 1")
        self.out = Path(self.out)


def build_messages_for(row: TikzRow) -> list[dict[str, str]]:
    """The chat messages asking a teacher to translate one figure."""
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Caption: {row.caption}\n\nTikZ:\n```latex\n{row.code.strip()}\n```"}]


def extract_p5(reply: str) -> tuple[str, str]:
    """(p5.js code, Japanese caption) from a teacher reply; code is "" when the reply has none."""
    blocks = [(lang.lower(), body.strip()) for lang, body in _FENCE.findall(reply)]
    code_blocks = [b for lang, b in blocks if lang not in ("latex", "tex") and ("setup" in b or "draw" in b)]
    code = max(code_blocks, key=len) if code_blocks else ""
    if not code and "function setup" in reply and "```" not in reply:
        code = reply.strip()
    m = _JA.search(reply)
    ja = m.group(1).strip().strip("「」\"") if m else ""
    return (code + "\n") if code else "", ja


class Store:
    """Finished rows as one file each (written atomically), so a killed run resumes without loss or duplicates."""

    def __init__(self, out: Path, split: str) -> None:
        self.rows_dir = out / "work" / "rows" / split
        self.failed_dir = out / "work" / "failed" / split
        self.rows_dir.mkdir(parents=True, exist_ok=True)
        self.failed_dir.mkdir(parents=True, exist_ok=True)

    def done(self) -> set[str]:
        """Keys already finished, kept or failed for good."""
        return {p.stem for d in (self.rows_dir, self.failed_dir) for p in d.glob("*.json")}

    @staticmethod
    def _write(path: Path, obj: dict[str, Any]) -> None:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def keep(self, key: str, row: dict[str, Any]) -> None:
        """Record a translated row (image stored as base64)."""
        obj = dict(row)
        obj["image"] = base64.b64encode(row["image"]).decode("ascii") if row.get("image") else None
        self._write(self.rows_dir / f"{key}.json", obj)

    def fail(self, key: str, reason: str, detail: str = "") -> None:
        """Record a row that will not be retried (no caption, nothing rendered, …)."""
        self._write(self.failed_dir / f"{key}.json", {"reason": reason, "detail": detail[:500]})


def load_store_rows(out: Path) -> dict[str, list[dict[str, Any]]]:
    """All kept rows under `out/work/rows`, per split, images as bytes, sorted by id."""
    splits: dict[str, list[dict[str, Any]]] = {}
    base = out / "work" / "rows"
    if not base.is_dir():
        return splits
    for d in sorted(p for p in base.iterdir() if p.is_dir()):
        rows = []
        for f in sorted(d.glob("*.json")):
            r = json.loads(f.read_text(encoding="utf-8"))
            r["image"] = base64.b64decode(r["image"]) if r.get("image") else None
            rows.append(r)
        if rows:
            splits[d.name] = rows
    return splits


def failure_counts(out: Path) -> dict[str, int]:
    """How many rows failed for each reason (all splits)."""
    counts: dict[str, int] = {}
    for f in (out / "work" / "failed").glob("*/*.json"):
        reason = json.loads(f.read_text(encoding="utf-8")).get("reason", "unknown")
        counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items()))


def _make_row(src: TikzRow, code: str, png: bytes, teacher: str, caption_ja: str, meta: dict[str, Any]) -> dict:
    """A `datikz` row of the dataset schema."""
    en = [src.caption, f"Draw this figure with p5.js: {src.caption}", f"{src.caption} Write it as a p5.js sketch."]
    ja = [caption_ja, f"次の図をp5.jsで描いて：{caption_ja}"] if caption_ja else []
    pick = int(hashlib.sha1(src.key.encode()).hexdigest(), 16)
    row = empty_row()
    row.update(id=f"datikz-{src.key}", source="datikz", family="datikz", kind="figure", caption_en=src.caption,
               caption_ja=caption_ja, instructions=en + ja, instruction=(en + ja)[pick % len(en + ja)], code=code,
               image=png, teacher=teacher,
               params=json.dumps({"uri": src.uri, "origin": src.origin, "date": src.date, **meta}, ensure_ascii=False))
    return row


def _batches(it: Iterable[TikzRow], n: int) -> Iterator[list[TikzRow]]:
    batch: list[TikzRow] = []
    for x in it:
        batch.append(x)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


async def _ask(client: TeacherClient, cfg: TranslateConfig, rows: list[TikzRow]) -> list[list[tuple[str, Any]]]:
    """For each row, every (teacher, reply-or-error) pair, asked concurrently."""
    jobs = []
    for row in rows:
        msgs = build_messages_for(row)
        for t in cfg.teachers:
            for s in range(cfg.samples_per_teacher):
                jobs.append((row.key, t, client.complete(t, msgs, s)))
    results = await asyncio.gather(*(j[2] for j in jobs), return_exceptions=True)
    by_row: dict[str, list[tuple[str, Any]]] = {r.key: [] for r in rows}
    for (key, t, _), res in zip(jobs, results):
        if isinstance(res, BaseException) and not isinstance(res, Exception):
            raise res  # cancellation and interrupts end the run; ordinary errors only fail this candidate
        by_row[key].append((t.name, res))
    return [by_row[r.key] for r in rows]


def _settle(rows: list[TikzRow], answers: list[list[tuple[str, Any]]], cfg: TranslateConfig, store: Store,
            counts: dict[str, int]) -> None:
    """Render every candidate, keep the best per row, write results (runs in a worker thread)."""
    from render import render_many

    from .similarity import image_similarity

    cands: list[tuple[int, str, str, str]] = []  # (row index, teacher, code, japanese caption)
    for i, ans in enumerate(answers):
        for teacher, reply in ans:
            if isinstance(reply, str):
                code, ja = extract_p5(reply)
                if code:
                    cands.append((i, teacher, code, ja))
    unique = list(dict.fromkeys(c[2] for c in cands))
    # The draw trace is not needed to choose a candidate; skipping it makes each render cheaper.
    rendered = render_many(unique, lang="p5", timeout_s=cfg.render_timeout_s, trace=False) if unique else []
    results = dict(zip(unique, rendered))
    for i, (src, ans) in enumerate(zip(rows, answers)):
        mine = [c for c in cands if c[0] == i]
        errors = [str(r) for _, r in ans if not isinstance(r, str)]
        if len(errors) == len(ans):
            # Every request failed (endpoint down?): leave the row for the next run instead of giving up on it.
            counts["teacher_failed"] = counts.get("teacher_failed", 0) + 1
            log.warning("row %s: all teachers failed: %s", src.key, errors[0][:200])
            continue
        if not mine:
            store.fail(src.key, "no_code", "replies had no p5.js code block")
            counts["no_code"] = counts.get("no_code", 0) + 1
            continue
        ok = [(t, code, ja, results[code]) for _, t, code, ja in mine if results[code].status == "ok"]
        if not ok:
            statuses = sorted({results[c[2]].status for c in mine})
            store.fail(src.key, "render_failed", ",".join(statuses))
            counts["render_failed"] = counts.get("render_failed", 0) + 1
            continue
        scored = []
        for t, code, ja, res in ok:
            sim = None
            if src.image and len(ok) > 1:
                try:
                    sim = image_similarity(src.image, res.png)
                except (OSError, ValueError) as e:  # an unreadable original image must not stop the run
                    log.warning("row %s: cannot compare with the original image: %s", src.key, e)
            scored.append((sim if sim is not None else 0.0, t, code, ja, res))
        # Highest similarity wins; ties keep teacher order (the order of --teacher flags).
        best = max(scored, key=lambda s: s[0])
        sim, teacher, code, ja, res = best
        ja = ja or next((c[2] for c in ok if c[2]), "")
        meta = {"similarity": round(sim, 4) if len(ok) > 1 and src.image else None, "candidates": len(mine),
                "rendered": len(ok), "teachers": sorted({c[1] for c in mine})}
        store.keep(src.key, _make_row(src, code, res.png, teacher, ja, meta))
        counts["kept"] = counts.get("kept", 0) + 1


async def _run(cfg: TranslateConfig, rows: Iterable[TikzRow], store: Store, counts: dict[str, int],
               client: TeacherClient) -> None:
    from tqdm.auto import tqdm

    done = store.done()
    bar = tqdm(desc="translate", unit="row")

    def todo() -> Iterator[TikzRow]:
        for r in rows:
            bar.update(1)
            if r.key in done:
                counts["already_done"] = counts.get("already_done", 0) + 1
            elif not r.caption:
                store.fail(r.key, "no_caption")
                counts["no_caption"] = counts.get("no_caption", 0) + 1
            elif len(r.code) > cfg.max_tikz_chars:
                store.fail(r.key, "tikz_too_long", str(len(r.code)))
                counts["tikz_too_long"] = counts.get("tikz_too_long", 0) + 1
            else:
                done.add(r.key)  # a source listing the same figure twice is translated once
                yield r

    batches = _batches(todo(), cfg.batch_size)
    current = next(batches, None)
    asking = asyncio.ensure_future(_ask(client, cfg, current)) if current else None
    while current is not None:
        answers = await asking
        nxt = next(batches, None)
        # Ask for the next batch while this one renders.
        asking = asyncio.ensure_future(_ask(client, cfg, nxt)) if nxt else None
        await asyncio.to_thread(_settle, current, answers, cfg, store, counts)
        bar.set_postfix(kept=counts.get("kept", 0))
        current = nxt
    bar.close()


def translate(cfg: TranslateConfig) -> dict[str, Any]:
    """Translate the source into `cfg.out/work`, then save the dataset; returns the run's counts."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    store = Store(cfg.out, cfg.split)
    counts: dict[str, int] = {}
    # Read the first row now, so that a source that cannot be read fails before any progress bar starts.
    source = load_tikz_rows(cfg.source, cfg.split, cfg.limit)
    first = next(source, None)
    rows = itertools.chain([first] if first is not None else [], source)

    async def main() -> dict[str, int]:
        client = TeacherClient(cfg.out / "cache", cfg.client)
        try:
            await _run(cfg, rows, store, counts, client)
        finally:
            await client.aclose()
        return client.stats

    stats = asyncio.run(main())
    summary = {"this_run": dict(sorted(counts.items())), "requests": stats}
    finalize(cfg.out, summary)
    return summary


def finalize(out: Path, summary: dict[str, Any] | None = None) -> dict[str, int]:
    """Save every kept row (all splits translated into `out`) as a DatasetDict, parquet and a card."""
    from .io import atomic_write_text, save_dataset

    splits = load_store_rows(out)
    extra: dict[str, Any] = {"failures": failure_counts(out)}
    if summary:
        extra["last_run"] = summary
    if not splits:
        log.warning("no translated rows yet in %s", out)
        atomic_write_text(out / "stats.json", json.dumps({"splits": {}, **extra}, indent=2, ensure_ascii=False) + "\n")
        return {}
    how = ("`python -m dataset translate`: each TikZ program of the source was sent to the teacher models "
           "(OpenAI-compatible endpoints) with its caption; every p5.js candidate was rendered in headless Chromium; "
           "the candidate that rendered was kept and, when several did, the one whose render is most similar "
           "(SSIM of 96x96 grayscale thumbnails) to the original image. Rows without a caption were dropped. "
           "The `teacher` column names the model that wrote each kept program.")
    save_dataset(splits, out, how_made=how, extra_stats=extra)
    return {k: len(v) for k, v in splits.items()}


def add_translate_parser(sub: Any) -> None:
    """The `translate` sub-command's flags."""
    t = sub.add_parser("translate", help="TikZ → p5.js with teacher LLMs (resumable)")
    t.add_argument("--source", required=True,
                   help="hub id (e.g. nllg/datikz-v2) or a local dir / parquet / jsonl in the DaTikZ schema")
    t.add_argument("--split", default="train")
    t.add_argument("--teacher", action="append", required=True, metavar="URL=MODEL",
                   help="OpenAI-compatible endpoint and model, e.g. http://localhost:8000/v1=Qwen/Qwen2.5-72B-Instruct; "
                        "repeat for several teachers")
    t.add_argument("--out", required=True, help="output directory (also holds the cache and the resumable work)")
    t.add_argument("--samples", type=int, default=1, help="candidates asked from each teacher per figure")
    t.add_argument("--limit", type=int, default=None, help="translate only the first N source rows")
    t.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    t.add_argument("--batch-size", type=int, default=64, help="rows asked for together")
    t.add_argument("--max-retries", type=int, default=5)
    t.add_argument("--backoff", type=float, default=1.0, help="first retry wait in seconds (doubles)")
    t.add_argument("--request-timeout", type=float, default=180.0, help="seconds per request")
    t.add_argument("--temperature", type=float, default=0.2)
    t.add_argument("--max-tokens", type=int, default=2048, help="answer length limit sent to the teacher")
    t.add_argument("--max-tikz-chars", type=int, default=12000, help="skip TikZ programs longer than this")
    t.add_argument("--render-timeout", type=float, default=10.0)


def cmd_translate(args: argparse.Namespace) -> int:
    """Run `python -m dataset translate`."""
    try:
        cfg = TranslateConfig(
            source=args.source, split=args.split, teachers=[parse_teacher(t) for t in args.teacher],
            out=Path(args.out), samples_per_teacher=args.samples, limit=args.limit, max_tikz_chars=args.max_tikz_chars,
            batch_size=args.batch_size, render_timeout_s=args.render_timeout,
            client=ClientConfig(concurrency=args.concurrency, max_retries=args.max_retries, backoff_s=args.backoff,
                                timeout_s=args.request_timeout, temperature=args.temperature,
                                max_tokens=args.max_tokens))
        summary = translate(cfg)
    except (SourceError, ValueError) as e:
        log.error("%s", e)
        return 2
    print(json.dumps(summary, ensure_ascii=False))
    return 0
