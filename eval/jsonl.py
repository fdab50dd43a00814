"""JSON-lines files: strict reading with line numbers, and crash-safe appending for resumable runs."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

__all__ = ["read_jsonl", "repair_tail", "JsonlAppender", "write_jsonl"]


class JsonlError(ValueError):
    """A JSON-lines file that cannot be read as rows; the message names the file and line."""


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """All rows of a JSON-lines file; blank lines are skipped, anything else that is not an object is an error."""
    path = Path(path)
    if not path.is_file():
        raise JsonlError(f"{path}: no such file")
    rows = []
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise JsonlError(f"{path}:{i}: not valid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise JsonlError(f"{path}:{i}: expected a JSON object, got {type(row).__name__}")
            rows.append(row)
    return rows


def repair_tail(path: str | Path) -> int:
    """Drop a half-written last line (left by a crash) so appending can resume; returns rows kept."""
    path = Path(path)
    if not path.exists():
        return 0
    data = path.read_bytes()
    lines = data.split(b"\n")
    good: list[bytes] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            json.loads(line)
        except json.JSONDecodeError:
            # Only the last non-empty line may be broken; damage elsewhere is not ours to repair.
            if any(x.strip() for x in lines[i + 1:]):
                raise JsonlError(f"{path}:{i + 1}: not valid JSON in the middle of the file; fix or remove it")
            break
        good.append(line)
    fixed = b"".join(x + b"\n" for x in good)
    if fixed != data:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(fixed)
        os.replace(tmp, path)
    return len(good)


class JsonlAppender:
    """Appends one row per line, flushed and synced, so a killed run loses at most the row being written."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = self.path.open("a", encoding="utf-8")

    def write(self, row: dict[str, Any]) -> None:
        """Write one row as a single line and push it to disk."""
        self._f.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._f.flush()
        os.fsync(self._f.fileno())

    def close(self) -> None:
        """Close the file."""
        self._f.close()

    def __enter__(self) -> "JsonlAppender":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows to a new file atomically; returns how many."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    os.replace(tmp, path)
    return n


def iter_ids(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The `id` of each row as a string."""
    for r in rows:
        yield str(r.get("id"))
