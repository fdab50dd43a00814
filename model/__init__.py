"""The only place that knows about models: loading, prompting, generation, code extraction.

    from model import load, Request
    gen = load()                      # the embedded offline default (qwen2.5-coder-0.5b)
    best = gen.generate(Request("a 3-layer MLP"), n=4)[0].code
"""

from model.base import Generator
from model.errors import ModelError
from model.extract import Extraction, extract_code
from model.loader import load
from model.presets import DEFAULT_PRESET, PRESETS, GenSettings, Preset
from model.prompts import (Request, Turn, build_messages, format_answer, mismatch_request, repair_request,
                           summarize_history, system_prompt)
from model.request_checks import derive_checks
from model.types import Candidate, StreamChunk

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "Candidate",
    "Extraction",
    "GenSettings",
    "Generator",
    "ModelError",
    "Preset",
    "Request",
    "StreamChunk",
    "Turn",
    "build_messages",
    "derive_checks",
    "extract_code",
    "format_answer",
    "load",
    "mismatch_request",
    "repair_request",
    "summarize_history",
    "system_prompt",
]
