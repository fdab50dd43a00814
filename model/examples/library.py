"""The worked-examples library: short p5.js programs with captions, tags and checks, read from programs/*.js."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["Example", "LIBRARY_DIR", "load_library", "parse_example"]

LIBRARY_DIR = Path(__file__).resolve().parent / "programs"
# The metadata sits in a leading block comment so each example stays one readable, runnable file.
_HEADER = re.compile(r"\A/\*\s*example\s*\n(?P<meta>.*?)\n\*/\s*\n", re.S)
_REQUIRED = ("tags", "caption_en", "caption_ja", "checks")


@dataclass(frozen=True)
class Example:
    """One worked example: a p5.js program, what it shows (English and Japanese) and checks it passes."""

    id: str
    code: str
    caption_en: str
    caption_ja: str
    tags: tuple[str, ...] = ()
    checks: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    @property
    def lines(self) -> int:
        """Number of lines of the program."""
        return len(self.code.splitlines())

    def caption(self, japanese: bool) -> str:
        """The caption in the request's language."""
        return self.caption_ja if japanese else self.caption_en

    def search_text(self) -> str:
        """What retrieval indexes: both captions and the tags."""
        return " ".join([self.caption_en, self.caption_ja, *self.tags])


def parse_example(text: str, example_id: str) -> Example:
    """An Example from a program file's text; ValueError naming the example when the header is malformed."""
    m = _HEADER.match(text)
    if m is None:
        raise ValueError(f"example {example_id}: the file must start with a '/* example' JSON header comment")
    try:
        meta = json.loads(m.group("meta"))
    except json.JSONDecodeError as e:
        raise ValueError(f"example {example_id}: the header is not valid JSON ({e})") from None
    missing = [k for k in _REQUIRED if k not in meta]
    if missing:
        raise ValueError(f"example {example_id}: the header lacks {', '.join(missing)}")
    if not isinstance(meta["checks"], list) or not meta["checks"]:
        raise ValueError(f"example {example_id}: 'checks' must be a non-empty list")
    code = text[m.end():].strip() + "\n"
    return Example(id=example_id, code=code, caption_en=str(meta["caption_en"]),
                   caption_ja=str(meta["caption_ja"]), tags=tuple(str(t) for t in meta["tags"]),
                   checks=tuple(meta["checks"]))


@lru_cache(maxsize=4)
def load_library(directory: str | None = None) -> tuple[Example, ...]:
    """Every example in the library directory (default: the packaged one), sorted by id; cached."""
    root = Path(directory) if directory else LIBRARY_DIR
    if not root.is_dir():
        raise FileNotFoundError(f"no worked-examples directory at {root}")
    return tuple(parse_example(p.read_text(encoding="utf-8"), p.stem) for p in sorted(root.glob("*.js")))
