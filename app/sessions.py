"""Sessions that outlive a page and a process: save/load through the store, share links, export and import."""
from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import io
import json
import logging
import math
import secrets
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from app.limits import Limits
from app.revisions import Alternative, Revision, RevisionTree
from app.store import Store, open_store

__all__ = ["SessionStore", "ImportProblem", "EXPORT_FORMAT", "SESSION_MESSAGES", "session_message", "new_token",
           "owner_key", "revision_to_dict", "revision_from_dict"]

log = logging.getLogger(__name__)

EXPORT_FORMAT = "figure-assistant-session"
EXPORT_VERSION = 1
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 8 * 2**20
MAX_PNG_SIDE = 4096
STATUSES = {"ok", "error", "blank", "timeout"}
LANGS = {"p5", "svg"}
# How often the streamed text of a running turn is written: it only matters if the server dies mid-answer, and
# every write is a synced commit that all sessions wait for.
PROGRESS_EVERY_S = 2.0

SESSION_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "interrupted": "⚠ The answer to {request} was interrupted: the server stopped while it was waiting or "
                       "being written ({chars:,} characters had arrived). No revision was made from it; every "
                       "earlier revision is here. Send the request again to retry.",
        "imported": "Imported a session with {n} revision(s) from {name}.",
        "import_failed": "Could not import {name}: {error}",
        "shared_view": "Shared revision r{rev} (read-only copy). What you do here goes into your own session.",
        "share_missing": "This share link points to no revision (it may have expired).",
        "share_link": "Read-only link to r{rev}: {url}",
        "opened": "Opened the session “{title}” ({n} revision(s)).",
        "not_found": "That session is not available in this browser.",
        "new_session": "New session. Earlier sessions are listed in the Sessions tab.",
        "db_recovered": "Note: {note}",
        "untitled": "(untitled)",
    },
    "ja": {
        "interrupted": "⚠ {request}への回答は中断されました。待機中または作成中にサーバーが停止しました（{chars:,} 文字まで受信）。"
                       "この回答からリビジョンは作られていません。以前のリビジョンはすべて残っています。"
                       "もう一度送ってください。",
        "imported": "{name} からリビジョン {n} 個のセッションを読み込みました。",
        "import_failed": "{name} を読み込めませんでした: {error}",
        "shared_view": "共有されたリビジョン r{rev}（読み取り専用のコピー）。ここでの操作はあなた自身のセッションに入ります。",
        "share_missing": "この共有リンクが指すリビジョンはありません（期限切れかもしれません）。",
        "share_link": "r{rev} の読み取り専用リンク: {url}",
        "opened": "セッション「{title}」を開きました（リビジョン {n} 個）。",
        "not_found": "そのセッションはこのブラウザでは開けません。",
        "new_session": "新しいセッションです。以前のセッションは「セッション」タブにあります。",
        "db_recovered": "注意: {note}",
        "untitled": "（無題）",
    },
}


def session_message(key: str, lang: str = "en", **fields: Any) -> str:
    """A session message in the user's language."""
    return SESSION_MESSAGES.get(lang, SESSION_MESSAGES["en"])[key].format(**fields)


def new_token() -> str:
    """An unguessable id: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def owner_key(owner: str) -> str:
    """What the database keeps of a browser's secret: its hash (a leaked file does not hand out sessions)."""
    return hashlib.sha256(owner.encode()).hexdigest()


class ImportProblem(ValueError):
    """An import file that is refused (the message says why)."""


# Revisions <-> plain data

def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode() if data else None


def _trace_to_list(trace: list[Any]) -> list[dict[str, Any]]:
    out = []
    for call in trace or []:
        if dataclasses.is_dataclass(call):
            out.append(dataclasses.asdict(call))
        elif isinstance(call, dict):
            out.append(call)
    return out


def _trace_from_list(items: list[dict[str, Any]]) -> list[Any]:
    """DrawCalls back from their dicts (fields this version does not know are dropped)."""
    if not items:
        return []
    try:
        from render import DrawCall
    except ImportError:
        return []
    names = {f.name for f in dataclasses.fields(DrawCall)}
    out = []
    for d in items:
        kw = {k: v for k, v in d.items() if k in names}
        for key in ("bbox", "fill", "stroke"):
            if isinstance(kw.get(key), list):
                kw[key] = tuple(kw[key])
        if isinstance(kw.get("points"), list):
            kw["points"] = [tuple(p) for p in kw["points"]]
        try:
            out.append(DrawCall(**kw))
        except TypeError:
            continue
    return out


def revision_to_dict(rev: Revision, *, pngs: bool = True, trace: bool = True) -> dict[str, Any]:
    """A revision as JSON-able data (PNGs base64 when pngs=True, else left out)."""
    d = {f.name: getattr(rev, f.name) for f in dataclasses.fields(Revision)
         if f.name not in ("png", "alternatives", "trace")}
    d["alternatives"] = [{**{f.name: getattr(a, f.name) for f in dataclasses.fields(Alternative) if f.name != "png"},
                          "png": _b64(a.png)} for a in rev.alternatives]
    if pngs:
        d["png"] = _b64(rev.png)
    if trace:
        d["trace"] = _trace_to_list(rev.trace)
    return d


def revision_from_dict(d: dict[str, Any], png: bytes | None = None) -> Revision:
    """A Revision from revision_to_dict's data (png given separately or base64 inside)."""
    names = {f.name for f in dataclasses.fields(Revision)}
    kw = {k: v for k, v in d.items() if k in names and k not in ("png", "alternatives", "trace")}
    alt_names = {f.name for f in dataclasses.fields(Alternative)}
    alts = [Alternative(**{k: v for k, v in a.items() if k in alt_names and k != "png"},
                        png=base64.b64decode(a["png"]) if a.get("png") else None) for a in d.get("alternatives", [])]
    if png is None and d.get("png"):
        png = base64.b64decode(d["png"])
    return Revision(**kw, png=png, alternatives=alts, trace=_trace_from_list(d.get("trace") or []))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _message_json(msg: Any) -> str:
    """A chat message as stored: role, text content and metadata (other content is kept as its text)."""
    if not isinstance(msg, dict):
        msg = {"role": getattr(msg, "role", "assistant"), "content": getattr(msg, "content", str(msg))}
    out = {"role": msg.get("role", "assistant"), "content": msg.get("content")}
    if not isinstance(out["content"], str):
        out["content"] = _dumps(out["content"]) if out["content"] is not None else ""
    if msg.get("metadata"):
        out["metadata"] = msg["metadata"]
    return _dumps(out)


@dataclasses.dataclass
class _Saved:
    """What of a session is already in the database."""

    revs: set[int]
    msgs: list[str]  # hash of each stored message
    exists: bool
    last_progress: float = 0.0
    state: tuple = ()  # (head, next id, settings, lang) as last written


class SessionStore:
    """Sessions in the database: every change committed before the user sees it."""

    def __init__(self, store: Store, limits: Limits | None = None, note: str | None = None):
        self.store = store
        self.limits = limits or Limits()
        self.note = note  # set when a damaged database was set aside at start
        self._saved: dict[str, _Saved] = {}
        # Sessions held by some page right now: two tabs of one browser share one object, so neither can
        # overwrite revisions the other made from a stale copy.
        self._live: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, data_dir: str | Path, limits: Limits | None = None) -> "SessionStore":
        """Open the data directory's database, expire old sessions and mark interrupted turns."""
        store, note = open_store(data_dir)
        ss = cls(store, limits, note)
        ss.maybe_expire()
        n = ss.recover_interrupted()
        if n:
            log.warning("%d answer(s) were interrupted by the last shutdown; marked in their sessions", n)
        log.info("sessions in %s", store.path)
        return ss

    def maybe_expire(self, every_s: float = 3600.0) -> int:
        """Delete sessions older than the expiry age; runs at most once per `every_s` (a Space runs for weeks)."""
        now = time.monotonic()
        if not self.limits.expire_days or now - getattr(self, "_expired_at", -every_s) < every_s:
            return 0
        self._expired_at = now
        return self.store.expire(self.limits.expire_days * 86400)

    # Saving
    def _saved_of(self, sid: str) -> _Saved:
        with self._lock:
            saved = self._saved.get(sid)
        if saved is None:
            row = self.store.session(sid)
            revs = {r[0] for r in self.store.query("SELECT id FROM revisions WHERE sid=?", (sid,))}
            msgs = [hashlib.sha1(m.encode()).hexdigest() for m in self.store.messages(sid)]
            saved = _Saved(revs=revs, msgs=msgs, exists=row is not None)
            with self._lock:
                if len(self._saved) > 20_000:  # bounded: the database is the truth, this only saves reads
                    self._saved.clear()
                self._saved[sid] = saved
        return saved

    def persist(self, session: Any) -> None:
        """Write what changed in a session (new revisions, new or changed messages, head, settings)."""
        saved = self._saved_of(session.sid)
        if not saved.exists and not session.chat and not len(session.tree):
            return  # an untouched page load leaves nothing behind
        with self._lock:
            self._live.setdefault(session.sid, session)
        tree: RevisionTree = session.tree
        new_revs = [r for r in tree.ordered() if r.id not in saved.revs]
        msgs = [_message_json(m) for m in session.chat]
        hashes = [hashlib.sha1(m.encode()).hexdigest() for m in msgs]
        changed = [(i, msgs[i]) for i, hsh in enumerate(hashes) if i >= len(saved.msgs) or saved.msgs[i] != hsh]
        settings = _dumps(dataclasses.asdict(session.settings))
        state = (tree.head, tree._next_id, settings, session.lang)
        if saved.exists and not new_revs and not changed and len(msgs) == len(saved.msgs) and state == saved.state:
            return  # nothing new (streamed chunks land here): no transaction at all
        now = time.time()
        title = self._title(session)
        with self.store.tx() as db:
            for rev in new_revs:
                data = _dumps(revision_to_dict(rev, pngs=False))
                db.execute("INSERT OR REPLACE INTO revisions VALUES (?, ?, ?, ?, ?)",
                           (session.sid, rev.id, data, rev.png, len(data.encode()) + len(rev.png or b"")))
            for i, m in changed:
                db.execute("INSERT OR REPLACE INTO messages VALUES (?, ?, ?)", (session.sid, i, m))
            if len(msgs) < len(saved.msgs):
                db.execute("DELETE FROM messages WHERE sid=? AND seq>=?", (session.sid, len(msgs)))
            size = db.execute("SELECT COALESCE(SUM(bytes), 0) FROM revisions WHERE sid=?",
                              (session.sid,)).fetchone()[0] + sum(len(m.encode()) for m in msgs)
            db.execute(
                "INSERT INTO sessions (sid, owner, title, created, updated, head, next_id, settings, lang, bytes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sid) DO UPDATE SET title=excluded.title, "
                "updated=excluded.updated, head=excluded.head, next_id=excluded.next_id, "
                "settings=excluded.settings, lang=excluded.lang, bytes=excluded.bytes",
                (session.sid, owner_key(session.owner), title, now, now, tree.head, tree._next_id, settings,
                 session.lang, size))
        saved.revs.update(r.id for r in new_revs)
        saved.msgs = hashes
        saved.exists = True
        saved.state = state

    @staticmethod
    def _title(session: Any) -> str:
        """The session's first request, shortened."""
        for m in session.chat:
            if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str):
                text = " ".join(m["content"].split())
                if text:
                    return text[:60] + ("…" if len(text) > 60 else "")
        return ""

    # Loading
    def load(self, sid: str | None, owner: str | None) -> Any | None:
        """The session if it exists and belongs to this owner, else None."""
        from app.handlers import Session, Settings

        if not sid or not owner:
            return None
        row = self.store.session(sid)
        if row is None or not secrets.compare_digest(row.owner, owner_key(owner)):
            return None
        with self._lock:
            live = self._live.get(sid)
        if live is not None:
            return live
        tree = RevisionTree()
        for r in self.store.revisions(sid):
            try:
                rev = revision_from_dict(json.loads(r["data"]), png=r["png"])
            except (ValueError, TypeError, KeyError) as e:  # one unreadable row must not hide the others
                log.error("session %s…: revision %s unreadable: %s", sid[:6], r["id"], e)
                continue
            tree.revisions[rev.id] = rev
        tree.head = row.head if row.head in tree.revisions else (max(tree.revisions) if tree.revisions else None)
        tree._next_id = max([row.next_id, *(i + 1 for i in tree.revisions)])
        chat = [json.loads(m) for m in self.store.messages(sid)]
        s_fields = {f.name for f in dataclasses.fields(Settings)}
        raw = json.loads(row.settings or "{}")
        settings = Settings(**{k: v for k, v in raw.items() if k in s_fields})
        if isinstance(settings.canvas, list):
            settings.canvas = tuple(settings.canvas)
        session = Session(tree=tree, chat=chat, settings=settings, lang=row.lang)
        session.sid, session.owner = sid, owner
        with self._lock:
            session = self._live.setdefault(sid, session)
        return session

    def sessions_of(self, owner: str | None) -> list[dict[str, Any]]:
        """This owner's sessions, newest first."""
        return self.store.sessions_of(owner_key(owner)) if owner else []

    # Turns in flight
    def begin_turn(self, session: Any, instruction: str = "") -> None:
        """A turn starts: if the process dies before end_turn, the next start marks it interrupted."""
        self.persist(session)
        self.store.begin_turn(session.sid, instruction[:2000])
        self._saved_of(session.sid).last_progress = time.monotonic()

    def turn_progress(self, session: Any, text: str) -> None:
        """Remember the streamed text (at most every PROGRESS_EVERY_S)."""
        saved = self._saved_of(session.sid)
        now = time.monotonic()
        if now - saved.last_progress >= PROGRESS_EVERY_S:
            saved.last_progress = now
            self.store.turn_progress(session.sid, text[-20_000:])

    def end_turn(self, session: Any) -> None:
        """The turn is over; its results are saved."""
        self.persist(session)
        self.store.end_turn(session.sid)

    def recover_interrupted(self) -> int:
        """Mark turns a dead process left running: a chat message in each such session."""
        rows = self.store.take_interrupted()
        for row in rows:
            meta = self.store.session(row["sid"])
            if meta is None:
                continue
            words = " ".join((row["instruction"] or "").split())
            if words:
                words = words if len(words) <= 80 else words[:79] + "…"
                request = f"“{words}”" if meta.lang == "en" else f"「{words}」"
            else:
                request = "this request" if meta.lang == "en" else "この依頼"
            msg = {"role": "assistant", "content": session_message("interrupted", meta.lang, request=request,
                                                                   chars=len(row["partial"] or ""))}
            with self.store.tx() as db:
                seq = db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM messages WHERE sid=?",
                                 (row["sid"],)).fetchone()[0]
                db.execute("INSERT INTO messages VALUES (?, ?, ?)", (row["sid"], seq, _dumps(msg)))
            with self._lock:
                self._saved.pop(row["sid"], None)
        return len(rows)

    # Sharing
    def share(self, session: Any, rev_id: int) -> str:
        """A read-only link token for one revision (the same token when asked again)."""
        self.persist(session)
        rev = session.tree.get(rev_id)
        token = self.store.share_of(session.sid, rev.id)
        if token is None:
            token = new_token()
            self.store.add_share(token, session.sid, rev.id)
        return token

    def shared(self, token: str | None) -> Revision | None:
        """The revision a share token points to, or None."""
        if not token or len(token) > 100:
            return None
        row = self.store.shared(token)
        if row is None:
            return None
        return revision_from_dict(json.loads(row["data"]), png=row["png"])

    # Export / import
    def export_json(self, session: Any) -> bytes:
        """The whole session as one JSON document (every revision, the chat, the settings)."""
        doc = {
            "format": EXPORT_FORMAT, "version": EXPORT_VERSION,
            "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "title": self._title(session), "settings": dataclasses.asdict(session.settings),
            "head": session.tree.head, "lang": session.lang,
            "chat": [json.loads(_message_json(m)) for m in session.chat],
            "revisions": [revision_to_dict(r, trace=False) for r in session.tree.ordered()],
        }
        return json.dumps(doc, ensure_ascii=False, indent=1).encode()

    def import_json(self, data: bytes, owner: str) -> Any:
        """A new session (owned by `owner`) from an exported file; validated, never executed; saved at once."""
        from app.handlers import Session

        session = parse_export(data, self.limits)
        session.owner = owner
        self.persist(session)
        return session


# Validation of imported files

def _want(cond: bool, what: str) -> None:
    if not cond:
        raise ImportProblem(what)


def _str(d: dict, key: str, limit: int, where: str, optional: bool = False) -> str | None:
    v = d.get(key)
    if v is None and optional:
        return None
    _want(isinstance(v, str), f"{where}: '{key}' must be text")
    _want(len(v) <= limit, f"{where}: '{key}' is {len(v):,} characters (at most {limit:,})")
    return v


def _int(d: dict, key: str, lo: int, hi: int, where: str, optional: bool = False) -> int | None:
    v = d.get(key)
    if v is None and optional:
        return None
    _want(isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi,
          f"{where}: '{key}' must be a whole number from {lo} to {hi}")
    return v


def _num(d: dict, key: str, where: str) -> float | None:
    v = d.get(key)
    if v is None:
        return None
    _want(isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isnan(v),
          f"{where}: '{key}' must be a number")
    return float(v)


def _png(value: Any, where: str) -> bytes | None:
    """A base64 PNG checked for signature, size and dimensions (decoded headers only; nothing rendered)."""
    if value is None:
        return None
    _want(isinstance(value, str) and len(value) <= MAX_PNG_BYTES * 4 // 3 + 8, f"{where}: image too large")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ImportProblem(f"{where}: image is not valid base64") from None
    _want(raw.startswith(PNG_MAGIC), f"{where}: image is not a PNG")
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw)) as im:
            w, h = im.size
            im.verify()
    except Exception as e:
        raise ImportProblem(f"{where}: image is damaged ({e})") from None
    _want(w <= MAX_PNG_SIDE and h <= MAX_PNG_SIDE, f"{where}: image is {w}×{h} (at most {MAX_PNG_SIDE})")
    return raw


def _settings(raw: Any) -> Any:
    """Settings from a file: known keys with checked types and ranges; others ignored."""
    from app.handlers import Settings

    s = Settings()
    if not isinstance(raw, dict):
        return s
    if raw.get("lang") in LANGS:
        s.lang = raw["lang"]
    for key, lo, hi in (("repair_limit", 0, 5), ("best_of", 1, 8), ("max_new_tokens", 16, 8192)):
        v = raw.get(key)
        if isinstance(v, int) and not isinstance(v, bool):
            setattr(s, key, max(lo, min(hi, v)))
    if isinstance(raw.get("request_checks"), bool):
        s.request_checks = raw["request_checks"]
    t = raw.get("temperature")
    if isinstance(t, (int, float)) and not isinstance(t, bool) and not math.isnan(t):
        s.temperature = max(0.0, min(2.0, float(t)))
    c = raw.get("canvas")
    if isinstance(c, list) and len(c) == 2 and all(isinstance(x, int) and 16 <= x <= 4096 for x in c):
        s.canvas = (c[0], c[1])
    return s


def parse_export(data: bytes, limits: Limits) -> Any:
    """Validate an exported session file and build a new Session from it (ImportProblem when refused)."""
    from app.handlers import Session

    _want(len(data) <= limits.max_import_bytes,
          f"the file is {len(data) / 2**20:.1f} MB (at most {limits.max_import_bytes / 2**20:.0f} MB)")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ImportProblem(f"not a JSON file ({e})") from None
    _want(isinstance(doc, dict) and doc.get("format") == EXPORT_FORMAT,
          f"not a session file (its 'format' is not '{EXPORT_FORMAT}')")
    _want(doc.get("version") == EXPORT_VERSION, f"unsupported version {doc.get('version')!r} "
                                                f"(this app reads version {EXPORT_VERSION})")
    revs_raw, chat_raw = doc.get("revisions"), doc.get("chat", [])
    _want(isinstance(revs_raw, list), "'revisions' must be a list")
    _want(len(revs_raw) <= limits.max_revisions,
          f"{len(revs_raw)} revisions (at most {limits.max_revisions})")
    _want(isinstance(chat_raw, list) and len(chat_raw) <= 20 * limits.max_revisions, "'chat' must be a list")
    tree = RevisionTree()
    for i, d in enumerate(revs_raw):
        where = f"revision {i + 1}"
        _want(isinstance(d, dict), f"{where} must be an object")
        rid = _int(d, "id", 1, 10**9, where)
        _want(rid not in tree.revisions, f"{where}: id {rid} appears twice")
        parent = _int(d, "parent", 1, 10**9, where, optional=True)
        _want(parent is None or (parent in tree.revisions and parent < rid),
              f"{where}: parent r{parent} is not an earlier revision")
        lang = _str(d, "lang", 8, where)
        _want(lang in LANGS, f"{where}: lang must be one of {sorted(LANGS)}")
        status = _str(d, "status", 16, where)
        _want(status in STATUSES, f"{where}: status must be one of {sorted(STATUSES)}")
        alts = []
        alts_raw = d.get("alternatives") or []
        _want(isinstance(alts_raw, list) and len(alts_raw) <= 8, f"{where}: at most 8 alternatives")
        for j, a in enumerate(alts_raw):
            aw = f"{where}, candidate {j + 2}"
            _want(isinstance(a, dict), f"{aw} must be an object")
            a_status = _str(a, "status", 16, aw)
            _want(a_status in STATUSES, f"{aw}: bad status")
            alts.append(Alternative(code=_str(a, "code", limits.max_code_chars, aw), status=a_status,
                                    score=_num(a, "score", aw), score_kind=_str(a, "score_kind", 16, aw) or "none",
                                    png=_png(a.get("png"), aw), error=_str(a, "error", 5000, aw, optional=True)))
        rev = Revision(
            id=rid, parent=parent, code=_str(d, "code", limits.max_code_chars, where), lang=lang,
            instruction=_str(d, "instruction", 4 * limits.max_message_chars, where),
            source=_str(d, "source", 32, where), status=status, error=_str(d, "error", 5000, where, optional=True),
            line=_int(d, "line", 0, 10**7, where, optional=True), png=_png(d.get("png"), where),
            width=_int(d, "width", 1, MAX_PNG_SIDE, where, optional=True),
            height=_int(d, "height", 1, MAX_PNG_SIDE, where, optional=True),
            model=_str(d, "model", 300, where, optional=True), adapter=_str(d, "adapter", 300, where, optional=True),
            score=_num(d, "score", where), score_kind=_str(d, "score_kind", 16, where, optional=True) or "none",
            alternatives=alts, attempt=_int(d, "attempt", 0, 100, where, optional=True) or 0,
            created=_num(d, "created", where) or time.time())
        tree.revisions[rid] = rev
    head = doc.get("head")
    _want(head is None or head in tree.revisions, f"'head' r{head} is not one of the revisions")
    tree.head = head if head is not None else (max(tree.revisions) if tree.revisions else None)
    tree._next_id = max(tree.revisions, default=0) + 1
    chat = []
    for i, m in enumerate(chat_raw):
        where = f"chat message {i + 1}"
        _want(isinstance(m, dict) and m.get("role") in ("user", "assistant"), f"{where}: role must be user/assistant")
        msg: dict[str, Any] = {"role": m["role"], "content": _str(m, "content", 50_000, where)}
        meta = m.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("title"), str):
            msg["metadata"] = {"title": meta["title"][:200]}
        chat.append(msg)
    session = Session(tree=tree, chat=chat, settings=_settings(doc.get("settings")),
                      lang=doc.get("lang") if doc.get("lang") in ("en", "ja") else "en")
    from app.limits import session_bytes

    size = session_bytes(session)
    _want(size <= limits.max_session_bytes,
          f"the session holds {size / 2**20:.1f} MB (at most {limits.max_session_bytes / 2**20:.0f} MB)")
    return session
