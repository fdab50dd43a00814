"""Rows derived from rendered rows: sketch→code pairs and annotation edits (strokes drawn on a render)."""
from __future__ import annotations

import logging
import random
from typing import Any

from .schema import row_id
from .sketchify import sketchify_png

__all__ = ["sketch_row", "add_derived_rows", "SKETCH_INSTRUCTIONS"]

log = logging.getLogger(__name__)

SKETCH_INSTRUCTIONS_EN = [
    "Turn this sketch into p5.js code.",
    "Here is a rough drawing of the figure I want. Write the p5.js program.",
    "Redraw my hand-drawn sketch cleanly with p5.js.",
    "Make a clean figure from this sketch: {caption}",
]
SKETCH_INSTRUCTIONS_JA = [
    "このスケッチをp5.jsのコードにして",
    "手描きのラフ図です。これをp5.jsで清書してください。",
    "この下書きをもとにp5.jsで図を描いて",
    "このスケッチから図を作って：{caption}",
]
SKETCH_INSTRUCTIONS = SKETCH_INSTRUCTIONS_EN + SKETCH_INSTRUCTIONS_JA


def sketch_row(row: dict[str, Any], seed: int, ja_fraction: float = 0.4) -> dict[str, Any]:
    """A sketch→code row: the figure's render made sketch-like, the same target program."""
    rnd = random.Random(seed)
    en = [s.format(caption=row["caption_en"]) for s in SKETCH_INSTRUCTIONS_EN]
    ja = [s.format(caption=row["caption_ja"]) for s in SKETCH_INSTRUCTIONS_JA]
    out = dict(row)
    out.update(kind="sketch", code_before="", sketch_text="", instructions=en + ja,
               instruction=rnd.choice(ja if rnd.random() < ja_fraction else en),
               sketch_image=sketchify_png(row["image"], seed))
    out["id"] = f"{row['source']}-" + row_id("sketch", row["id"], str(seed))
    return out


def add_derived_rows(rows: list[dict[str, Any]], seed: int = 0, sketch_fraction: float = 0.15,
                     annotation_fraction: float = 0.1, ja_fraction: float = 0.4) -> list[dict[str, Any]]:
    """New sketch rows (from rendered figures) and annotation-edit rows (from rendered edits)."""
    from tqdm.auto import tqdm

    rnd = random.Random(seed)
    figures = [r for r in rows if r.get("kind") == "figure" and r.get("image")]
    picked = [r for r in figures if rnd.random() < sketch_fraction]
    out = [sketch_row(r, rnd.randrange(2 ** 31), ja_fraction) for r in tqdm(picked, desc="sketch pairs")]
    if annotation_fraction > 0:
        from .annotate import annotation_rows

        out += annotation_rows(rows, seed=seed, fraction=annotation_fraction, ja_fraction=ja_fraction)
    log.info("derived %d rows (%d sketch)", len(out), len(picked))
    return out
