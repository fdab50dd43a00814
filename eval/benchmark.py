"""Benchmark prompt files: the synthetic test split, a saved dataset's test split, and DaTikZ through the translator."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

from .jsonl import write_jsonl

__all__ = ["prompt_row", "synth_prompts", "dataset_prompts", "translate_datikz", "DATIKZ_TEST_ROWS"]

log = logging.getLogger(__name__)

DATIKZ_TEST_ROWS = 442  # redistributable test rows of nllg/datikz-v2


def prompt_row(row: dict[str, Any], image_dir: Path | None = None) -> dict[str, Any]:
    """A prompts-file row from a dataset row: the trained instruction, its reference program and caption."""
    out: dict[str, Any] = {
        "id": row["id"], "prompt": row["instruction"], "reference_code": row["code"],
        "caption": row.get("caption_en") or "", "lang": row.get("lang") or "p5",
        "source": row.get("source") or "", "family": row.get("family") or "", "kind": row.get("kind") or "",
    }
    if row.get("code_before"):
        out["code_before"] = row["code_before"]
    if row.get("sketch_text"):
        out["sketch_text"] = row["sketch_text"]
    sketch = row.get("sketch_image")
    if sketch and image_dir is not None:
        from dataset.io import to_png_bytes

        image_dir.mkdir(parents=True, exist_ok=True)
        path = image_dir / f"{row['id']}.png"
        path.write_bytes(to_png_bytes(sketch))
        out["image"] = str(path)
    return out


def synth_prompts(out: str | Path, n: int = 10000, seed: int = 0, test_fraction: float = 0.05,
                  kinds: tuple[str, ...] = ("figure", "edit")) -> int:
    """Write the synthetic test split (same rows and split as `python -m dataset synth --n N --seed S`)."""
    from dataset.synth import make_rows, split_rows

    rows = make_rows(n, seed=seed)
    test = [r for r in split_rows(rows, test_fraction=test_fraction, seed=seed)["test"] if r["kind"] in kinds]
    count = write_jsonl(out, (prompt_row(r) for r in test))
    log.info("wrote %d synthetic test prompts to %s (from %d rows, seed %d)", count, out, len(rows), seed)
    return count


def dataset_prompts(src: str | Path, out: str | Path, split: str = "test") -> int:
    """Write the prompts for a saved dataset's split (sketch images go next to the prompts file)."""
    from dataset.io import load_rows

    rows = load_rows(src, split=split)
    if not rows:
        raise ValueError(f"{src}: split {split!r} holds no rows")
    out = Path(out)
    image_dir = out.with_name(out.stem + "_images")
    count = write_jsonl(out, (prompt_row(r, image_dir) for r in rows))
    log.info("wrote %d prompts from %s[%s] to %s", count, src, split, out)
    return count


def translate_datikz(work_dir: str | Path, teachers: list[str], source: str = "nllg/datikz-v2",
                     extra: list[str] | None = None) -> Path:
    """Run the dataset translator on DaTikZ's test split (needs the hub and a teacher endpoint); returns its dir."""
    if not teachers:
        raise ValueError("give at least one --teacher URL=MODEL (an OpenAI-compatible endpoint and model name)")
    work_dir = Path(work_dir)
    cmd = [sys.executable, "-m", "dataset", "translate", "--source", source, "--split", "test",
           "--out", str(work_dir)]
    for t in teachers:
        cmd += ["--teacher", t]
    cmd += list(extra or [])
    log.info("running: %s", " ".join(cmd))
    done = subprocess.run(cmd)
    if done.returncode != 0:
        raise RuntimeError(f"the dataset translator failed (exit {done.returncode}); see its messages above")
    return work_dir
