"""Prompt lookup drafting for revision turns: guess the reply's next tokens by copying the prompt.

A revision mostly writes the previous program out again with a few changes, and that program is in the prompt.
The drafter finds where the reply's last tokens occur in the prompt (or in the reply so far) with the longest
match, and proposes the tokens that follow there. While the reply keeps copying, the drafter stays aligned with
its source and the drafts grow with the run copied so far (first `first` tokens, then about as many as were
copied since the last mismatch, up to `longest`): a verification batch of many tokens costs far less per token
than single decoding steps, but a long draft that is rejected early wastes most of its batch, so drafts are kept
short until copying has proved itself. After a mismatch (the change the user asked for) the drafter searches
again.

The decoder accepts a drafted token only where it is the token it chose itself, so drafts change the speed of a
reply, never its tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["PromptLookup", "replay"]


class PromptLookup:
    """Drafts for one reply from its prompt's tokens (and the reply's own), aligned by the longest match."""

    def __init__(self, prompt: Sequence[int], *, first: int = 4, longest: int = 64, min_match: int = 2,
                 max_match: int = 64, stops: Iterable[int] = ()) -> None:
        """first: draft length after a fresh match; longest: the cap; min_match: tokens that must match before
        anything is drafted; max_match: how far back matches are compared; stops: history positions a draft
        never runs past (such as the end of the prompt's code block, where the reply's own block closes)."""
        if first < 1 or longest < first or min_match < 1 or max_match < min_match:
            raise ValueError(f"bad lookup settings: first={first}, longest={longest}, min_match={min_match}, "
                             f"max_match={max_match}")
        self.first, self.longest, self.min_match, self.max_match = first, longest, min_match, max_match
        self._hist = np.zeros(max(64, 2 * len(prompt)), dtype=np.int64)
        self._hist[:len(prompt)] = prompt
        self._n = len(prompt)
        self._prompt_len = len(prompt)
        self._stops = np.array(sorted({int(s) for s in stops}), dtype=np.int64)
        self._cursor: int | None = None  # history index of the token the reply is expected to write next
        self._run = 0  # reply tokens in a row that followed the source from where it was last found

    @property
    def aligned_run(self) -> int:
        """Reply tokens in a row that followed the current source (0 when not aligned)."""
        return self._run if self._cursor is not None else 0

    def _append(self, token: int) -> None:
        """Add one reply token, following or dropping the alignment with the source."""
        if self._cursor is not None and self._cursor < self._n and self._hist[self._cursor] == token:
            self._cursor += 1
            self._run += 1
        else:
            self._cursor, self._run = None, 0
        if self._n == len(self._hist):
            self._hist = np.concatenate([self._hist, np.zeros_like(self._hist)])
        self._hist[self._n] = token
        self._n += 1

    def _search(self) -> int | None:
        """The history index after the longest earlier match of the history's last tokens (latest of equals)."""
        n = self._n
        if n < 2:
            return None
        h = self._hist[:n]
        cand = np.flatnonzero(h[:n - 1] == h[n - 1])
        length = 1
        while cand.size and length < self.max_match:
            prev = cand - length
            keep = prev >= 0
            keep[keep] = h[prev[keep]] == h[n - 1 - length]
            if not keep.any():
                break
            cand = cand[keep]
            length += 1
        if cand.size == 0 or length < self.min_match:
            return None
        return int(cand[-1]) + 1

    def draft(self, reply: Sequence[int], room: int) -> list[int]:
        """Up to room tokens that may come next, given all tokens of the reply so far ([] when no good match)."""
        for token in reply[self._n - self._prompt_len:]:
            self._append(int(token))
        if room < 1:
            return []
        if self._cursor is None:
            self._cursor = self._search()
            self._run = 0
            if self._cursor is None:
                return []
        start = self._cursor
        end = min(self._n, start + min(room, self.longest, max(self.first, self._run)))
        # A stop inside the draft ends it (the stop's own token is still drafted).
        inside = self._stops[(self._stops >= start) & (self._stops < end - 1)]
        if inside.size:
            end = int(inside[0]) + 1
        return [int(t) for t in self._hist[start:end]]


def replay(prompt: Sequence[int], reply: Sequence[int], *, budget: int = 2048, max_draft: int = 511,
           **settings: int) -> list[tuple[int, int]]:
    """(drafted, accepted) for every decoding step a known reply would take with a PromptLookup drafter.

    It follows the decoder's loop: the first token comes from the prefill, then every step verifies the last
    chosen token plus a draft, keeps the drafted tokens up to the first one the model did not choose, and adds the
    model's own token after them. Used to compare drafting settings on a recorded reply without the model.
    """
    lookup = PromptLookup(prompt, **settings)
    steps: list[tuple[int, int]] = []
    done = 1 if reply else 0
    while done < len(reply):
        room = budget - done
        draft = lookup.draft(reply[:done], min(room - 1, max_draft)) if room > 1 else []
        accepted = 0
        while accepted < len(draft) and done + accepted < len(reply) and draft[accepted] == reply[done + accepted]:
            accepted += 1
        steps.append((len(draft), accepted))
        done = min(len(reply), done + accepted + 1)
    return steps
