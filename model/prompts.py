"""The one prompt format, shared by inference and training.

A conversation is a chain of revisions. Each request carries the instruction, the current program (if any),
how it rendered, the sketch description and a token-budgeted summary of earlier turns — never the whole
transcript. `build_messages` turns a `Request` into chat messages; `format_answer` is the assistant reply the
model is trained to write (one fenced code block).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "LANGS",
    "Request",
    "Turn",
    "build_messages",
    "estimate_tokens",
    "example_turns",
    "fence_tag",
    "format_answer",
    "is_japanese",
    "mismatch_request",
    "repair_instruction",
    "repair_request",
    "summarize_history",
    "system_prompt",
]

LANGS = ("p5", "svg")
_FENCE = {"p5": "javascript", "svg": "svg"}
_CODE_NAME = {"p5": "p5.js", "svg": "SVG"}
_JA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_WIDE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@dataclass
class Turn:
    """One earlier revision: what was asked and how its result rendered."""

    instruction: str
    code: str | None = None
    render_status: str | None = None  # "ok" | "error" | "blank" | "timeout" | None
    error: str | None = None


@dataclass
class Request:
    """Everything the model is told for one revision."""

    instruction: str
    code: str | None = None
    lang: str = "p5"
    render_status: str | None = None
    error: str | None = None
    error_line: int | None = None
    sketch_text: str | None = None
    images: list[Any] = field(default_factory=list)  # PIL images, numpy arrays, PNG bytes or paths
    history: list[Turn] = field(default_factory=list)
    canvas: tuple[int, int] = (400, 400)
    # The conversation this request belongs to (the app's session id): a backend that keeps its cache between
    # calls may continue this thread's last exchange instead of restating the current code (never another's).
    thread: str | None = None

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {self.lang!r}")
        if not isinstance(self.instruction, str):
            raise ValueError("instruction must be a string")
        w, h = self.canvas
        if not (16 <= int(w) <= 4096 and 16 <= int(h) <= 4096):
            raise ValueError(f"canvas must be between 16 and 4096 pixels per side, not {self.canvas}")
        self.canvas = (int(w), int(h))


def is_japanese(text: str | None) -> bool:
    """True when the text contains kana or kanji."""
    return bool(text) and bool(_JA.search(text))


def estimate_tokens(text: str) -> int:
    """Rough token count without a tokenizer: one per CJK character, one per ~4 other characters."""
    cjk = len(_WIDE.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


def fence_tag(lang: str) -> str:
    """Info string of the code fence for a target language."""
    return _FENCE[lang]


def system_prompt(lang: str = "p5", canvas: tuple[int, int] = (400, 400)) -> str:
    """System prompt stating the target and the canvas contract."""
    w, h = canvas
    common = (
        "You are a figure-drawing assistant for researchers and teachers. You write code that draws clear "
        "scientific figures (diagrams, charts, neural networks, geometry) and revise it step by step. "
        "Instructions may be in English or Japanese; write the text labels inside the figure in the language "
        "of the instruction unless told otherwise. "
    )
    if lang == "svg":
        return common + (
            f"Write one standalone SVG document: <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" "
            f"height=\"{h}\" viewBox=\"0 0 {w} {h}\">. No external references (no http or file links, no "
            "<image> of remote files, no @import), no <script>, no <foreignObject>; inline attributes and "
            "styles only; use font-family=\"sans-serif\" for text. Draw on a white background. "
            "When revising, return the whole updated document. Answer with only the code in one ```svg block."
        )
    return common + (
        "Write one complete p5.js 1.x sketch in global mode (no instance mode, no p5 2.x API). "
        f"setup() calls createCanvas({w}, {h}) exactly once. The figure is static: draw it in setup() or in "
        "draw() with noLoop(). Use only p5.js built-ins: no external files, images or fonts (no loadImage, "
        "loadFont, loadJSON), no network (no fetch, no XMLHttpRequest), no DOM or HTML. Start with "
        "background(255). Keep the program short and readable, with named helper functions. "
        "When revising, return the whole updated program. Answer with only the code in one ```javascript block. "
        # Small models drift into raw canvas/DOM code without a concrete shape to follow.
        "The program has this shape:\n```javascript\nconst W = " + str(w) + ", H = " + str(h) + ";\n\n"
        "function setup() {\n  createCanvas(W, H);\n  noLoop();\n}\n\nfunction draw() {\n  background(255);\n"
        "  // draw the figure with p5.js calls: circle, rect, line, text, fill, stroke, ...\n}\n```"
    )


def _line_context(code: str, line: int, radius: int = 2) -> str:
    """The failing line with a few neighbours, the failing one marked with '>>'."""
    lines = code.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    lo, hi = max(1, line - radius), min(len(lines), line + radius)
    width = len(str(hi))
    return "\n".join(
        f"{'>>' if i == line else '  '} {i:>{width}} | {lines[i - 1]}" for i in range(lo, hi + 1)
    )


def _clip(text: str, max_chars: int) -> str:
    """Shorten text to max_chars with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def summarize_history(
    history: list[Turn],
    budget_tokens: int = 256,
    count_tokens: Callable[[str], int] = estimate_tokens,
    max_chars_per_turn: int = 160,
) -> str:
    """Summary of earlier turns, newest kept first, within budget_tokens; '' when there are none."""
    if not history or budget_tokens <= 0:
        return ""
    header = "Earlier requests in this conversation (oldest first):"
    used = count_tokens(header)
    kept: list[str] = []
    for idx in range(len(history) - 1, -1, -1):
        turn = history[idx]
        outcome = turn.render_status or "not rendered"
        if turn.render_status == "error" and turn.error:
            outcome = f"error: {_clip(turn.error, 60)}"
        line = f"{idx + 1}. {_clip(turn.instruction, max_chars_per_turn)} → {outcome}"
        cost = count_tokens(line) + 1
        if used + cost > budget_tokens:
            break
        kept.append(line)
        used += cost
    if not kept:
        return ""
    omitted = len(history) - len(kept)
    lines = [header]
    if omitted:
        lines.append(f"({omitted} earlier request{'s' if omitted > 1 else ''} omitted)")
    lines.extend(reversed(kept))
    return "\n".join(lines)


def _status_text(req: Request) -> str:
    """How the current code rendered, with the failing line shown."""
    if not req.code or not req.render_status:
        return ""
    if req.render_status == "ok":
        return "The current code renders without errors."
    if req.render_status == "blank":
        return "The current code runs but draws nothing visible (blank canvas)."
    if req.render_status == "timeout":
        return "The current code did not finish in time (an endless loop or far too much work)."
    where = f" at line {req.error_line}" if req.error_line else ""
    text = f"The current code fails{where}: {req.error or 'unknown error'}"
    if req.error_line:
        ctx = _line_context(req.code, req.error_line)
        if ctx:
            text += f"\n{ctx}"
    return text


def _user_text(req: Request, history_budget: int, count_tokens: Callable[[str], int], adapt: bool = False) -> str:
    """The user message: history summary, current code and its status, sketch notes, then the instruction."""
    parts: list[str] = []
    summary = summarize_history(req.history, history_budget, count_tokens)
    if summary:
        parts.append(summary)
    if req.code:
        parts.append(f"Current code ({_CODE_NAME[req.lang]}):\n```{_FENCE[req.lang]}\n{req.code.rstrip()}\n```")
    return "\n\n".join(parts + _request_parts(req, adapt))


def _request_parts(req: Request, adapt: bool = False) -> list[str]:
    """What follows the code in a user message: its render status, sketch notes, then the instruction.

    adapt: the request follows a worked example and asks for that example's program changed to fit it.
    """
    parts: list[str] = []
    status = _status_text(req)  # "" without code
    if status:
        parts.append(status)
    if req.sketch_text:
        parts.append(f"The user drew on the figure:\n{req.sketch_text.strip()}")
    w, h = req.canvas
    if req.code:
        verb = "Revise the code for this request"
    elif adapt:
        verb = (f"Write a {_CODE_NAME[req.lang]} program for this new request. Start from the program above: "
                "keep its structure and the helper functions that fit, and change the data, labels, sizes, "
                "shapes and colours so that the figure shows exactly what this request asks")
    else:
        verb = f"Write a {_CODE_NAME[req.lang]} program for this request"
    parts.append(f"Canvas: {w}x{h}. {verb}:\n{req.instruction.strip()}")
    return parts


def continuation_text(req: Request) -> str:
    """The user message that follows the model's own last answer (the current code): its status, sketch notes
    and the instruction, without restating the code or the earlier requests the conversation already holds."""
    return "\n\n".join(_request_parts(req))


def example_turns(examples: Sequence[Any], japanese: bool = False) -> list[tuple[str, str]]:
    """(user text, assistant reply) pairs for worked examples: objects with `code`, `caption_en`, `caption_ja`.

    Each reads like a fresh request answered well, so the model sees the shape of a good answer to a similar
    request just before its own. The caption is in the request's language.
    """
    turns = []
    for ex in examples:
        caption = ex.caption_ja if japanese else ex.caption_en
        turns.append((f"Canvas: 400x400. Write a p5.js program for this request:\n{caption.strip()}",
                      format_answer(ex.code, "p5")))
    return turns


def build_messages(
    request: Request,
    *,
    vision: bool = False,
    history_budget: int = 256,
    count_tokens: Callable[[str], int] = estimate_tokens,
    system: str | None = None,
    examples: Sequence[Any] = (),
    adapt_example: bool = False,
) -> list[dict[str, Any]]:
    """Chat messages for a request (with image parts first in the user turn when vision=True).

    examples: worked examples (see `example_turns`) placed as earlier turns before the request; p5 only.
    adapt_example: a first figure asks for the last example's program changed to fit the request (small models
    adapt a working program more reliably than they write one from nothing); otherwise the examples only show
    the shape of a good answer.
    """
    shots = example_turns(examples, is_japanese(request.instruction)) if request.lang == "p5" else []
    text = _user_text(request, history_budget, count_tokens, adapt=adapt_example and bool(shots))
    sys_text = system if system is not None else system_prompt(request.lang, request.canvas)
    if vision:
        msgs: list[dict[str, Any]] = [{"role": "system", "content": [{"type": "text", "text": sys_text}]}]
        for user, reply in shots:
            msgs += [{"role": "user", "content": [{"type": "text", "text": user}]},
                     {"role": "assistant", "content": [{"type": "text", "text": reply}]}]
        content: list[dict[str, Any]] = [{"type": "image", "image": img} for img in request.images]
        content.append({"type": "text", "text": text})
        return msgs + [{"role": "user", "content": content}]
    msgs = [{"role": "system", "content": sys_text}]
    for user, reply in shots:
        msgs += [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    return msgs + [{"role": "user", "content": text}]


def format_answer(code: str, lang: str = "p5") -> str:
    """The assistant reply the model is trained to give: the program in one fenced block."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return f"```{_FENCE[lang]}\n{code.strip()}\n```"


def repair_instruction(error: str | None, line: int | None, japanese: bool = False) -> str:
    """Instruction that asks for a fixed program."""
    where = f" at line {line}" if line else ""
    if japanese:
        where_ja = f"{line}行目で" if line else ""
        return f"このコードは{where_ja}エラーになります: {error or '不明なエラー'}。エラーを直した完全なコードを返してください。"
    return f"The code fails{where}: {error or 'unknown error'}. Fix it and return the whole corrected program."


def mismatch_request(code: str, reasons: list[str], lang: str = "p5", request: Request | None = None) -> Request:
    """The request that asks to fix a program that renders but misses what was asked (reasons: failed checks)."""
    from model.request_checks import mismatch_text

    base = request or Request(instruction="", lang=lang)
    ja = is_japanese(base.instruction)
    asked = base.instruction.strip()
    lead = (f"依頼: {asked}\n" if ja else f"The request was: {asked}\n") if asked else ""
    return Request(
        instruction=lead + mismatch_text(reasons, japanese=ja),
        code=code, lang=lang, render_status="ok", sketch_text=base.sketch_text, images=list(base.images),
        history=list(base.history), canvas=base.canvas, thread=base.thread,
    )


def repair_request(code: str, error: str | None, line: int | None = None, lang: str = "p5",
                   request: Request | None = None) -> Request:
    """The request that asks for a fixed program: the failing code, its error and line, the original context."""
    base = request or Request(instruction="", lang=lang)
    return Request(
        instruction=repair_instruction(error, line, japanese=is_japanese(base.instruction)),
        code=code, lang=lang, render_status="error", error=error, error_line=line,
        sketch_text=None, images=list(base.images), history=list(base.history), canvas=base.canvas,
        thread=base.thread,
    )
