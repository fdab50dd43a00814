"""The figure benchmark (eval/benchmarks/figures-v1.jsonl): loading, row validation and reference verification.

    rows = load_benchmark("figures-v1")          # or a path to any JSONL file in the same format
    summary = verify_benchmark(rows)             # renders every reference_code and runs its checks
"""
from __future__ import annotations

import json
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from .checks import run_checks, summarize, validate_checks

__all__ = ["BENCH_DIR", "ROW_KEYS", "resolve_benchmark", "read_rows", "row_errors", "load_benchmark",
           "verify_benchmark", "select_subset"]

log = logging.getLogger(__name__)

BENCH_DIR = Path(__file__).resolve().parent / "benchmarks"
REQUIRED = ("id", "prompt", "lang", "category", "checks", "reference_code")
OPTIONAL = ("code_before", "note")
ROW_KEYS = REQUIRED + OPTIONAL
LANGS = ("en", "ja")


def resolve_benchmark(name_or_path: str | Path) -> Path:
    """A benchmark name (figures-v1 → eval/benchmarks/figures-v1.jsonl) or a path to a JSONL file."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    name = str(name_or_path)
    if re.fullmatch(r"[\w.-]+", name):
        cand = BENCH_DIR / (name if name.endswith(".jsonl") else name + ".jsonl")
        if cand.is_file():
            return cand
    known = sorted(q.stem for q in BENCH_DIR.glob("*.jsonl")) if BENCH_DIR.is_dir() else []
    raise FileNotFoundError(f"no benchmark {name!r}: not a file, and not a name in {BENCH_DIR} "
                            f"(known: {', '.join(known) or 'none'})")


def read_rows(path: Path) -> list[dict[str, Any]]:
    """JSON objects, one per non-empty line; a bad line is a ValueError naming its line number."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not valid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{n}: a row must be a JSON object, got {type(row).__name__}")
            rows.append(row)
    return rows


def row_errors(row: dict[str, Any]) -> list[str]:
    """Readable schema errors of one benchmark row ([] when well formed)."""
    errs = [f"missing {k!r}" for k in REQUIRED if k not in row]
    errs += [f"unknown key {k!r} (keys: {', '.join(ROW_KEYS)})" for k in row if k not in ROW_KEYS]
    if "id" in row and not (isinstance(row["id"], str) and row["id"].strip()):
        errs.append("id must be a non-empty string")
    for k in ("prompt", "category", "reference_code"):
        if k in row and not (isinstance(row[k], str) and row[k].strip()):
            errs.append(f"{k} must be a non-empty string")
    if "lang" in row and row["lang"] not in LANGS:
        errs.append(f"lang must be 'en' or 'ja', got {row['lang']!r}")
    if "code_before" in row and not (isinstance(row["code_before"], str) and row["code_before"].strip()):
        errs.append("code_before, when present, must be a non-empty string (the program being edited)")
    if "checks" in row:
        errs += validate_checks(row["checks"])
    return errs


def _all_errors(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """{row id (or '#N'): errors} over the rows, duplicate ids included."""
    out: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for i, r in enumerate(rows, 1):
        key = str(r.get("id") or f"#{i}")
        errs = row_errors(r)
        if key in seen:
            errs.append(f"duplicate id (also row {seen[key]})")
        seen.setdefault(key, i)
        if errs:
            out.setdefault(key, []).extend(errs)
    return out


def load_benchmark(name_or_path: str | Path, validate: bool = True) -> list[dict[str, Any]]:
    """The rows of a benchmark; with validate, a ValueError listing the first bad rows."""
    path = resolve_benchmark(name_or_path)
    rows = read_rows(path)
    if not rows:
        raise ValueError(f"{path}: no rows")
    if validate:
        bad = _all_errors(rows)
        if bad:
            lines = [f"{rid}: {'; '.join(errs)}" for rid, errs in list(bad.items())[:10]]
            more = f" (and {len(bad) - 10} more rows)" if len(bad) > 10 else ""
            raise ValueError(f"{path}: {len(bad)} malformed row(s){more}:\n" + "\n".join(lines))
    return rows


def verify_benchmark(rows: list[dict[str, Any]], render_many: Callable[..., list[Any]] | None = None,
                     timeout_s: float = 10.0, progress: bool = False) -> dict[str, Any]:
    """Render every reference (and every code_before) and run the row's checks; the summary JSON object.

    A row fails when it is malformed, its reference does not render or fails a check, its code_before does not
    render, or its code_before already passes every check (then the checks cannot tell whether the edit was made).
    """
    if render_many is None:
        from render import render_many
    failing = _all_errors(rows)
    good = [r for r in rows if str(r.get("id")) not in failing and str(r.get("id") or "")]
    refs = render_many([r["reference_code"] for r in good], lang="p5", timeout_s=timeout_s, progress=progress)
    edits = [r for r in good if r.get("code_before")]
    befores = dict(zip((id(r) for r in edits), render_many([r["code_before"] for r in edits], lang="p5",
                                                           timeout_s=timeout_s, progress=progress)))
    passing = 0
    for row, res in zip(good, refs):
        reasons = []
        if not res.ok:
            reasons.append(f"reference_code did not render ({res.status}: {res.error or 'nothing drawn'}"
                           + (f", line {res.line}" if res.line else "") + ")")
        else:
            outs = run_checks(row["checks"], res)
            reasons += [f"check {i} ({o.check.get('type')}): {o.reason}" for i, o in enumerate(outs, 1)
                        if not o.passed]
        if id(row) in befores:
            before = befores[id(row)]
            if not before.ok:
                reasons.append(f"code_before did not render ({before.status}: {before.error or 'nothing drawn'})")
            elif summarize(run_checks(row["checks"], before))[0]:
                reasons.append("code_before already passes every check: the checks do not test the edit")
        if reasons:
            failing[str(row["id"])] = reasons
        else:
            passing += 1
    cats = Counter(r["category"] for r in rows if isinstance(r.get("category"), str) and r["category"].strip())
    return {
        **_counts(rows, cats, passing, failing),
        "too_close_to_training": leaked_prompts(rows),
    }


def leaked_prompts(rows: list[dict[str, Any]], n: int = 3000, seed: int = 0) -> dict[str, str]:
    """{id: "0.78 'nearest training text'"} for prompts at or above eval.leakage.THRESHOLD."""
    from .leakage import THRESHOLD, nearest, training_texts

    prompts = [str(r.get("prompt") or "") for r in rows]
    if not any(prompts):
        return {}
    texts = training_texts(n=n, seed=seed)
    out = {}
    for r, (j, sim) in zip(rows, nearest(prompts, texts)):
        if sim >= THRESHOLD:
            out[str(r.get("id"))] = f"{sim:.2f} {texts[j]!r}"
    return out


def _counts(rows: list[dict[str, Any]], cats: Counter, passing: int, failing: dict[str, list[str]]) -> dict[str, Any]:
    """The summary's counts."""
    return {
        "prompts": len(rows),
        "ja": sum(r.get("lang") == "ja" for r in rows),
        "categories": len(cats),
        "edit_rows": sum(bool(r.get("code_before")) for r in rows),
        "references_pass": passing,
        "failing": failing,
        "by_category": dict(sorted(cats.items())),
    }


def select_subset(rows: list[dict[str, Any]], limit: int | None, seed: int = 0) -> list[dict[str, Any]]:
    """A deterministic, representative subset: round-robin over categories, alternating languages.

    Every category gets a row before any gets a second; within a category, rows of the language seen less so
    far come first, so both languages appear whenever the benchmark has both. Order within a category is a
    seeded shuffle, so a different seed gives a different (equally balanced) subset.
    """
    import random

    if limit is None or limit >= len(rows):
        return list(rows)
    if limit < 1:
        raise ValueError(f"--limit must be >= 1, got {limit}")
    rng = random.Random(seed)
    by_cat: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_cat.setdefault(str(r.get("category")), []).append(r)
    for lst in by_cat.values():
        rng.shuffle(lst)
    cats = sorted(by_cat)
    rng.shuffle(cats)
    lang_count: Counter[str] = Counter()
    picked: list[dict[str, Any]] = []
    while len(picked) < limit:
        progressed = False
        for c in cats:
            if len(picked) >= limit:
                break
            lst = by_cat[c]
            if not lst:
                continue
            # the row whose language has been picked least so far
            k = min(range(len(lst)), key=lambda i: (lang_count[str(lst[i].get("lang"))], i))
            r = lst.pop(k)
            picked.append(r)
            lang_count[str(r.get("lang"))] += 1
            progressed = True
        if not progressed:
            break
    order = {id(r): i for i, r in enumerate(rows)}
    return sorted(picked, key=lambda r: order[id(r)])
