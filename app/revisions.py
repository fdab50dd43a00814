"""The revision tree of one session: every answer, edit and repair is a node; nothing is overwritten."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Alternative", "Revision", "RevisionTree"]


@dataclass
class Alternative:
    """One best-of-N candidate kept beside the chosen one."""

    code: str
    status: str
    score: float | None
    score_kind: str  # "clip" | "logprob" | "none"
    png: bytes | None = None
    error: str | None = None


@dataclass
class Revision:
    """One version of the figure: its code, how it rendered, and where it came from."""

    id: int
    parent: int | None
    code: str
    lang: str
    instruction: str
    source: str  # "model" | "sketch" | "hand" | "repair" | "candidate"
    status: str  # render status: "ok" | "error" | "blank" | "timeout"
    error: str | None = None
    line: int | None = None
    png: bytes | None = None
    width: int | None = None
    height: int | None = None
    model: str | None = None
    adapter: str | None = None
    score: float | None = None
    score_kind: str = "none"
    alternatives: list[Alternative] = field(default_factory=list)
    attempt: int = 0  # repair attempt number (0 = not a repair)
    trace: list[Any] = field(default_factory=list)
    created: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        """True when the revision rendered a non-blank figure."""
        return self.status == "ok"

    def label(self) -> str:
        """A short one-line label for lists and dropdowns."""
        parent = f" ← r{self.parent}" if self.parent is not None else ""
        text = " ".join(self.instruction.split())
        if len(text) > 48:
            text = text[:47] + "…"
        return f"r{self.id}{parent} · {self.status} · {self.source} · {text}"


@dataclass
class RevisionTree:
    """Revisions keyed by id with a movable head; adding always creates a child of the head."""

    revisions: dict[int, Revision] = field(default_factory=dict)
    head: int | None = None
    _next_id: int = 1

    def __len__(self) -> int:
        return len(self.revisions)

    def add(self, parent: int | None = -1, **fields: Any) -> Revision:
        """Add a revision as a child of `parent` (default: the head) and make it the head."""
        if parent == -1:
            parent = self.head
        if parent is not None and parent not in self.revisions:
            raise KeyError(f"no revision r{parent}")
        rev = Revision(id=self._next_id, parent=parent, **fields)
        self.revisions[rev.id] = rev
        self._next_id += 1
        self.head = rev.id
        return rev

    def get(self, rev_id: int) -> Revision:
        """The revision with this id, or KeyError with a readable message."""
        try:
            return self.revisions[int(rev_id)]
        except (KeyError, ValueError, TypeError):
            raise KeyError(f"no revision r{rev_id}") from None

    @property
    def current(self) -> Revision | None:
        """The head revision (what the next instruction continues from)."""
        return self.revisions.get(self.head) if self.head is not None else None

    def restore(self, rev_id: int) -> Revision:
        """Move the head to an earlier revision; the next answer becomes a new branch from it."""
        rev = self.get(rev_id)
        self.head = rev.id
        return rev

    def start_new(self) -> None:
        """Detach the head: the next revision becomes a new root (a new figure); nothing is removed."""
        self.head = None

    def children(self, rev_id: int | None) -> list[Revision]:
        """Direct children of a revision (None: the roots), oldest first."""
        return [r for r in self.revisions.values() if r.parent == rev_id]

    def lineage(self, rev_id: int | None = None) -> list[Revision]:
        """Revisions from the root down to `rev_id` (default: the head)."""
        rev_id = self.head if rev_id is None else rev_id
        chain: list[Revision] = []
        while rev_id is not None:
            rev = self.revisions[rev_id]
            chain.append(rev)
            rev_id = rev.parent
        return chain[::-1]

    def ordered(self) -> list[Revision]:
        """All revisions in creation order."""
        return sorted(self.revisions.values(), key=lambda r: r.id)

    def outline(self) -> str:
        """The tree as indented text lines (depth-first), the head marked with ▶."""
        lines: list[str] = []

        def walk(parent: int | None, depth: int) -> None:
            for rev in self.children(parent):
                mark = "▶ " if rev.id == self.head else "  "
                lines.append(f"{'    ' * depth}{mark}{rev.label()}")
                walk(rev.id, depth + 1)

        walk(None, 0)
        return "\n".join(lines)
