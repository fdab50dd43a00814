"""Annotation-edit rows: hand-like marks on the render of the program being edited, pointing at what changes.

The marks come from `sketch.synth.make_sketch`, restricted to the draw calls that the edit changes (found by
comparing the renders before and after), and the row's `sketch_text` is what `sketch.analyze(...).describe()`
says about them — the same text the app puts into a request.
"""
from __future__ import annotations

import io
import logging
import random
from typing import Any, Sequence

import numpy as np
from PIL import Image

from .schema import row_id

__all__ = ["changed_calls", "annotation_row", "annotation_rows"]

log = logging.getLogger(__name__)

_EN = ["{en} I marked the place on the figure.", "See my marks on the figure: {en}", "{en}"]
_JA = ["図に印を付けたところ：{ja}", "{ja}（図の印の部分）", "{ja}"]
# Marks that point at something; cross-outs and handwriting would contradict most parameter edits.
_KINDS = ("circle", "rectangle", "selection", "arrow")
_MAX_SHARE = 0.6  # an edit that changes more of the figure than this is not local enough to point at


def _open(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def changed_calls(before_png: bytes, after_png: bytes, trace: Sequence[Any], min_pixels: int = 6) -> list[Any]:
    """Draw calls of the `before` render that sit where the picture changes (empty when sizes differ)."""
    a, b = _open(before_png), _open(after_png)
    if a.shape != b.shape:
        return []
    diff = np.abs(a - b).sum(axis=2) > 40
    if not diff.any():
        return []
    h, w = diff.shape
    out = []
    for c in trace:
        if c.bbox is None or c.kind not in ("shape", "line", "text"):
            continue
        x0, y0, x1, y1 = (int(max(0, min(w, round(v)))) for v in (c.bbox[0], c.bbox[1], c.bbox[2], c.bbox[3]))
        if x1 <= x0 or y1 <= y0:
            continue
        if int(diff[y0:y1, x0:x1].sum()) >= min_pixels:
            out.append(c)
    return out


def annotation_row(edit: dict[str, Any], before: Any, after: Any, seed: int,
                   ja_fraction: float = 0.4) -> dict[str, Any] | None:
    """An annotation_edit row from an edit row and the renders of its two programs (None if not local)."""
    from sketch import SketchError, analyze
    from sketch.synth import make_sketch

    usable = [c for c in before.trace if c.bbox is not None and c.kind in ("shape", "line", "text")]
    targets = changed_calls(before.png, after.png, before.trace)
    if not targets or len(targets) > _MAX_SHARE * max(1, len(usable)):
        return None
    rng = np.random.default_rng(seed)
    kind = _KINDS[int(rng.integers(len(_KINDS)))]
    try:
        sk = make_sketch(before.image, targets, rng, kinds=[kind])
    except ValueError:  # the targets are too small or too crowded to mark
        return None
    if not sk.groups:
        return None
    try:
        analysis = analyze(sk.value, figure_size=(before.width, before.height), trace=before.trace)
    except SketchError as e:
        log.debug("annotation for %s not readable: %s", edit["id"], e)
        return None
    text = analysis.describe()
    composite = Image.fromarray(np.asarray(sk.value["composite"])).convert("RGB")
    composite = composite.resize((before.width, before.height), Image.BILINEAR)
    buf = io.BytesIO()
    composite.save(buf, format="PNG")
    en, ja = edit["instructions"][0], edit["instructions"][-1]
    rnd = random.Random(seed)
    en_all = [t.format(en=en) for t in _EN]
    ja_all = [t.format(ja=ja) for t in _JA]
    row = dict(edit)
    row.update(kind="annotation_edit", sketch_text=text, sketch_image=buf.getvalue(), instructions=en_all + ja_all,
               instruction=rnd.choice(ja_all if rnd.random() < ja_fraction else en_all), image=after.png)
    row["id"] = f"{edit['source']}-" + row_id("annotation_edit", edit["id"], str(seed))
    return row


def annotation_rows(rows: list[dict[str, Any]], seed: int = 0, fraction: float = 0.1, ja_fraction: float = 0.4,
                    timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """Annotation edits for about `fraction` of the edit rows (those whose change is local enough)."""
    try:
        import sketch.synth  # noqa: F401
    except ImportError as e:
        log.warning("sketch.synth is not available (%s): no annotation edits", e)
        return []
    from tqdm.auto import tqdm

    from .validate import render_codes

    rnd = random.Random(seed + 1)
    picked = [r for r in rows if r.get("kind") == "edit" and rnd.random() < fraction]
    if not picked:
        return []
    results = render_codes([c for r in picked for c in (r["code_before"], r["code"])], timeout_s)
    out, skipped = [], 0
    for r in tqdm(picked, desc="annotation edits"):
        before, after = results[r["code_before"]], results[r["code"]]
        if not (before.ok and after.ok):
            skipped += 1
            continue
        row = annotation_row(r, before, after, rnd.randrange(2 ** 31), ja_fraction)
        if row is None:
            skipped += 1
        else:
            out.append(row)
    log.info("annotation edits: %d made, %d edits not local enough or not markable", len(out), skipped)
    return out
