"""Validation: render every row, drop failures, blanks, duplicates and over-long programs; count every reason."""
from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .tokens import TokenCounter, load_counter

__all__ = ["ValidateConfig", "ValidateReport", "validate_rows", "normalize_code", "code_similarity",
           "render_codes"]

log = logging.getLogger(__name__)

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


@dataclass
class ValidateConfig:
    """What validation checks and how strictly."""

    token_budget: int = 2048  # the research's models cut programs off at 2,048 tokens
    over_budget: str = "drop"  # "drop" or "flag" (keep, list the ids)
    tokenizer: str | None = None  # local tokenizer; None: approximate count
    near_dup_threshold: float = 0.95  # line-set Jaccard similarity at which two programs count as one
    timeout_s: float = 10.0
    check_traces: bool = True  # synth rows: the draw trace must match the generator's parameters
    batch_size: int = 256

    def __post_init__(self) -> None:
        if self.over_budget not in ("drop", "flag"):
            raise ValueError(f"over_budget must be 'drop' or 'flag', got {self.over_budget!r}")
        if self.token_budget <= 0:
            raise ValueError("token_budget must be positive")
        if not 0.0 < self.near_dup_threshold <= 1.0:
            raise ValueError("near_dup_threshold must be in (0, 1]")


@dataclass
class ValidateReport:
    """Counts per reason (`kept` included), the ids over the token budget, and each dropped id's reason."""

    counts: dict[str, int] = field(default_factory=dict)
    flagged: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    tokenizer: str = ""


def normalize_code(code: str) -> str:
    """Code without comments, blank lines or layout whitespace (what a duplicate check should compare)."""
    code = _COMMENT.sub("", code)
    lines = [re.sub(r"\s+", " ", ln).strip() for ln in code.splitlines()]
    return "\n".join(ln for ln in lines if ln)


def _norm_text(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def code_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the normalised line sets of two programs (1.0: same lines)."""
    la, lb = set(normalize_code(a).splitlines()), set(normalize_code(b).splitlines())
    if not la and not lb:
        return 1.0
    return len(la & lb) / len(la | lb)


def render_codes(codes: Sequence[str], timeout_s: float, batch_size: int = 256,
                 renderer: Callable[..., list] | None = None, trace: bool = True) -> dict[str, Any]:
    """Render each distinct program once (batched, with a progress bar); returns {code: RenderResult}."""
    from tqdm.auto import tqdm

    if renderer is None:
        try:
            from render import render_many as renderer
        except ImportError as e:
            raise RuntimeError(f"render/ is not importable ({e}); install the project or run with --no-render") from e
    unique = list(dict.fromkeys(codes))
    out: dict[str, Any] = {}
    with tqdm(total=len(unique), desc="render", unit="prog") as bar:
        for i in range(0, len(unique), batch_size):
            chunk = unique[i:i + batch_size]
            for code, res in zip(chunk, renderer(chunk, lang="p5", timeout_s=timeout_s, trace=trace)):
                out[code] = res
            bar.update(len(chunk))
    return out


def _drop(report: ValidateReport, row: dict, reason: str) -> None:
    report.counts[reason] = report.counts.get(reason, 0) + 1
    report.dropped[row["id"]] = reason


def _trace_problems(row: dict, trace: Sequence[Any]) -> list[str]:
    """For synth rows, compare the draw trace with the generator's parameters."""
    from .families import FAMILIES

    fam = FAMILIES.get(row.get("family", ""))
    if row.get("source") != "synth" or fam is None:
        return []
    params = json.loads(row["params"])
    params.pop("before", None)
    return fam.check(params, trace)


def validate_rows(rows: list[dict[str, Any]], cfg: ValidateConfig | None = None,
                  renderer: Callable[..., list] | None = None,
                  counter: TokenCounter | None = None) -> tuple[list[dict[str, Any]], ValidateReport]:
    """Rows that pass every check (with `image` set to their render) and a report of what was dropped and why."""
    cfg = cfg or ValidateConfig()
    counter = counter or load_counter(cfg.tokenizer)
    report = ValidateReport(tokenizer=counter.name)
    log.info("validating %d rows (tokens: %s, budget %d, %s)", len(rows), counter.name, cfg.token_budget,
             cfg.over_budget)

    # 1. Cheap text checks first, so nothing is rendered for a row that would be dropped anyway.
    stage: list[dict[str, Any]] = []
    seen_exact: set[str] = set()
    for row in rows:
        if not (row.get("code") or "").strip():
            _drop(report, row, "empty_code")
            continue
        if row.get("kind") in ("edit", "annotation_edit") and not (row.get("code_before") or "").strip():
            _drop(report, row, "edit_without_code_before")
            continue
        if not (row.get("instruction") or "").strip():
            _drop(report, row, "empty_instruction")
            continue
        key = hashlib.sha1("\x1f".join([row.get("kind", ""), row.get("code_before", ""), row["instruction"],
                                        row["code"], row.get("sketch_text", "")]).encode()).hexdigest()
        if key in seen_exact:
            _drop(report, row, "exact_duplicate")
            continue
        seen_exact.add(key)
        n_tok = counter.count(row["code"])
        if n_tok > cfg.token_budget:
            if cfg.over_budget == "drop":
                _drop(report, row, "over_token_budget")
                continue
            report.flagged.append(row["id"])
        stage.append(row)

    # 2. Near duplicates: the same request answered with (almost) the same program.
    groups: dict[str, list[dict[str, Any]]] = {}
    kept_text: list[dict[str, Any]] = []
    for row in stage:
        g = "\x1f".join([row.get("kind", ""), _norm_text(row["instruction"]), normalize_code(row.get("code_before", "")),
                         row.get("sketch_text", "")])
        norm_lines = set(normalize_code(row["code"]).splitlines())
        dup = False
        for other in groups.get(g, []):
            ol = other["_lines"]
            union = len(norm_lines | ol) or 1
            if len(norm_lines & ol) / union >= cfg.near_dup_threshold:
                dup = True
                break
        if dup:
            _drop(report, row, "near_duplicate")
            continue
        groups.setdefault(g, []).append({"_lines": norm_lines})
        kept_text.append(row)

    # 3. Render the target programs (and the programs being edited), each distinct one once.
    codes = [r["code"] for r in kept_text] + [r["code_before"] for r in kept_text if r.get("code_before")]
    # Only the trace checks of procedural rows read the draw trace.
    need_trace = cfg.check_traces and any(r.get("source") == "synth" for r in kept_text)
    results = render_codes(codes, cfg.timeout_s, cfg.batch_size, renderer, trace=need_trace) if codes else {}
    kept: list[dict[str, Any]] = []
    for row in kept_text:
        res = results[row["code"]]
        if res.status != "ok":
            _drop(report, row, f"render_{res.status}")
            continue
        if row.get("code_before"):
            before = results[row["code_before"]]
            if before.status != "ok":
                _drop(report, row, f"code_before_{before.status}")
                continue
        if cfg.check_traces:
            problems = _trace_problems(row, res.trace)
            if problems:
                log.debug("trace mismatch %s: %s", row["id"], problems[:3])
                _drop(report, row, "trace_mismatch")
                continue
        out = dict(row)
        out["image"] = res.png
        kept.append(out)
    report.counts["kept"] = len(kept)
    report.counts = dict(sorted(report.counts.items()))
    log.info("validation: %s", report.counts)
    return kept, report
