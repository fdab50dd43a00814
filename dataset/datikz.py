"""Reading TikZ-with-caption rows in the DaTikZ schema (caption, code, image, uri, origin, date)."""
from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

__all__ = ["TikzRow", "load_tikz_rows", "SourceError"]

log = logging.getLogger(__name__)


class SourceError(ValueError):
    """The translation source cannot be read (bad path, no network for a hub id, wrong schema)."""


@dataclass
class TikzRow:
    """One source figure: its TikZ program, caption and original image (PNG bytes or None)."""

    key: str
    caption: str
    code: str
    image: bytes | None
    uri: str = ""
    origin: str = ""
    date: str = ""


def _image_bytes(value: Any, base: Path) -> bytes | None:
    """PNG/JPEG bytes from a datasets image dict, a PIL image, bytes, base64 text or a path relative to `base`."""
    if value is None or value == "":
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, dict):
        if value.get("bytes"):
            return value["bytes"]
        return _image_bytes(value.get("path"), base)
    if isinstance(value, str):
        if value.startswith("data:"):
            return base64.b64decode(value.split(",", 1)[1])
        p = Path(value) if Path(value).is_absolute() else base / value
        if p.is_file():
            return p.read_bytes()
        raise SourceError(f"image file {p} does not exist")
    if hasattr(value, "save"):
        import io

        buf = io.BytesIO()
        value.save(buf, format="PNG")
        return buf.getvalue()
    raise SourceError(f"cannot read an image from a {type(value).__name__}")


def _row(rec: dict[str, Any], base: Path) -> TikzRow:
    if "code" not in rec:
        raise SourceError(f"row has no 'code' column (DaTikZ schema: caption, code, image, uri, origin, date); "
                          f"got {sorted(rec)}")
    code = rec.get("code") or ""
    caption = (rec.get("caption") or "").strip()
    # The key depends on the content only, so a rerun (or a reshuffled source) finds the same rows.
    key = hashlib.sha1(f"{caption}\x1f{code}".encode("utf-8")).hexdigest()[:16]
    return TikzRow(key=key, caption=caption, code=code, image=_image_bytes(rec.get("image"), base),
                   uri=str(rec.get("uri") or ""), origin=str(rec.get("origin") or ""), date=str(rec.get("date") or ""))


def _iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as e:
                    raise SourceError(f"{path}:{n}: not JSON ({e})") from e


def _iter_dataset(ds: Any) -> Iterator[dict[str, Any]]:
    import datasets

    if "image" in ds.column_names:
        ds = ds.cast_column("image", datasets.Image(decode=False))
    yield from ds


def load_tikz_rows(source: str, split: str = "train", limit: int | None = None) -> Iterator[TikzRow]:
    """Rows of a hub dataset id, a saved dataset dir, a parquet file/dir or a jsonl file/dir, in source order."""
    p = Path(source)
    n = 0
    for rec, base in _records(source, p, split):
        yield _row(rec, base)
        n += 1
        if limit is not None and n >= limit:
            return


def _records(source: str, p: Path, split: str) -> Iterator[tuple[dict[str, Any], Path]]:
    import datasets

    if p.exists():
        if p.is_file() and p.suffix == ".jsonl":
            yield from ((r, p.parent) for r in _iter_jsonl(p))
            return
        if p.is_file() and p.suffix == ".parquet":
            yield from ((r, p.parent) for r in _iter_dataset(datasets.Dataset.from_parquet(str(p))))
            return
        if p.is_dir():
            if (p / "dataset_dict.json").exists():
                yield from ((r, p) for r in _iter_dataset(datasets.load_from_disk(str(p))[split]))
                return
            if (p / "dataset_info.json").exists():
                yield from ((r, p) for r in _iter_dataset(datasets.load_from_disk(str(p))))
                return
            for pattern, kind in ((f"{split}*.jsonl", "jsonl"), (f"**/{split}*.parquet", "parquet"),
                                  ("*.jsonl", "jsonl"), ("**/*.parquet", "parquet")):
                files = sorted(p.glob(pattern))
                if files:
                    for f in files:
                        if kind == "jsonl":
                            yield from ((r, f.parent) for r in _iter_jsonl(f))
                        else:
                            yield from ((r, f.parent) for r in _iter_dataset(datasets.Dataset.from_parquet(str(f))))
                    return
        raise SourceError(f"{source}: no jsonl, parquet or saved dataset found")
    if "/" not in source or source.startswith((".", "/")):
        raise SourceError(f"{source}: no such file or directory")
    try:
        ds = datasets.load_dataset(source, split=split)
    except Exception as e:  # offline, unknown id, gated: all end the same way for the user
        raise SourceError(f"cannot load {source!r} (split {split!r}) from the hub: {e}. Without network, download "
                          f"it elsewhere and pass the local directory or parquet files as --source.") from e
    yield from ((r, Path(".")) for r in _iter_dataset(ds))
