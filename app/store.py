"""The session database: SQLite (WAL) in the data directory; every write is committed before the user sees it."""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Store", "StoreError", "SessionRow", "default_data_dir", "open_store", "DB_NAME"]

log = logging.getLogger(__name__)

DB_NAME = "sessions.db"
BUSY_TIMEOUT_S = 30.0  # how long to wait for a lock another process holds
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL DEFAULT '', created REAL NOT NULL,
    updated REAL NOT NULL, head INTEGER, next_id INTEGER NOT NULL DEFAULT 1, settings TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'en', bytes INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS sessions_owner ON sessions (owner, updated);
CREATE TABLE IF NOT EXISTS revisions (
    sid TEXT NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL, png BLOB, bytes INTEGER NOT NULL,
    PRIMARY KEY (sid, id));
CREATE TABLE IF NOT EXISTS messages (
    sid TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (sid, seq));
CREATE TABLE IF NOT EXISTS turns (
    sid TEXT PRIMARY KEY, started REAL NOT NULL, instruction TEXT NOT NULL, partial TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS shares (
    token TEXT PRIMARY KEY, sid TEXT NOT NULL, rev INTEGER NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS shares_rev ON shares (sid, rev);
"""


class StoreError(RuntimeError):
    """The database cannot be used (the message says why and what was done)."""


@dataclass
class SessionRow:
    """One row of the sessions table."""

    sid: str
    owner: str
    title: str
    created: float
    updated: float
    head: int | None
    next_id: int
    settings: str
    lang: str
    bytes: int


def default_data_dir() -> Path:
    """Where sessions live: a Space's persistent storage (/data) when present, else the user's data dir."""
    env = os.environ.get("FIGURE_ASSISTANT_DATA")
    if env:
        return Path(env)
    space = Path("/data")
    if os.environ.get("SPACE_ID") and space.is_dir() and os.access(space, os.W_OK):
        return space / "figure-assistant"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "figure-assistant"


class Store:
    """Thread-safe access to the session database (one connection, one lock, short transactions)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # check_same_thread=False: Gradio calls handlers from a thread pool; the lock serialises access.
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_S)
        self._db.row_factory = sqlite3.Row
        self._depth = 0
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before the handler returns, so what a user saw survives a crash.
            self._db.execute("PRAGMA synchronous=FULL")
            self._check()
            self._db.executescript(SCHEMA)
            with self.tx():
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except BaseException:
            self._db.close()
            raise

    def _check(self) -> None:
        """Fail fast on a damaged file (quick_check reads every page)."""
        row = self._db.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else 'no answer'}")
        version = self._db.execute(
            "SELECT value FROM meta WHERE key='schema'").fetchone() if self._has_table("meta") else None
        if version is not None and int(version[0]) > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer version (schema {version[0]}); "
                             f"use a newer app or another --data-dir.")

    def _has_table(self, name: str) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                                (name,)).fetchone() is not None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction (nested calls join the outer one); committed when the block ends."""
        with self._lock:
            if self._depth == 0:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._db
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    def query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        """Rows of a read query."""
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # Meta
    def meta(self, key: str) -> str | None:
        """A value of the meta table."""
        rows = self.query("SELECT value FROM meta WHERE key=?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the meta table."""
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # Sessions
    def session(self, sid: str) -> SessionRow | None:
        """The session's row, or None."""
        rows = self.query("SELECT * FROM sessions WHERE sid=?", (sid,))
        return SessionRow(**dict(rows[0])) if rows else None

    def sessions_of(self, owner: str, limit: int = 200) -> list[dict[str, Any]]:
        """An owner's sessions, newest first, with revision counts."""
        rows = self.query(
            "SELECT s.sid, s.title, s.created, s.updated, s.bytes, "
            "(SELECT COUNT(*) FROM revisions r WHERE r.sid = s.sid) AS revisions "
            "FROM sessions s WHERE s.owner=? ORDER BY s.updated DESC LIMIT ?", (owner, limit))
        return [dict(r) for r in rows]

    def revisions(self, sid: str) -> list[sqlite3.Row]:
        """A session's revision rows in id order."""
        return self.query("SELECT id, data, png FROM revisions WHERE sid=? ORDER BY id", (sid,))

    def revision(self, sid: str, rev: int) -> sqlite3.Row | None:
        """One revision row."""
        rows = self.query("SELECT id, data, png FROM revisions WHERE sid=? AND id=?", (sid, rev))
        return rows[0] if rows else None

    def messages(self, sid: str) -> list[str]:
        """A session's chat messages (JSON) in order."""
        return [r[0] for r in self.query("SELECT data FROM messages WHERE sid=? ORDER BY seq", (sid,))]

    def delete_session(self, sid: str) -> None:
        """Remove a session and everything in it."""
        with self.tx() as db:
            for table in ("revisions", "messages", "turns", "shares", "sessions"):
                db.execute(f"DELETE FROM {table} WHERE sid=?", (sid,))

    def expire(self, max_age_s: float | None, now: float | None = None) -> int:
        """Delete sessions not touched for max_age_s seconds (None: keep forever); returns how many."""
        if not max_age_s:
            return 0
        cutoff = (now or time.time()) - max_age_s
        old = [r[0] for r in self.query("SELECT sid FROM sessions WHERE updated < ?", (cutoff,))]
        for sid in old:
            self.delete_session(sid)
        if old:
            log.info("expired %d session(s) older than %.0f days", len(old), max_age_s / 86400)
        return len(old)

    # Turns in flight (a row exists only while an answer is being generated)
    def begin_turn(self, sid: str, instruction: str) -> None:
        """Record that a turn is being answered."""
        with self.tx() as db:
            # The queued request's words (recorded when it was shown) stay when the answer itself starts.
            db.execute("INSERT INTO turns VALUES (?, ?, ?, '') ON CONFLICT(sid) DO UPDATE SET "
                       "started=excluded.started, instruction=CASE WHEN excluded.instruction = '' "
                       "THEN turns.instruction ELSE excluded.instruction END", (sid, time.time(), instruction))

    def turn_progress(self, sid: str, partial: str) -> None:
        """Remember the streamed text so far (shown if the server dies before the turn ends)."""
        with self.tx() as db:
            db.execute("UPDATE turns SET partial=? WHERE sid=?", (partial, sid))

    def end_turn(self, sid: str) -> None:
        """The turn finished (answered, failed or stopped)."""
        with self.tx() as db:
            db.execute("DELETE FROM turns WHERE sid=?", (sid,))

    def take_interrupted(self) -> list[sqlite3.Row]:
        """Turns left running by a previous process (it died mid-answer); they are removed here."""
        with self.tx() as db:
            rows = db.execute("SELECT * FROM turns").fetchall()
            db.execute("DELETE FROM turns")
        return rows

    # Shares
    def add_share(self, token: str, sid: str, rev: int) -> None:
        """A read-only link token for one revision."""
        with self.tx() as db:
            db.execute("INSERT INTO shares VALUES (?, ?, ?, ?)", (token, sid, rev, time.time()))

    def share_of(self, sid: str, rev: int) -> str | None:
        """The existing token of a revision, if any."""
        rows = self.query("SELECT token FROM shares WHERE sid=? AND rev=?", (sid, rev))
        return rows[0][0] if rows else None

    def shared(self, token: str) -> sqlite3.Row | None:
        """The revision row a share token points to."""
        rows = self.query("SELECT r.id, r.data, r.png FROM shares s JOIN revisions r ON r.sid = s.sid "
                          "AND r.id = s.rev WHERE s.token=?", (token,))
        return rows[0] if rows else None


def _set_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL/SHM files) out of the way; returns the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        n += 1
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            os.replace(src, Path(str(target) + suffix))
    return target


def open_store(data_dir: str | Path) -> tuple[Store, str | None]:
    """Open (or create) the database; a damaged file is set aside and a fresh one started.

    Returns the store and, when a file was set aside, a message saying so (for the log and the UI).
    """
    path = Path(data_dir) / DB_NAME
    try:
        return Store(path), None
    except StoreError:
        raise
    except sqlite3.OperationalError as e:
        # Locked by another process, unreadable, read-only, out of space: the file may be fine, so it stays.
        raise StoreError(f"cannot use the session database {path}: {e}. Is another instance of the app using "
                         f"this --data-dir, or is the directory not writable?") from e
    except sqlite3.DatabaseError as e:  # not a database / malformed / failed integrity check: damaged
        moved = _set_aside(path)
        note = (f"The session database {path} was damaged ({e}); it was moved to {moved} and a new, empty one "
                "was started. Sessions in the old file are not shown.")
        log.error(note)
        return Store(path), note
