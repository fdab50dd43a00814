"""Procedural figure rows (text→code) and parameter-change edit turns (code+instruction→code), no rendering."""
from __future__ import annotations

import hashlib
import json
import logging
import random
from dataclasses import dataclass, field
from typing import Any

from .families import FAMILIES, get_family
from .families._base import Edit, Family
from .schema import empty_row, group_key, row_id

__all__ = ["SynthConfig", "make_rows", "figure_row", "edit_row", "split_rows"]

log = logging.getLogger(__name__)


@dataclass
class SynthConfig:
    """How many rows to make and in what mix."""

    n: int = 1000
    seed: int = 0
    families: list[str] = field(default_factory=list)  # empty: every family
    edit_fraction: float = 0.4  # share of rows that are edit turns
    ja_fraction: float = 0.4  # share of rows whose trained instruction is Japanese

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"n must be >= 0, got {self.n}")
        for name in ("edit_fraction", "ja_fraction"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {v}")
        unknown = [f for f in self.families if f not in FAMILIES]
        if unknown:
            raise ValueError(f"unknown families {unknown}; known: {sorted(FAMILIES)}")


def _pick_instruction(en: list[str], ja: list[str], rng: random.Random, ja_fraction: float) -> str:
    """One phrasing, Japanese with probability `ja_fraction`."""
    pool = ja if (ja and (rng.random() < ja_fraction or not en)) else en
    return rng.choice(pool)


def figure_row(fam: Family, p: dict, rng: random.Random, ja_fraction: float = 0.4) -> dict[str, Any]:
    """A text→code row for parameters `p`."""
    en, ja = fam.instructions(p)
    cap_en, cap_ja = fam.caption(p)
    row = empty_row()
    row.update(
        family=fam.name, kind="figure", caption_en=cap_en, caption_ja=cap_ja, instructions=en + ja,
        instruction=_pick_instruction(en, ja, rng, ja_fraction), code=fam.code(p),
        params=json.dumps(p, ensure_ascii=False, sort_keys=True),
    )
    row["id"] = "synth-" + row_id("figure", fam.name, row["instruction"], row["code"])
    return row


def edit_row(fam: Family, p: dict, edit: Edit, rng: random.Random, ja_fraction: float = 0.4) -> dict[str, Any]:
    """A code+instruction→code row that turns the program for `p` into the one for `edit.params`."""
    cap_en, cap_ja = fam.caption(edit.params)
    params = dict(edit.params)
    params["before"] = p
    row = empty_row()
    row.update(
        family=fam.name, kind="edit", caption_en=cap_en, caption_ja=cap_ja, instructions=[edit.en, edit.ja],
        instruction=_pick_instruction([edit.en], [edit.ja], rng, ja_fraction), code_before=fam.code(p),
        code=fam.code(edit.params), params=json.dumps(params, ensure_ascii=False, sort_keys=True),
    )
    row["id"] = "synth-" + row_id("edit", fam.name, row["code_before"], row["instruction"], row["code"])
    return row


def make_rows(n: int, seed: int = 0, families: list[str] | None = None, edit_fraction: float = 0.4,
              ja_fraction: float = 0.4) -> list[dict[str, Any]]:
    """`n` distinct rows (figures and edit turns), the same for the same arguments; `image` is left None."""
    cfg = SynthConfig(n=n, seed=seed, families=list(families or []), edit_fraction=edit_fraction,
                      ja_fraction=ja_fraction)
    names = cfg.families or sorted(FAMILIES)
    rng = random.Random(cfg.seed)
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    attempts = 0
    # Small parameter spaces can run out of new rows; stop rather than loop forever.
    max_attempts = 50 * n + 100
    while len(rows) < n and attempts < max_attempts:
        attempts += 1
        fam = get_family(names[attempts % len(names)])  # round robin keeps the families balanced
        p = fam.sample(rng)
        if rng.random() < cfg.edit_fraction:
            edits = [e for e in fam.edits(p, rng) if e.params != p]
            if not edits:
                continue
            row = edit_row(fam, p, rng.choice(edits), rng, cfg.ja_fraction)
            if row["code"] == row["code_before"]:
                continue
        else:
            row = figure_row(fam, p, rng, cfg.ja_fraction)
        key = (row["code_before"], row["instruction"], row["code"])
        if key in seen:
            continue
        seen.add(key)
        rows.append(row)
    if len(rows) < n:
        log.warning("only %d distinct rows could be made (asked for %d)", len(rows), n)
    return rows


def split_rows(rows: list[dict[str, Any]], test_fraction: float = 0.05, seed: int = 0) -> dict[str, list[dict]]:
    """Deterministic train/test split by figure group, so edits of a test figure never land in train."""
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
    out: dict[str, list[dict]] = {"train": [], "test": []}
    for row in rows:
        h = hashlib.sha1(f"{seed}\x1f{group_key(row)}".encode("utf-8")).digest()
        u = int.from_bytes(h[:8], "big") / 2 ** 64
        out["test" if u < test_fraction else "train"].append(row)
    return out
