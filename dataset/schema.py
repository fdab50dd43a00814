"""The dataset row schema shared with train.py and eval/ (see docs/architecture.md)."""
from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["COLUMNS", "KINDS", "empty_row", "row_id", "features", "group_key"]

COLUMNS: list[str] = [
    "id", "source", "family", "kind", "lang", "caption_en", "caption_ja", "instructions", "instruction",
    "code_before", "sketch_text", "code", "image", "sketch_image", "params", "teacher",
]
KINDS = ("figure", "edit", "annotation_edit", "sketch")


def empty_row() -> dict[str, Any]:
    """A row with every column present and empty values of the right type."""
    return {
        "id": "", "source": "synth", "family": "", "kind": "figure", "lang": "p5", "caption_en": "",
        "caption_ja": "", "instructions": [], "instruction": "", "code_before": "", "sketch_text": "", "code": "",
        "image": None, "sketch_image": None, "params": "{}", "teacher": "",
    }


def row_id(*parts: str) -> str:
    """Stable id: a short hash of the parts that make a row what it is."""
    h = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    return h


def group_key(row: dict[str, Any]) -> str:
    """Key that keeps a figure and everything derived from it in the same split."""
    if row.get("source") == "synth":
        params = json.loads(row.get("params") or "{}")
        # Edit rows carry the parameters they started from under "before": group by those.
        base = params.get("before", params)
        return row["family"] + ":" + json.dumps(base, sort_keys=True)
    return row.get("params") or row["id"]


def features():
    """`datasets.Features` of a row (imported lazily: `datasets` is slow to import)."""
    import datasets

    return datasets.Features({
        "id": datasets.Value("string"),
        "source": datasets.Value("string"),
        "family": datasets.Value("string"),
        "kind": datasets.Value("string"),
        "lang": datasets.Value("string"),
        "caption_en": datasets.Value("string"),
        "caption_ja": datasets.Value("string"),
        "instructions": datasets.Sequence(datasets.Value("string")),
        "instruction": datasets.Value("string"),
        "code_before": datasets.Value("string"),
        "sketch_text": datasets.Value("string"),
        "code": datasets.Value("string"),
        "image": datasets.Image(),
        "sketch_image": datasets.Image(),
        "params": datasets.Value("string"),
        "teacher": datasets.Value("string"),
    })
