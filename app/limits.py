"""Size and abuse limits: message and hand-edit length, prompt budget, revisions and stored bytes per session."""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any

__all__ = ["Limits", "LIMIT_MESSAGES", "limit_message", "message_problem", "edit_problem", "session_problem",
           "session_bytes", "prompt_tokens", "fit_prompt", "on_space"]

log = logging.getLogger(__name__)


def on_space() -> bool:
    """True on a Hugging Face Space (it sets SPACE_ID)."""
    return bool(os.environ.get("SPACE_ID"))


@dataclass
class Limits:
    """What one user may send and keep; the defaults suit a shared Space as well as a laptop."""

    max_message_chars: int = 4000  # a typed request (a long one decodes slowly and holds a generation slot)
    max_edit_chars: int = 40_000  # a hand edit of the code
    max_code_chars: int = 200_000  # any program kept in a session (imports)
    max_revisions: int = 300  # per session
    max_session_bytes: int = 64 * 2**20  # code, renders and chat of one session
    max_import_bytes: int = 48 * 2**20  # an imported session file
    prompt_tokens: int = 6144  # the request sent to the model (the answer's tokens come on top)
    expire_days: float | None = None  # None: keep sessions forever

    def __post_init__(self) -> None:
        for name in ("max_message_chars", "max_edit_chars", "max_code_chars", "max_revisions",
                     "max_session_bytes", "max_import_bytes", "prompt_tokens"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.expire_days is not None and self.expire_days <= 0:
            self.expire_days = None

    @classmethod
    def for_host(cls, expire_days: float | None = -1, **kw: Any) -> "Limits":
        """Limits with the expiry default of this host: never on a laptop, 30 days on a Space (-1: default)."""
        if expire_days == -1:
            expire_days = 30.0 if on_space() else None
        return cls(expire_days=expire_days, **kw)


LIMIT_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "message_too_long": "Your message is {n:,} characters long; the limit is {limit:,}. Nothing was sent — "
                            "shorten it (describe the figure, not the data) and send it again.",
        "edit_too_long": "The edited code is {n:,} characters long; the limit for a hand edit is {limit:,}. "
                         "Nothing was changed.",
        "revision_cap": "This session has {n} revisions, the limit is {limit}. Export it or start a new session "
                        "(Sessions tab) to go on; nothing was lost.",
        "bytes_cap": "This session stores {mb:.1f} MB, the limit is {limit:.0f} MB. Export it or start a new "
                     "session (Sessions tab) to go on; nothing was lost.",
        "prompt_too_long": "The request is too long for the model ({n:,} tokens with the current code; the "
                           "budget is {limit:,}). Shorten the message or the code and try again.",
    },
    "ja": {
        "message_too_long": "メッセージが {n:,} 文字あります。上限は {limit:,} 文字です。送信していません。"
                            "短くして（データではなく図の内容を）もう一度送ってください。",
        "edit_too_long": "編集したコードが {n:,} 文字あります。手動編集の上限は {limit:,} 文字です。変更していません。",
        "revision_cap": "このセッションのリビジョンは {n} 個で、上限は {limit} 個です。続けるには書き出すか、"
                        "新しいセッションを始めてください（「セッション」タブ）。何も失われていません。",
        "bytes_cap": "このセッションの保存量は {mb:.1f} MB で、上限は {limit:.0f} MB です。続けるには書き出すか、"
                     "新しいセッションを始めてください（「セッション」タブ）。何も失われていません。",
        "prompt_too_long": "依頼がモデルには長すぎます（現在のコードを含めて {n:,} トークン、上限 {limit:,}）。"
                           "メッセージかコードを短くしてください。",
    },
}


def limit_message(key: str, lang: str = "en", **fields: Any) -> str:
    """A limit message in the user's language."""
    return LIMIT_MESSAGES.get(lang, LIMIT_MESSAGES["en"])[key].format(**fields)


def message_problem(text: str, limits: Limits, lang: str = "en") -> str | None:
    """Why a typed message is refused, or None."""
    n = len(text or "")
    if n > limits.max_message_chars:
        return limit_message("message_too_long", lang, n=n, limit=limits.max_message_chars)
    return None


def edit_problem(code: str, limits: Limits, lang: str = "en") -> str | None:
    """Why a hand edit is refused, or None."""
    n = len(code or "")
    if n > limits.max_edit_chars:
        return limit_message("edit_too_long", lang, n=n, limit=limits.max_edit_chars)
    return None


def session_bytes(session: Any) -> int:
    """Bytes a session stores: code, renders, candidates and chat."""
    total = 0
    for rev in session.tree.revisions.values():
        total += len(rev.code.encode()) + len(rev.png or b"") + len(rev.instruction.encode())
        total += sum(len(a.code.encode()) + len(a.png or b"") for a in rev.alternatives)
    total += sum(len(json.dumps(m, default=str, ensure_ascii=False).encode()) for m in session.chat)
    return total


def session_problem(session: Any, limits: Limits, lang: str = "en") -> str | None:
    """Why a session may not grow any more (revision or byte cap), or None."""
    n = len(session.tree)
    if n >= limits.max_revisions:
        return limit_message("revision_cap", lang, n=n, limit=limits.max_revisions)
    size = session_bytes(session)
    if size >= limits.max_session_bytes:
        return limit_message("bytes_cap", lang, mb=size / 2**20, limit=limits.max_session_bytes / 2**20)
    return None


def prompt_tokens(gen: Any, req: Any) -> int | None:
    """Tokens of the prompt a generator would send for a request (None when it cannot say)."""
    messages, count = getattr(gen, "messages", None), getattr(gen, "count_tokens", None)
    if messages is None or count is None:
        return None
    total = 0
    for m in messages(req):
        content = m.get("content")
        if isinstance(content, list):  # vision: text parts only (images are priced by the server)
            content = " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
        total += count(str(content or ""))
    return total


def fit_prompt(gen: Any, req: Any, limits: Limits, lang: str = "en") -> tuple[Any, str | None]:
    """Keep a request within the prompt budget: drop the earlier turns first; refuse when still too long."""
    n = prompt_tokens(gen, req)
    if n is None or n <= limits.prompt_tokens:
        return req, None
    if getattr(req, "history", None):
        log.info("prompt of %d tokens over the budget of %d: dropping %d earlier turn(s)", n,
                 limits.prompt_tokens, len(req.history))
        req.history = []
        n = prompt_tokens(gen, req) or 0
        if n <= limits.prompt_tokens:
            return req, None
    return req, limit_message("prompt_too_long", lang, n=n, limit=limits.prompt_tokens)
