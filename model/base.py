"""The interface every backend implements, with the parts they share (repair, candidate assembly)."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from model.errors import ModelError
from model.extract import extract_code
from model.js_fixes import borrow_definitions
from model.request_colors import apply_item_colors, item_colors
from model.presets import GenSettings
from model.prompts import Request, build_messages, mismatch_request, repair_request
from model.types import Candidate, StreamChunk

__all__ = ["Generator"]


class Generator(ABC):
    """A loaded model that answers Requests with Candidates."""

    name: str = ""
    is_vision: bool = False

    def __init__(self, name: str, settings: GenSettings | None = None) -> None:
        self.name = name
        self.settings = settings or GenSettings()

    # -- adapters (backends without local adapters keep these defaults) --
    @property
    def adapter(self) -> str | None:
        """Name of the adapter that produces answers now (None: the base model)."""
        return None

    @property
    def adapters(self) -> list[str]:
        """Names of the loaded adapters."""
        return []

    def set_adapter(self, name: str | None) -> None:
        """Answer with the named adapter (None: the base model)."""
        if name is not None:
            raise ModelError(f"{self.name} has no adapter named {name!r}; loaded: {self.adapters or 'none'}.")

    def load_adapter(self, path: str, name: str | None = None) -> str:
        """Load a PEFT adapter and return its name."""
        raise ModelError(f"The {type(self).__name__} backend cannot load adapters.")

    def merge(self) -> None:
        """Merge the active adapter into the weights (faster, no more switching)."""
        raise ModelError(f"The {type(self).__name__} backend has no adapter to merge.")

    # -- generation --
    def messages(self, request: Request) -> list[dict[str, Any]]:
        """Chat messages for a request in this backend's prompt settings (worked examples included)."""
        return build_messages(request, vision=self.is_vision, history_budget=self.settings.history_budget,
                              count_tokens=self.count_tokens, examples=self.examples_for(request),
                              adapt_example=getattr(self.settings, "example_mode", "shot") == "adapt")

    def examples_for(self, request: Request) -> list[Any]:
        """The worked examples put before this request: settings.examples retrieved for a first p5 figure.

        Revisions and repairs carry their own program, which already shows the shape of the answer, so they
        get none (and stay short).
        """
        k = int(getattr(self.settings, "examples", 0) or 0)
        if k <= 0 or request.code or request.lang != "p5" or not request.instruction.strip():
            return []
        from model.examples import retrieve

        return retrieve(request, k)

    def count_tokens(self, text: str) -> int:
        """Token count used for the history budget (backends with a tokenizer count exactly)."""
        from model.prompts import estimate_tokens

        return estimate_tokens(text)

    @abstractmethod
    def generate(self, request: Request, n: int = 1, max_new_tokens: int | None = None,
                 temperature: float | None = None, stop_event: threading.Event | None = None) -> list[Candidate]:
        """n candidates for the request, from one batched call where the backend allows."""

    def generate_many(self, requests: list[Request], n: int = 1, max_new_tokens: int | None = None,
                      temperature: float | None = None,
                      stop_event: threading.Event | None = None) -> list[list[Candidate]]:
        """n candidates for each request, in order; backends that can batch different prompts override this."""
        for request in requests:
            self._validate(request, n)
        return [self.generate(r, n=n, max_new_tokens=max_new_tokens, temperature=temperature,
                              stop_event=stop_event) for r in requests]

    @abstractmethod
    def stream(self, request: Request, max_new_tokens: int | None = None, temperature: float | None = None,
               stop_event: threading.Event | None = None) -> Iterator[StreamChunk]:
        """Yield the reply as it grows; the last chunk is done and carries the candidate."""

    @abstractmethod
    def continue_generation(self, request: Request, candidate: Candidate, max_new_tokens: int | None = None,
                            stop_event: threading.Event | None = None) -> Candidate:
        """Carry on a truncated candidate from where it stopped; the result holds the whole reply."""

    def repair(self, code: str, error: str | None, line: int | None = None, lang: str = "p5",
               request: Request | None = None, n: int = 1, max_new_tokens: int | None = None,
               temperature: float | None = None, stop_event: threading.Event | None = None) -> list[Candidate]:
        """Ask the model to fix a failing program, given the error and its line (stop_event ends it early)."""
        fix = repair_request(code, error, line, lang=lang, request=request)
        return self.generate(fix, n=n, max_new_tokens=max_new_tokens, temperature=temperature,
                             stop_event=stop_event)

    def repair_mismatch(self, code: str, reasons: list[str], lang: str = "p5", request: Request | None = None,
                        n: int = 1, max_new_tokens: int | None = None, temperature: float | None = None,
                        stop_event: threading.Event | None = None) -> list[Candidate]:
        """Ask the model to fix a program that renders but misses what was asked (reasons from request checks)."""
        if not reasons:
            raise ModelError("repair_mismatch needs at least one reason the figure misses the request.")
        fix = mismatch_request(code, reasons, lang=lang, request=request)
        return self.generate(fix, n=n, max_new_tokens=max_new_tokens, temperature=temperature,
                             stop_event=stop_event)

    # -- shared helpers --
    def _validate(self, request: Request, n: int = 1) -> None:
        """Clear errors for requests this backend cannot answer."""
        if not isinstance(request, Request):
            raise TypeError("request must be a model.Request")
        if not request.instruction.strip() and not request.code:
            raise ModelError("The request is empty: give an instruction or code to revise.")
        if n < 1 or n > 64:
            raise ModelError(f"n must be between 1 and 64, not {n}.")

    def _candidate(self, text: str, lang: str, *, logprob: float | None, tokens: int, finish_reason: str,
                   adapter: str | None, request: Request | None = None) -> Candidate:
        """Assemble a Candidate, extracting the code and flagging truncation.

        With the request, a p5.js answer that uses a top-level constant or helper of the program it was written
        from (the worked example, or the program being revised) without declaring it gets that definition back,
        and the data rows of items the request gives a colour ("gas in orange") get that colour.
        """
        ex = extract_code(text, lang)
        code = ex.code
        fixes: dict[str, Any] = {}
        if request is not None and lang == "p5" and code and not ex.truncated:
            code, declared = borrow_definitions(code, self._sources(request))
            code, recoloured = apply_item_colors(code, item_colors(request.instruction))
            if declared:
                fixes = {"declared": declared, "from": "code" if request.code else "example"}
            if recoloured:
                fixes["recoloured"] = recoloured
        # Hitting the token limit only matters when it left the program unfinished (or no program at all).
        truncated = ex.truncated or (finish_reason == "length" and not ex.code)
        return Candidate(code=code, text=text, logprob=logprob, tokens=tokens, truncated=truncated,
                         model=self.name, adapter=adapter, finish_reason=finish_reason, fixes=fixes)

    def _sources(self, request: Request) -> list[str]:
        """The programs an answer to the request is written from: the one being revised, else the examples."""
        if request.code:
            return [request.code]
        return [getattr(e, "code", "") for e in self.examples_for(request)]
