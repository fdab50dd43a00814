"""Result types shared by every backend."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Candidate", "StreamChunk"]


@dataclass
class Candidate:
    """One generated answer: the extracted code, the raw reply and how it was produced."""

    code: str
    text: str
    logprob: float | None = None  # mean log-probability per generated token (None when the backend has none)
    tokens: int = 0
    truncated: bool = False
    model: str = ""
    adapter: str | None = None
    finish_reason: str = "stop"  # "stop" | "length" | "cancelled"
    # Milliseconds spent on the prompt (prefill) and on decoding, where the backend measures them (None elsewhere);
    # candidates decoded together share their call's time equally.
    prompt_ms: float | None = None
    decode_ms: float | None = None
    # What was mended in the code after the model wrote it: {"declared": names copied from "from" ("example" or
    # "code", the program being revised), "recoloured": items given the colour the request names}; {} when nothing.
    fixes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


@dataclass
class StreamChunk:
    """The reply so far while streaming; the last chunk has done=True and the finished candidate."""

    text: str
    done: bool = False
    candidate: Candidate | None = None
