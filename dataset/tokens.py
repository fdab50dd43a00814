"""Token counts for the length budget: a real tokenizer when one is on disk, else a calibrated approximation."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = ["TokenCounter", "load_counter", "approx_tokens"]

log = logging.getLogger(__name__)

# Pieces a byte-level BPE code tokenizer (Qwen2.5-Coder's) tends to emit: a word with its leading space, single
# digits, runs of punctuation, runs of whitespace. Long identifiers split into several tokens.
_PIECE = re.compile(r" ?[A-Za-z_]+| ?\d| ?[^\sA-Za-z_\d]{1,3}|\n+|[ \t]+|[^\x00-\x7f]")


def approx_tokens(text: str) -> int:
    """Approximate BPE token count of source code (see docs/dataset.md for its measured error)."""
    n = 0
    for m in _PIECE.finditer(text):
        piece = m.group(0)
        if piece[-1:].isalpha() or piece.endswith("_"):
            # Identifiers of more than ~8 letters usually split in two or more tokens.
            n += 1 + (len(piece.strip()) - 1) // 8
        elif not piece.isascii():
            n += len(piece.encode("utf-8")) // 2 or 1
        else:
            n += 1
    return n


@dataclass
class TokenCounter:
    """Counts tokens of a string; `exact` tells whether a real tokenizer does the counting."""

    name: str
    exact: bool
    _count: Callable[[str], int]

    def count(self, text: str) -> int:
        """Number of tokens in `text`."""
        return self._count(text)


def load_counter(tokenizer: str | None = None) -> TokenCounter:
    """A counter from a local tokenizer (dir or tokenizer.json), else the embedded model's, else the approximation."""
    if tokenizer:
        path = Path(tokenizer)
        if not path.exists():
            raise ValueError(f"tokenizer {tokenizer!r} does not exist (give a local dir or tokenizer.json)")
        if path.is_file() and path.suffix == ".json":
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(path))
            return TokenCounter(str(path), True, lambda s: len(tok.encode(s, add_special_tokens=False).ids))
        from transformers import AutoTokenizer

        hf = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        return TokenCounter(str(path), True, lambda s: len(hf(s, add_special_tokens=False)["input_ids"]))
    embedded = _embedded_tokenizer()
    if embedded is not None:
        return load_counter(str(embedded))
    return TokenCounter("approximate", False, approx_tokens)


def _embedded_tokenizer() -> Path | None:
    """tokenizer.json of the embedded model's local cache, when model/ has already built it."""
    try:
        from model.embedded import embedded_model_dir
    except Exception:  # model/ missing or broken: counting must still work
        return None
    path = embedded_model_dir() / "tokenizer.json"
    return path if path.is_file() else None
