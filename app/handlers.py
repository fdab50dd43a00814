"""Handlers behind the UI, as plain functions over a `Session` and the shared `Engine`: no browser needed."""
from __future__ import annotations

import copy
import difflib
import io
import logging
import math
import os
import re
import secrets
import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from app.engine import Engine, GeneratorFactory, default_generator_factory
from app.limits import edit_problem, fit_prompt, message_problem, session_problem
from app.revisions import Alternative, Revision, RevisionTree
from app.strings import detect_lang, message
from model.defaults import DEFAULTS

__all__ = ["Settings", "Session", "Engine", "Update", "respond", "sketch_turn", "message_turn", "apply_edit",
           "apply_settings", "restore", "use_alternative", "compare", "export_current", "rank_candidates",
           "build_request", "thumbnail", "stop", "short_error", "new_figure", "looks_like_new_figure", "same_code",
           "GeneratorFactory", "default_generator_factory"]

log = logging.getLogger(__name__)

# How many earlier revisions travel with a request as context (the model summarises them further).
HISTORY_TURNS = 6
BLANK_ERROR = "The program ran but drew nothing (blank canvas)."
TIMEOUT_ERROR = "The program did not finish in time (an endless loop?)."
# An answer that repeats its input is resampled: this many candidates, each time this much hotter (capped).
RESAMPLE_N = 3
RESAMPLE_STEP = 0.3
MAX_TEMPERATURE = 1.3


@dataclass
class Settings:
    """Per-session generation settings, changed from the settings panel; they start from model/defaults.py."""

    lang: str = "p5"
    repair_limit: int = DEFAULTS.repair_rounds
    best_of: int = DEFAULTS.samples
    # Checks derived from the request text (model.request_checks) rank best-of-N candidates and start a repair
    # when a rendering revision misses what was asked.
    request_checks: bool = DEFAULTS.request_checks
    max_new_tokens: int = DEFAULTS.max_new_tokens
    temperature: float = DEFAULTS.temperature
    canvas: tuple[int, int] = (400, 400)


@dataclass
class Session:
    """Everything one browser session owns: its revisions, its chat and its settings."""

    tree: RevisionTree = field(default_factory=RevisionTree)
    chat: list[dict[str, Any]] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    # Unguessable (192 random bits): the id names the session in the database and in share links.
    sid: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    # The browser's secret; only the browser that holds it can reopen the session (app/sessions.py).
    owner: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    last_sketch: str | None = None  # the last drawing as the model was told it
    lang: str = "en"  # language of the user's last words, for server-side messages
    pad_rev: int | None = None  # the revision last put on the sketch pad
    # (revision id, index) of the candidate thumbnail last clicked; kept server-side so a quick click on "use"
    # cannot race the browser's copy of the selection
    alt_choice: tuple[int, int] | None = None

    def __deepcopy__(self, memo: dict) -> "Session":
        """gr.State deep-copies the initial session for each visitor: each copy needs its own id."""
        values = {f.name: copy.deepcopy(getattr(self, f.name), memo) for f in fields(self)
                  if f.name not in ("sid", "owner")}
        return Session(**values)

    def say(self, text: str, title: str | None = None) -> None:
        """Append an assistant chat message (optionally collapsible under a title)."""
        msg: dict[str, Any] = {"role": "assistant", "content": text}
        if title:
            msg["metadata"] = {"title": title}
        self.chat.append(msg)

    def user(self, text: str) -> None:
        """Append the user's chat message; later messages follow its language."""
        self.chat.append({"role": "user", "content": text})
        if text.strip():
            self.lang = detect_lang(text)


@dataclass
class Update:
    """What a running turn reports: streamed code so far, or that the session changed."""

    kind: str  # "stream" | "refresh"
    text: str = ""


# Requests

def build_request(session: Session, instruction: str, sketch_text: str | None = None,
                  images: Sequence[Any] = (), fresh: bool = False) -> Any:
    """The model request for the next revision: current code, its render outcome and earlier turns.

    `fresh` starts a new figure: no code and no history travel with it.
    """
    from model import Request, Turn

    cur = None if fresh else session.tree.current
    history = []
    if cur is not None:
        for rev in session.tree.lineage(cur.id)[-HISTORY_TURNS:]:
            history.append(Turn(instruction=rev.instruction, code=rev.code, render_status=rev.status,
                                error=rev.error))
    return Request(instruction=instruction, code=cur.code if cur else None, lang=session.settings.lang,
                   render_status=cur.status if cur else None, error=_error_text(cur) if cur and not cur.ok else None,
                   error_line=cur.line if cur else None, sketch_text=sketch_text, images=list(images),
                   history=history, canvas=session.settings.canvas, thread=session.sid)


def _error_text(rev: Revision | Any) -> str:
    """The error a user and the model see for a failed render."""
    if getattr(rev, "error", None):
        return str(rev.error)
    return {"blank": BLANK_ERROR, "timeout": TIMEOUT_ERROR}.get(getattr(rev, "status", ""), "render failed")


def _where(rev: Revision) -> str:
    """' (line N)' when the error has a line."""
    return f" (line {rev.line})" if rev.line else ""


def _adapter_suffix(adapter: str | None) -> str:
    """' + adapter' when there is one."""
    return f" + {adapter}" if adapter else ""


def _add(session: Session, result: Any, *, code: str, instruction: str, source: str, parent: int | None = -1,
         cand: Any = None, attempt: int = 0, score: float | None = None, score_kind: str = "none",
         alternatives: list[Alternative] | None = None) -> Revision:
    """Record a rendered program as a new revision."""
    return session.tree.add(
        parent=parent, code=code, lang=session.settings.lang, instruction=instruction, source=source,
        status=result.status, error=result.error, line=result.line, png=result.png, width=result.width,
        height=result.height, model=getattr(cand, "model", None) or None, adapter=getattr(cand, "adapter", None),
        score=score, score_kind=score_kind, alternatives=alternatives or [], attempt=attempt,
        trace=list(getattr(result, "trace", None) or []))


def _announce(session: Session, rev: Revision, lang: str) -> None:
    """Tell the user how a new revision rendered and which model wrote it."""
    if rev.ok:
        session.say(message("rendered", lang, rev=rev.id, status=rev.status, model=rev.model or "?",
                            adapter=_adapter_suffix(rev.adapter)))
    else:
        session.say(message("render_failed", lang, rev=rev.id, status=rev.status, where=_where(rev),
                            error=_error_text(rev)))


def _announce_fixes(session: Session, rev: Revision, cand: Any, lang: str) -> None:
    """Say what was mended in the model's code before it ran (names copied over, items recoloured), if anything."""
    fixes = getattr(cand, "fixes", None) or {}
    parts = []
    if fixes.get("declared"):
        source = message("fixed_from_code" if fixes.get("from") == "code" else "fixed_from_example", lang)
        parts.append(message("fixed_declared", lang, names=", ".join(fixes["declared"]), source=source))
    if fixes.get("recoloured"):
        parts.append(message("fixed_recoloured", lang, items=", ".join(fixes["recoloured"])))
    if parts:
        session.say(message("fixed", lang, rev=rev.id, what="; ".join(parts)))


# Best-of-N

def rank_candidates(candidates: Sequence[Any], results: Sequence[Any],
                    clip: Sequence[float] | None = None,
                    checks_passed: Sequence[int] | None = None) -> tuple[list[int], str]:
    """Indices best first: rendering candidates first, then most request checks passed (when given), then CLIP
    score (if given) else mean log-probability."""
    kind = "clip" if clip is not None else "logprob"

    def score(i: int) -> float:
        value = clip[i] if clip is not None else getattr(candidates[i], "logprob", None)
        return -math.inf if value is None else float(value)

    def passed(i: int) -> int:
        return int(checks_passed[i]) if checks_passed is not None else 0

    order = sorted(range(len(candidates)), key=lambda i: (results[i].status != "ok", -passed(i), -score(i), i))
    return order, kind


def request_checks(session: Session, instruction: str) -> list[dict[str, Any]]:
    """Checks derived from the request text when the session asks for them (else [])."""
    if not session.settings.request_checks or session.settings.lang != "p5":
        return []
    from model.request_checks import derive_checks

    return derive_checks(instruction)


def _mismatch(checks: list[dict[str, Any]], rev: Revision) -> list[str]:
    """Why a rendering revision misses the request: reasons of the failing request checks."""
    if not checks:
        return []
    from model.request_checks import failed_reasons

    return failed_reasons(checks, rev)


def _best_of(engine: Engine, session: Session, gen: Any, req: Any, n: int,
             stop_event: threading.Event) -> tuple[Any, Any, float | None, str, list[Alternative]] | str | None:
    """Sample n candidates, render all, pick the best; the rest become alternatives.

    None when no candidate holds a program, "unchanged" when every one repeats the current code.
    """
    s = session.settings
    cands = [c for c in gen.generate(req, n=n, max_new_tokens=s.max_new_tokens, temperature=s.temperature,
                                     stop_event=stop_event) if c.code.strip()]
    if not cands:
        return None
    changed = [c for c in cands if not same_code(c.code, req.code)]
    if not changed:  # every answer repeats the current code: nothing to add
        return "unchanged"
    cands = changed
    results = engine.render_many([c.code for c in cands], s.lang)
    ok_images = [r.image if r.ok else None for r in results]
    clip = None
    if any(im is not None for im in ok_images):
        idx = [i for i, im in enumerate(ok_images) if im is not None]
        scores = engine.clip_scores(req.instruction, [ok_images[i] for i in idx])
        if scores is not None:
            clip = [-math.inf] * len(cands)
            for i, sc in zip(idx, scores):
                clip[i] = sc
    checks = request_checks(session, req.instruction)
    passed = None
    if checks:
        from model.request_checks import run_request_checks

        passed = [sum(o.passed for o in run_request_checks(checks, r)) for r in results]
    order, kind = rank_candidates(cands, results, clip, passed)
    best = order[0]

    def score_of(i: int) -> float | None:
        return clip[i] if clip is not None else cands[i].logprob

    alts = [Alternative(code=cands[i].code, status=results[i].status, score=score_of(i), score_kind=kind,
                        png=results[i].png, error=results[i].error) for i in order[1:]]
    session.say(message("best_of", detect_lang(req.instruction), n=len(cands),
                        ok=sum(r.ok for r in results), kind="CLIP" if kind == "clip" else "log-probability"))
    return cands[best], results[best], score_of(best), kind, alts


# Turns

def respond(engine: Engine, session: Session, instruction: str, *, sketch_text: str | None = None,
            images: Sequence[Any] = (), source: str = "model", fresh: bool = False) -> Iterator[Update]:
    """One answer: generate (streamed, or best-of-N), render, record a revision, then repair if it fails.

    `fresh` starts a new figure from no code (a new root in the revision tree; nothing is removed).
    """
    lang = detect_lang(instruction)
    stop_event = engine.stop_event(session.sid)
    try:
        if not engine.loaded:
            session.say(message("loading_model", lang, model=engine.model_name or "embedded default",
                                first=message("first_start", lang) if engine.model_name is None else ""))
            yield Update("refresh")
        gen = engine.generator()
        cur = session.tree.current
        if not fresh and cur is not None and not cur.ok and looks_like_new_figure(instruction, _asked(session, cur)):
            # A broken figure is no base for an unrelated new one: the model would only try to fix it.
            fresh = True
            session.say(message("fresh_start", lang, rev=cur.id))
            yield Update("refresh")
        req = build_request(session, instruction, sketch_text, images, fresh=fresh)
        req, problem = fit_prompt(gen, req, engine.limits, lang)
        if problem:
            session.say(problem)
            yield Update("refresh")
            return
        s = session.settings
        score, kind, alts = None, "none", []
        if s.best_of > 1:
            picked = _best_of(engine, session, gen, req, s.best_of, stop_event)
            if stop_event.is_set():
                return
            if picked is None:
                session.say(message("no_code", lang))
                return
            if picked == "unchanged":
                session.say(message("still_unchanged", lang))
                return
            cand, result, score, kind, alts = picked
        else:
            cand = yield from _stream(gen, req, s, stop_event, s.temperature)
            if stop_event.is_set() or cand is None or cand.finish_reason == "cancelled":
                return  # stopped: the stop handler has told the user
            if not cand.code.strip():
                session.say(message("no_code", lang))
                return
            if same_code(cand.code, req.code):
                picked = yield from _resample(engine, session, gen, req, req.code, _hotter(s.temperature),
                                              stop_event, lang)
                if picked is None:
                    return
                cand, result = picked
            else:
                yield Update("stream", cand.code)
                result = engine.render(cand.code, s.lang)
        rev = _add(session, result, code=cand.code, instruction=instruction, source=source, cand=cand,
                   score=score, score_kind=kind, alternatives=alts, parent=None if fresh else -1)
        _announce(session, rev, lang)
        _announce_fixes(session, rev, cand, lang)
        yield Update("refresh")
        yield from _repair_loop(engine, session, gen, req, rev, lang, stop_event)
    except Exception as e:  # a failed generation or a dead endpoint must not lose the session
        log.exception("generation failed")
        session.say(message("generation_failed", lang, error=short_error(e)))
        yield Update("refresh")


def _stream(gen: Any, req: Any, s: Settings, stop_event: threading.Event,
            temperature: float) -> Generator[Update, None, Any]:
    """Stream one answer into the code pane; returns the finished candidate (None if the stream ended early)."""
    cand = None
    for chunk in gen.stream(req, max_new_tokens=s.max_new_tokens, temperature=temperature, stop_event=stop_event):
        if chunk.done:
            cand = chunk.candidate
        else:
            yield Update("stream", _code_so_far(chunk.text))
    return cand


def same_code(a: str | None, b: str | None) -> bool:
    """True when two programs differ at most in whitespace (an answer that repeats its input)."""
    return a is not None and b is not None and " ".join(a.split()) == " ".join(b.split())


def _hotter(temperature: float) -> float:
    """The temperature for resampling after an answer repeated its input."""
    return round(min(MAX_TEMPERATURE, max(float(temperature), 0.4) + RESAMPLE_STEP), 2)


def _resample(engine: Engine, session: Session, gen: Any, req: Any, base_code: str, temperature: float,
              stop_event: threading.Event, lang: str) -> Generator[Update, None, tuple[Any, Any] | None]:
    """After an answer repeated `base_code`: draw more candidates hotter and keep the best one that changes it.

    Returns (candidate, render result), or None when stopped or when every new answer repeats the code too.
    """
    s = session.settings
    session.say(message("unchanged", lang, k=RESAMPLE_N, t=temperature))
    yield Update("refresh")
    cands = gen.generate(req, n=RESAMPLE_N, max_new_tokens=s.max_new_tokens, temperature=temperature,
                         stop_event=stop_event)
    if stop_event.is_set():
        return None
    cands = [c for c in cands if c.code.strip() and not same_code(c.code, base_code)]
    if not cands:
        session.say(message("still_unchanged", lang))
        yield Update("refresh")
        return None
    results = engine.render_many([c.code for c in cands], s.lang)
    best = rank_candidates(cands, results)[0][0]
    yield Update("stream", cands[best].code)
    return cands[best], results[best]


# Words that say nothing about which figure is meant.
_STOPWORDS = frozenset("""a an the and or of to in on at by for from with without into onto as is are be it its this
that these those them then than please can could would you me my i we our draw plot create make sketch generate
render design illustrate show build produce visualize visualise figure diagram picture image graph chart new
another one two three four five six some each every all also like same""".split())
# An English request that names a whole new figure: a making verb followed by something not already on screen.
_NEW_EN = re.compile(r"^\s*(?:please\s+|(?:can|could|would)\s+you\s+)?(?:draw|plot|create|make|sketch|generate|"
                     r"render|design|illustrate|show|build|produce|visuali[sz]e)\s+(?:me\s+|us\s+)?"
                     r"(?!(?:the|it|its|it's|this|that|these|those|them|all|each|every|everything|more|less)\b)",
                     re.I)
_NEW_JA = re.compile(r"(?:描いて|描け|描き|描く|図示|作成|作って|作れ|作る|プロット|示せ|示して|表せ|表して)")
_REFER_JA = re.compile(r"^\s*(?:この|その|あの|これ|それ|あれ|ここ|そこ|もっと|さらに|もう少し|全体|全部)")
_JA_RUN = re.compile(r"[\u30a0-\u30ff\u3400-\u9fff]+")


def _content(text: str) -> set[str]:
    """Content words of a request: English words less stopwords, and bigrams of kanji/katakana runs."""
    words = {w for w in re.findall(r"[a-z0-9][a-z0-9\-]*", text.lower()) if w not in _STOPWORDS and len(w) > 1}
    for run in _JA_RUN.findall(_NEW_JA.sub(" ", text)):
        if len(run) == 1:
            words.add(run)
        else:
            words.update(run[i:i + 2] for i in range(len(run) - 1))
    return words


def looks_like_new_figure(instruction: str, earlier: Sequence[str]) -> bool:
    """True when a request asks for a whole figure and shares no content word with what was asked before."""
    text = instruction.strip()
    if detect_lang(text) == "ja":
        names_new = bool(_NEW_JA.search(text)) and not _REFER_JA.search(text)
    else:
        names_new = bool(_NEW_EN.match(text))
    if not names_new:
        return False
    before = set().union(*(_content(t) for t in earlier)) if earlier else set()
    return not (_content(text) & before)


def _asked(session: Session, rev: Revision) -> list[str]:
    """What the user asked along a revision's lineage (not the repair and hand-edit notes)."""
    return [r.instruction for r in session.tree.lineage(rev.id) if r.source in ("model", "sketch", "candidate")]


def apply_settings(session: Session, lang: str, repair_limit: float, best_of: float, request_checks: bool,
                   max_new_tokens: float, temperature: float) -> None:
    """The settings panel's values become the session's (saved with it); a new target is announced."""
    s = session.settings
    changed = lang != s.lang
    s.lang, s.repair_limit, s.best_of, s.request_checks = lang, int(repair_limit), int(best_of), bool(request_checks)
    s.max_new_tokens, s.temperature = int(max_new_tokens), float(temperature)
    if changed:
        session.say(message("target_changed", session.lang, lang="SVG" if lang == "svg" else "p5.js"))


def new_figure(session: Session) -> None:
    """Start a new figure from no code: the next answer is a new root; every revision stays in the history."""
    session.tree.start_new()
    session.say(message("new_figure", session.lang))


def _code_so_far(text: str) -> str:
    """The streamed reply as it will look in the code pane: inside its code fence when there is one."""
    start = text.find("```")
    if start < 0:
        return text
    body = text[start + 3:]
    body = body.split("\n", 1)[1] if "\n" in body else ""  # drop the ```javascript line
    end = body.find("```")
    return body if end < 0 else body[:end]


def stop(engine: Engine, session: Session) -> None:
    """Stop the session's running generation; what was made so far stays."""
    engine.stop(session.sid)
    session.say(message("stopped", session.lang))


def short_error(e: BaseException) -> str:
    """An exception as one readable, bounded line for the chat."""
    text = str(e).strip() or type(e).__name__
    return text if len(text) < 400 else text[:400] + "…"


def _repair_loop(engine: Engine, session: Session, gen: Any, req: Any, rev: Revision, lang: str,
                 stop_event: threading.Event) -> Iterator[Update]:
    """Ask the model to fix a failing revision, up to the user's limit; every changed attempt becomes a revision.

    Repairs stream like answers and end on Stop. An answer that repeats the failing code is no revision: more
    candidates are drawn at a higher temperature before the next round is spent. With request checks on, a
    revision that renders but fails a check derived from the request is repaired too, told what it misses.
    """
    from model import mismatch_request, repair_request

    s = session.settings
    limit = max(0, int(s.repair_limit))
    temperature = s.temperature
    checks = request_checks(session, req.instruction)
    for n in range(1, limit + 1):
        if stop_event.is_set():
            return
        reasons = _mismatch(checks, rev) if rev.ok else []
        if rev.ok and not reasons:
            return
        if reasons:
            why = "; ".join(reasons)
            session.say(message("mismatch_repairing", lang, n=n, limit=limit, rev=rev.id, reasons=why))
            fix = mismatch_request(rev.code, reasons, lang=s.lang, request=req)
        else:
            why = _error_text(rev)
            session.say(message("repairing", lang, n=n, limit=limit, status=rev.status, where=_where(rev)))
            fix = repair_request(rev.code, why, rev.line, lang=s.lang, request=req)
        yield Update("refresh")
        cand = yield from _stream(gen, fix, s, stop_event, temperature)
        if stop_event.is_set() or cand is None or cand.finish_reason == "cancelled":
            return
        if not cand.code.strip():
            session.say(message("no_code", lang))
            return
        if same_code(cand.code, rev.code):
            temperature = _hotter(temperature)  # and it stays raised for the rounds after this one
            picked = yield from _resample(engine, session, gen, fix, rev.code, temperature, stop_event, lang)
            if stop_event.is_set():
                return
            if picked is None:
                continue  # this round is spent without a new revision
            cand, result = picked
        else:
            yield Update("stream", cand.code)
            result = engine.render(cand.code, s.lang)
        rev = _add(session, result, code=cand.code, instruction=f"repair {n}: {why[:120]}",
                   source="repair", parent=rev.id, cand=cand, attempt=n)
        _announce_fixes(session, rev, cand, lang)
        if rev.ok:
            session.say(message("repaired", lang, n=n, rev=rev.id))
        else:
            session.say(message("repair_failed", lang, n=n, status=rev.status, where=_where(rev),
                                error=_error_text(rev)))
        yield Update("refresh")
    if not rev.ok and limit and not stop_event.is_set():
        session.say(message("repair_gave_up", lang, limit=limit))
        yield Update("refresh")
    elif rev.ok and limit and not stop_event.is_set():
        reasons = _mismatch(checks, rev)
        if reasons:
            session.say(message("mismatch_left", lang, rev=rev.id, reasons="; ".join(reasons)))
            yield Update("refresh")


def message_turn(engine: Engine, session: Session, msg: dict[str, Any] | str | None) -> Iterator[Update]:
    """A multimodal-textbox message: text plus optional image files (capped in size)."""
    text = (msg.get("text") if isinstance(msg, dict) else msg) or ""
    files = list(msg.get("files") or []) if isinstance(msg, dict) else []
    text = text.strip()
    lang = detect_lang(text)
    if not text and not files:
        session.say(message("empty", lang))
        yield Update("refresh")
        return
    problem = message_problem(text, engine.limits, lang) or session_problem(session, engine.limits, lang)
    if problem:  # refused before anything is added, so an oversized message never reaches the chat or model
        session.say(problem)
        yield Update("refresh")
        return
    names = [Path(_file_path(f)).name for f in files]
    session.user(text + "".join(f"\n📎 {n}" for n in names))
    images = []
    for f in files:
        path = _file_path(f)
        size_mb = os.path.getsize(path) / 2**20
        if size_mb > engine.max_upload_mb:
            session.say(message("upload_too_big", lang, mb=size_mb, limit=engine.max_upload_mb))
            yield Update("refresh")
            return
        try:
            with Image.open(path) as im:
                images.append(im.convert("RGB"))
        except Exception as e:
            session.say(message("upload_unreadable", lang, name=Path(path).name, error=_hide_paths(e, path)))
            yield Update("refresh")
            return
    yield Update("refresh")
    sketch_text = None
    if images and not _is_vision(engine):
        # A text-only model cannot see the image: read it as a hand sketch instead.
        read = _read_sketch(session, images[0], None, blank_pad=True, lang=lang)
        if read is None:
            yield Update("refresh")
            return
        sketch_text, images = read[0], []
    instruction = text or ("この画像のような図を描いてください。" if lang == "ja" else "Draw this figure.")
    # An image sent without words asks for the figure it shows: a new figure, not a change of the current one.
    yield from respond(engine, session, instruction, sketch_text=sketch_text, images=images,
                       source="sketch" if sketch_text else "model", fresh=not text)


def _hide_paths(e: BaseException, path: str) -> str:
    """An error about an uploaded file, without the server's file paths (only the file's own name)."""
    text = short_error(e).replace(str(path), Path(path).name)
    return re.sub(r"(?:[A-Za-z]:)?(?:[\\/][^\s'\"\\/]+)+[\\/]([^\s'\"\\/]+)", r"\1", text)


def _file_path(f: Any) -> str:
    """A path from whatever the multimodal textbox gives (str, dict or FileData)."""
    if isinstance(f, str):
        return f
    if isinstance(f, dict):
        return f.get("path") or f.get("name")
    return getattr(f, "path", None) or str(f)


def _is_vision(engine: Engine) -> bool:
    """True when the loaded model reads images."""
    try:
        return bool(getattr(engine.generator(), "is_vision", False))
    except Exception:
        return False


def _read_sketch(session: Session, value: Any, cur: Revision | None, blank_pad: bool,
                 lang: str) -> tuple[str, Any] | None:
    """Turn a drawing into (text the model reads, overlay image); a bad drawing becomes a chat message."""
    from sketch import SketchError, analyze

    size = (cur.width, cur.height) if cur and cur.width else session.settings.canvas
    try:
        analysis = analyze(value, figure_size=size, trace=cur.trace if cur else None, blank_pad=blank_pad)
        text = analysis.describe()
    except SketchError as e:
        session.say(message("sketch_failed", lang, error=str(e)))
        return None
    session.last_sketch = text
    session.say(message("sketch_read", lang, summary=text))
    return text, getattr(analysis, "overlay_png", None)


def sketch_turn(engine: Engine, session: Session, editor_value: Any, words: str | None,
                blank_pad: bool) -> Iterator[Update]:
    """Send a drawing (over the current figure, or on a blank pad) with optional words."""
    words = (words or "").strip()
    lang = detect_lang(words)
    problem = message_problem(words, engine.limits, lang) or session_problem(session, engine.limits, lang)
    if problem:
        session.say(problem)
        yield Update("refresh")
        return
    cur = session.tree.current
    blank = blank_pad or cur is None
    session.user((words or "") + ("\n✏️ (sketch on a blank pad)" if blank else "\n✏️ (drawing on the figure)"))
    if editor_value is None:
        session.say(message("sketch_failed", lang, error="the drawing is empty"))
        yield Update("refresh")
        return
    read = _read_sketch(session, editor_value, None if blank else cur, blank_pad=blank, lang=lang)
    yield Update("refresh")
    if read is None:
        return
    sketch_text, overlay = read
    images = []
    if overlay is not None and _is_vision(engine):
        images = [overlay]
    if words:
        instruction = words
    elif blank:
        instruction = "このスケッチを図にしてください。" if lang == "ja" else "Turn this sketch into a figure."
    else:
        instruction = "Apply the changes marked in the drawing."
    # A blank pad is a new figure: the current code must not travel with it (the model would copy it).
    yield from respond(engine, session, instruction, sketch_text=sketch_text, images=images, source="sketch",
                       fresh=blank)


# Direct edits and navigation

def apply_edit(engine: Engine, session: Session, code: str | None) -> Revision | None:
    """A hand edit of the code becomes a new revision, rendered at once."""
    code = code or ""
    cur = session.tree.current
    if not code.strip():
        session.say(message("empty", session.lang))
        return None
    problem = edit_problem(code, engine.limits, session.lang) or session_problem(session, engine.limits,
                                                                                 session.lang)
    if problem:
        session.say(problem)
        return None
    if cur is not None and code.rstrip() == cur.code.rstrip():  # the code pane drops trailing newlines
        return None
    try:
        result = engine.render(code, session.settings.lang)
    except Exception as e:  # the renderer itself failed: say so, keep everything
        log.exception("render of a hand edit failed")
        session.say(message("generation_failed", session.lang, error=short_error(e)))
        return None
    rev = _add(session, result, code=code, instruction="hand edit", source="hand")
    if rev.ok:
        session.say(message("hand_edit", session.lang, rev=rev.id, status=rev.status, where=_where(rev)))
    else:
        session.say(message("hand_edit_failed", session.lang, rev=rev.id, status=rev.status, where=_where(rev),
                            error=_error_text(rev)))
    return rev


def restore(session: Session, rev_id: int | str | None) -> Revision | None:
    """Make an earlier revision current; the next answer branches from it."""
    if rev_id in (None, ""):
        return None
    rev = session.tree.restore(_parse_id(rev_id))
    session.say(message("restored", session.lang, rev=rev.id))
    return rev


def _parse_id(value: int | str) -> int:
    """'r3 ← r2 · …' or 'r3' or 3 → 3."""
    if isinstance(value, int):
        return value
    head = str(value).strip().split()[0].lstrip("r")
    return int(head)


def use_alternative(session: Session, rev_id: int | str, index: int) -> Revision:
    """Promote another best-of-N candidate to a revision (a sibling of the one chosen; nothing replaced)."""
    src = session.tree.get(_parse_id(rev_id))
    alt = src.alternatives[int(index)]
    rev = session.tree.add(parent=src.parent, code=alt.code, lang=src.lang, instruction=src.instruction,
                           source="candidate", status=alt.status, error=alt.error, png=alt.png,
                           width=src.width, height=src.height, model=src.model, adapter=src.adapter,
                           score=alt.score, score_kind=alt.score_kind)
    session.say(message("alternative_used", session.lang, n=int(index) + 2, source=src.id, rev=rev.id, status=rev.status))
    return rev


def compare(session: Session, a: int | str, b: int | str) -> tuple[Revision, Revision, str]:
    """Two revisions and the unified diff of their code."""
    ra, rb = session.tree.get(_parse_id(a)), session.tree.get(_parse_id(b))
    diff = "\n".join(difflib.unified_diff(ra.code.splitlines(), rb.code.splitlines(), f"r{ra.id}", f"r{rb.id}",
                                          lineterm=""))
    return ra, rb, diff or "(identical code)"


def export_current(session: Session, out_dir: str | Path) -> list[Path]:
    """Export files of the current revision; formats that could not be made are told in the chat."""
    from app.export import ExportError, export_revision

    cur = session.tree.current
    if cur is None:
        raise ExportError(message("no_revision", session.lang))
    files, problems = export_revision(cur, Path(out_dir) / session.sid[:12])
    for problem in problems:
        session.say(message("export_failed", session.lang, rev=cur.id, problem=problem))
    return files


def thumbnail(rev: Revision | Alternative, size: int = 160) -> Image.Image:
    """A small image of a revision; failed renders get a grey card with their status."""
    png = rev.png
    if png:
        im = Image.open(io.BytesIO(png)).convert("RGB")
        im.thumbnail((size, size))
        return im
    im = Image.new("RGB", (size, size), (235, 235, 235))
    d = ImageDraw.Draw(im)
    d.text((10, size // 2 - 6), rev.status.upper(), fill=(170, 30, 30))
    return im
